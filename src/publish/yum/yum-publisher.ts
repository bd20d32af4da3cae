/**
 * The yum/dnf repository under <root>/rpm: Packages/*.rpm (each signed with
 * rpmsign, our openpgp.js signer standing in for gpg) and repodata/ from
 * createrepo_c, with repomd.xml.asc. New metadata is made in a staging copy;
 * every rpm passes `rpmkeys -K` with only our key and the repomd.xml
 * signature passes gpgv before anything goes live; then data files,
 * repomd.xml.asc and repomd.xml are switched in, in that order.
 */
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, utimes, writeFile, cp } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { PublishError, ToolError } from '../../errors.js';
import { run } from '../../exec.js';
import { startSignServer } from '../../keys/sign-server.js';
import type { Signer } from '../../keys/signer.js';
import type { Logger } from '../../log.js';
import { shipped } from '../../paths.js';
import { copyAtomic, writeAtomic } from '../../fs-atomic.js';
import type { PreparedPublish, RepoSettings } from '../repo.types.js';
import { compareRpmEvr, type Evr } from '../../package/version-compare.js';
import { RetiredFiles, selectRetained } from '../retention.js';

/** What one yum publish did. */
export interface YumSummary {
  added: string[];
  packages: number;
  repomd: string;
  retired: string[];
  removed: string[];
}

interface RpmEntry extends Evr {
  /** Path relative to <root>/rpm. */
  file: string;
  name: string;
  arch: string;
  /** The payload digest: the same for a package before and after signing. */
  payload: string;
}

type RpmCache = Record<string, RpmEntry & { size: number; mtimeMs: number }>;

