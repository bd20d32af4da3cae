/**
 * A content-addressed cache (after npm's cacache): entries live under
 * `<dir>/<kind>/sha256/<ab>/<cd>/<key>/`, are written to a temporary
 * directory and renamed into place, and are checked when read: every file
 * against its sha256, and the whole entry against an HMAC made with the
 * cache's own secret (`<dir>/.pkg2os-cache-key`, mode 0600). Builds never see
 * the cache; if something else rewrote an entry and fixed up its digests, the
 * HMAC no longer matches: the entry is evicted, reported and rebuilt.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, copyFile, mkdir, link, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import fse from 'fs-extra';
import { type Clock, systemClock } from '../../clock.js';
import { canonicalJson, fileDigest } from '../../digest.js';
import { ConfigError } from '../../errors.js';
import { isStorageFailure, storageError } from '../../storage-errors.js';

/** The hex sha256 of a canonical JSON rendering of `parts` (object keys sorted). */
export function cacheKey(parts: unknown): string {
  return createHash('sha256').update(canonicalJson(parts)).digest('hex');
}

interface EntryIndex<M> {
  key: string;
  meta: M;
  files: Array<{ name: string; sha256: string }>;
  /** HMAC-SHA256 of kind, key, meta and files with the cache's secret. */
  mac: string;
}

export interface CacheHit<M> {
  meta: M;
  /** Absolute paths of the entry's files, by name. */
  files: Map<string, string>;
}

/** A file to store: one on disk, or bytes with a name. */
export type CacheFile = string | { name: string; data: Uint8Array };

export class ContentCache {
  /** Keys found corrupt or forged (and evicted) during this process. */
  readonly corrupt: string[] = [];
  /** Why the cache stopped taking entries (its file system full or read-only): the run goes on without caching. */
  full?: string;
  private secret?: Promise<Buffer>;

  constructor(
    readonly dir: string,
    private readonly clock: Clock = systemClock,
    /** Told once when an entry is found corrupt, and when the cache's file system fills up. */
    private readonly warn: (message: string) => void = () => {},
  ) {}

  private entryDir(kind: string, key: string): string {
    return join(this.dir, kind, 'sha256', key.slice(0, 2), key.slice(2, 4), key);
  }

  /** The cache's secret, made on first use; a secret others can read is refused. */
  private key(): Promise<Buffer> {
    this.secret ??= (async () => {
      const path = join(this.dir, '.pkg2os-cache-key');
      // Traversable, not listable: build roots live in it (roots/), and the sandboxes' unprivileged uids must pass through;
      // the entries stay private (each kind's directory 0700, also those an older pkg2os made under a 0700 cache), the secret 0600.
      await mkdir(this.dir, { recursive: true, mode: 0o711 });
      for (const entry of await readdir(this.dir, { withFileTypes: true })) {
        if (!entry.isDirectory() || entry.name === 'roots') continue;
        const st = await stat(join(this.dir, entry.name));
        if (st.mode & 0o077) await chmod(join(this.dir, entry.name), 0o700);
      }
      // Made whole or not at all (written beside, then linked into place): a full disk must not leave a short secret.
      const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await writeFile(temp, randomBytes(32), { mode: 0o600, flag: 'wx' });
        await link(temp, path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      } finally {
        await rm(temp, { force: true });
      }
      const st = await stat(path);
      if ((st.mode & 0o077) !== 0 || (process.getuid && st.uid !== process.getuid())) {
        throw new ConfigError('INVALID_CONFIG', `The cache's secret ${path} can be read by others (mode ${(st.mode & 0o777).toString(8)}), so cache entries cannot be trusted.`, {
          hint: `Remove the cache directory ${this.dir} (pkg2os makes a new one), or chmod 600 ${path} if it is yours and nobody else read it.`,
        });
      }
      const secret = await readFile(path);
      if (secret.length < 32) throw new ConfigError('INVALID_CONFIG', `The cache's secret ${path} is damaged.`, { hint: `Remove the cache directory ${this.dir}; pkg2os makes a new one.` });
      return secret;
    })();
    return this.secret;
  }

  private async mac(kind: string, index: Omit<EntryIndex<unknown>, 'mac'>): Promise<string> {
    return createHmac('sha256', await this.key()).update(canonicalJson({ kind, key: index.key, meta: index.meta, files: index.files })).digest('hex');
  }

  /** Read an entry; undefined on a miss. A corrupt or forged entry is evicted and is a miss. */
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
    const expected = Buffer.from(await this.mac(kind, { key: index.key, meta: index.meta, files: index.files }), 'hex');
    const given = Buffer.from(typeof index.mac === 'string' ? index.mac : '', 'hex');
    if (index.key !== key || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      await this.evict(kind, key);
      return undefined;
    }
    const files = new Map<string, string>();
    for (const f of index.files) {
      const path = join(dir, 'files', f.name);
      if ((await fileDigest(path).catch(() => '')) !== f.sha256) {
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
  /**
   * Write an entry. A full or read-only file system does not fail the build:
   * the entry is dropped, the cache takes no more, and the run says so once.
   */
  async put<M>(kind: string, key: string, meta: M, files: CacheFile[] = []): Promise<void> {
    if (this.full) return;
    try {
      await this.write(kind, key, meta, files);
    } catch (error) {
      if (!isStorageFailure(error)) throw error;
      this.full = storageError(error, `the cache entry ${kind}/${key.slice(0, 12)}`, (error as { dest?: string }).dest ?? error.path ?? this.dir).message;
      this.warn(`the cache takes no more entries, the run goes on without caching: ${this.full}`);
    }
  }

  private async write<M>(kind: string, key: string, meta: M, files: CacheFile[]): Promise<void> {
    await this.key();
    const temp = join(this.dir, 'tmp', `${key}.${randomBytes(6).toString('hex')}`);
    await mkdir(join(this.dir, 'tmp'), { recursive: true, mode: 0o700 });
    await mkdir(join(this.dir, kind), { recursive: true, mode: 0o700 });
    await mkdir(join(temp, 'files'), { recursive: true });
    try {
      const listed: EntryIndex<M>['files'] = [];
      for (const file of files) {
        const name = typeof file === 'string' ? basename(file) : file.name;
        if (typeof file === 'string') await copyFile(file, join(temp, 'files', name));
        else await writeFile(join(temp, 'files', name), file.data);
        listed.push({ name, sha256: await fileDigest(join(temp, 'files', name)) });
      }
      const index = { key, meta, files: listed };
      await writeFile(join(temp, 'index.json'), JSON.stringify({ ...index, mac: await this.mac(kind, index) } satisfies EntryIndex<M>));
      await fse.move(temp, this.entryDir(kind, key), { overwrite: true });
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  }

  private async evict(kind: string, key: string): Promise<void> {
    this.corrupt.push(`${kind}/${key}`);
    this.warn(`the cache entry ${kind}/${key.slice(0, 12)}… does not verify (its bytes or its authentication changed): it is not used, and is made again`);
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
    for (const kind of await readdir(this.dir).catch(() => [] as string[])) if (kind !== 'tmp' && !kind.startsWith('.')) await walk(join(this.dir, kind, 'sha256'), 2);
    await rm(join(this.dir, 'tmp'), { recursive: true, force: true });
    return removed;
  }
}
