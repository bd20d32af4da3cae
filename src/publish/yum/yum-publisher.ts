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
import { copyAtomic } from '../fs-atomic.js';
import type { PreparedPublish, RepoSettings } from '../repo.types.js';

/** The files a repomd.xml points at (repodata/<name>). */
export function repomdLocations(xml: string): Set<string> {
  return new Set([...xml.matchAll(/<location\s+href="repodata\/([^"]+)"/g)].map((m) => m[1]!));
}

async function payloadIdentity(rpm: string): Promise<string> {
  return (await run('rpm', ['-qp', '--nosignature', '--nodigest', '--qf', '%{NEVRA} %{PAYLOADDIGEST}', rpm], { purpose: `reading ${basename(rpm)}` })).stdout.trim();
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
  async prepare(rpms: readonly string[], keyFiles: { armored: string; gpgv: string }, force = false): Promise<PreparedPublish<{ added: string[]; packages: number; repomd: string }>> {
    await mkdir(join(this.yumRoot, 'Packages'), { recursive: true });
    // Staging lies outside rpm/, so that createrepo_c does not index it.
    const staging = await mkdtemp(join(this.settings.root, '.staging-yum-'));
    const added: string[] = [];
    const abort = async () => {
      for (const rel of added) await rm(join(this.yumRoot, rel), { force: true });
      await rm(staging, { recursive: true, force: true });
    };
    try {
      const toSign = await this.stageNew(rpms, join(staging, 'sign'));
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
      if (!force && toSign.length === 0 && (await stat(join(live, 'repomd.xml.asc')).catch(() => undefined))) {
        // Nothing new: the signed metadata stands as it is.
        await rm(staging, { recursive: true, force: true });
        const packages = (await readdir(join(this.yumRoot, 'Packages'))).filter((f) => f.endsWith('.rpm')).length;
        return { abort, commit: async () => ({ added, packages, repomd: join(live, 'repomd.xml') }) };
      }
      const out = join(staging, 'out');
      await mkdir(out);
      if (await stat(live).catch(() => undefined)) await cp(live, join(out, 'repodata'), { recursive: true });
      await run('createrepo_c', ['--update', '--no-database', '--general-compress-type=xz', '--quiet', '--outputdir', out, this.yumRoot], { purpose: 'indexing the yum repository' });
      const newRepodata = join(out, 'repodata');
      const repomd = await readFile(join(newRepodata, 'repomd.xml'));
      await writeFile(join(newRepodata, 'repomd.xml.asc'), await this.signer.detached(repomd, 'armored'));
      await this.checkRepomd(newRepodata, keyFiles.gpgv);
      return {
        abort,
        commit: async () => {
          try {
            await this.switchOver(newRepodata);
          } finally {
            await rm(staging, { recursive: true, force: true });
          }
          const packages = (await readdir(join(this.yumRoot, 'Packages'))).filter((f) => f.endsWith('.rpm')).length;
          return { added, packages, repomd: join(live, 'repomd.xml') };
        },
      };
    } catch (error) {
      await abort();
      throw error;
    }
  }

  /** Copies of the rpms that are not in the repository yet; a same-named rpm with other contents is a conflict. */
  private async stageNew(rpms: readonly string[], dir: string): Promise<string[]> {
    await mkdir(dir, { recursive: true });
    const staged: string[] = [];
    for (const rpm of rpms) {
      const existing = join(this.yumRoot, 'Packages', basename(rpm));
      if (await stat(existing).catch(() => undefined)) {
        if ((await payloadIdentity(existing)) === (await payloadIdentity(rpm))) continue;
        throw new PublishError('PUBLISH_CONFLICT', `The repository already has Packages/${basename(rpm)} with a different payload; a published version never changes its bytes.`, {
          hint: 'Build it with a higher --release instead.',
        });
      }
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