/** The files a repomd.xml points at (repodata/<name>). */
export function repomdLocations(xml: string): Set<string> {
  return new Set([...xml.matchAll(/<location\s+href="repodata\/([^"]+)"/g)].map((m) => m[1]!));
}

const QUERY_FORMAT = '%{NAME}\t%{EPOCHNUM}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t%{PAYLOADDIGEST}\n';

/** Name, EVR, arch and payload digest of many rpms, in one rpm process per 500. */
async function queryRpms(paths: readonly string[], what: string): Promise<Array<Omit<RpmEntry, 'file'>>> {
  const out: Array<Omit<RpmEntry, 'file'>> = [];
  for (let i = 0; i < paths.length; i += 500) {
    const chunk = paths.slice(i, i + 500);
    const { stdout } = await run('rpm', ['-qp', '--nosignature', '--nodigest', '--qf', QUERY_FORMAT, ...chunk], { purpose: `reading ${what}` });
    const lines = stdout.split('\n').filter(Boolean);
    if (lines.length !== chunk.length) throw new PublishError('PUBLISH_FAILED', `rpm read ${lines.length} of ${chunk.length} packages in ${what}; one of them is not a usable rpm.`);
    for (const line of lines) {
      const [name, epoch, version, release, arch, payload] = line.split('\t');
      out.push({ name: name!, epoch: Number(epoch), version: version!, release: release!, arch: arch!, payload: payload! });
    }
  }
  return out;
}

export class YumPublisher {
  readonly yumRoot: string;

  constructor(
    private readonly settings: RepoSettings,
    private readonly signer: Signer,
    private readonly logger: Logger,
  ) {
    this.yumRoot = join(settings.root, 'rpm');
  }

  /**
   * Sign and check the new rpms, add them to Packages/, and make new signed
   * metadata in a staging directory. Clients see nothing new until `commit()`.
   */
  async prepare(rpms: readonly string[], keyFiles: { armored: string; gpgv: string }, force = false): Promise<PreparedPublish<YumSummary>> {
    await mkdir(join(this.yumRoot, 'Packages'), { recursive: true });
    // Staging lies outside rpm/, so that createrepo_c does not index it.
    const staging = await mkdtemp(join(this.settings.root, '.staging-yum-'));
    const added: string[] = [];
    const abort = async () => {
      for (const rel of added) await rm(join(this.yumRoot, rel), { force: true });
      await rm(staging, { recursive: true, force: true });
    };
    try {
      const toSign = await this.stageNew(rpms, join(staging, 'sign'), await this.scanPackages());
      if (toSign.length > 0) {
        await this.sign(toSign);
        await this.checkRpms(toSign, keyFiles.armored, join(staging, 'rpmdb'));
        for (const file of toSign) {
          const rel = `Packages/${basename(file)}`;
          await copyAtomic(file, join(this.yumRoot, rel));
          added.push(rel);
        }
      }
      const live = join(this.yumRoot, 'repodata');
      // The newest N versions of each package are indexed; the others leave the metadata now and Packages/ after the window.
      const { kept, retired } = selectRetained(await this.scanPackages(), (e) => `${e.name}\u0000${e.arch}`, compareRpmEvr, (e) => `${e.epoch}:${e.version}`, this.settings.keepVersions);
      const now = (this.settings.now ?? new Date()).getTime();
      const retiredFiles = await RetiredFiles.load(this.yumRoot);
      const newlyRetired = retiredFiles.update(retired.map((e) => e.file), now);
      const pkglist = `${kept.map((e) => e.file).sort().join('\n')}\n`;
      const pkglistPath = join(this.yumRoot, '.pkg2os', 'pkglist');
      const summary = (removed: string[]): YumSummary => ({ added, packages: kept.length, repomd: join(live, 'repomd.xml'), retired: newlyRetired, removed });
      const listed = await readFile(pkglistPath, 'utf8').catch(() => undefined);
      if (!force && toSign.length === 0 && listed === pkglist && (await stat(join(live, 'repomd.xml.asc')).catch(() => undefined))) {
        // Nothing new: the signed metadata stands as it is.
        await rm(staging, { recursive: true, force: true });
        return { abort, commit: async () => summary(await this.prunePackages(retiredFiles, now)) };
      }
      const out = join(staging, 'out');
      await mkdir(out);
      if (await stat(live).catch(() => undefined)) await cp(live, join(out, 'repodata'), { recursive: true });
      await writeFile(join(staging, 'pkglist'), pkglist);
      await run('createrepo_c', ['--update', '--no-database', '--general-compress-type=xz', '--quiet', '--pkglist', join(staging, 'pkglist'), '--outputdir', out, this.yumRoot], { purpose: 'indexing the yum repository' });
      const newRepodata = join(out, 'repodata');
      const repomd = await readFile(join(newRepodata, 'repomd.xml'));
      await writeFile(join(newRepodata, 'repomd.xml.asc'), await this.signer.detached(repomd, 'armored'));
      await this.checkRepomd(newRepodata, keyFiles.gpgv);
      return {
        abort,
        commit: async () => {
          try {
            await this.switchOver(newRepodata);
            await writeAtomic(pkglistPath, pkglist);
          } finally {
            await rm(staging, { recursive: true, force: true });
          }
          return summary(await this.prunePackages(retiredFiles, now));
        },
      };
    } catch (error) {
      await abort();
      throw error;
    }
  }

  /** Name, EVR and arch of every rpm in Packages/ (cached by size and mtime; one rpm process for the rest). */
  private async scanPackages(): Promise<RpmEntry[]> {
    const cachePath = join(this.yumRoot, '.pkg2os', 'rpm-cache.json');
    const cache: RpmCache = JSON.parse(await readFile(cachePath, 'utf8').catch(() => '{}'));
    const fresh: RpmCache = {};
    const missing: Array<{ file: string; size: number; mtimeMs: number }> = [];
    for (const name of (await readdir(join(this.yumRoot, 'Packages'))).filter((f) => f.endsWith('.rpm')).sort()) {
      const file = `Packages/${name}`;
      const st = await stat(join(this.yumRoot, file));
      const cached = cache[file];
      if (cached && cached.size === st.size && cached.mtimeMs === st.mtimeMs && cached.payload) fresh[file] = cached;
      else missing.push({ file, size: st.size, mtimeMs: st.mtimeMs });
    }
    const read = await queryRpms(missing.map((m) => join(this.yumRoot, m.file)), join(this.yumRoot, 'Packages'));
    missing.forEach((m, k) => {
      fresh[m.file] = { file: m.file, ...read[k]!, size: m.size, mtimeMs: m.mtimeMs };
    });
    if (missing.length > 0) await writeAtomic(cachePath, JSON.stringify(fresh));
    return Object.values(fresh).map(({ size: _s, mtimeMs: _m, ...entry }) => entry);
  }

  /** Rpms that left the metadata longer ago than the retention window are deleted. */
  private async prunePackages(retiredFiles: RetiredFiles, now: number): Promise<string[]> {
    const removed = await retiredFiles.removeDue(this.settings.retention * 1000, now);
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

  /** rpmsign --addsign, with %__gpg_sign_cmd pointing at bin/pkg2os-rpm-sign (absolute path first, as rpm execs it). */
  private async sign(files: string[]): Promise<void> {
    const server = await startSignServer(this.signer);
    try {
      const helper = shipped('bin', 'pkg2os-rpm-sign');
      await run('rpmsign', ['--addsign', '--define', `_gpg_name ${this.signer.fingerprint}`, '--define', `__gpg_sign_cmd ${helper} pkg2os-rpm-sign %{__signature_filename}`, ...files], {
        env: server.env,
        purpose: 'signing the rpms',
      });
      if (server.count() < files.length) throw new PublishError('PUBLISH_FAILED', `rpmsign asked for ${server.count()} signatures for ${files.length} packages.`);
    } finally {
      await server.close();
    }
  }

  /** `rpmkeys -K` on each rpm with a keyring holding only the published key. */
  private async checkRpms(files: string[], publicKey: string, dbpath: string): Promise<void> {
    await mkdir(dbpath, { recursive: true });
    await run('rpmkeys', ['--dbpath', dbpath, '--import', publicKey], { purpose: 'importing the repository key into a private rpm keyring' });
    // One rpmkeys for all of them; its output has a line per package.
    let output: string;
    try {
      output = (await run('rpmkeys', ['--dbpath', dbpath, '-K', ...files], { purpose: 'checking the signatures of the new rpms' })).stdout;
    } catch (error) {
      throw new PublishError('PUBLISH_SELF_CHECK', 'rpmkeys refuses a signature pkg2os just made; nothing was published.', {
        hint: error instanceof ToolError ? error.stderrTail : undefined,
        cause: error,
      });
    }
    for (const file of files) {
      const line = output.split('\n').find((l) => l.startsWith(`${file}:`)) ?? '';
      if (!/\bsignatures OK\b/.test(line)) {
        throw new PublishError('PUBLISH_SELF_CHECK', `${basename(file)} carries no signature rpm can check after signing (rpmkeys -K said: ${line.trim() || 'nothing'}); nothing was published.`);
      }
    }
  }

  private async checkRepomd(repodata: string, gpgvKeyring: string): Promise<void> {
    try {
      await run('gpgv', ['--keyring', gpgvKeyring, join(repodata, 'repomd.xml.asc'), join(repodata, 'repomd.xml')], { purpose: 'checking repomd.xml.asc' });
    } catch (error) {
      throw new PublishError('PUBLISH_SELF_CHECK', 'gpgv does not accept the repomd.xml.asc pkg2os just made; nothing was published.', { cause: error });
    }
  }

  /** Data files first, then repomd.xml.asc, then repomd.xml; prune what is past retention. */
  private async switchOver(newRepodata: string): Promise<void> {
    const live = join(this.yumRoot, 'repodata');
    await mkdir(live, { recursive: true });
    const previous = repomdLocations(await readFile(join(live, 'repomd.xml'), 'utf8').catch(() => ''));
    const now = new Date();
    for (const name of previous) await utimes(join(live, name), now, now).catch(() => undefined);
    const current = repomdLocations(await readFile(join(newRepodata, 'repomd.xml'), 'utf8'));
    for (const name of current) {
      if (!(await stat(join(live, name)).catch(() => undefined))) await copyAtomic(join(newRepodata, name), join(live, name), true);
    }
    await rename(join(newRepodata, 'repomd.xml.asc'), join(live, 'repomd.xml.asc'));
    await rename(join(newRepodata, 'repomd.xml'), join(live, 'repomd.xml'));
    const cutoff = Date.now() - this.settings.retention * 1000;
    for (const name of await readdir(live)) {
      if (current.has(name) || name === 'repomd.xml' || name === 'repomd.xml.asc') continue;
      const st = await stat(join(live, name)).catch(() => undefined);
      if (st && st.mtimeMs < cutoff) {
        await rm(join(live, name), { force: true, recursive: true });
        this.logger.debug(`pruned repodata/${name}`);
      }
    }
  }
}
