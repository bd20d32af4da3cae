/**
 * The apt repository under <root>/deb: one suite per Debian-family target
 * (its codename), all sharing one pool:
 *   pool/main/<p>/<package>/<file>.deb
 *   dists/<codename>/{Release,InRelease,Release.gpg}
 *   dists/<codename>/main/binary-<arch>/{Packages,Packages.gz,by-hash/SHA256/…,by-hash/SHA512/…}
 * A package is listed in the suite of the target it was built for. A suite
 * whose indices did not change is not signed again, so publishing to one
 * target never changes another's signed files. Publishing is ordered so that
 * a client reading at any moment sees a consistent suite: pool files →
 * by-hash files → indices (renamed into place) → Release, Release.gpg and
 * InRelease last. Before anything switches, every new InRelease and
 * Release.gpg is checked with gpgv, as apt would.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { NamedRepoSettings } from '../../../coordinator/publish/repo.types.js';
import type { Signer } from '../../../coordinator/keys/signer.js';
import type { Logger } from '../../../log.js';
import { compareDebianVersions } from '../version-compare.js';
import type { PrepareOptions, PublicKeyFiles, RepoPublisher, StagedPublication } from '../../../coordinator/publish/repo-publisher.js';
import { RetiredFiles, selectRetained } from '../../../coordinator/publish/retention.js';
import { AptPool, type PoolEntry, type SuiteOf } from './pool.js';
import type { DebFacts } from './read-controls.js';
import { type AptSuiteSummary, prepareSuite } from './suite.js';

export type { AptSuiteSummary } from './suite.js';

export class AptPublisher implements RepoPublisher<AptSuiteSummary[]> {
  readonly kind = 'apt';
  readonly aptRoot: string;

  constructor(
    private readonly settings: NamedRepoSettings,
    private readonly signer: Signer,
    private readonly logger: Logger,
    /** The suite a .deb goes into (its target's codename). */
    private readonly suiteOf: SuiteOf,
    /** The target and channel of each suite, for summaries and client files. */
    private readonly partsOf: (suite: string) => { target: string; channel: string },
    /** The control files and digests of the .debs to add, when the caller started reading them early. */
    private readonly facts?: Promise<ReadonlyMap<string, DebFacts>>,
  ) {
    this.aptRoot = join(settings.root, 'deb');
  }

  /**
   * Add `debs` to the pool and make new signed indices for every suite in
   * staging directories, checked with gpgv. Nothing a client reads changes
   * until `switchOver()`; `discard()` takes back the pool files this run added.
   */
  async prepare(debs: readonly string[], keys: PublicKeyFiles, options: PrepareOptions, listing: { exact?: ReadonlyMap<string, ReadonlySet<string>>; keep?: (rel: string) => boolean } = {}): Promise<StagedPublication<AptSuiteSummary[]>> {
    await mkdir(this.aptRoot, { recursive: true });
    const pool = await AptPool.open(this.aptRoot, this.settings.architectures, keys.binary, this.logger);
    const staged: Array<StagedPublication<AptSuiteSummary>> = [];
    /** Suites of pool files as they were before a promotion or rollback changed them (put back when it is discarded). */
    const membership = new Map<string, string[]>();
    const discard = async () => {
      for (const s of staged) await s.discard();
      await pool.takeBack();
      for (const [rel, suites] of membership) await pool.setSuites(rel, suites).catch(() => undefined);
    };
    try {
      const started = Date.now();
      const lap = (what: string) => this.logger.debug(`apt: ${what} at ${Date.now() - started} ms`);
      const added = [...(await pool.add(debs, this.suiteOf, this.facts))];
      lap(`${added.length} file(s) added to the pool`);
      let entries = await pool.entries();
      lap(`${entries.length} pool file(s) checked against the record`);
      // Promotion, rollback: each suite of the listing lists exactly its files (the pool holds them already: the same bytes).
      if (listing.exact) {
        const known = new Set(entries.map((e) => e.filename));
        for (const [suite, files] of listing.exact) for (const rel of files) if (!known.has(rel)) await pool.setSuites(rel, [suite]);
        for (const entry of entries) {
          const suites = new Set(entry.suites);
          for (const [suite, files] of listing.exact) {
            if (files.has(entry.filename)) suites.add(suite);
            else suites.delete(suite);
          }
          if (suites.size !== entry.suites.length || [...suites].some((s) => !entry.suites.includes(s))) membership.set(entry.filename, await pool.setSuites(entry.filename, [...suites]));
        }
        entries = await pool.entries();
      }
      const now = options.clock.now();
      const suites = [...new Set([...entries.flatMap((e) => e.suites), ...(await readdir(join(this.aptRoot, 'dists')).catch(() => [] as string[])), ...(listing.exact?.keys() ?? [])])].sort();
      // The newest N versions of each package are listed in each suite (a promoted or rolled-back suite: exactly its listing); the others leave its indices now and the pool after the window.
      const kept = new Map<string, PoolEntry[]>();
      for (const suite of suites) {
        const members = entries.filter((e) => e.suites.includes(suite));
        kept.set(suite, listing.exact?.has(suite) ? members : selectRetained(members, (e) => `${e.pkg}\u0000${e.arch}`, (a, b) => compareDebianVersions(a.version, b.version), (e) => e.version.replace(/-[^-]*$/, ''), this.settings.keepVersions).kept);
      }
      const listedSomewhere = new Set([...kept.values()].flat().map((e) => e.filename));
      const retiredFiles = await RetiredFiles.load(this.aptRoot);
      // Every pool file no suite lists any more, however it left (a newer version, a promotion, a rollback).
      const newlyRetired = new Set(retiredFiles.update(entries.map((e) => e.filename).filter((f) => !listedSomewhere.has(f)), now.getTime()));
      const retired = new Map([...suites].map((suite) => [suite, entries.filter((e) => e.suites.includes(suite) && !kept.get(suite)!.includes(e))] as const));
      let removed: Promise<string[]> | undefined;
      const removeRetired = () => {
        removed ??= retiredFiles.removeDue(this.settings.retention * 1000, options.clock.now().getTime(), listing.keep).then((files) => {
          for (const file of files) this.logger.info(`apt: removed ${file} from the pool (left the indices more than the retention window ago)`);
          return files;
        });
        return removed;
      };
      for (const suite of suites) {
        staged.push(
          await prepareSuite({
            settings: this.settings,
            signer: this.signer,
            logger: this.logger,
            aptRoot: this.aptRoot,
            suite,
            target: this.partsOf(suite).target,
            channel: this.partsOf(suite).channel,
            kept: kept.get(suite)!,
            added: added.filter((rel) => entries.find((e) => e.filename === rel)?.suites.includes(suite)),
            retired: [...new Set([...(retired.get(suite) ?? []).map((e) => e.filename), ...[...membership.keys()].filter((rel) => !listedSomewhere.has(rel))])].filter((f) => newlyRetired.has(f)),
            removeRetired,
            keys,
            options,
          }),
        );
      }
      lap(`${suites.length} suite(s) indexed, signed and checked`);
      return {
        discard,
        async switchOver() {
          const summaries: AptSuiteSummary[] = [];
          for (const s of staged) summaries.push(await s.switchOver());
          await removeRetired();
          return summaries;
        },
      };
    } catch (error) {
      await discard();
      throw error;
    }
  }
}
