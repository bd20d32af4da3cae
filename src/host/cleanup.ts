/**
 * What pkg2os undoes when it is stopped (SIGINT, SIGTERM): every running
 * child is killed through one abort signal (a sandbox takes its whole PID
 * namespace with it), and every registered work directory is removed.
 */
import { rmSync } from 'node:fs';

const controller = new AbortController();
const directories = new Set<string>();
const hooks = new Set<() => Promise<void>>();

/** The signal that cancels every child process of this run. */
export function runSignal(): AbortSignal {
  return controller.signal;
}

/** Remove `dir` if pkg2os is stopped before it says so (`release`). */
export function removeOnStop(dir: string): { release(): void } {
  directories.add(dir);
  return { release: () => directories.delete(dir) };
}

/** Run `hook` if pkg2os is stopped before `release()` (e.g. remove this run's jobs from a build queue); it gets three seconds. */
export function onStop(hook: () => Promise<void>): { release(): void } {
  hooks.add(hook);
  return { release: () => hooks.delete(hook) };
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
      // The children die with their sandbox; give the kill a moment to land before their directories go.
      // The timer holds the process: a run that ends in the meantime (its build killed) still exits 130/143.
      const finish = () => {
        for (const dir of directories) rmSync(dir, { recursive: true, force: true });
        process.exit(signal === 'SIGINT' ? 130 : 143);
      };
      const pending = [...hooks].map((hook) => hook().catch(() => undefined));
      Promise.race([Promise.all([...pending, new Promise((r) => setTimeout(r, 200))]), new Promise((r) => setTimeout(r, 3000))]).then(finish, finish);
    });
  }
}
