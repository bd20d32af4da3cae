/** A staged tree: the files a package will install, by absolute path on the target system. */
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { walkTree } from '../../fs-walk.js';
import type { StagedEntry } from '../../families/shared/family.types.js';

export type { StagedEntry } from '../../families/shared/family.types.js';

/** All entries below `root`, as absolute target paths, sorted. */
export async function listTree(root: string): Promise<StagedEntry[]> {
  const entries: StagedEntry[] = [];
  for (const { path, entry } of await walkTree(root)) {
    const target = `/${path}`;
    const st = await lstat(join(root, path));
    const mode = st.mode & 0o7777;
    if (entry.isSymbolicLink()) entries.push({ path: target, type: 'symlink', size: 0, mode });
    else if (entry.isDirectory()) entries.push({ path: target, type: 'dir', size: 0, mode });
    else if (entry.isFile()) entries.push({ path: target, type: 'file', size: st.size, mode });
    else entries.push({ path: target, type: 'special', size: 0, mode });
  }
  return entries;
}
