/**
 * One suite of the apt repository (dists/<codename>): its indices, written to
 * a staging directory from the pool entries it lists, its Release signed
 * (InRelease and Release.gpg) and checked with gpgv; or nothing at all when
 * the live Release already lists these indices and is far from expiry.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../../../clock.js';
import type { RepoSettings } from '../../../config/repo-settings.js';
import type { NamedRepoSettings } from '../../../coordinator/publish/repo.types.js';
import type { Signer } from '../../../coordinator/keys/signer.js';
import type { Logger } from '../../../log.js';
import { type PrepareOptions, type PublicKeyFiles, type StagedPublication, stagedPublication } from '../../../coordinator/publish/repo-publisher.js';
import { gpgvCheck } from '../../../coordinator/publish/self-check.js';
import { pruneSuperseded, putLive, startRetention } from '../../../coordinator/publish/switch-over.js';
import { writeIndices } from './indices.js';
import type { PoolEntry } from './pool.js';
import { type IndexFileEntry, type ParsedRelease, parseRelease, renderRelease } from './release.js';
import { scratchDir } from '../../../stop-registry.js';

/** What one publish did to one suite. */
export interface AptSuiteSummary {
  suite: string;
  target: string;
  channel: string;
  added: string[];
  packages: number;
  release: string;
  retired: string[];
  removed: string[];
}

export interface SuiteInput {
  settings: NamedRepoSettings;
  signer: Signer;
  logger: Logger;
  aptRoot: string;
  suite: string;
  target: string;
  channel: string;
  /** The pool entries the suite lists. */
  kept: PoolEntry[];
  /** Pool files this publish added to the suite, and those that left its indices now. */
  added: string[];
  retired: string[];
  /** Removes the pool files retired longer ago than the window (once per publish). */
  removeRetired: () => Promise<string[]>;
  keys: PublicKeyFiles;
  options: PrepareOptions;
}

export async function prepareSuite(input: SuiteInput): Promise<StagedPublication<AptSuiteSummary>> {
  const { settings, aptRoot, suite, options } = input;
  const dist = join(aptRoot, 'dists', suite);
  const scratch = await scratchDir(aptRoot, `.staging-${suite}-`);
  const staging = scratch.path;
  const discard = () => scratch.remove();
  try {
    const now = options.clock.now();
    const summary = async (): Promise<AptSuiteSummary> => ({ suite, target: input.target, channel: input.channel, added: input.added, packages: input.kept.length, release: join(dist, 'InRelease'), retired: input.retired, removed: await input.removeRetired() });
    const live = parseRelease(await readFile(join(dist, 'Release'), 'utf8').catch(() => ''));
    const indexFiles = await writeIndices(input.kept, settings.architectures, staging, dist, live);
    if (!options.force && input.added.length === 0 && unchanged(settings, live, indexFiles, now)) {
      // Nothing new and the live Release is far from expiry: publish nothing, sign nothing.
      await discard();
      return { discard, switchOver: summary };
    }
    const release = renderRelease({ ...settings, codename: suite, suite }, indexFiles, now);
    // Both signatures at once: RSA signing runs in the thread pool.
    const [detached, cleartext] = await Promise.all([input.signer.detached(Buffer.from(release), 'armored'), input.signer.cleartext(release)]);
    await Promise.all([writeFile(join(staging, 'Release'), release), writeFile(join(staging, 'Release.gpg'), detached), writeFile(join(staging, 'InRelease'), cleartext)]);
    await Promise.all([
      gpgvCheck(input.keys.binary, join(staging, 'InRelease'), undefined, `InRelease of ${suite}`),
      gpgvCheck(input.keys.binary, join(staging, 'Release.gpg'), join(staging, 'Release'), `Release.gpg of ${suite}`),
    ]);
    return stagedPublication(scratch, () => switchOver(dist, staging, indexFiles, live, settings.retention, options.clock, input.logger), summary, discard);
  } catch (error) {
    await discard();
    throw error;
  }
}

/** True when the live Release lists exactly these indices, for the same architectures, and stays valid for more than half its validity. */
function unchanged(settings: RepoSettings, live: ParsedRelease, files: IndexFileEntry[], now: Date): boolean {
  if (!live.validUntil || live.hashes.size !== files.length * 2 || !files.every((f) => live.hashes.has(f.sha256) && live.hashes.has(f.sha512))) return false;
  return live.validUntil.getTime() - now.getTime() > (settings.validFor * 1000) / 2 && live.architectures.join(' ') === settings.architectures.join(' ');
}

/** by-hash files, then indices, then Release/Release.gpg/InRelease; then prune what is past retention. */
async function switchOver(dist: string, staging: string, files: IndexFileEntry[], previous: ParsedRelease, retentionSeconds: number, clock: Clock, logger: Logger): Promise<void> {
  const now = clock.now();
  // Files the old Release listed stop being current now: their age counts from here.
  for (const dir of await byHashDirs(dist)) await startRetention(dir, (await readdir(dir).catch(() => [] as string[])).filter((n) => previous.hashes.has(n)), now);
  for (const f of files) await mkdir(join(dist, f.path, '..'), { recursive: true });
  await putLive([
    ...files.flatMap((f) => {
      const base = join(dist, f.path, '..', 'by-hash');
      return [
        { from: join(staging, f.path), to: join(base, 'SHA256', f.sha256), how: 'link' as const },
        { from: join(staging, f.path), to: join(base, 'SHA512', f.sha512), how: 'link' as const },
      ];
    }),
    ...files.map((f) => ({ from: join(staging, f.path), to: join(dist, f.path), how: 'move' as const })),
    ...['Release', 'Release.gpg', 'InRelease'].map((name) => ({ from: join(staging, name), to: join(dist, name), how: 'move' as const })),
  ]);
  // Packages.xz, which earlier versions of pkg2os wrote, is listed no more (its by-hash copies age out with the rest).
  for (const dir of new Set(files.map((f) => join(dist, f.path, '..')))) await rm(join(dir, 'Packages.xz'), { force: true });
  const current = new Set(files.flatMap((f) => [f.sha256, f.sha512]));
  for (const dir of await byHashDirs(dist)) await pruneSuperseded(dir, (name) => current.has(name), retentionSeconds * 1000, now, logger);
}

async function byHashDirs(dist: string): Promise<string[]> {
  const dirs: string[] = [];
  for (const component of await readdir(dist, { withFileTypes: true }).catch(() => [])) {
    if (!component.isDirectory()) continue;
    for (const bin of await readdir(join(dist, component.name), { withFileTypes: true }).catch(() => [])) {
      if (bin.isDirectory()) for (const alg of ['SHA256', 'SHA512']) dirs.push(join(dist, component.name, bin.name, 'by-hash', alg));
    }
  }
  return dirs;
}
