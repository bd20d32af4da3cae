/** SOURCE_DATE_EPOCH of an unpacked sdist (https://reproducible-builds.org/specs/source-date-epoch/). */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** The sdist's release time: PKG-INFO's mtime, else the newest top-level entry's, else 1980-01-01. */
export async function sourceDateEpoch(sourceDir: string): Promise<number> {
  const pkgInfo = await stat(join(sourceDir, 'PKG-INFO')).catch(() => undefined);
  if (pkgInfo) return Math.floor(pkgInfo.mtimeMs / 1000);
  let newest = 0;
  for (const name of await readdir(sourceDir)) newest = Math.max(newest, (await stat(join(sourceDir, name))).mtimeMs);
  return Math.floor(newest / 1000) || 315532800;
}
