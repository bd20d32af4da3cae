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
import { run } from '../../exec.js';
import { SYSTEM_PYTHON } from '../../host/system-python.js';

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

/**
 * renameat2(RENAME_EXCHANGE) through the system Python's ctypes (Node has no
 * binding): the two paths swap in one step. "unsupported: …" on stdout: the file system cannot.
 */
const EXCHANGE = `
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, RENAME_EXCHANGE = -100, 2
if libc.renameat2(AT_FDCWD, os.fsencode(sys.argv[1]), AT_FDCWD, os.fsencode(sys.argv[2]), RENAME_EXCHANGE) != 0:
    err = ctypes.get_errno()
    if err in (22, 38, 95):
        print("unsupported: " + os.strerror(err))
    else:
        print(os.strerror(err), file=sys.stderr)
        sys.exit(1)
`;

/**
 * Put the directory `staged` live at `live` in one step, as a client sees it:
 * the two are exchanged (the old state is then at `staged`). Where the file
 * system cannot exchange (EINVAL, ENOSYS, EOPNOTSUPP: NFS and the like), the
 * files are moved in `order` instead, and `onFallback` says so.
 */
export async function exchangeDirectory(staged: string, live: string, order: readonly string[], onFallback: (why: string) => void): Promise<void> {
  const { stdout } = await run(SYSTEM_PYTHON, ['-c', EXCHANGE, staged, live], { purpose: `switching ${live} over`, phase: 'publish' });
  const unsupported = /^unsupported: (.*)$/m.exec(stdout)?.[1];
  if (unsupported === undefined) return;
  onFallback(`${live}: the file system cannot exchange two directories (${unsupported}); its files were switched one by one`);
  for (const name of order) await rename(join(staged, name), join(live, name));
}
