/**
 * The Packages indices of an apt suite, per architecture (Architecture: all
 * packages in each), with Packages.gz. No Packages.xz: on these indices xz
 * saves about 15 % over gzip and costs twenty times the time, most of an
 * incremental publish.
 *
 * A publish that only adds packages does not compress the index again: the
 * live Packages (checked against the signed live Release) is kept as it is
 * with the new stanzas after it, and Packages.gz is the live one with a gzip
 * member of the new stanzas appended (RFC 1952 allows several members; zlib,
 * and so apt, reads them as one stream). Anything else (a package leaving
 * the index, a changed stanza) writes the index anew, sorted by file name.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { sha256Hex } from '../../../digest.js';
import type { PoolEntry } from './pool.js';
import type { IndexFileEntry, ParsedRelease } from './release.js';

/** The files of an index directory, as Release lists them. */
export const INDEX_NAMES = ['Packages', 'Packages.gz'];

/** gzip's default level: at 10,000 packages -9 takes twice the time for 1 % less. */
const GZIP_LEVEL = 6;

/** Write Packages and Packages.gz for each architecture under `staging`; returns what Release lists. */
export async function writeIndices(entries: readonly PoolEntry[], architectures: readonly string[], staging: string, liveDist: string, live: ParsedRelease): Promise<IndexFileEntry[]> {
  const listed: IndexFileEntry[] = [];
  for (const arch of architectures) {
    const mine = entries.filter((e) => e.arch === 'all' || e.arch === arch);
    const dir = join(staging, 'main', `binary-${arch}`);
    await mkdir(dir, { recursive: true });
    const liveDir = join(liveDist, 'main', `binary-${arch}`);
    const { text, gz } = (await appended(mine, liveDir, live)) ?? fresh(mine);
    const files: Array<[string, Buffer]> = [
      ['Packages', Buffer.from(text)],
      ['Packages.gz', gz],
    ];
    for (const [name, data] of files) {
      await writeFile(join(dir, name), data);
      listed.push({ path: `main/binary-${arch}/${name}`, size: data.length, sha256: sha256Hex(data), sha512: createHash('sha512').update(data).digest('hex') });
    }
  }
  return listed;
}

function fresh(entries: readonly PoolEntry[]): { text: string; gz: Buffer } {
  const text = [...entries].sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0)).map((e) => e.stanza).join('\n');
  return { text, gz: gzipSync(text, { level: GZIP_LEVEL }) };
}

/**
 * The live index with the new entries after it, when the live index is the
 * one the signed Release lists and every stanza in it is still listed,
 * unchanged; undefined otherwise.
 */
async function appended(entries: readonly PoolEntry[], liveDir: string, live: ParsedRelease): Promise<{ text: string; gz: Buffer } | undefined> {
  const [text, gz] = await Promise.all([readFile(join(liveDir, 'Packages'), 'utf8').catch(() => undefined), readFile(join(liveDir, 'Packages.gz')).catch(() => undefined)]);
  if (text === undefined || gz === undefined || !live.hashes.has(sha256Hex(text)) || !live.hashes.has(sha256Hex(gz))) return undefined;
  const byFile = new Map(entries.map((e) => [e.filename, e]));
  const liveFiles = [...text.matchAll(/^Filename: (.+)$/gm)].map((m) => m[1]!);
  const kept: PoolEntry[] = [];
  for (const file of liveFiles) {
    const entry = byFile.get(file);
    if (!entry) return undefined;
    kept.push(entry);
    byFile.delete(file);
  }
  // The live text must be exactly these stanzas: a stanza that changed (or a file listed twice) means writing anew.
  if (kept.map((e) => e.stanza).join('\n') !== text) return undefined;
  if (byFile.size === 0) return { text, gz };
  const added = [...byFile.values()].sort((a, b) => (a.filename < b.filename ? -1 : 1)).map((e) => e.stanza).join('\n');
  const tail = text === '' ? added : `\n${added}`;
  return { text: text + tail, gz: Buffer.concat([gz, gzipSync(tail, { level: GZIP_LEVEL })]) };
}
