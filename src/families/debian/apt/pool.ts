/**
 * The apt pool (`<root>/deb/pool/main/<p>/<package>/<file>.deb`, Debian's
 * layout) and its record (`deb/.pkg2os/pool-record.json`): which .debs
 * pkg2os put there, with their sizes, mtimes, digests and Packages stanzas.
 * Adding decides every file's place first (a batch naming one pool file twice
 * with other bytes is refused), then copies in parallel; a published file
 * never changes its bytes.
 */
import { statSync } from 'node:fs';
import { copyFile, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Logger } from '../../../log.js';
import { PublishError } from '../../../errors.js';
import { PoolRecord } from '../../../coordinator/publish/pool-record.js';
import { type Paragraph, field, formatParagraph, parseParagraph } from './deb822.js';
import { type DebFacts, readDebs } from './read-controls.js';

/** A .deb in the pool, with what Packages says of it. */
export interface PoolEntry {
  /** Path relative to <root>/deb. */
  filename: string;
  pkg: string;
  arch: string;
  version: string;
  size: number;
  sha256: string;
  sha512: string;
  /** Its entry in Packages: the control file with Filename, Size and hashes. */
  stanza: string;
  /** The suites (codenames) that list it: the target it was built for. */
  suites: string[];
}

type Digests = { sha256: string; sha512: string };

/** How many copies into the pool run at once. */
const COPY_LANES = 16;

/** The pool directory of a package (Debian's layout: lib* packages by their first four letters). */
export function poolDir(pkg: string): string {
  const prefix = pkg.startsWith('lib') && pkg.length > 3 ? pkg.slice(0, 4) : pkg[0]!;
  return `pool/main/${prefix}/${pkg}`;
}

export function poolEntry(filename: string, size: number, digest: Digests, control: string, suites: string[]): PoolEntry {
  const parsed = parseParagraph(control);
  const stanza = formatParagraph(parsed, [['Filename', filename], ['Size', String(size)], ['SHA256', digest.sha256], ['SHA512', digest.sha512]] as Paragraph);
  return { filename, pkg: field(parsed, 'Package') ?? '', arch: field(parsed, 'Architecture') ?? '', version: field(parsed, 'Version') ?? '', size, ...digest, stanza, suites };
}

/** Which suite a .deb belongs to, from its control file's Version. */
export type SuiteOf = (version: string, deb: string) => string;

export class AptPool {
  /** Pool files this publish added (relative to the apt root), to take back on abort. */
  readonly added: string[] = [];
  /** Pool directories known to exist (one mkdir per directory, not per file). */
  private readonly dirs = new Set<string>();

  private constructor(
    private readonly aptRoot: string,
    private readonly architectures: readonly string[],
    private readonly record: PoolRecord<PoolEntry>,
  ) {}

  /**
   * The pool and its record. A lost record (or one an earlier pkg2os kept,
   * without suites) is rebuilt from every suite's last signed indices (checked
   * with `keyring`); files in the pool that no record and no signed index
   * names are not pkg2os's, and are never listed.
   */
  static async open(aptRoot: string, architectures: readonly string[], keyring: string, logger: Logger): Promise<AptPool> {
    const record = await PoolRecord.recover<PoolEntry>(join(aptRoot, '.pkg2os', 'pool-record.json'), {
      root: aptRoot,
      what: `apt (${join(aptRoot, 'pool')})`,
      logger,
      poolHasFiles: async () => (await readdir(join(aptRoot, 'pool')).catch(() => [])).length > 0,
      rebuild: async () => {
        const { recordFromSignedIndices } = await import('./record-from-release.js');
        await rm(join(aptRoot, '.pkg2os', 'control-cache.json'), { force: true });
        return (await recordFromSignedIndices(aptRoot, keyring)).map((entry) => [entry.filename, entry] as [string, PoolEntry]);
      },
    });
    return new AptPool(aptRoot, architectures, record);
  }

