/** A staged tree: the files a package will install, by absolute path on the target system. */
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { BuildError } from '../../errors.js';
import { walkTree } from '../../fs-walk.js';

/** An entry of the staged tree, by its absolute path on the target system. */
export interface StagedEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink';
  /** Bytes, for files; 0 otherwise. */
  size: number;
}

/** All entries below `root`, as absolute target paths, sorted. */
export async function listTree(root: string): Promise<StagedEntry[]> {
  const entries: StagedEntry[] = [];
  for (const { path, entry } of await walkTree(root)) {
    const target = `/${path}`;
    if (entry.isSymbolicLink()) entries.push({ path: target, type: 'symlink', size: 0 });
    else if (entry.isDirectory()) entries.push({ path: target, type: 'dir', size: 0 });
    else if (entry.isFile()) entries.push({ path: target, type: 'file', size: (await lstat(join(root, path))).size });
    else throw new BuildError('PACKAGING_FAILED', `The staged tree holds ${target}, which is neither a file, a directory nor a link.`);
  }
  return entries;
}
