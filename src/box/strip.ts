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
import type { Logger } from '../log.js';
import type { Box } from './box.js';
import { HOST_ROOT } from './sandbox.js';

/** A shared object or an extension module, by name. */
export const SHARED_OBJECT = /\.so(\.\d+)*$/;

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

/** The ELF shared objects among `files` (absolute paths of the tree staged in <box>/root). */
export async function elfObjects(box: Box, files: readonly string[]): Promise<string[]> {
  const objects: string[] = [];
  for (const path of files) if (SHARED_OBJECT.test(path) && (await isElf(join(box.dir, 'root', path)))) objects.push(path);
  return objects;
}

/** Strip the tree's ELF shared objects in place, with the host's binutils; returns how many. */
export async function stripSharedObjects(box: Box, objects: readonly string[], label: string, logger?: Logger): Promise<number> {
  if (objects.length === 0) return 0;
  try {
    await box.run(['strip', '--remove-section=.comment', '--remove-section=.note', '--strip-unneeded', ...objects.map((o) => `/build/root${o}`)], `stripping the compiled code of ${label}`, {
      root: HOST_ROOT,
      env: { LANG: 'C.UTF-8', HOME: '/build/home' },
    });
  } catch (error) {
    if (!(error instanceof Pkg2osError) || error.code === 'BUILD_TIMEOUT' || error.code === 'BUILD_LIMIT') throw error;
    logger?.warn(`${label}: its compiled code keeps its symbols: strip failed (${error.message}).`);
    return 0;
  }
  return objects.length;
}
