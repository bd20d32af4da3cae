/**
 * The yum/dnf repository under <root>/rpm: Packages/*.rpm (each signed with
 * rpmsign, our openpgp.js signer standing in for gpg) and repodata/ from
 * createrepo_c, with repomd.xml.asc. New metadata is made in a staging copy;
 * every rpm passes `rpmkeys -K` with only our key and the repomd.xml
 * signature passes gpgv before anything goes live; then the rpms, and
 * the new repodata directory is exchanged for the live one in one step.
 */
import { cp, link, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Clock } from '../../../clock.js';
import type { NamedRepoSettings } from '../../../coordinator/publish/repo.types.js';
import { fileDigest } from '../../../digest.js';
import { PublishError } from '../../../errors.js';
import { run } from '../../../exec.js';
import { copyAtomic, writeAtomic } from '../../../fs-atomic.js';
import type { Signer } from '../../../coordinator/keys/signer.js';
import type { Logger } from '../../../log.js';
import { compareRpmEvr } from '../version-compare.js';
import { PoolRecord } from '../../../coordinator/publish/pool-record.js';
import { type PrepareOptions, type PublicKeyFiles, type RepoPublisher, type StagedPublication, stagedPublication } from '../../../coordinator/publish/repo-publisher.js';
import { RetiredFiles, selectRetained } from '../../../coordinator/publish/retention.js';
import { gpgvCheck, rpmkeysCheck } from '../../../coordinator/publish/self-check.js';
import { exchangeDirectory, pruneSuperseded, startRetention } from '../../../coordinator/publish/switch-over.js';
import { repomdLocations } from './repomd.js';
import { type RpmHeader, queryRpms } from './rpm-query.js';
import { type SignOutcome, signWithCache } from './sign-cache.js';
import { scratchDir } from '../../../stop-registry.js';

/** What one yum publish did to one target's repository (of one channel). */
export interface YumSummary {
  target: string;
  channel: string;
  added: string[];
  packages: number;
  repomd: string;
  retired: string[];
  removed: string[];
}

interface RpmEntry extends RpmHeader {
  /** Path relative to <root>/rpm. */
  file: string;
}

export class YumPublisher implements RepoPublisher<YumSummary> {
  readonly kind = 'yum';
  readonly yumRoot: string;

  constructor(
    private readonly settings: NamedRepoSettings,
    private readonly signer: Signer,
    private readonly logger: Logger,
    /** The RPM-family target this repository is for. */
    private readonly target: string,
    /** Its channel: the repository lives in rpm/<target>/, or rpm/<target>-<channel>/. */
    private readonly channel: string = 'default',
    /** Its directory under rpm/. */
    dir: string = target,
  ) {
    this.yumRoot = join(settings.root, 'rpm', dir);
  }

