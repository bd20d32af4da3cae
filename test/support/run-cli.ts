/** Run the real `bin/pkg2os` as a user would, and capture what it says. */
import { execa } from 'execa';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shipped } from '../../src/paths.js';

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * The RPM-family targets have no root here (their repositories are not
 * reachable): tests build their pure Python with the host's Python, as a user
 * asks with --host-python. Tests of that refusal unset it.
 */
export const HOST_PYTHON = 'el9,fedora-41';

/**
 * Runs in `cwd` (default: a new empty directory, so that no pkg2os.lock or
 * pkg2os.config.yaml of the project is picked up), with a private keys dir.
 */
export async function pkg2os(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<CliResult> {
  const dir = cwd ?? (await mkdtemp(join(tmpdir(), 'pkg2os-cwd-')));
  const result = await execa(shipped('bin', 'pkg2os'), args, {
    reject: false,
    env: { PKG2OS_INDEX_URL: '', PIP_INDEX_URL: '', PKG2OS_KEYS_DIR: join(dir, 'keys'), PKG2OS_CACHE_DIR: join(dir, 'cache'), PKG2OS_HOST_PYTHON: HOST_PYTHON, ...env },
    cwd: dir,
    all: false,
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}
