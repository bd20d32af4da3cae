/**
 * A published .deb against its rebuild: identical when the bytes are; else
 * both are unpacked (dpkg-deb -R: the control files under DEBIAN/ and the
 * data) and the paths that differ are named.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileDigest } from '../../digest.js';
import { run } from '../../exec.js';
import { type PackageComparison, differingPaths } from '../shared/compare-trees.js';

export async function debMaintainer(file: string): Promise<string | undefined> {
  return (await run('dpkg-deb', ['-f', file, 'Maintainer'], { purpose: `reading the maintainer of ${file}` })).stdout.trim() || undefined;
}

export async function compareDebs(published: string, rebuilt: string, work: string): Promise<PackageComparison> {
  if ((await fileDigest(published)) === (await fileDigest(rebuilt))) return { identical: true, how: 'byte for byte', differing: [] };
  const [a, b] = [join(work, 'published'), join(work, 'rebuilt')];
  for (const [file, dir] of [[published, a], [rebuilt, b]] as const) {
    await mkdir(dir, { recursive: true });
    await run('dpkg-deb', ['-R', file, dir], { purpose: `unpacking ${file} to compare it` });
  }
  const differing = await differingPaths(a, b);
  return { identical: false, how: differing.length ? 'their contents differ' : 'the files are alike, and the archives differ (timestamps, ownership or order)', differing };
}
