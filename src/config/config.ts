/**
 * `pkg2os.config.yaml`: settings shared by every command, read and checked
 * here (its schema, config-schema.ts, is loaded only when there is a file);
 * command-line flags win over the file.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import type { FileConfig } from './config-schema.js';
import { DEFAULT_CONFIG_FILE, DEFAULT_MAINTAINER } from './defaults.js';

export type { FileConfig } from './config-schema.js';
export { DEFAULT_CONFIG_FILE, DEFAULT_MAINTAINER };

/** Read and check a config file. A missing default file is an empty config; a missing named one is an error. */
export async function loadConfig(path: string | undefined): Promise<FileConfig> {
  const file = path ?? DEFAULT_CONFIG_FILE;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && path === undefined) return {};
    throw new ConfigError('INVALID_CONFIG', `Cannot read the configuration file ${file}: ${(error as Error).message}.`, { cause: error });
  }
  const [yaml, { configSchema }, { describeIssues }] = await Promise.all([import('yaml'), import('./config-schema.js'), import('./recipes.js')]);
  const parseYaml = yaml.parse ?? (yaml as unknown as { default: typeof yaml }).default.parse;
  let data: unknown;
  try {
    data = parseYaml(text) ?? {};
  } catch (error) {
    throw new ConfigError('INVALID_CONFIG', `${file} is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  const parsed = configSchema.safeParse(data);
  if (!parsed.success) {
    throw new ConfigError('INVALID_CONFIG', `${file} is not a valid pkg2os configuration: ${describeIssues(parsed.error.issues)}.`, {
      hint: `Known keys: ${Object.keys(configSchema.shape).join(', ')} (see README.md).`,
    });
  }
  return parsed.data;
}

/**
 * The requirements a nightly `pkg2os rebuild` builds: the config's list and,
 * if named, a requirements.txt-style file (one PEP 508 requirement a line;
 * blank lines and # comments ignored; pip options are refused).
 */
export async function manifestRequirements(config: FileConfig, configFile: string): Promise<string[]> {
  const out = [...(config.requirements ?? [])];
  if (config['requirements-file']) {
    const { dirname, resolve: resolvePath } = await import('node:path');
    const file = resolvePath(dirname(configFile), config['requirements-file']);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new ConfigError('INVALID_CONFIG', `Cannot read the requirements file ${file} named in ${configFile}: ${(error as Error).message}.`, { cause: error });
    }
    text.split('\n').forEach((raw, i) => {
      const line = raw.replace(/(^|\s)#.*$/, '').trim();
      if (!line) return;
      if (line.startsWith('-')) throw new ConfigError('INVALID_CONFIG', `${file}:${i + 1}: "${line}" is a pip option; pkg2os takes the index and constraints from pkg2os.config.yaml.`);
      out.push(line);
    });
  }
  if (out.length === 0) {
    throw new ConfigError('INVALID_CONFIG', `${configFile} names no requirements to rebuild.`, { hint: 'Add "requirements: [django, ...]" or "requirements-file: requirements.txt".' });
  }
  return out;
}
