/**
 * Reading what a sandboxed build left in its box. The box was writable by
 * hostile code: any component of a path in it may have been swapped for a
 * symbolic link (to /etc/shadow, to the signing key). pkg2os reads a box only
 * through these functions: no component may be a link, and files are opened
 * with O_NOFOLLOW and must be regular files of bounded size.
 */
import { constants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { lstat, open, rename } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { BuildError } from '../errors.js';

function refused(box: string, path: string, why: string): BuildError {
  return new BuildError('UNSAFE_PACKAGE', `The build left ${relative(box, path) || '.'} in its box as ${why}; pkg2os reads nothing through links a build made.`, {
    hint: 'A genuine build does not do this. Do not package this release; report it upstream.',
  });
}

/** Check that no component of `path` below `box` is a symbolic link; returns `path`. */
export async function boxPath(box: string, path: string): Promise<string> {
  const rel = relative(box, path);
  if (rel.startsWith('..') || rel.startsWith(sep)) throw refused(box, path, 'a path outside the box');
  let current = box;
  for (const part of rel.split(sep).filter(Boolean)) {
    current = `${current}${sep}${part}`;
    const st = await lstat(current).catch(() => undefined);
    if (st?.isSymbolicLink()) throw refused(box, current, 'a symbolic link');
  }
  return path;
}

/** The bytes of a regular file in the box, at most `maxBytes`. */
export async function readBoxFile(box: string, path: string, maxBytes = 16 * 1024 * 1024): Promise<Buffer> {
  await boxPath(box, path);
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw refused(box, path, 'something other than a regular file');
    if (st.size > maxBytes) throw refused(box, path, `a file larger than ${maxBytes} bytes`);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** Copy a regular file out of the box to `dest` (trusted space), without following links. */
export async function copyOutOfBox(box: string, path: string, dest: string, maxBytes: number): Promise<void> {
  await boxPath(box, path);
  const source = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const st = await source.stat();
    if (!st.isFile()) throw refused(box, path, 'something other than a regular file');
    if (st.size > maxBytes) throw refused(box, path, `a file larger than ${maxBytes} bytes`);
    // A new file under a temporary name, renamed over `dest`: never written through a link that might stand there.
    const temp = `${dest}.${randomBytes(6).toString('hex')}.tmp`;
    const target = await open(temp, 'wx', 0o644);
    try {
      for await (const chunk of source.createReadStream({ autoClose: false })) await target.write(chunk as Buffer);
    } finally {
      await target.close();
    }
    await rename(temp, dest);
  } finally {
    await source.close();
  }
}
