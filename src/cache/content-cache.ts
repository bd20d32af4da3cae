/**
 * A content-addressed cache (after npm's cacache): entries live under
 * `<dir>/<kind>/sha256/<ab>/<cd>/<key>/`, are written to a temporary
 * directory and renamed into place, and are checked against the sha256 of
 * every file they hold when read; a corrupt entry is evicted and reported.
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import fse from 'fs-extra';
import { basename, join } from 'node:path';
import { type Clock, systemClock } from '../clock.js';
import { fileDigest } from '../digest.js';

/** The hex sha256 of a canonical JSON rendering of `parts` (object keys sorted). */
export function cacheKey(parts: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canonical) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])])) : v;
  return createHash('sha256').update(JSON.stringify(canonical(parts))).digest('hex');
}

interface EntryIndex<M> {
  key: string;
  meta: M;
  files: Array<{ name: string; sha256: string }>;
}

export interface CacheHit<M> {
  meta: M;
  /** Absolute paths of the entry's files, by name. */
  files: Map<string, string>;
}

export class ContentCache {
  /** Keys found corrupt (and evicted) during this process. */
  readonly corrupt: string[] = [];

  constructor(
    readonly dir: string,
    private readonly clock: Clock = systemClock,
  ) {}

  private entryDir(kind: string, key: string): string {
    return join(this.dir, kind, 'sha256', key.slice(0, 2), key.slice(2, 4), key);
  }

  /** Read an entry; undefined on a miss. A corrupt entry is evicted and is a miss. */
  async get<M>(kind: string, key: string): Promise<CacheHit<M> | undefined> {
    const dir = this.entryDir(kind, key);
    let index: EntryIndex<M>;
    try {
      index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as EntryIndex<M>;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      await this.evict(kind, key);
      return undefined;
    }
    const files = new Map<string, string>();
    for (const f of index.files) {
      const path = join(dir, 'files', f.name);
      if (index.key !== key || (await fileDigest(path).catch(() => '')) !== f.sha256) {
        await this.evict(kind, key);
        return undefined;
      }
      files.set(f.name, path);
    }
    const now = this.clock.now();
    await utimes(join(dir, 'index.json'), now, now).catch(() => undefined); // last use, for prune
    return { meta: index.meta, files };
  }

  /** Store `files` (copied) and `meta` under `key`, atomically. */
  async put<M>(kind: string, key: string, meta: M, files: string[] = []): Promise<void> {
    const final = this.entryDir(kind, key);
    const temp = join(this.dir, 'tmp', `${key}.${randomBytes(6).toString('hex')}`);
    await mkdir(join(temp, 'files'), { recursive: true });
    try {
      const listed: EntryIndex<M>['files'] = [];
      for (const file of files) {
        await copyFile(file, join(temp, 'files', basename(file)));
        listed.push({ name: basename(file), sha256: await fileDigest(file) });
      }
      await writeFile(join(temp, 'index.json'), JSON.stringify({ key, meta, files: listed } satisfies EntryIndex<M>));
      await fse.move(temp, final, { overwrite: true });
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  }

  private async evict(kind: string, key: string): Promise<void> {
    this.corrupt.push(`${kind}/${key}`);
    await rm(this.entryDir(kind, key), { recursive: true, force: true });
  }

  /** Remove entries not used for `maxAgeSeconds`; returns how many. */
  async prune(maxAgeSeconds: number): Promise<number> {
    const cutoff = this.clock.now().getTime() - maxAgeSeconds * 1000;
    let removed = 0;
    const walk = async (dir: string, depth: number): Promise<void> => {
      for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        if (!e.isDirectory()) continue;
        const path = join(dir, e.name);
        if (depth === 0) {
          const used = await stat(join(path, 'index.json')).catch(() => undefined);
          if (!used || used.mtimeMs < cutoff) {
            await rm(path, { recursive: true, force: true });
            removed++;
          }
        } else await walk(path, depth - 1);
      }
    };
    for (const kind of await readdir(this.dir).catch(() => [] as string[])) if (kind !== 'tmp') await walk(join(this.dir, kind, 'sha256'), 2);
    await rm(join(this.dir, 'tmp'), { recursive: true, force: true });
    return removed;
  }
}