  /**
   * Sign and check the new rpms, add them to Packages/, and make new signed
   * metadata in a staging directory. Clients see nothing new until `switchOver()`.
   */
  async prepare(rpms: readonly string[], keys: PublicKeyFiles, options: PrepareOptions, listing: { exact?: readonly string[]; keep?: (rel: string) => boolean } = {}): Promise<StagedPublication<YumSummary>> {
    await mkdir(join(this.yumRoot, 'Packages'), { recursive: true });
    // Staging lies outside rpm/, so that createrepo_c does not index it.
    const scratch = await scratchDir(this.settings.root, `.staging-yum-${this.target}-`);
    const staging = scratch.path;
    const added: string[] = [];
    const discard = async () => {
      for (const rel of added) await rm(join(this.yumRoot, rel), { force: true });
      await scratch.remove();
    };
    try {
      const record = await this.openRecord(keys.binary);
      // Promotion, rollback: the listing's rpms (signed already, by this key) come in as they are, and are listed alone.
      const exactFiles = listing.exact ? await this.takeSigned(listing.exact, record, added, keys, join(staging, 'rpmdb-exact')) : undefined;
      const toSign = await this.stageNew(rpms, join(staging, 'sign'), await this.scanPackages(record));
      let signing: SignOutcome | undefined;
      if (toSign.length > 0) {
        signing = await signWithCache(toSign, this.signer, join(this.yumRoot, '.pkg2os', 'signed'));
        if (signing.signed) this.logger.info(`yum: signed ${signing.signed} rpm(s) for ${this.target} in ${(signing.ms / 1000).toFixed(2)} s (${Math.round(signing.ms / signing.signed)} ms each)${signing.reused ? `; ${signing.reused} signed before (an interrupted publish) were reused` : ''}`);
        await rpmkeysCheck(toSign, keys.armored, join(staging, 'rpmdb'));
        const headers = await queryRpms(toSign, 'the signed rpms');
        for (const [k, file] of toSign.entries()) {
          const rel = `Packages/${basename(file)}`;
          await copyAtomic(file, join(this.yumRoot, rel));
          added.push(rel);
          const st = await stat(join(this.yumRoot, rel));
          record.set(rel, { file: rel, ...headers[k]!, size: st.size, mtimeMs: st.mtimeMs, sha256: await fileDigest(join(this.yumRoot, rel)) });
        }
      }
      const live = join(this.yumRoot, 'repodata');
      // The newest N versions of each package are indexed; the others leave the metadata now and Packages/ after the window.
      const present = await this.scanPackages(record);
      const { kept, retired } = exactFiles
        ? { kept: present.filter((e) => exactFiles.has(e.file)), retired: present.filter((e) => !exactFiles.has(e.file)) }
        : selectRetained(present, (e) => `${e.name}\u0000${e.arch}`, compareRpmEvr, (e) => `${e.epoch}:${e.version}`, this.settings.keepVersions);
      const retiredFiles = await RetiredFiles.load(this.yumRoot);
      const newlyRetired = retiredFiles.update(retired.map((e) => e.file), options.clock.now().getTime());
      const pkglist = `${kept.map((e) => e.file).sort().join('\n')}\n`;
      const pkglistPath = join(this.yumRoot, '.pkg2os', 'pkglist');
      const summary = async (): Promise<YumSummary> => ({ target: this.target, channel: this.channel, added, packages: kept.length, repomd: join(live, 'repomd.xml'), retired: newlyRetired, removed: await this.removeRetired(retiredFiles, options.clock, listing.keep) });
      const listed = await readFile(pkglistPath, 'utf8').catch(() => undefined);
      if (!options.force && toSign.length === 0 && listed === pkglist && (await stat(join(live, 'repomd.xml.asc')).catch(() => undefined))) {
        // Nothing new: the signed metadata stands as it is.
        await scratch.remove();
        return { discard, switchOver: summary };
      }
      const out = join(staging, 'out');
      await mkdir(out);
      // The live metadata for createrepo_c --update to start from: hard links (it writes a new directory, never into these).
      if (await stat(live).catch(() => undefined)) {
        await mkdir(join(out, 'repodata'));
        for (const name of await readdir(live)) await link(join(live, name), join(out, 'repodata', name));
      }
      await writeFile(join(staging, 'pkglist'), pkglist);
      await run('createrepo_c', ['--update', '--no-database', '--general-compress-type=xz', '--quiet', '--pkglist', join(staging, 'pkglist'), '--outputdir', out, this.yumRoot], { purpose: 'indexing the yum repository', phase: 'publish' });
      const newRepodata = join(out, 'repodata');
      const repomd = await readFile(join(newRepodata, 'repomd.xml'));
      await writeFile(join(newRepodata, 'repomd.xml.asc'), await this.signer.detached(repomd, 'armored'));
      await gpgvCheck(keys.binary, join(newRepodata, 'repomd.xml.asc'), join(newRepodata, 'repomd.xml'), 'repomd.xml.asc');
      const goLive = async () => {
        await this.switchOver(newRepodata, options.clock);
        await writeAtomic(pkglistPath, pkglist);
        await signing?.forget();
      };
      return stagedPublication(scratch, goLive, summary, discard);
    } catch (error) {
      await discard();
      throw error;
    }
  }

  /**
   * The record of the rpms pkg2os put into Packages/. A lost record is rebuilt
   * from the last signed metadata; rpms that neither names are not pkg2os's,
   * and are never listed.
   */
  private async openRecord(keyring: string): Promise<PoolRecord<RpmEntry>> {
    return PoolRecord.recover<RpmEntry>(join(this.yumRoot, '.pkg2os', 'rpm-cache.json'), {
      root: this.yumRoot,
      what: `yum (${this.target})`,
      logger: this.logger,
      poolHasFiles: async () => (await readdir(join(this.yumRoot, 'Packages'))).length > 0,
      rebuild: async () => {
        // Loaded only here: the XML parser is not needed while the record is whole.
        const { recordFromSignedMetadata } = await import('./record-from-repomd.js');
        const listed = await recordFromSignedMetadata(this.yumRoot, keyring);
        const headers = await queryRpms(listed.map((r) => join(this.yumRoot, r.file)), 'the published rpms');
        return listed.map((rpm, k) => [rpm.file, { file: rpm.file, ...headers[k]!, sha256: rpm.sha256 }] as [string, RpmEntry & { sha256: string }]);
      },
    });
  }

  /** The rpms of the record, each checked against what was recorded. */
  private async scanPackages(record: PoolRecord<RpmEntry>): Promise<RpmEntry[]> {
    return (await record.scan(this.yumRoot)).map(([, { size: _s, mtimeMs: _m, sha256: _h, ...entry }]) => entry as RpmEntry);
  }

