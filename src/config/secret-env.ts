/** A secret given as `NAME` in the environment, or in the file `NAME_FILE` names (its one line). */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';

export async function readSecret(name: string, what: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (env[name]) return env[name];
  const file = env[`${name}_FILE`];
  if (!file) return undefined;
  try {
    return (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
  } catch (error) {
    throw new ConfigError('INVALID_CONFIG', `Cannot read ${what} from the file ${name}_FILE names: ${(error as NodeJS.ErrnoException).code ?? 'error'}.`, { hint: `Check ${name}_FILE.`, cause: error });
  }
}
