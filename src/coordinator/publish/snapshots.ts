/**
 * Snapshots of channels: every publish, promotion or rollback that changes
 * what a channel serves records it as an immutable snapshot
 * (`<root>/.pkg2os/snapshots/<channel>/<id>.json`): an id (`<channel>-<n>`),
 * its time, how it came about, the exact set of package files the channel's
 * signed indices list (each with its sha256) and what changed against the
 * channel's previous snapshot. A rollback returns a channel to one; the pool
 * keeps every file a kept snapshot names (retention by snapshot).
 */
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeAtomic } from '../../fs-atomic.js';

export const snapshotFileSchema = z
  .object({
    kind: z.string().describe('apt or yum'),
    target: z.string(),
    file: z.string().describe('path relative to the repository root'),
    sha256: z.string(),
    name: z.string(),
    version: z.string(),
    arch: z.string(),
  })
  .strict();
export type SnapshotFile = z.infer<typeof snapshotFileSchema>;

export const snapshotSchema = z
  .object({
    id: z.string(),
    channel: z.string(),
    seq: z.number().int().min(1),
    time: z.string(),
    via: z.object({ op: z.enum(['publish', 'promote', 'rollback']), from: z.string().optional().describe('the channel promoted from'), snapshot: z.string().optional().describe('the snapshot promoted or rolled back to'), only: z.array(z.string()).optional() }).strict(),
    files: z.array(snapshotFileSchema),
    changes: z.object({ added: z.array(z.string()), removed: z.array(z.string()) }).strict().describe('files against the channel\'s previous snapshot'),
  })
  .strict();
export type Snapshot = z.infer<typeof snapshotSchema>;

/** What a snapshot is taken of, file by file (path → sha256), for comparing. */
const fingerprint = (files: readonly SnapshotFile[]) => files.map((f) => `${f.file} ${f.sha256}`).sort().join('\n');

export class Snapshots {
  readonly dir: string;

  constructor(readonly root: string) {
    this.dir = join(root, '.pkg2os', 'snapshots');
  }

  async channels(): Promise<string[]> {
    return (await readdir(this.dir).catch(() => [] as string[])).sort();
  }

  /** A channel's snapshots, oldest first (every channel's when none is named). */
  async list(channel?: string): Promise<Snapshot[]> {
    const out: Snapshot[] = [];
    for (const c of channel ? [channel] : await this.channels()) {
      for (const name of await readdir(join(this.dir, c)).catch(() => [] as string[])) {
        if (!name.endsWith('.json')) continue;
        const parsed = snapshotSchema.safeParse(JSON.parse(await readFile(join(this.dir, c, name), 'utf8').catch(() => 'null')));
        if (parsed.success) out.push(parsed.data);
      }
    }
    return out.sort((a, b) => (a.channel === b.channel ? a.seq - b.seq : a.channel < b.channel ? -1 : 1));
  }

  async get(id: string): Promise<Snapshot | undefined> {
    const channel = /^(.*)-\d+$/.exec(id)?.[1];
    return channel ? (await this.list(channel)).find((s) => s.id === id) : undefined;
  }

  async latest(channel: string): Promise<Snapshot | undefined> {
    return (await this.list(channel)).at(-1);
  }

  /** Record what `channel` serves now, when it differs from its last snapshot; returns the new snapshot. */
  async record(channel: string, files: readonly SnapshotFile[], via: Snapshot['via'], now: Date): Promise<Snapshot | undefined> {
    const previous = await this.latest(channel);
    if (previous && fingerprint(previous.files) === fingerprint(files)) return undefined;
    const before = new Set(previous?.files.map((f) => f.file) ?? []);
    const after = new Set(files.map((f) => f.file));
    const seq = (previous?.seq ?? 0) + 1;
    const snapshot: Snapshot = {
      id: `${channel}-${seq}`,
      channel,
      seq,
      time: now.toISOString(),
      via,
      files: [...files].sort((a, b) => (a.file < b.file ? -1 : 1)),
      changes: { added: [...after].filter((f) => !before.has(f)).sort(), removed: [...before].filter((f) => !after.has(f)).sort() },
    };
    await writeAtomic(join(this.dir, channel, `${snapshot.id}.json`), `${JSON.stringify(snapshot, null, 1)}\n`);
    return snapshot;
  }

  /** Keep the last `keep` snapshots of every channel (0: all); returns the ids removed. */
  async prune(keep: number): Promise<string[]> {
    if (keep <= 0) return [];
    const removed: string[] = [];
    for (const channel of await this.channels()) {
      const all = await this.list(channel);
      for (const old of all.slice(0, Math.max(0, all.length - keep))) {
        await rm(join(this.dir, channel, `${old.id}.json`), { force: true });
        removed.push(old.id);
      }
    }
    return removed;
  }

  /** Every file a kept snapshot of any channel names (paths relative to the repository root): the pool keeps them. */
  async referenced(): Promise<Set<string>> {
    return new Set((await this.list()).flatMap((s) => s.files.map((f) => f.file)));
  }
}
