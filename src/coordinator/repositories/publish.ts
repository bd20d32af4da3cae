/**
 * `pkg2os publish`: one publisher at a time per repository root; each kind of
 * repository (apt under deb/, yum under rpm/<target>/; registry.ts) gets the
 * package files it takes, the public key goes to KEY.asc and KEY.gpg, and the
 * client setup files are written. Every kind makes and checks its new state
 * as a client would before anything switches live, so a failure leaves the
 * previous state.
 */
import { access, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { basename, join } from 'node:path';
import { tmpdir } from 'node:os';
import * as openpgp from 'openpgp';
import { type Clock, systemClock } from '../../clock.js';
import type { TargetProfile } from '../../config/targets.js';
import { ConfigError, PublishError, StorageError } from '../../errors.js';
import type { Signer } from '../keys/signer.js';
import type { Logger } from '../../log.js';
import { lapSinceStart, silentLogger } from '../../log.js';
import { type RecordText, keepRecords } from '../publish/records-dir.js';
import { acquirePublishLock } from '../publish/publish-lock.js';
import type { NamedRepoSettings, PublishSummary, RepoSettings } from '../publish/repo.types.js';
import type { StagedPublication } from '../publish/repo-publisher.js';
import type { RepositoryKind } from '../publish/repository-kind.js';
import { LocalStorage, type RepositoryStorage } from '../publish/storage.js';
import { type ReleaseChoice, ReleaseLedger } from '../publish/release-ledger.js';
import { checkChannel } from '../publish/channels.js';
import { Snapshots } from '../publish/snapshots.js';
import type { PublicKeyFiles } from '../publish/repo-publisher.js';
import { type Pending, channelFiles, clearPending, listAll, readPending, writePending } from './channel-state.js';
import { writeOverview } from './overview.js';
import { DEFAULT_KEEP_SNAPSHOTS } from '../../config/defaults.js';
import { clientView, refuseSingleTargetLayout, writeClientFiles } from './client-config.js';
import { REPOSITORY_KINDS, kindFor } from './registry.js';
import { Templates } from '../../families/shared/templates.js';
import { isStorageFailure, storageError, withRoomNeeded } from '../../storage-errors.js';
import { scratchDir } from '../../stop-registry.js';

export interface PublishRequest {
  settings: RepoSettings;
  /** The package files to add (each goes to the kind of repository that takes it), in the channel settings.channel names. */
  files: string[];
  /**
   * Promotion, rollback: the exact files a channel lists after this publish, and how it came about (no files are
   * added); as a function, worked out under the lock, after any switch a killed publisher left is finished.
   */
  exact?: Pending | (() => Promise<Pending>);
  /** The target of packages whose release carries none (pkg2os publish --target). */
  defaultTarget?: TargetProfile;
  /** The build records of the files, kept for `pkg2os explain`. */
  records?: readonly RecordText[];
  /** What the kinds started reading of the files early (readEarly), by kind name. */
  early?: ReadonlyMap<string, Promise<unknown>>;
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

/** The files of a publish by the kind of repository that takes each; a file no kind takes is a usage error. */
export function filesByKind(files: readonly string[]): Map<RepositoryKind, string[]> {
  const out = new Map<RepositoryKind, string[]>(REPOSITORY_KINDS.map((k) => [k, []]));
  for (const file of files) {
    const kind = kindFor(file);
    if (!kind) throw new ConfigError('USAGE', `${basename(file)} is not a package file any repository pkg2os publishes takes.`, { hint: `Give package files (${REPOSITORY_KINDS.map((k) => k.dir).join(', ')}).` });
    out.get(kind)!.push(file);
  }
  return out;
}

/** Start reading the files' metadata now, per kind (while the signing key is unlocked); failures wait for the publish. */
export function readEarly(files: readonly string[]): Map<string, Promise<unknown>> {
  const early = new Map<string, Promise<unknown>>();
  for (const [kind, mine] of filesByKind(files)) {
    if (!kind.readEarly || mine.length === 0) continue;
    const reading = kind.readEarly(mine);
    reading.catch(() => undefined);
    early.set(kind.name, reading);
  }
  return early;
}

export async function publishRepository(request: PublishRequest): Promise<PublishSummary> {
  const { settings, signer } = request;
  const logger = request.logger ?? silentLogger;
  const byKind = filesByKind(request.files);
  await mkdir(settings.root, { recursive: true });
  // A read-only repository is said as such, before anything is tried (recursive mkdir there fails with ENOENT).
  await access(settings.root, constants.W_OK).catch((error: NodeJS.ErrnoException) => {
    throw isStorageFailure(error) ? storageError(error, `the repository ${settings.root}`, settings.root) : error;
  });
  const storage: RepositoryStorage = new LocalStorage(settings.root);
  const lap = lapSinceStart(logger);
  const lock = await acquirePublishLock(settings.root, request.lockTimeoutMs ?? 120_000);
  lap('publish lock taken');
  const scratch = await scratchDir(tmpdir(), 'pkg2os-pubkey-');
  try {
    // Holding the lock, whatever an interrupted publisher left behind is garbage.
    await removeLeftovers(settings.root, logger);
    // With a new key everything is signed again, changed or not.
    const keyChanged = await checkKeyContinuity(storage, signer, request.replaceKey ?? false);
    const keys = { armored: join(scratch.path, 'KEY.asc'), binary: join(scratch.path, 'KEY.gpg') };
    await writeFile(keys.armored, signer.publicArmored);
    await writeFile(keys.binary, signer.publicBinary);
    await refuseSingleTargetLayout(storage);
    const named: NamedRepoSettings = { ...settings, origin: settings.origin ?? signer.userName, label: settings.label ?? settings.origin ?? signer.userName };
    const session = { named, storage, keys, keyChanged, logger, lap };
    // A promotion or rollback that a killed publisher left half done is finished first: its channel then serves all of it.
    const pending = await readPending(settings.root);
    if (pending && JSON.stringify(pending) !== JSON.stringify(request.exact)) {
      logger.info(`finishing the ${pending.via.op} of channel ${pending.channel} an interrupted run began`);
      await publishLocked({ ...request, files: [], exact: pending, releases: undefined, records: undefined, early: undefined }, new Map(), session);
    }
    const exact = typeof request.exact === 'function' ? await request.exact() : request.exact;
    return await publishLocked({ ...request, exact }, byKind, session);
  } finally {
    await scratch.remove();
    await lock.release();
  }
}

interface Session {
  named: NamedRepoSettings;
  storage: RepositoryStorage;
  keys: PublicKeyFiles;
  keyChanged: boolean;
  logger: Logger;
  lap: (what: string) => void;
}

/** One publish under the lock: stage and check every kind, switch over, record the channel's snapshot, write the overview. */
async function publishLocked(request: PublishRequest & { exact?: Pending }, byKind: Map<RepositoryKind, string[]>, session: Session): Promise<PublishSummary> {
  const { settings, signer } = request;
  const { named, storage, keys, logger, lap } = session;
  const clock = request.clock ?? systemClock;
  const channel = request.exact?.channel ?? checkChannel(settings.channel);
  const summary: PublishSummary = { root: settings.root, fingerprint: signer.fingerprint };
  // Retention by snapshot: the pool keeps every file a kept snapshot names.
  const snapshots = new Snapshots(settings.root);
  await snapshots.prune(settings.keepSnapshots ?? DEFAULT_KEEP_SNAPSHOTS);
  const protect = await snapshots.referenced();
  const context = { settings: named, storage, signer, logger, keys, force: session.keyChanged, clock, defaultTarget: request.defaultTarget, templates: new Templates(settings.templatesDir), channel, ...(request.exact ? { exact: request.exact } : {}), protect };
  // Every kind is prepared and checked first; only then does any go live.
  const staged: Array<{ kind: RepositoryKind; publication: StagedPublication<unknown[]> }> = [];
  try {
    lap('publishers ready');
    for (const kind of REPOSITORY_KINDS) {
      const files = byKind.get(kind) ?? [];
      const listed = request.exact?.files.some((f) => f.kind === kind.name) ?? false;
      if (files.length === 0 && !listed && !(await kind.exists(storage))) continue;
      staged.push({ kind, publication: await kind.prepare(files, context, request.early?.get(kind.name)) });
    }
    // The ledger is written before anything goes live: an interrupted publish is then finished by the next run with the same releases.
    const ledger = await ReleaseLedger.load(settings.root);
    if (request.releases && ledger.record(request.releases)) await ledger.save();
    if (request.records) await keepRecords(settings.root, request.records);
    // So is a promotion or rollback: the next publisher finishes it should this one be killed while switching.
    if (request.exact) await writePending(settings.root, request.exact);
  } catch (error) {
    for (const { publication } of staged) await publication.discard();
    // The previous state serves on: nothing of this publish is live.
    if (isStorageFailure(error)) throw storageError(error, `the new state of ${settings.root}`, undefined, await roomNeeded(request.files));
    if (error instanceof StorageError) throw withRoomNeeded(error, await roomNeeded(request.files));
    throw error;
  }
  lap('everything staged and checked');
  for (const { kind, publication } of staged) {
    const summaries = await publication.switchOver();
    summary[kind.name] = summaries;
    for (const s of summaries) logger.info(kind.describe(s));
  }
  await storage.writeAtomic('KEY.asc', signer.publicArmored);
  await storage.writeAtomic('KEY.gpg', signer.publicBinary);
  // A promotion or rollback writes the channel's client files where the repository's were written before (a new channel's first).
  const baseUrl = settings.baseUrl ?? (request.exact ? await storedBaseUrl(storage) : undefined);
  if (baseUrl) {
    await writeClientFiles(named, storage, clientView(named, baseUrl, signer.fingerprint));
    if (settings.baseUrl) await storage.writeAtomic(BASE_URL_FILE, `${JSON.stringify({ baseUrl })}\n`);
  }
  lap('switched over');
  const listing = await listAll(storage, keys.binary);
  const snapshot = await snapshots.record(channel, channelFiles(listing, channel), request.exact?.via ?? { op: 'publish' }, clock.now());
  if (snapshot) {
    summary.snapshot = snapshot.id;
    logger.info(`channel ${channel}: snapshot ${snapshot.id} (${snapshot.files.length} file(s); ${snapshot.changes.added.length} added, ${snapshot.changes.removed.length} removed)`);
    // N kept, this one among them (the pool files only the oldest named go at the next publish, as retired files do).
    await snapshots.prune(settings.keepSnapshots ?? DEFAULT_KEEP_SNAPSHOTS);
  }
  if (request.exact) await clearPending(settings.root);
  lap('snapshot recorded');
  await writeOverview(storage, listing, signer.fingerprint, settings.templatesDir).catch((error: unknown) => logger.warn(`the repository overview (index.html) could not be written: ${(error as Error).message}`));
  lap('overview written');
  return summary;
}

const BASE_URL_FILE = '.pkg2os/base-url.json';

/** The --base-url the repository's client files were last written with. */
async function storedBaseUrl(storage: RepositoryStorage): Promise<string | undefined> {
  try {
    const url = JSON.parse((await storage.readFile(BASE_URL_FILE))?.toString('utf8') ?? 'null')?.baseUrl;
    return typeof url === 'string' && /^https?:\/\//.test(url) ? url : undefined;
  } catch {
    return undefined;
  }
}

/** About the room a publish of `files` takes at its peak: each file in the pool and once more while it is signed and checked. */
async function roomNeeded(files: readonly string[]): Promise<number> {
  const sizes = await Promise.all(files.map((f) => stat(f).then((st) => st.size, () => 0)));
  return 2 * sizes.reduce((a, b) => a + b, 0);
}

/**
 * What a publisher that was killed left (the lock is ours now): staging
 * directories, and the temporary files of its atomic writes at the top of the
 * repository, in its state (.pkg2os: records, snapshots, pending switch; each
 * kind's own) and in the overview's pages.
 * Its half-copied temporary files in the pool are never indexed (they do not
 * end in .deb/.rpm) and are left alone: walking the pool for them would cost
 * every publish.
 */
async function removeLeftovers(root: string, logger: Logger): Promise<void> {
  const temporary = /^\..+\.[0-9a-f]{12}\.tmp$/;
  const below = async (dir: string) => [dir, ...(await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory()).map((e) => join(e.path, e.name))];
  // Each kind's own state too: deb/.pkg2os, and rpm/<target>/.pkg2os of every yum repository.
  const kindDirs = REPOSITORY_KINDS.map((k) => join(root, k.dir));
  const repoDirs = (await Promise.all(kindDirs.map(async (d) => (await readdir(d, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory() && e.name !== 'pool' && e.name !== 'dists').map((e) => join(d, e.name))))).flat();
  const states = [join(root, '.pkg2os'), join(root, 'overview'), ...kindDirs.map((d) => join(d, '.pkg2os')), ...repoDirs.map((d) => join(d, '.pkg2os'))];
  for (const dir of [root, ...kindDirs, ...repoDirs, ...(await Promise.all(states.map(below))).flat()]) {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (!(e.isDirectory() && /^\.staging-/.test(e.name)) && !(e.isFile() && temporary.test(e.name))) continue;
      await rm(join(dir, e.name), { recursive: true, force: true });
      logger.info(`removed ${join(dir, e.name)}, left by an interrupted publish`);
    }
  }
}

/**
 * Clients trust the key the repository was first published with: another key
 * would lock them all out. Returns whether the key changes (with --replace-key).
 */
async function checkKeyContinuity(storage: RepositoryStorage, signer: Signer, replaceKey: boolean): Promise<boolean> {
  const root = storage.description;
  const text = (await storage.readFile('KEY.asc'))?.toString('utf8');
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
