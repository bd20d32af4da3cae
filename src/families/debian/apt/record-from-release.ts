/**
 * The pool's record, rebuilt when it is lost: from the last signed indices,
 * never from whatever files lie in the pool. The live InRelease must verify
 * with the repository's key (gpgv), each Packages file must have the digest
 * the Release lists, and each pool file the digest its Packages stanza lists;
 * a listed file with other bytes means someone changed a published file.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileDigests, sha256Hex } from '../../../digest.js';
import { PublishError } from '../../../errors.js';
import { gpgvCheck } from '../../../coordinator/publish/self-check.js';
import { type Paragraph, field, formatParagraph, parseParagraphs } from './deb822.js';
import type { PoolEntry } from './pool.js';
import { parseRelease } from './release.js';
import { scratchDir } from '../../../stop-registry.js';

const POOL_FIELDS = new Set(['filename', 'size', 'sha256', 'sha512', 'md5sum', 'sha1']);

function tampered(what: string): PublishError {
  return new PublishError('PUBLISH_TAMPERED', `${what}; pkg2os will not publish over it.`, {
    hint: 'Find out who changed the repository. Restore it from a backup, or publish into a new repository root.',
  });
}

/**
 * The entries of the pool as the signed indices of every suite list them (empty when none was published); each
 * file hashed and compared, unless `hashFiles` is false (a publish reading back the indices it just wrote and checked).
 */
export async function recordFromSignedIndices(aptRoot: string, keyring: string, hashFiles = true): Promise<PoolEntry[]> {
  const entries = new Map<string, PoolEntry>();
  for (const suite of (await readdir(join(aptRoot, 'dists')).catch(() => [] as string[])).sort()) {
    for (const entry of await suiteEntries(aptRoot, join(aptRoot, 'dists', suite), suite, keyring, hashFiles)) {
      const known = entries.get(entry.filename);
      entries.set(entry.filename, known ? { ...known, suites: [...known.suites, suite] } : entry);
    }
  }
  return [...entries.values()];
}

async function suiteEntries(aptRoot: string, dist: string, suite: string, keyring: string, hashFiles: boolean): Promise<PoolEntry[]> {
  const inRelease = join(dist, 'InRelease');
  if (!(await stat(inRelease).catch(() => undefined))) return [];
  const scratchTree = await scratchDir(aptRoot, '.staging-record-');
  const scratch = scratchTree.path;
  try {
    await gpgvCheck(keyring, inRelease, undefined, 'live InRelease', join(scratch, 'Release')).catch((error: unknown) => {
      throw tampered(`The pool's record is lost and the live ${inRelease} does not verify with the repository's key (${(error as Error).message})`);
    });
    const release = parseRelease(await readFile(join(scratch, 'Release'), 'utf8'));
    const entries = new Map<string, PoolEntry>();
    for (const [path, listed] of release.files) {
      if (!/^main\/binary-[^/]+\/Packages$/.test(path)) continue;
      const text = await readFile(join(dist, path), 'utf8').catch(() => undefined);
      if (text === undefined || sha256Hex(text) !== listed.sha256) throw tampered(`${join(dist, path)} is not the index the signed Release lists`);
      for (const paragraph of parseParagraphs(text)) {
        const filename = field(paragraph, 'Filename');
        if (!filename || entries.has(filename)) continue;
        const path = join(aptRoot, filename);
        if (hashFiles && !(await stat(path).catch(() => undefined))?.isFile()) continue;
        const digest = hashFiles ? await fileDigests(path) : { sha256: field(paragraph, 'SHA256') ?? '', sha512: field(paragraph, 'SHA512') ?? '' };
        if (digest.sha256 !== field(paragraph, 'SHA256')) throw tampered(`The pool file ${filename} is not the file the signed indices list (its sha256 is ${digest.sha256})`);
        const control: Paragraph = paragraph.filter(([f]) => !POOL_FIELDS.has(f.toLowerCase()));
        const size = Number(field(paragraph, 'Size'));
        entries.set(filename, {
          filename,
          pkg: field(paragraph, 'Package') ?? '',
          arch: field(paragraph, 'Architecture') ?? '',
          version: field(paragraph, 'Version') ?? '',
          size,
          ...digest,
          stanza: formatParagraph(control, [['Filename', filename], ['Size', String(size)], ['SHA256', digest.sha256], ['SHA512', digest.sha512]]),
          suites: [suite],
        });
      }
    }
    return [...entries.values()];
  } finally {
    await scratchTree.remove();
  }
}
