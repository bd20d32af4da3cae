/**
 * The apt repository under <root>/deb:
 *   pool/main/<p>/<package>/<file>.deb
 *   dists/<codename>/{Release,InRelease,Release.gpg}
 *   dists/<codename>/main/binary-<arch>/{Packages,Packages.gz,by-hash/SHA256/…,by-hash/SHA512/…}
 * Publishing is ordered so that a client reading at any moment sees a
 * consistent repository: pool files → by-hash files → indices (renamed into
 * place) → Release, Release.gpg and InRelease last. Before anything switches,
 * the new InRelease and Release.gpg are checked with gpgv, as apt would.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { SYSTEM_PYTHON } from '../../build/build-wheel.js';
import { shipped } from '../../paths.js';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import PQueue from 'p-queue';
import { PublishError, ToolError } from '../../errors.js';
import { run } from '../../exec.js';
import type { Signer } from '../../keys/signer.js';
import type { Logger } from '../../log.js';
import { fileDigest } from '../../package/common.js';
import { copyAtomic, writeAtomic } from '../../fs-atomic.js';
import type { PreparedPublish, RepoSettings } from '../repo.types.js';
import { type Stanza, field, formatStanza, parseStanza } from './control-stanza.js';
import { type IndexFileEntry, renderRelease } from './release.js';
import { compareDebianVersions } from '../../package/version-compare.js';
import { RetiredFiles, selectRetained } from '../retention.js';

/** What one apt publish did: files added to the pool, packages listed, files that left the indices and the pool. */
export interface AptSummary {
  added: string[];
  packages: number;
  release: string;
  retired: string[];
  removed: string[];
}

interface PoolEntry {
  /** Path relative to <root>/deb. */
  filename: string;
  pkg: string;
  arch: string;
  version: string;
  size: number;
  sha256: string;
  sha512: string;
  control: string;
  /** Its entry in Packages: the control file with Filename, Size and hashes. */
  stanza: string;
}

/** The files of an index directory, as Release lists them. */
const INDEX_NAMES = ['Packages', 'Packages.gz'];

function poolEntry(filename: string, size: number, digest: { sha256: string; sha512: string }, control: string): PoolEntry {
  const parsed = parseStanza(control);
  const stanza = formatStanza(parsed, [['Filename', filename], ['Size', String(size)], ['SHA256', digest.sha256], ['SHA512', digest.sha512]] as Stanza);
  return { filename, pkg: field(parsed, 'Package') ?? '', arch: field(parsed, 'Architecture') ?? '', version: field(parsed, 'Version') ?? '', size, ...digest, control, stanza };
}

type ControlCache = Record<string, PoolEntry & { mtimeMs: number }>;

/** A .deb's place in the pool. */
interface PoolTarget {
  rel: string;
  pkg: string;
  arch: string;
  version: string;
}

/** The pool directory of a package (Debian's layout: lib* packages by their first four letters). */
export function poolDir(pkg: string): string {
  const prefix = pkg.startsWith('lib') && pkg.length > 3 ? pkg.slice(0, 4) : pkg[0]!;
  return `pool/main/${prefix}/${pkg}`;
}

async function walkDebs(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) found.push(...(await walkDebs(p)));
    else if (e.isFile() && e.name.endsWith('.deb')) found.push(p);
  }
  return found;
}

async function readControl(deb: string): Promise<string> {
  return (await run('dpkg-deb', ['-f', deb], { purpose: `reading the control file of ${basename(deb)}` })).stdout;
}

/** Control files of many .debs: one python3-apt process for all of them (dpkg-deb per file when python3-apt is missing). */
async function readControls(files: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (files.length === 0) return out;
  try {
    const { stdout } = await run(SYSTEM_PYTHON, [shipped('src', 'publish', 'apt', 'read-controls.py')], { input: files.join('\n'), purpose: 'reading control files' });
    for (const [path, control] of Object.entries(JSON.parse(stdout) as Record<string, string>)) out.set(path, control);
  } catch {
    for (const file of files) out.set(file, await readControl(file));
  }
  return out;
}

