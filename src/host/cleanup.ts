/**
 * What pkg2os undoes when it is stopped (SIGINT, SIGTERM): every running
 * child is killed through one abort signal (a sandbox takes its whole PID
 * namespace with it), and every registered work directory is removed.
 */
import { rmSync } from 'node:fs';

const controller = new AbortController();
const directories = new Set<string>();

/** The signal that cancels every child process of this run. */
export function runSignal(): AbortSignal {
  return controller.signal;
}

/** Remove `dir` if pkg2os is stopped before it says so (`release`). */
export function removeOnStop(dir: string): { release(): void } {
  directories.add(dir);
  return { release: () => directories.delete(dir) };
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
      setTimeout(() => {
        for (const dir of directories) rmSync(dir, { recursive: true, force: true });
        process.exit(signal === 'SIGINT' ? 130 : 143);
      }, 200);
    });
  }
}
