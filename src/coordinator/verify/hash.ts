/**
 * Hash verification: the digest computed while the sdist streamed to disk
 * must equal the one the index published. Compared in constant time.
 */
import { timingSafeEqual } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { IntegrityError } from '../../errors.js';
import type { DownloadedFile } from '../index/index-client.js';
import type { SdistCandidate } from '../../pep/index.types.js';
import type { HashCheck } from './checks.js';

/** Strongest first. */
const PREFERENCE = ['sha512', 'sha384', 'sha256'];

/**
 * Check the download against the index's hash. Returns the evidence; throws
 * `IntegrityError` (and deletes the file) on a mismatch or when the index
 * published no usable hash.
 */
export async function verifyHash(candidate: SdistCandidate, download: DownloadedFile): Promise<HashCheck> {
  const algorithm = PREFERENCE.find((alg) => candidate.file.hashes[alg] !== undefined);
  if (!algorithm) {
    await rm(download.path, { force: true });
    throw new IntegrityError('HASH_MISSING', `The index publishes no sha256 (or stronger) hash for ${candidate.file.filename}, so there is nothing to check the download against; pkg2os refuses to build it.`, {
      hint: 'Use an index that publishes hashes (PEP 503 "#sha256=" fragments or PEP 691 "hashes"), as PyPI does.',
    });
  }
  const expected = candidate.file.hashes[algorithm]!;
  const actual = download.digests[algorithm];
  if (actual === undefined || !equalHex(expected, actual)) {
    await rm(download.path, { force: true });
    throw new IntegrityError('HASH_MISMATCH', `${candidate.file.filename} does not match the index: its ${algorithm} is ${actual}, the index says ${expected}. The file was altered in transit or on the server, and was deleted unopened.`, {
      hint: 'Do not build it. Try again; if it persists, tell the index operator, and compare with the hash your lockfile or upstream publishes.',
    });
  }
  return { kind: 'hash', result: 'pass', detail: { source: 'index', algorithm: algorithm as 'sha256' | 'sha384' | 'sha512', expected, sha256: download.digests.sha256! } };
}

function equalHex(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase(), 'utf8');
  const y = Buffer.from(b.toLowerCase(), 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
