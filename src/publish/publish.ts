/**
 * `pkg2os publish`: one publisher at a time per repository root; apt under
 * deb/, yum under rpm/, the public key as KEY.asc and KEY.gpg, and the client
 * setup files. Each repository kind checks its own output as a client would
 * before it switches anything live, so a failure leaves the previous state.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import * as openpgp from 'openpgp';
import { type Clock, systemClock } from '../clock.js';
import { PublishError } from '../errors.js';
import type { Signer } from '../keys/signer.js';
import type { Logger } from '../log.js';
import { lapSinceStart, silentLogger } from '../log.js';
import { AptPublisher } from './apt/apt-publisher.js';
import type { DebFacts } from './apt/read-controls.js';
import { refuseSingleTargetLayout, writeClientFiles } from './client-config.js';
import { type RecordText, keepRecords } from './records-dir.js';
import { writeAtomic } from '../fs-atomic.js';
import { acquirePublishLock } from './publish-lock.js';
import type { NamedRepoSettings, PublishSummary, RepoSettings } from './repo.types.js';
import { TARGETS, type TargetProfile } from '../config/targets.js';
import { targetOfRelease } from './targets-of.js';
import { queryRpms } from './yum/rpm-query.js';
import type { StagedPublication } from './repo-publisher.js';
import { YumPublisher } from './yum/yum-publisher.js';
import { type ReleaseChoice, ReleaseLedger } from './release-ledger.js';

export interface PublishRequest {
  settings: RepoSettings;
  debs: string[];
  rpms: string[];
  /** The target of packages whose release carries none (pkg2os publish --target). */
  defaultTarget?: TargetProfile;
  /** The build records of the files, kept for `pkg2os explain`. */
  records?: readonly RecordText[];
  /** The control files and digests of `debs`, when the caller started reading them early (readDebs). */
  debFacts?: Promise<ReadonlyMap<string, DebFacts>>;
  signer: Signer;
  logger?: Logger;
  /** How long to wait for another publisher (ms). */
  lockTimeoutMs?: number;
  /** Allow publishing with a key other than the one the repository was signed with. */
  replaceKey?: boolean;
  /** The releases chosen for these packages, recorded in the repository's release ledger. */
  releases?: ReleaseChoice[];
  clock?: Clock;
}

async function existing(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}

