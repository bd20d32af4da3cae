/**
 * The Packages indices of an apt suite, per architecture (Architecture: all
 * packages in each), with Packages.gz. No Packages.xz: on these indices xz
 * saves about 15 % over gzip and costs twenty times the time, most of an
 * incremental publish.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { sha256Hex } from '../../digest.js';
import type { PoolEntry } from './pool.js';
import type { IndexFileEntry, ParsedRelease } from './release.js';
import { createHash } from 'node:crypto';

/** The files of an index directory, as Release lists them. */
export const INDEX_NAMES = ['Packages', 'Packages.gz'];

/** Write Packages and Packages.gz for each architecture under `staging`; returns what Release lists. */
export async function writeIndices(entries: readonly PoolEntry[], architectures: readonly string[], staging: string, liveDist: string, live: ParsedRelease): Promise<IndexFileEntry[]> {
  const listed: IndexFileEntry[] = [];
  for (const arch of architectures) {
    const text = entries.filter((e) => e.arch === 'all' || e.arch === arch).map((e) => e.stanza).join('\n');
    const dir = join(staging, 'main', `binary-${arch}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'Packages'), text);
    if (!(await reuseCompressed(text, join(liveDist, 'main', `binary-${arch}`), dir, live))) await writeFile(join(dir, 'Packages.gz'), gzipSync(text, { level: 9 }));
    for (const name of INDEX_NAMES) {
      const data = await readFile(join(dir, name));
      listed.push({ path: `main/binary-${arch}/${name}`, size: data.length, sha256: sha256Hex(data), sha512: createHash('sha512').update(data).digest('hex') });
    }
  }
  return listed;
}

/**
 * When the index text is the one the live Release lists, and the live
 * Packages.gz is the one it lists too, copy it instead of compressing again
 * (the costly part of an unchanged publish). Files a killed publish left half
 * switched do not match the Release and are made anew.
 */
async function reuseCompressed(text: string, liveDir: string, dir: string, live: ParsedRelease): Promise<boolean> {
  if (!live.hashes.has(sha256Hex(text))) return false;
  for (const name of INDEX_NAMES.filter((n) => n !== 'Packages')) {
    const data = await readFile(join(liveDir, name)).catch(() => undefined);
    if (!data || !live.hashes.has(sha256Hex(data))) return false;
    await writeFile(join(dir, name), data);
  }
  return true;
}
