/** Run the real `bin/pkg2os` as a user would, and capture what it says. */
import { execa } from 'execa';
import { shipped } from '../../src/paths.js';

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function pkg2os(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<CliResult> {
  const result = await execa(shipped('bin', 'pkg2os'), args, { reject: false, env: { PKG2OS_INDEX_URL: '', PIP_INDEX_URL: '', ...env }, cwd, all: false });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}