export async function publishRepository(request: PublishRequest): Promise<PublishSummary> {
  const { settings, signer } = request;
  const logger = request.logger ?? silentLogger;
  await mkdir(settings.root, { recursive: true });
  const lap = lapSinceStart(logger);
  const lock = await acquirePublishLock(settings.root, request.lockTimeoutMs ?? 120_000);
  lap('publish lock taken');
  const keys = await mkdtemp(join(tmpdir(), 'pkg2os-pubkey-'));
  try {
    // Holding the lock, whatever an interrupted publisher left behind is garbage.
    await removeLeftovers(settings.root, logger);
    // With a new key everything is signed again, changed or not.
    const keyChanged = await checkKeyContinuity(settings.root, signer, request.replaceKey ?? false);
    const keyFiles = { armored: join(keys, 'KEY.asc'), binary: join(keys, 'KEY.gpg') };
    await writeFile(keyFiles.armored, signer.publicArmored);
    await writeFile(keyFiles.binary, signer.publicBinary);
    const summary: PublishSummary = { root: settings.root, fingerprint: signer.fingerprint };
    const options = { force: keyChanged, clock: request.clock ?? systemClock };
    const named: NamedRepoSettings = { ...settings, origin: settings.origin ?? signer.userName, label: settings.label ?? settings.origin ?? signer.userName };
    await refuseSingleTargetLayout(settings.root);
    // Which yum repository each rpm belongs to (its Release's target tag).
    const rpmTargets = new Map<string, string[]>();
    const headers = await queryRpms(request.rpms, 'the rpms to publish');
    request.rpms.forEach((rpm, k) => {
      const target = targetOfRelease('rpm', headers[k]!.release, rpm, request.defaultTarget).name;
      rpmTargets.set(target, [...(rpmTargets.get(target) ?? []), rpm]);
    });
    for (const target of await readdir(join(settings.root, 'rpm')).catch(() => [] as string[])) if (TARGETS[target]?.family === 'rpm' && !rpmTargets.has(target)) rpmTargets.set(target, []);
    const suiteTargets = new Map(Object.entries(named.codenames).map(([target, codename]) => [codename, target]));
    const suiteOf = (version: string, deb: string) => {
      const target = targetOfRelease('deb', version.replace(/^.*-/, ''), deb, request.defaultTarget);
      return named.codenames[target.name] ?? target.codename!;
    };
    // Both kinds are prepared and checked first; only then does either go live.
    const wantApt = request.debs.length > 0 || (await existing(join(settings.root, 'deb', 'dists')));
    const staged: Array<StagedPublication<unknown>> = [];
    try {
      lap('publishers ready');
      const apt = wantApt ? await new AptPublisher(named, signer, logger, suiteOf, (suite) => suiteTargets.get(suite) ?? suite, request.debFacts).prepare(request.debs, keyFiles, options) : undefined;
      if (apt) staged.push(apt);
      const yums = [];
      for (const [target, rpms] of [...rpmTargets].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const yum = await new YumPublisher(named, signer, logger, target).prepare(rpms, keyFiles, options);
        staged.push(yum);
        yums.push(yum);
      }
      // The ledger is written before anything goes live: an interrupted publish is then finished by the next run with the same releases.
      const ledger = await ReleaseLedger.load(settings.root);
      if (request.releases && ledger.record(request.releases)) await ledger.save();
      if (request.records) await keepRecords(settings.root, request.records);
      staged.length = 0;
      lap('everything staged and checked');
      if (apt) {
        summary.apt = await apt.switchOver();
        for (const s of summary.apt) logger.info(`apt: ${s.packages} package(s) in ${s.suite} (${s.target}), ${s.added.length} added${s.retired.length ? `, ${s.retired.length} older version(s) left the indices` : ''}`);
      }
      if (yums.length) summary.yum = [];
      for (const yum of yums) {
        const s = await yum.switchOver();
        summary.yum!.push(s);
        logger.info(`yum: ${s.packages} package(s) for ${s.target}, ${s.added.length} added${s.retired.length ? `, ${s.retired.length} older version(s) left the metadata` : ''}`);
      }
    } catch (error) {
      for (const publication of staged) await publication.discard();
      throw error;
    }
    await writeAtomic(join(settings.root, 'KEY.asc'), signer.publicArmored);
    await writeAtomic(join(settings.root, 'KEY.gpg'), signer.publicBinary);
    if (settings.baseUrl) await writeClientFiles(named, settings.baseUrl, signer.fingerprint, suiteTargets);
    lap('switched over');
    return summary;
  } finally {
    await rm(keys, { recursive: true, force: true });
    await lock.release();
  }
}

/**
 * Staging directories of a publisher that was killed (the lock is ours now).
 * Its half-copied temporary files in the pool are never indexed (they do not
 * end in .deb/.rpm) and are left alone: walking the pool for them would cost
 * every publish.
 */
async function removeLeftovers(root: string, logger: Logger): Promise<void> {
  for (const dir of [root, join(root, 'deb'), join(root, 'rpm')]) {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (!(e.isDirectory() && /^\.staging-/.test(e.name))) continue;
      await rm(join(dir, e.name), { recursive: true, force: true });
      logger.info(`removed ${join(dir, e.name)}, left by an interrupted publish`);
    }
  }
}

/**
 * Clients trust the key the repository was first published with: another key
 * would lock them all out. Returns whether the key changes (with --replace-key).
 */
async function checkKeyContinuity(root: string, signer: Signer, replaceKey: boolean): Promise<boolean> {
  const text = await readFile(join(root, 'KEY.asc'), 'utf8').catch(() => undefined);
  if (text === undefined) return false;
  const published = (await openpgp.readKey({ armoredKey: text })).getFingerprint().toUpperCase();
  if (published === signer.fingerprint) return false;
  if (!replaceKey) {
    throw new PublishError('PUBLISH_CONFLICT', `${root} is signed with key ${published}, and this publish would sign it with ${signer.fingerprint}: every client that trusts the old key would refuse the repository.`, {
      hint: 'Use the repository\'s key, or pass --replace-key after distributing the new KEY.asc to your clients.',
    });
  }
  return true;
}