  /** Put `debs` into the pool, each listed in the suite `suiteOf` names (those whose bytes it holds already are skipped); returns the files added. */
  async add(debs: readonly string[], suiteOf: SuiteOf, facts?: Promise<ReadonlyMap<string, DebFacts>>): Promise<string[]> {
    const all = await (facts ?? readDebs(debs));
    const incoming = this.notInPool(all);
    // A file the pool holds already (the same bytes), published to another suite (another channel): that suite lists it too.
    for (const [deb, f] of all) {
      if (incoming.has(deb)) continue;
      const [rel, entry] = this.record.bySha256(f.sha256)!;
      const suite = suiteOf(field(parseParagraph(f.control), 'Version') ?? '', deb);
      if (!entry.suites.includes(suite)) this.record.set(rel, { ...entry, suites: [...entry.suites, suite].sort() });
    }
    const placed = new Map<string, { deb: string; digest: Digests; control: string; suite: string }>();
    for (const [deb, facts] of incoming) {
      const { control } = facts;
      const digest = { sha256: facts.sha256, sha512: facts.sha512 };
      const rel = this.place(deb, control);
      const suite = suiteOf(field(parseParagraph(control), 'Version') ?? '', deb);
      const twin = placed.get(rel);
      if (twin && twin.digest.sha256 !== digest.sha256) {
        throw new PublishError('PUBLISH_CONFLICT', `${basename(twin.deb)} and ${basename(deb)} are both ${rel} but differ; a published version has one set of bytes.`, { hint: 'Publish one of them, or build the other with a higher --release.' });
      }
      if (!twin) placed.set(rel, { deb, digest, control, suite });
    }
    for (const [rel, p] of placed) this.refuseChanged(rel, p.digest);
    // Copies run COPY_LANES at a time in the thread pool (at 1,000 small files about a third faster than one by one here).
    // A failure stops each lane after its current file; takeBack() then finds every file begun so far in `added`.
    const queue = [...placed];
    let failure: { error: unknown } | undefined;
    const lane = async () => {
      for (let next = queue.shift(); next && !failure; next = queue.shift()) {
        const [rel, p] = next;
        await this.copyIn(rel, p.deb, p.digest, p.control, p.suite).catch((error: unknown) => {
          failure ??= { error };
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(COPY_LANES, queue.length) }, lane));
    if (failure) throw failure.error;
    this.added.sort();
    return this.added;
  }

  /** Set the suites that list a pool file (promotion, rollback), saved with the record; returns the suites it had. */
  async setSuites(rel: string, suites: readonly string[]): Promise<string[]> {
    const entry = this.record.get(rel);
    if (!entry) throw new PublishError('PUBLISH_FAILED', `The pool has no ${rel} any more, which the listing asks for.`, { hint: 'Choose a snapshot whose files are still kept (pkg2os snapshots list), or publish the package again.' });
    const before = [...entry.suites];
    this.record.set(rel, { ...entry, suites: [...suites].sort() });
    await this.record.save();
    return before;
  }

  /** Remove the files this publish added. */
  async takeBack(): Promise<void> {
    for (const rel of this.added) await rm(join(this.aptRoot, rel), { force: true });
  }

  /**
   * Every .deb pkg2os put into the pool, with its stanza: the record's files,
   * each checked with one stat. A file deleted by hand leaves the record; a
   * file whose size or mtime changed must still have the bytes pkg2os wrote.
   */
  async entries(): Promise<PoolEntry[]> {
    return (await this.record.scan(this.aptRoot)).map(([, { mtimeMs: _m, ...entry }]) => entry as PoolEntry);
  }

  /** The .debs whose exact bytes are not in the pool (by sha256, from the record, checked against the file's size and mtime). */
  private notInPool(debs: ReadonlyMap<string, DebFacts>): Map<string, DebFacts> {
    const out = new Map<string, DebFacts>();
    for (const [deb, facts] of debs) {
      const [rel, entry] = this.record.bySha256(facts.sha256) ?? [];
      const st = rel ? statSync(join(this.aptRoot, rel), { throwIfNoEntry: false }) : undefined;
      if (!(entry && st && st.size === entry.size && st.mtimeMs === entry.mtimeMs)) out.set(deb, facts);
    }
    return out;
  }

  /** Where a .deb goes, from its control file (a usable one, for an architecture the repository publishes): the canonical name (Debian Policy §4.2.2 / dpkg-name). */
  private place(deb: string, text: string): string {
    const control = parseParagraph(text);
    const pkg = field(control, 'Package');
    const arch = field(control, 'Architecture');
    if (!pkg || !arch) throw new PublishError('PUBLISH_FAILED', `${deb} has no Package or Architecture field; it is not a usable .deb.`);
    if (arch !== 'all' && !this.architectures.includes(arch)) {
      throw new PublishError('PUBLISH_CONFLICT', `${basename(deb)} is built for ${arch}, but the repository publishes ${this.architectures.join(', ')}.`, {
        hint: `Add it with --arch ${[...this.architectures, arch].join(',')}.`,
      });
    }
    const version = field(control, 'Version') ?? '';
    return `${poolDir(pkg)}/${pkg}_${version.replace(/^\d+:/, '')}_${arch}.deb`;
  }

  /** A published version never changes its bytes: a recorded file of that name must have these. */
  private refuseChanged(rel: string, digest: Digests): void {
    const recorded = this.record.get(rel);
    if (recorded && recorded.sha256 !== digest.sha256) {
      throw new PublishError('PUBLISH_CONFLICT', `The repository already has ${rel} with different contents; a published version never changes its bytes.`, {
        hint: 'Build it with a higher --release (Debian revision) instead.',
      });
    }
  }

  /**
   * Copy a .deb to its place. The record is the authority on what is
   * published: a recorded file there must have the same bytes (a published
   * version never changes); anything else there is not listed anywhere
   * (what an interrupted publish left, or a file dropped in by hand) and is
   * replaced. Clients see the file only once an index lists it.
   */
  private async copyIn(rel: string, deb: string, digest: Digests, control: string, suite: string): Promise<void> {
    const dest = join(this.aptRoot, rel);
    if (!this.record.get(rel) || !(await stat(dest).catch(() => undefined))) {
      const dir = dirname(dest);
      if (!this.dirs.has(dir)) await mkdir(dir, { recursive: true });
      this.dirs.add(dir);
      this.added.push(rel);
      await copyFile(deb, dest);
    }
    const st = await stat(dest);
    const suites = [...new Set([...(this.record.get(rel)?.suites ?? []), suite])].sort();
    this.record.set(rel, { ...poolEntry(rel, st.size, digest, control, suites), mtimeMs: st.mtimeMs });
  }
}
