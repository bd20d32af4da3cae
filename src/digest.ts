/** Digests of files and trees, for verification, cache keys and indices. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { walkFiles } from './fs-walk.js';

/** Hex digest of a file, streamed. */
export async function fileDigest(path: string, algorithm = 'sha256'): Promise<string> {
  const hash = createHash(algorithm);
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** sha256 and sha512 of a file in one read (small files in one read; a stream costs more than hashing them). */
export async function fileDigests(path: string): Promise<{ sha256: string; sha512: string }> {
  const a = createHash('sha256');
  const b = createHash('sha512');
  if ((await stat(path)).size < 4 * 1024 * 1024) {
    const data = await readFile(path);
    return { sha256: a.update(data).digest('hex'), sha512: b.update(data).digest('hex') };
  }
  for await (const chunk of createReadStream(path)) {
    a.update(chunk as Buffer);
    b.update(chunk as Buffer);
  }
  return { sha256: a.digest('hex'), sha512: b.digest('hex') };
}

/** Hex sha256 of bytes or text. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256 over the files of a directory (relative names and contents), for cache keys. */
export async function treeDigest(dir: string, filter: RegExp = /./): Promise<string> {
  const hash = createHash('sha256');
  for (const file of await walkFiles(dir)) {
    if (!filter.test(file.split('/').pop()!)) continue;
    hash.update(`${file}\0`).update(await readFile(`${dir}/${file}`));
  }
  return hash.digest('hex');
}

/** JSON with every object's keys sorted: the same value, the same text (for digests and signatures). */
export function canonicalJson(value: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canonical) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])])) : v;
  return JSON.stringify(canonical(value));
}
