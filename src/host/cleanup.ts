/**
 * What pkg2os undoes when it is stopped (SIGINT, SIGTERM): every running
 * child is killed through one abort signal (a sandbox takes its whole PID
 * namespace with it), and every registered work directory is removed.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killRegistered, removeOnStop, removeRegistered } from '../stop-registry.js';

export { removeOnStop } from '../stop-registry.js';

const controller = new AbortController();
const hooks = new Set<() => Promise<void>>();

/** The signal that cancels every child process of this run. */
export function runSignal(): AbortSignal {
  return controller.signal;
}

/** Run `hook` if pkg2os is stopped before `release()` (e.g. remove this run's jobs from a build queue); it gets three seconds. */
export function onStop(hook: () => Promise<void>): { release(): void } {
  hooks.add(hook);
  return { release: () => hooks.delete(hook) };
}

/**
 * A temporary directory of this run's own, made TMPDIR for pkg2os and every
 * child: what a killed tool leaves there (dpkg-deb's scratch directories,
 * for one) goes with it. Traversable (0711) so that the build user reaches
 * the work directories inside. Returns how to remove it at the end.
 */
let userTemp: string | undefined;

/** TMPDIR as the user gave it (before useRunTempDir): where what is kept on purpose (--keep-work) goes. */
export function userTempDir(): string {
  return userTemp ?? tmpdir();
}

export function useRunTempDir(): () => void {
  userTemp = tmpdir();
  const dir = mkdtempSync(join(userTemp, 'pkg2os-run-'));
  if (process.getuid?.() === 0) chmodSync(dir, 0o711);
  const tracked = removeOnStop(dir);
  process.env.TMPDIR = dir;
  return () => {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // What a build user left there that pkg2os may not remove: /tmp's own cleaning takes it.
    }
    tracked.release();
  };
}

/**
 * Installed by the CLI: on SIGINT/SIGTERM, kill the children, remove the work
 * directories, exit 130/143. The listeners stay (process.on, not once): with
 * none left, execa's signal-exit would re-raise the signal and end pkg2os
 * before its work directories are gone.
 */
export function installStopHandlers(onStop: (signal: string) => void = () => {}): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      onStop(signal);
      controller.abort(new Error(`pkg2os was stopped by ${signal}`));
      // Every child is killed and waited for (a sandbox takes its PID namespace with it) before the directories it
      // wrote into go. The timer holds the process: a run that ends in the meantime (its build killed) still exits 130/143.
      const finish = () => {
        removeRegistered();
        process.exit(signal === 'SIGINT' ? 130 : 143);
      };
      const pending = [...hooks].map((hook) => hook().catch(() => undefined));
      // At least 100 ms: a directory whose making was under way when the signal came is registered by then.
      const settled = Promise.all([...pending, killRegistered(), new Promise((r) => setTimeout(r, 100))]);
      Promise.race([settled, new Promise((r) => setTimeout(r, 3000))]).then(finish, finish);
    });
  }
}
