/**
 * What pkg2os removes if it is stopped (SIGINT, SIGTERM) before the code that
 * made it does: work and staging directories, temporary files beside the
 * files they will replace, copies of the key's public parts. host/cleanup.ts
 * empties it on the way out; everything that makes such a path registers it
 * here, at the bottom of the layers, so that any layer can.
 */
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';

const paths = new Set<string>();
const children = new Set<RunningChild>();
let stopping = false;

/** A child process pkg2os waits for: killed, and waited for, before the paths go. */
export interface RunningChild {
  kill(signal: NodeJS.Signals): unknown;
  readonly exited: Promise<unknown>;
}

/**
 * Kill `child` if pkg2os is stopped while it runs: a tool that is still
 * writing into a staging directory (rpmkeys finishing its database
 * transaction, for one, blocks SIGTERM) would otherwise make it again after
 * it was removed.
 */
export function killOnStop(child: RunningChild): { release(): void } {
  // Started while pkg2os is stopping: it must not outlive pkg2os.
  if (stopping) child.kill('SIGKILL');
  children.add(child);
  return { release: () => children.delete(child) };
}

/** From now on, nothing new is started or made: a child is killed at once, a scratch directory refused. */
export function beginStop(): void {
  stopping = true;
}

/** Kill every registered child (SIGKILL) and resolve when all have exited. */
export async function killRegistered(): Promise<void> {
  beginStop();
  const all = [...children];
  for (const child of all) child.kill('SIGKILL');
  await Promise.allSettled(all.map((c) => c.exited));
}

/** Remove `path` (file or directory) if pkg2os is stopped before it says so (`release`). */
export function removeOnStop(path: string): { release(): void } {
  paths.add(path);
  return { release: () => paths.delete(path) };
}

/** Remove everything still registered; synchronous, for the last moment before exit. */
export function removeRegistered(): void {
  for (const path of paths) {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch {
      // Not ours to remove after all (a build user's file): the rest still go.
    }
  }
  paths.clear();
}

/** A fresh directory `parent/prefix…`, removed by `remove()` or, at the latest, when pkg2os is stopped. */
export interface ScratchDir {
  readonly path: string;
  remove(): Promise<void>;
}

export async function scratchDir(parent: string, prefix: string): Promise<ScratchDir> {
  if (stopping) throw new Error('pkg2os is stopping');
  const path = await mkdtemp(join(parent, prefix));
  const tracked = removeOnStop(path);
  return {
    path,
    async remove() {
      await rm(path, { recursive: true, force: true });
      tracked.release();
    },
  };
}

/** Run `use` with a scratch directory that is gone afterwards, however it ends (a stop included). */
export async function withScratchDir<T>(parent: string, prefix: string, use: (path: string) => Promise<T>): Promise<T> {
  const dir = await scratchDir(parent, prefix);
  try {
    return await use(dir.path);
  } finally {
    await dir.remove();
  }
}
