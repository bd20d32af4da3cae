/**
 * A run's work directory. Sandboxed builds run as unprivileged uids, which
 * must be able to reach their boxes inside it: the directory is made
 * traversable but not listable (0711), and every directory above it must be
 * traversable too. It is removed when pkg2os is stopped (SIGINT/SIGTERM).
 */
import { statSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { run } from '../exec.js';
import { dirname, join } from 'node:path';
import { ConfigError } from '../errors.js';
import { removeOnStop, userTempDir } from '../host/cleanup.js';

export interface WorkDir {
  path: string;
  /** Stop tracking it (it was removed, or kept on purpose). */
  release(): void;
}

/**
 * Remove a tree a build wrote, however deep: Node's rm walks absolute paths
 * and fails past PATH_MAX (ENAMETOOLONG); GNU rm descends with openat and
 * does not. A tree that still cannot go is reported, not thrown.
 */
export async function removeTree(path: string): Promise<void> {
  try {
    await rm(path, { recursive: true, force: true });
  } catch {
    await run('rm', ['-rf', '--one-file-system', '--', path], { purpose: `removing ${path}` }).catch(() => undefined);
  }
}

export async function makeWorkDir(): Promise<WorkDir> {
  // In the user's TMPDIR, not the run's own: --keep-work keeps it after the run's is gone.
  const path = await mkdtemp(join(userTempDir(), 'pkg2os-'));
  const tracked = removeOnStop(path);
  if (process.getuid?.() === 0) {
    await chmod(path, 0o711);
    const blocked = closedAbove(path);
    if (blocked) {
      throw new ConfigError('USAGE', `Builds run as an unprivileged user, which cannot reach the work directory ${path}: ${blocked.dir} is not open to others (mode ${blocked.mode.toString(8)}).`, {
        hint: 'Point TMPDIR at a directory every user can traverse, such as /tmp or /var/tmp.',
      });
    }
  }
  return { path, release: tracked.release };
}

/**
 * The first directory above `path` (or `path` itself, `self: true`) that
 * other users may not pass through (no o+x), with its mode; undefined when
 * an unprivileged user can reach `path`. Sandboxes run as such users: what
 * they bind must be reachable (bubblewrap resolves it with their rights).
 */
export function closedAbove(path: string, self = false): { dir: string; mode: number } | undefined {
  for (let dir = self ? path : dirname(path); ; dir = dirname(dir)) {
    const st = statSync(dir, { throwIfNoEntry: false });
    if (st?.isDirectory() && (st.mode & 0o001) === 0) return { dir, mode: st.mode & 0o777 };
    if (dir === dirname(dir)) return undefined;
  }
}
