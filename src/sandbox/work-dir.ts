/**
 * A run's work directory. Sandboxed builds run as unprivileged uids, which
 * must be able to reach their boxes inside it: the directory is made
 * traversable but not listable (0711), and every directory above it must be
 * traversable too. It is removed when pkg2os is stopped (SIGINT/SIGTERM).
 */
import { chmod, mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigError } from '../errors.js';
import { removeOnStop } from '../host/cleanup.js';

export interface WorkDir {
  path: string;
  /** Stop tracking it (it was removed, or kept on purpose). */
  release(): void;
}

export async function makeWorkDir(): Promise<WorkDir> {
  const path = await mkdtemp(join(tmpdir(), 'pkg2os-'));
  const tracked = removeOnStop(path);
  if (process.getuid?.() === 0) {
    await chmod(path, 0o711);
    for (let dir = dirname(path); ; dir = dirname(dir)) {
      const st = await stat(dir);
      if ((st.mode & 0o001) === 0) {
        throw new ConfigError('USAGE', `Builds run as an unprivileged user, which cannot reach the work directory ${path}: ${dir} is not open to others (mode ${(st.mode & 0o777).toString(8)}).`, {
          hint: 'Point TMPDIR at a directory every user can traverse, such as /tmp or /var/tmp.',
        });
      }
      if (dir === dirname(dir)) break;
    }
  }
  return { path, release: tracked.release };
}
