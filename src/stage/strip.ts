/**
 * Compiled code loses its symbol tables, .comment and .note sections before
 * it is packaged, as dh_strip and rpm's brp-strip do for the distributions'
 * own packages (lintian and rpmlint call an unstripped shared object an
 * error; it is also several times larger). strip parses upstream's ELF
 * files, so it runs in the sandbox, with the host's binutils (it reads any
 * x86-64 ELF file, whichever distribution built it); where it cannot run the
 * package keeps its symbols, with a warning.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Pkg2osError } from '../errors.js';
import { HOST_ROOT, runSandboxed } from '../sandbox/sandbox.js';
import type { LibraryDependsOptions } from './library-depends.js';

const SHARED_OBJECT = /\.so(\.\d+)*$/;

/** What strip needs: the staged tree and its box, as for the library dependencies, whatever the format and root. */
export type StripOptions = Omit<LibraryDependsOptions, 'format' | 'root'>;

/** Whether the file starts with the ELF magic. */
async function isElf(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    return bytesRead === 4 && buffer.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } finally {
    await handle.close();
  }
}

/** Strip the tree's ELF shared objects in place; returns how many. */
export async function stripSharedObjects(options: StripOptions): Promise<number> {
  const objects: string[] = [];
  for (const entry of options.entries) {
    if (entry.type === 'file' && SHARED_OBJECT.test(entry.path) && (await isElf(join(options.box, 'root', entry.path)))) objects.push(entry.path);
  }
  if (objects.length === 0) return 0;
  try {
    await runSandboxed({
      argv: ['strip', '--remove-section=.comment', '--remove-section=.note', '--strip-unneeded', ...objects.map((o) => `/build/root${o}`)],
      root: HOST_ROOT,
      box: options.box,
      cwd: '/build',
      env: { LANG: 'C.UTF-8', HOME: '/build/home' },
      limits: options.limits,
      logFile: options.logFile,
      logCapBytes: options.logCapBytes,
      purpose: `stripping the compiled code of ${options.label}`,
    });
  } catch (error) {
    if (!(error instanceof Pkg2osError) || error.code === 'BUILD_TIMEOUT' || error.code === 'BUILD_LIMIT') throw error;
    options.logger?.warn(`${options.label}: its compiled code keeps its symbols: strip failed (${error.message}).`);
    return 0;
  }
  return objects.length;
}
