/** File writes a concurrent reader never sees half done: a temp file in the same directory, then rename(2). */
import { copyFile, link, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { removeOnStop } from './stop-registry.js';

function tempBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
}

export async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = tempBeside(path);
  const tracked = removeOnStop(temp);
  try {
    await writeFile(temp, data, { mode: 0o644 });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  } finally {
    tracked.release();
  }
}

/**
 * Put a copy of `source` at `path` atomically. With `hardLink`, a hard link
 * where possible: only for files pkg2os itself wrote and never changes in place.
 */
export async function copyAtomic(source: string, path: string, hardLink = false): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = tempBeside(path);
  const tracked = removeOnStop(temp);
  try {
    if (hardLink) await link(source, temp).catch(() => copyFile(source, temp));
    else await copyFile(source, temp);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  } finally {
    tracked.release();
  }
}
