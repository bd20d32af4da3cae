/**
 * The one directory walker of pkg2os (Node's recursive readdir), for the
 * places that list a tree: cache keys, staged trees, pools, license files.
 */
import { type Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** Every entry below `dir`, as paths relative to it, sorted; an absent directory is empty. */
export async function walkTree(dir: string): Promise<Array<{ path: string; entry: Dirent }>> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as Dirent[];
    throw error;
  });
  return entries
    .map((entry) => ({ path: relative(dir, join(entry.parentPath, entry.name)), entry }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Regular files below `dir`, relative to it, sorted. */
export async function walkFiles(dir: string, filter: (name: string) => boolean = () => true): Promise<string[]> {
  return (await walkTree(dir)).filter(({ entry }) => entry.isFile() && filter(entry.name)).map(({ path }) => path);
}