/** sha256 and sha512 of a file in one read. */
async function digests(path: string): Promise<{ sha256: string; sha512: string }> {
  const a = createHash('sha256');
  const b = createHash('sha512');
  // Small files (most .debs) in one read; a stream costs more than the hashing for them.
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

/** Hashes of the files a Release lists, by path. */
function parseReleaseHashes(text: string): Set<string> {
  const hashes = new Set<string>();
  for (const m of text.matchAll(/^ ([0-9a-f]{64}|[0-9a-f]{128}) +\d+ +(\S+)$/gm)) hashes.add(m[1]!);
  return hashes;
}

export class AptPublisher {
  readonly aptRoot: string;
  private readonly dist: string;
  /** Pool entries this publish added, with what was read of them. */
  private readonly known: ControlCache = {};
  /** Whether the pool had no files before this publish (then it needs no walk). */
  private poolWasEmpty = false;

  constructor(
    private readonly settings: RepoSettings,
    private readonly signer: Signer,
    private readonly logger: Logger,
  ) {
    this.aptRoot = join(settings.root, 'deb');
    this.dist = join(this.aptRoot, 'dists', settings.codename);
  }

  /**
   * Add `debs` to the pool and make new signed indices in a staging
   * directory, checked with gpgv. Nothing a client reads changes until
   * `commit()`; `abort()` takes back the pool files this run added.
   */
  async prepare(debs: readonly string[], keyringPath: string, force = false): Promise<PreparedPublish<AptSummary>> {
    const added: string[] = [];
    await mkdir(this.aptRoot, { recursive: true });
    const staging = await mkdtemp(join(this.aptRoot, '.staging-'));
    const abort = async () => {
      for (const path of added) await rm(join(this.aptRoot, path), { force: true });
      await rm(staging, { recursive: true, force: true });
    };
    try {
      this.poolWasEmpty = (await readdir(join(this.aptRoot, 'pool')).catch(() => [])).length === 0;
      // A .deb whose bytes the pool already holds needs no control file read.
      const incoming = await this.notInPool(debs);
      const controls = await readControls([...incoming.keys()]);
      // Where each goes is decided first (and a batch that names one pool file twice with other bytes refused), then the copies run in parallel.
      const placed = new Map<string, { deb: string; digest: { sha256: string; sha512: string }; control: string; target: PoolTarget }>();
      for (const [deb, digest] of incoming) {
        const control = controls.get(deb) ?? (await readControl(deb));
        const target = this.poolTarget(deb, control);
        const twin = placed.get(target.rel);
        if (twin && twin.digest.sha256 !== digest.sha256) {
          throw new PublishError('PUBLISH_CONFLICT', `${basename(twin.deb)} and ${basename(deb)} are both ${target.rel} but differ; a published version has one set of bytes.`, { hint: 'Publish one of them, or build the other with a higher --release.' });
        }
        if (!twin) placed.set(target.rel, { deb, digest, control, target });
      }
      const copies = new PQueue({ concurrency: 8 });
      // Every copy settles before an error is thrown, so that abort() takes back all of them.
      const settled = await Promise.allSettled(
        [...placed.values()].map((p) =>
          copies.add(async () => {
            if (await this.addToPool(p.deb, p.digest, p.control, p.target)) added.push(p.target.rel);
          }),
        ),
      );
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      added.sort();
      const pool = await this.scanPool();
      const now = this.settings.now ?? new Date();
      // The newest N versions of each package are listed; the others leave the indices now and the pool after the window.
      const { kept: entries, retired } = selectRetained(pool, (e) => `${e.pkg}\u0000${e.arch}`, (a, b) => compareDebianVersions(a.version, b.version), (e) => e.version.replace(/-[^-]*$/, ''), this.settings.keepVersions);
      const retiredFiles = await RetiredFiles.load(this.aptRoot);
      const newlyRetired = retiredFiles.update(retired.map((e) => e.filename), now.getTime());
      const summary = (): AptSummary => ({ added, packages: entries.length, release: join(this.dist, 'InRelease'), retired: newlyRetired, removed: [] });
      const indexFiles = await this.writeIndices(entries, staging);
      if (!force && added.length === 0 && (await this.unchanged(indexFiles, now))) {
        // Nothing new and the live Release is far from expiry: publish nothing, sign nothing.
        await rm(staging, { recursive: true, force: true });
        return { abort, commit: async () => ({ ...summary(), removed: await this.prunePool(retiredFiles, now) }) };
      }
      const release = renderRelease(this.settings, indexFiles, now);
      await writeFile(join(staging, 'Release'), release);
      await writeFile(join(staging, 'Release.gpg'), await this.signer.detached(Buffer.from(release), 'armored'));
      await writeFile(join(staging, 'InRelease'), await this.signer.cleartext(release));
      await this.selfCheck(staging, keyringPath);
      return {
        abort,
        commit: async () => {
          try {
            await this.switchOver(staging, indexFiles);
          } finally {
            await rm(staging, { recursive: true, force: true });
          }
          return { ...summary(), removed: await this.prunePool(retiredFiles, now) };
        },
      };
    } catch (error) {
      await abort();
      throw error;
    }
  }

  /** True when the live Release lists exactly these indices and stays valid for more than half its validity. */
  private async unchanged(files: IndexFileEntry[], now: Date): Promise<boolean> {
    const live = await readFile(join(this.dist, 'Release'), 'utf8').catch(() => undefined);
    if (!live) return false;
    const listed = parseReleaseHashes(live);
    if (!files.every((f) => listed.has(f.sha256) && listed.has(f.sha512)) || listed.size !== files.length * 2) return false;
    const validUntil = /^Valid-Until: (.*)$/m.exec(live)?.[1];
    const expires = validUntil ? Date.parse(validUntil.replace('UTC', 'GMT')) : NaN;
    return Number.isFinite(expires) && expires - now.getTime() > (this.settings.validFor * 1000) / 2 && /^Architectures: (.*)$/m.exec(live)?.[1] === this.settings.architectures.join(' ');
  }

  /** The .debs whose exact bytes are not in the pool (by sha256, from the pool's control cache, checked against the file's size and mtime). */
  private async notInPool(debs: readonly string[]): Promise<Map<string, { sha256: string; sha512: string }>> {
    const cache: ControlCache = JSON.parse(await readFile(join(this.aptRoot, '.pkg2os', 'control-cache.json'), 'utf8').catch(() => '{}'));
    const bySha = new Map(Object.values(cache).map((e) => [e.sha256, e]));
    const out = new Map<string, { sha256: string; sha512: string }>();
    const queue = new PQueue({ concurrency: 16 });
    await Promise.all(
      debs.map((deb) =>
        queue.add(async () => {
          const digest = await digests(deb);
          const entry = bySha.get(digest.sha256);
          const st = entry ? await stat(join(this.aptRoot, entry.filename)).catch(() => undefined) : undefined;
          if (!(entry && st && st.size === entry.size && st.mtimeMs === entry.mtimeMs)) out.set(deb, digest);
        }),
      ),
    );
    // In the order given, so that errors and additions are reported in that order.
    return new Map(debs.filter((d) => out.has(d)).map((d) => [d, out.get(d)!]));
  }

  /** Where a .deb goes in the pool, from its control file (which must be a usable one, for an architecture the repository publishes). */
  private poolTarget(deb: string, text: string): PoolTarget {
    const control = parseStanza(text);
    const pkg = field(control, 'Package');
    const arch = field(control, 'Architecture');
    if (!pkg || !arch) throw new PublishError('PUBLISH_FAILED', `${deb} has no Package or Architecture field; it is not a usable .deb.`);
    if (arch !== 'all' && !this.settings.architectures.includes(arch)) {
      throw new PublishError('PUBLISH_CONFLICT', `${basename(deb)} is built for ${arch}, but the repository publishes ${this.settings.architectures.join(', ')}.`, {
        hint: `Add it with --arch ${[...this.settings.architectures, arch].join(',')}.`,
      });
    }
    const version = field(control, 'Version') ?? '';
    // The pool name is the canonical one (Debian Policy §4.2.2 / dpkg-name), whatever the file was called.
    return { rel: `${poolDir(pkg)}/${pkg}_${version.replace(/^\d+:/, '')}_${arch}.deb`, pkg, arch, version };
  }

  /** Copy a .deb into the pool; returns false when it is there already, with the same bytes. */
  private async addToPool(deb: string, digest: { sha256: string; sha512: string }, text: string, target: PoolTarget): Promise<boolean> {
    const { rel } = target;
    const dest = join(this.aptRoot, rel);
    const existing = await stat(dest).catch(() => undefined);
    if (existing) {
      if ((await fileDigest(dest)) === digest.sha256) {
        // There already (an interrupted publish may have put it there): make sure the pool's record has it.
        await this.remember(rel, digest, text);
        return false;
      }
      throw new PublishError('PUBLISH_CONFLICT', `The repository already has ${rel} with different contents; a published version never changes its bytes.`, {
        hint: 'Build it with a higher --release (Debian revision) instead.',
      });
    }
    await copyAtomic(deb, dest);
    await this.remember(rel, digest, text);
    return true;
  }

  /** What the pool scan would read again: this file's control and digests, known now. */
  private async remember(rel: string, digest: { sha256: string; sha512: string }, control: string): Promise<void> {
    const st = await stat(join(this.aptRoot, rel));
    this.known[rel] = { ...poolEntry(rel, st.size, digest, control), mtimeMs: st.mtimeMs };
  }

  /**
   * Every .deb in the pool with its Packages stanza and hashes. The pool is
   * pkg2os's own, and `.pkg2os/control-cache.json` records its files (with
   * size and mtime): each is checked with one stat, and only new or changed
   * files are read. Without a record (a new repository, or a lost record)
   * the pool is walked.
   */
  private async scanPool(): Promise<PoolEntry[]> {
    const cachePath = join(this.aptRoot, '.pkg2os', 'control-cache.json');
    const stored = JSON.parse(await readFile(cachePath, 'utf8').catch(() => 'null')) as ControlCache | null;
    const cache: ControlCache = { ...(stored ?? {}), ...this.known };
    // A new repository's pool holds only what this publish added; an old one without a record is walked.
    const walk = !stored && !(Object.keys(this.known).length > 0 && this.poolWasEmpty);
    const files = walk ? await walkDebs(join(this.aptRoot, 'pool')) : Object.keys(cache).map((rel) => join(this.aptRoot, rel));
    const queue = new PQueue({ concurrency: 16 });
    const stats = new Map<string, { size: number; mtimeMs: number }>();
    await Promise.all(files.map((file) => queue.add(async () => {
      // Files this publish wrote are as recorded; every other one is checked.
      const known = this.known[relative(this.aptRoot, file)];
      if (known) {
        stats.set(file, known);
        return;
      }
      const st = await stat(file).catch(() => undefined);
      if (st?.isFile()) stats.set(file, st);
    })));
    const present = files.filter((f) => stats.has(f));
    const missing = present.filter((file) => {
      const cached = cache[relative(this.aptRoot, file)];
      const st = stats.get(file)!;
      return !(cached && cached.size === st.size && cached.mtimeMs === st.mtimeMs && cached.stanza !== undefined);
    });
    const controls = await readControls(missing);
    const fresh: ControlCache = {};
    const entries = await Promise.all(
      present.map((file) =>
        queue.add(async () => {
          const filename = relative(this.aptRoot, file);
          const st = stats.get(file)!;
          const control = controls.get(file);
          const entry: PoolEntry = control === undefined ? cache[filename]! : poolEntry(filename, st.size, await digests(file), control);
          fresh[filename] = { ...entry, mtimeMs: st.mtimeMs };
          return entry;
        }),
      ),
    );
    // Written only when something changed: at 10,000 packages the record is megabytes.
    if (missing.length > 0 || present.length !== Object.keys(stored ?? {}).length) await writeAtomic(cachePath, JSON.stringify(fresh));
    return (entries as PoolEntry[]).sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
  }

  /**
   * Packages and Packages.gz per architecture, in `staging`; returns what
   * Release lists. (No Packages.xz: on these indices xz saves about 15 % over
   * gzip and costs twenty times the time, most of an incremental publish.)
   */
  private async writeIndices(entries: PoolEntry[], staging: string): Promise<IndexFileEntry[]> {
    const listed: IndexFileEntry[] = [];
    const released = parseReleaseHashes(await readFile(join(this.dist, 'Release'), 'utf8').catch(() => ''));
    for (const arch of this.settings.architectures) {
      const text = entries.filter((e) => e.arch === 'all' || e.arch === arch).map((e) => e.stanza).join('\n');
      const dir = join(staging, 'main', `binary-${arch}`);
      const liveDir = join(this.dist, 'main', `binary-${arch}`);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'Packages'), text);
      if (!(await this.reuseCompressed(text, liveDir, dir, released))) await writeFile(join(dir, 'Packages.gz'), gzipSync(text, { level: 9 }));
      for (const name of INDEX_NAMES) {
        const data = await readFile(join(dir, name));
        listed.push({
          path: `main/binary-${arch}/${name}`,
          size: data.length,
          sha256: createHash('sha256').update(data).digest('hex'),
          sha512: createHash('sha512').update(data).digest('hex'),
        });
      }
    }
    return listed;
  }

  /**
   * When the index text is the one the live Release lists, and the live
   * Packages.gz is the one it lists too, copy it instead
   * of compressing again (the costly part of an unchanged publish). Files a
   * killed publish left half switched do not match the Release and are made anew.
   */
  private async reuseCompressed(text: string, liveDir: string, dir: string, released: Set<string>): Promise<boolean> {
    if (!released.has(createHash('sha256').update(text).digest('hex'))) return false;
    for (const name of INDEX_NAMES.filter((n) => n !== 'Packages')) {
      const data = await readFile(join(liveDir, name)).catch(() => undefined);
      if (!data || !released.has(createHash('sha256').update(data).digest('hex'))) return false;
      await writeFile(join(dir, name), data);
    }
    return true;
  }

  /** Check the new signatures as apt would, with gpgv and only our key. */
  private async selfCheck(staging: string, keyringPath: string): Promise<void> {
    try {
      await run('gpgv', ['--keyring', keyringPath, join(staging, 'InRelease')], { purpose: 'checking the new InRelease' });
      await run('gpgv', ['--keyring', keyringPath, join(staging, 'Release.gpg'), join(staging, 'Release')], { purpose: 'checking the new Release.gpg' });
    } catch (error) {
      if (error instanceof ToolError) {
        throw new PublishError('PUBLISH_SELF_CHECK', `gpgv does not accept the InRelease/Release.gpg pkg2os just signed, so nothing was published:\n${error.stderrTail}`, {
          hint: 'This is a bug or a broken signing key; the repository is unchanged.',
          cause: error,
        });
      }
      throw error;
    }
  }

  /** by-hash files, then indices, then Release/Release.gpg/InRelease; then prune what is past retention. */
  private async switchOver(staging: string, files: IndexFileEntry[]): Promise<void> {
    const live = join(this.dist, 'Release');
    const previous = parseReleaseHashes(await readFile(live, 'utf8').catch(() => ''));
    const now = new Date();
    // Files the old Release listed stop being current now: their age counts from here.
    for (const dir of await this.byHashDirs()) {
      for (const name of await readdir(dir).catch(() => [])) if (previous.has(name)) await utimes(join(dir, name), now, now).catch(() => undefined);
    }
    for (const f of files) {
      const source = join(staging, f.path);
      const base = join(this.dist, f.path, '..', 'by-hash');
      await copyAtomic(source, join(base, 'SHA256', f.sha256), true);
      await copyAtomic(source, join(base, 'SHA512', f.sha512), true);
    }
    for (const f of files) {
      await mkdir(join(this.dist, f.path, '..'), { recursive: true });
      await rename(join(staging, f.path), join(this.dist, f.path));
    }
    for (const name of ['Release', 'Release.gpg', 'InRelease']) await rename(join(staging, name), join(this.dist, name));
    // Packages.xz, which earlier versions of pkg2os wrote, is listed no more (its by-hash copies age out with the rest).
    for (const dir of new Set(files.map((f) => join(this.dist, f.path, '..')))) await rm(join(dir, 'Packages.xz'), { force: true });
    await this.prune(new Set(files.flatMap((f) => [f.sha256, f.sha512])));
  }

  private async byHashDirs(): Promise<string[]> {
    const dirs: string[] = [];
    for (const component of await readdir(this.dist, { withFileTypes: true }).catch(() => [])) {
      if (!component.isDirectory()) continue;
      for (const bin of await readdir(join(this.dist, component.name), { withFileTypes: true }).catch(() => [])) {
        if (bin.isDirectory()) for (const alg of ['SHA256', 'SHA512']) dirs.push(join(this.dist, component.name, bin.name, 'by-hash', alg));
      }
    }
    return dirs;
  }

  /** Pool files that left the indices longer ago than the retention window are deleted. */
  private async prunePool(retiredFiles: RetiredFiles, now: Date): Promise<string[]> {
    const removed = await retiredFiles.removeDue(this.settings.retention * 1000, now.getTime());
    for (const file of removed) this.logger.info(`apt: removed ${file} from the pool (left the indices more than the retention window ago)`);
    return removed;
  }

  /** Remove by-hash files that are no longer current and were superseded longer ago than the retention. */
  private async prune(current: Set<string>): Promise<void> {
    const cutoff = Date.now() - this.settings.retention * 1000;
    for (const dir of await this.byHashDirs()) {
      for (const name of await readdir(dir).catch(() => [])) {
        if (current.has(name)) continue;
        const st = await stat(join(dir, name)).catch(() => undefined);
        if (st && st.mtimeMs < cutoff) {
          await rm(join(dir, name), { force: true });
          this.logger.debug(`pruned ${relative(this.aptRoot, join(dir, name))}`);
        }
      }
    }
  }
}
