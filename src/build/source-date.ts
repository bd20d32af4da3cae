/** SOURCE_DATE_EPOCH of an unpacked sdist (https://reproducible-builds.org/specs/source-date-epoch/). */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** 1980-01-01, the earliest time a zip file (a wheel) can hold; nothing older is a release time. */
export const EPOCH_FLOOR = 315532800;

/**
 * The sdist's release time: PKG-INFO's mtime, else (flit writes PKG-INFO
 * with mtime 0) the newest top-level entry's, else 1980-01-01. A time before
 * 1980 is never taken: a package of 1970 files is "ancient" to lintian and
 * cannot be put in a zip.
 */
export async function sourceDateEpoch(sourceDir: string): Promise<number> {
  const seconds = (ms: number) => Math.floor(ms / 1000);
  const pkgInfo = await stat(join(sourceDir, 'PKG-INFO')).catch(() => undefined);
  if (pkgInfo && seconds(pkgInfo.mtimeMs) >= EPOCH_FLOOR) return seconds(pkgInfo.mtimeMs);
  let newest = 0;
  for (const name of await readdir(sourceDir)) newest = Math.max(newest, seconds((await stat(join(sourceDir, name))).mtimeMs));
  return Math.max(newest, EPOCH_FLOOR);
}