  /**
   * The signed rpms of a promotion or rollback into Packages/ (hard links
   * where possible: the same bytes, the same sha256), each checked with
   * rpmkeys against the repository's key; returns the files to list.
   */
  private async takeSigned(sources: readonly string[], record: PoolRecord<RpmEntry>, added: string[], keys: PublicKeyFiles, rpmdb: string): Promise<Set<string>> {
    const files = new Set<string>();
    const incoming: Array<{ source: string; rel: string }> = [];
    for (const source of sources) {
      const rel = `Packages/${basename(source)}`;
      files.add(rel);
      const known = record.get(rel);
      if (known && (await stat(join(this.yumRoot, rel)).catch(() => undefined)) && known.sha256 === (await fileDigest(source))) continue;
      incoming.push({ source, rel });
    }
    if (incoming.length === 0) return files;
    await rpmkeysCheck(incoming.map((i) => i.source), keys.armored, rpmdb);
    const headers = await queryRpms(incoming.map((i) => i.source), 'the rpms to list');
    for (const [k, { source, rel }] of incoming.entries()) {
      if (record.get(rel)) throw new PublishError('PUBLISH_CONFLICT', `${this.yumRoot}/${rel} already holds other bytes than ${source}; a published file never changes.`);
      await copyAtomic(source, join(this.yumRoot, rel), true);
      added.push(rel);
      const st = await stat(join(this.yumRoot, rel));
      record.set(rel, { file: rel, ...headers[k]!, size: st.size, mtimeMs: st.mtimeMs, sha256: await fileDigest(join(this.yumRoot, rel)) });
    }
    return files;
  }

  /** Rpms that left the metadata longer ago than the retention window are deleted (not those a kept snapshot names). */
  private async removeRetired(retiredFiles: RetiredFiles, clock: Clock, keep?: (rel: string) => boolean): Promise<string[]> {
    const removed = await retiredFiles.removeDue(this.settings.retention * 1000, clock.now().getTime(), keep);
    for (const file of removed) this.logger.info(`yum: removed ${file} (left the metadata more than the retention window ago)`);
    return removed;
  }

  /**
   * Copies of the rpms that are not in the repository yet; one already there
   * (signed) with the same payload is skipped, with another payload it is a
   * conflict. The payloads of the new files are read in one rpm process.
   */
  private async stageNew(rpms: readonly string[], dir: string, present: RpmEntry[]): Promise<string[]> {
    await mkdir(dir, { recursive: true });
    const published = new Map(present.map((e) => [basename(e.file), e.payload]));
    const clashing = rpms.filter((rpm) => published.has(basename(rpm)));
    const payloads = await queryRpms(clashing, 'the rpms to publish');
    const same = new Set<string>();
    clashing.forEach((rpm, k) => {
      if (payloads[k]!.payload !== published.get(basename(rpm))) {
        throw new PublishError('PUBLISH_CONFLICT', `The repository already has Packages/${basename(rpm)} with a different payload; a published version never changes its bytes.`, {
          hint: 'Build it with a higher --release instead.',
        });
      }
      same.add(rpm);
    });
    const staged: string[] = [];
    for (const rpm of rpms) {
      if (same.has(rpm)) continue;
      const copy = join(dir, basename(rpm));
      await cp(rpm, copy);
      staged.push(copy);
    }
    return staged;
  }

  /**
   * The new repodata directory goes live in one step (a directory exchange), so that no client ever reads a
   * repomd.xml.asc beside a repomd.xml it does not sign, however the publisher ends. The outgoing metadata starts
   * its retention window and goes along into the new directory (hard links: the same files, the same ages) until
   * the window is past.
   */
  private async switchOver(newRepodata: string, clock: Clock): Promise<void> {
    const live = join(this.yumRoot, 'repodata');
    const now = clock.now();
    const current = repomdLocations(await readFile(join(newRepodata, 'repomd.xml'), 'utf8'));
    const keep = (name: string) => current.has(name) || name === 'repomd.xml' || name === 'repomd.xml.asc';
    if (!(await stat(live).catch(() => undefined))) {
      await rename(newRepodata, live);
      return;
    }
    await startRetention(live, repomdLocations(await readFile(join(live, 'repomd.xml'), 'utf8').catch(() => '')), now);
    const fresh: string[] = [];
    for (const name of current) if (!(await stat(join(live, name)).catch(() => undefined))) fresh.push(name);
    for (const name of await readdir(live)) {
      if (keep(name)) continue;
      await rm(join(newRepodata, name), { force: true });
      await link(join(live, name), join(newRepodata, name));
    }
    await pruneSuperseded(newRepodata, keep, this.settings.retention * 1000, now, this.logger);
    await exchangeDirectory(newRepodata, live, [...fresh, 'repomd.xml.asc', 'repomd.xml'], (why) => this.logger.warn(why));
    // Where the directories could not be exchanged, the live one is pruned in place.
    await pruneSuperseded(live, keep, this.settings.retention * 1000, now, this.logger);
  }
}
