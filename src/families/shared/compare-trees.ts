/** Two unpacked package trees, compared entry by entry: the paths whose kind, mode, content or link target differ. */
import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fileDigest } from '../../digest.js';
import { walkTree } from '../../fs-walk.js';

/** What a comparison of a published package with its rebuild found. */
export interface PackageComparison {
  identical: boolean;
  /** How it was compared ("byte for byte", "header and payload digests"), or what differs when no file does. */
  how: string;
  /** The paths that differ (those in only one, too). */
  differing: string[];
}

async function describe(root: string, path: string): Promise<string> {
  const st = await lstat(join(root, path));
  const mode = (st.mode & 0o7777).toString(8);
  if (st.isSymbolicLink()) return `link ${await readlink(join(root, path))}`;
  if (st.isDirectory()) return `dir ${mode}`;
  return `file ${mode} ${st.size} ${await fileDigest(join(root, path))}`;
}

export async function differingPaths(a: string, b: string): Promise<string[]> {
  const [left, right] = await Promise.all([walkTree(a), walkTree(b)]);
  const paths = [...new Set([...left, ...right].map((e) => e.path))].sort();
  const out: string[] = [];
  for (const path of paths) {
    const [x, y] = await Promise.all([describe(a, path).catch(() => 'absent'), describe(b, path).catch(() => 'absent')]);
    if (x !== y) out.push(`/${path}`);
  }
  return out;
}
