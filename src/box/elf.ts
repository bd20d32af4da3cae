/**
 * The ELF files of a staged tree, made fit to install: shared objects lose
 * their symbol tables, .comment and .note sections (as dh_strip and rpm's
 * brp-strip do; lintian and rpmlint call an unstripped one an error), and
 * every ELF file loses its RPATH and RUNPATH (Debian Policy forbids them,
 * lintian's binary-or-shlib-defines-rpath; a runpath into /tmp would load a
 * library an attacker planted there on every client). One box run does it all
 * with the host's binutils and patchelf (they read any ELF file, whichever
 * distribution built it), and reports each file's dynamic section: a file
 * that still names a runpath afterwards is refused. Where strip itself fails
 * the package keeps its symbols, with a warning.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { BuildError, Pkg2osError } from '../errors.js';
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

/** The ELF files among `files` (absolute paths of the tree staged in <box>/root). */
export async function elfFiles(box: Box, files: readonly string[]): Promise<string[]> {
  const elves: string[] = [];
  for (const path of files) if (await isElf(join(box.dir, 'root', path))) elves.push(path);
  return elves;
}

/**
 * Strip the shared objects among `elves` and remove every file's RPATH and
 * RUNPATH, in place; returns how many files were changed. Throws when a
 * runpath cannot be removed.
 */
export async function cleanElfFiles(box: Box, elves: readonly string[], label: string, logger?: Logger): Promise<number> {
  if (elves.length === 0) return 0;
  const objects = elves.filter((e) => SHARED_OBJECT.test(e));
  const inside = (paths: readonly string[]) => paths.map((p) => `/build/root${p}`);
  const env = { LANG: 'C.UTF-8', HOME: '/build/home' };
  if (objects.length > 0) {
    try {
      await box.run(['strip', '--remove-section=.comment', '--remove-section=.note', '--strip-unneeded', ...inside(objects)], `stripping the compiled code of ${label}`, { root: HOST_ROOT, env });
    } catch (error) {
      if (!(error instanceof Pkg2osError) || error.code === 'BUILD_TIMEOUT' || error.code === 'BUILD_LIMIT') throw error;
      logger?.warn(`${label}: its compiled code keeps its symbols: strip failed (${error.message}).`);
    }
  }
  // patchelf on each file (one that has no dynamic section is left as it is), then the dynamic sections as readelf sees them.
  const script = 'for f; do patchelf --remove-rpath "$f" 2>/dev/null; echo "File: $f"; LC_ALL=C readelf -dW "$f" 2>/dev/null; done; exit 0';
  const { stdout } = await box.run(['/bin/sh', '-c', script, 'clean-elf', ...inside(elves)], `removing the runpaths of ${label}`, { root: HOST_ROOT, env, capture: true });
  const left = runpathsLeft(String(stdout));
  if (left.length > 0) {
    throw new BuildError('UNSAFE_PACKAGE', `${label} has compiled files whose RPATH or RUNPATH cannot be removed: ${left.map((f) => f.replace(/^\/build\/root/, '')).join(', ')}.`, {
      hint: 'A runpath makes the file load libraries from wherever it names on every client. Report it upstream; a recipe patch that builds without one (no -Wl,-rpath) fixes it meanwhile.',
    });
  }
  return objects.length + elves.length;
}

/** The files readelf -d still shows an RPATH or RUNPATH for ("File: …" headers, then their dynamic sections). */
export function runpathsLeft(readelf: string): string[] {
  const left: string[] = [];
  let file: string | undefined;
  for (const line of readelf.split('\n')) {
    const header = /^File: (.+)$/.exec(line);
    if (header) file = header[1];
    else if (/\((RPATH|RUNPATH)\)/.test(line) && file && !left.includes(file)) left.push(file);
  }
  return left;
}
