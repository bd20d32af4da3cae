/**
 * Promotion and rollback without rebuilding: a channel is made to serve
 * exactly the files of a snapshot — another channel's (promote), or an
 * earlier one of its own (rollback) — the same bytes, the same sha256, with
 * freshly signed indices, through the same staging, self-check and
 * switch-over as any publish (publish.ts, `exact`).
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ConfigError } from '../../errors.js';
import { normalizeName } from '../../pep/names.js';
import type { Clock } from '../../clock.js';
import type { Logger } from '../../log.js';
import type { Signer } from '../keys/signer.js';
import { checkChannel } from '../publish/channels.js';
import { recordPath } from '../publish/records-dir.js';
import type { PublishSummary, RepoSettings } from '../publish/repo.types.js';
import { type Snapshot, type SnapshotFile, Snapshots } from '../publish/snapshots.js';
import { publishRepository } from './publish.js';

interface Common {
  settings: RepoSettings;
  signer: Signer;
  logger?: Logger;
  replaceKey?: boolean;
  lockTimeoutMs?: number;
  clock?: Clock;
}

/** The Python project a published file was built from: its build record's, else its package name's. */
async function projectOf(root: string, file: SnapshotFile): Promise<string> {
  const path = recordPath(root, file.target, basename(file.file));
  const text = path ? await readFile(path, 'utf8').catch(() => undefined) : undefined;
  try {
    const project = text ? JSON.parse(text)?.upstream?.project : undefined;
    if (typeof project === 'string') return normalizeName(project);
  } catch {
    // no record to go by
  }
  return normalizeName(file.name.replace(/^python3-/, ''));
}

async function snapshotOf(snapshots: Snapshots, channel: string, id: string | undefined, what: string): Promise<Snapshot> {
  const found = id ? await snapshots.get(id) : await snapshots.latest(channel);
  if (!found) {
    throw new ConfigError('USAGE', id ? `The repository has no snapshot ${id}.` : `Channel ${channel} has no snapshot yet, so there is nothing to ${what}.`, {
      hint: id ? 'pkg2os snapshots list shows the snapshots kept.' : `Publish to it first (--channel ${channel}).`,
    });
  }
  if (found.channel !== channel) throw new ConfigError('USAGE', `Snapshot ${found.id} is channel ${found.channel}'s, not ${channel}'s.`, { hint: 'pkg2os snapshots list shows each channel\'s snapshots.' });
  return found;
}

/** Make channel `to` serve what `from` serves (its latest snapshot, or `snapshot`), or only the files of the projects `only` names. */
export async function promote(options: Common & { from: string; to: string; snapshot?: string; only?: string[] }): Promise<PublishSummary> {
  const from = checkChannel(options.from);
  const to = checkChannel(options.to);
  if (from === to) throw new ConfigError('USAGE', `--from and --to are both ${from}.`, { hint: 'Promote from one channel to another; pkg2os rollback returns a channel to an earlier snapshot of its own.' });
  const root = options.settings.root;
  const snapshots = new Snapshots(root);
  const only = options.only?.map(normalizeName);
  // Read under the publish lock: the snapshots then are the ones the switch starts from.
  const exact = async () => {
    const source = await snapshotOf(snapshots, from, options.snapshot, 'promote');
    let files = source.files;
    if (only?.length) {
      const wanted = new Set(only);
      const promoted: SnapshotFile[] = [];
      for (const f of source.files) if (wanted.has(await projectOf(root, f))) promoted.push(f);
      const found = new Set(await Promise.all(promoted.map((f) => projectOf(root, f))));
      const missing = only.filter((p) => !found.has(p));
      if (missing.length) throw new ConfigError('USAGE', `Snapshot ${source.id} of channel ${from} has no package of ${missing.join(', ')}.`, { hint: `pkg2os snapshots show ${source.id} lists what it holds.` });
      const kept: SnapshotFile[] = [];
      for (const f of (await snapshots.latest(to))?.files ?? []) if (!wanted.has(await projectOf(root, f))) kept.push(f);
      files = [...kept, ...promoted];
    }
    return { channel: to, files: [...files], via: { op: 'promote' as const, from, snapshot: source.id, ...(only?.length ? { only } : {}) } };
  };
  return publishRepository({ ...options, settings: { ...options.settings, channel: to }, files: [], exact });
}

/** Return `channel` to an earlier snapshot of its own: `to`, or the one before its latest. */
export async function rollback(options: Common & { channel: string; to?: string }): Promise<PublishSummary> {
  const channel = checkChannel(options.channel);
  const snapshots = new Snapshots(options.settings.root);
  const exact = async () => {
    let target: Snapshot;
    if (options.to) target = await snapshotOf(snapshots, channel, options.to, 'roll back to');
    else {
      const all = await snapshots.list(channel);
      if (all.length < 2) throw new ConfigError('USAGE', `Channel ${channel} has ${all.length ? 'one snapshot' : 'no snapshot'}, so there is no earlier one to return to.`, { hint: 'pkg2os snapshots list shows the snapshots kept.' });
      target = all.at(-2)!;
    }
    return { channel, files: [...target.files], via: { op: 'rollback' as const, snapshot: target.id } };
  };
  return publishRepository({ ...options, settings: { ...options.settings, channel }, files: [], exact });
}
