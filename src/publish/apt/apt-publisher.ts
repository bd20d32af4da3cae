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
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../../clock.js';
import type { RepoSettings } from '../../config/repo-settings.js';
import type { Signer } from '../../keys/signer.js';
import type { Logger } from '../../log.js';
import { compareDebianVersions } from '../../package/version-compare.js';
import { type PrepareOptions, type PublicKeyFiles, type RepoPublisher, type StagedPublication, stagedPublication } from '../repo-publisher.js';
import { RetiredFiles, selectRetained } from '../retention.js';
import { gpgvCheck } from '../self-check.js';
import { pruneSuperseded, putLive, startRetention } from '../switch-over.js';
import { writeIndices } from './indices.js';
import { AptPool } from './pool.js';
import { type IndexFileEntry, type ParsedRelease, parseRelease, renderRelease } from './release.js';

/** What one apt publish did: files added to the pool, packages listed, files that left the indices and the pool. */
export interface AptSummary {
  added: string[];
  packages: number;
  release: string;
  retired: string[];
  removed: string[];
}

export class AptPublisher implements RepoPublisher<AptSummary> {
  readonly kind = 'apt';
  readonly aptRoot: string;
  private readonly dist: string;

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
   * `switchOver()`; `discard()` takes back the pool files this run added.
   */
  async prepare(debs: readonly string[], keys: PublicKeyFiles, options: PrepareOptions): Promise<StagedPublication<AptSummary>> {
    await mkdir(this.aptRoot, { recursive: true });
    const staging = await mkdtemp(join(this.aptRoot, '.staging-'));
    const pool = await AptPool.open(this.aptRoot, this.settings.architectures, { dist: this.dist, keyring: keys.binary }, this.logger);
    const discard = async () => {
      await pool.takeBack();
      await rm(staging, { recursive: true, force: true });
    };
    try {
      const added = [...(await pool.add(debs))];
      const now = options.clock.now();
      // The newest N versions of each package are listed; the others leave the indices now and the pool after the window.
      const { kept, retired } = selectRetained(await pool.entries(), (e) => `${e.pkg}\u0000${e.arch}`, (a, b) => compareDebianVersions(a.version, b.version), (e) => e.version.replace(/-[^-]*$/, ''), this.settings.keepVersions);
      const retiredFiles = await RetiredFiles.load(this.aptRoot);
      const newlyRetired = retiredFiles.update(retired.map((e) => e.filename), now.getTime());
      const summary = async (): Promise<AptSummary> => ({ added, packages: kept.length, release: join(this.dist, 'InRelease'), retired: newlyRetired, removed: await this.removeRetired(retiredFiles, options.clock) });
      const live = parseRelease(await readFile(join(this.dist, 'Release'), 'utf8').catch(() => ''));
      const indexFiles = await writeIndices(kept, this.settings.architectures, staging, this.dist, live);
      if (!options.force && added.length === 0 && this.unchanged(live, indexFiles, now)) {
        // Nothing new and the live Release is far from expiry: publish nothing, sign nothing.
        await rm(staging, { recursive: true, force: true });
        return { discard, switchOver: summary };
      }
      const release = renderRelease(this.settings, indexFiles, now);
      await writeFile(join(staging, 'Release'), release);
      await writeFile(join(staging, 'Release.gpg'), await this.signer.detached(Buffer.from(release), 'armored'));
      await writeFile(join(staging, 'InRelease'), await this.signer.cleartext(release));
      await gpgvCheck(keys.binary, join(staging, 'InRelease'), undefined, 'InRelease');
      await gpgvCheck(keys.binary, join(staging, 'Release.gpg'), join(staging, 'Release'), 'Release.gpg');
      return stagedPublication(staging, () => this.switchOver(staging, indexFiles, live, options.clock), summary, discard);
    } catch (error) {
      await discard();
      throw error;
    }
  }

  /** True when the live Release lists exactly these indices, for the same architectures, and stays valid for more than half its validity. */
  private unchanged(live: ParsedRelease, files: IndexFileEntry[], now: Date): boolean {
    if (!live.validUntil || live.hashes.size !== files.length * 2 || !files.every((f) => live.hashes.has(f.sha256) && live.hashes.has(f.sha512))) return false;
    return live.validUntil.getTime() - now.getTime() > (this.settings.validFor * 1000) / 2 && live.architectures.join(' ') === this.settings.architectures.join(' ');
  }

  /** by-hash files, then indices, then Release/Release.gpg/InRelease; then prune what is past retention. */
  private async switchOver(staging: string, files: IndexFileEntry[], previous: ParsedRelease, clock: Clock): Promise<void> {
    const now = clock.now();
    const byHash = await this.byHashDirs();
    // Files the old Release listed stop being current now: their age counts from here.
    for (const dir of byHash) await startRetention(dir, (await readdir(dir).catch(() => [] as string[])).filter((n) => previous.hashes.has(n)), now);
    for (const f of files) await mkdir(join(this.dist, f.path, '..'), { recursive: true });
    await putLive([
      ...files.flatMap((f) => {
        const base = join(this.dist, f.path, '..', 'by-hash');
        return [
          { from: join(staging, f.path), to: join(base, 'SHA256', f.sha256), how: 'link' as const },
          { from: join(staging, f.path), to: join(base, 'SHA512', f.sha512), how: 'link' as const },
        ];
      }),
      ...files.map((f) => ({ from: join(staging, f.path), to: join(this.dist, f.path), how: 'move' as const })),
      ...['Release', 'Release.gpg', 'InRelease'].map((name) => ({ from: join(staging, name), to: join(this.dist, name), how: 'move' as const })),
    ]);
    // Packages.xz, which earlier versions of pkg2os wrote, is listed no more (its by-hash copies age out with the rest).
    for (const dir of new Set(files.map((f) => join(this.dist, f.path, '..')))) await rm(join(dir, 'Packages.xz'), { force: true });
    const current = new Set(files.flatMap((f) => [f.sha256, f.sha512]));
    for (const dir of await this.byHashDirs()) await pruneSuperseded(dir, (name) => current.has(name), this.settings.retention * 1000, now, this.logger);
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
  private async removeRetired(retiredFiles: RetiredFiles, clock: Clock): Promise<string[]> {
    const removed = await retiredFiles.removeDue(this.settings.retention * 1000, clock.now().getTime());
    for (const file of removed) this.logger.info(`apt: removed ${file} from the pool (left the indices more than the retention window ago)`);
    return removed;
  }
}
