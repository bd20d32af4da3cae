/**
 * What a channel serves, as clients see it (every kind's signed indices,
 * each checked with gpgv), recorded as a snapshot after each publish; and the
 * promotion or rollback under way (`.pkg2os/pending.json`, written before
 * anything switches and removed once the channel's snapshot is recorded), which
 * the next publisher finishes when one was killed in the middle.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeAtomic } from '../../fs-atomic.js';
import type { RepositoryStorage } from '../publish/storage.js';
import type { ListedPackage } from '../publish/repository-kind.js';
import { type Snapshot, type SnapshotFile, snapshotFileSchema, snapshotSchema } from '../publish/snapshots.js';
import { REPOSITORY_KINDS } from './registry.js';

/** What every kind's signed indices list now (each index checked with gpgv; the files not hashed again: this publish just checked them). */
export async function listAll(storage: RepositoryStorage, keyring: string): Promise<Array<ListedPackage & { kind: string }>> {
  const out: Array<ListedPackage & { kind: string }> = [];
  for (const kind of REPOSITORY_KINDS) {
    if (!(await kind.exists(storage))) continue;
    for (const l of await kind.listed(storage, keyring, { hashFiles: false })) out.push({ ...l, kind: kind.name });
  }
  return out;
}

/** The files of one channel in a listing. */
export function channelFiles(listing: ReadonlyArray<ListedPackage & { kind: string }>, channel: string): SnapshotFile[] {
  return listing.filter((l) => l.channel === channel).map((l) => ({ kind: l.kind, target: l.target, file: l.file, sha256: l.sha256, name: l.name, version: l.version, arch: l.arch }));
}

/** A promotion or rollback: the exact files a channel is to list, and how it came about. */
export const pendingSchema = z.object({ channel: z.string(), files: z.array(snapshotFileSchema), via: snapshotSchema.shape.via }).strict();
export type Pending = z.infer<typeof pendingSchema>;

const pendingPath = (root: string) => join(root, '.pkg2os', 'pending.json');

export async function readPending(root: string): Promise<Pending | undefined> {
  const text = await readFile(pendingPath(root), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  try {
    const parsed = pendingSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export async function writePending(root: string, pending: Pending): Promise<void> {
  await writeAtomic(pendingPath(root), `${JSON.stringify(pending)}\n`);
}

export async function clearPending(root: string): Promise<void> {
  await rm(pendingPath(root), { force: true });
}

export type SnapshotVia = Snapshot['via'];
