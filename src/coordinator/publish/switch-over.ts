/**
 * Switching a checked publication live, shared by apt and yum: the files a
 * client reads last are put in place last (temp + rename, hard links where
 * pkg2os made the file), the files the outgoing index named start their
 * retention window, and superseded files older than the window are removed.
 */
import { readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { copyAtomic } from '../../fs-atomic.js';
import type { Logger } from '../../log.js';

export interface SwitchStep {
  from: string;
  to: string;
  /** `link`: a hard link (or copy) under a temporary name, renamed into place; `move`: a rename. */
  how: 'link' | 'move';
}

/** Put every step live, in order. */
export async function putLive(steps: readonly SwitchStep[]): Promise<void> {
  for (const step of steps) {
    if (step.how === 'link') await copyAtomic(step.from, step.to, true);
    else await rename(step.from, step.to);
  }
}

/** Files an outgoing index listed stop being current now: their age (mtime) counts from `now`. */
export async function startRetention(dir: string, names: Iterable<string>, now: Date): Promise<void> {
  for (const name of names) await utimes(join(dir, name), now, now).catch(() => undefined);
}

/** Remove the entries of `dir` that `current` does not keep and that were superseded longer ago than `retentionMs`. */
export async function pruneSuperseded(dir: string, current: (name: string) => boolean, retentionMs: number, now: Date, logger: Logger): Promise<void> {
  const cutoff = now.getTime() - retentionMs;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (current(name)) continue;
    const st = await stat(join(dir, name)).catch(() => undefined);
    if (st && st.mtimeMs < cutoff) {
      await rm(join(dir, name), { recursive: true, force: true });
      logger.debug(`pruned ${join(dir, name)}`);
    }
  }
}
