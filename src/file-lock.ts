/** flock(2) locks held through a `flock` child, so that the kernel releases them when pkg2os dies. */
import { execa } from 'execa';
import { ToolMissingError } from './errors.js';
import { childEnvironment } from './exec.js';
import { killOnStop } from './stop-registry.js';

/** A lock the kernel holds for us: released by `release()`, or by the kernel when pkg2os dies, however it dies. */
export interface HeldLock {
  release(): Promise<void>;
}

/**
 * Take an exclusive flock(2) on `file` (created if need be), waiting at most
 * `timeoutMs`; undefined when another holder kept it that long. The lock is
 * held by a `flock` child whose stdin is a pipe from pkg2os: when pkg2os
 * exits or is killed (SIGKILL included), the pipe closes, the child exits and
 * the kernel drops the lock — no stale lock file, no pid to trust, no race
 * between two waiters taking over a dead holder's lock.
 */
export async function holdFileLock(file: string, timeoutMs: number): Promise<HeldLock | undefined> {
  // Its own process group: a Ctrl-C at the terminal must not end it (and free the lock) while pkg2os is still finishing.
  const child = execa('flock', ['--exclusive', '--wait', String(Math.max(0, timeoutMs / 1000)), file, '/bin/sh', '-c', 'echo locked; exec cat >/dev/null'], {
    env: childEnvironment(),
    extendEnv: false,
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    detached: true,
  });
  let complaint = '';
  child.stderr!.on('data', (chunk: Buffer) => (complaint += chunk.toString()));
  const acquired = await new Promise<boolean>((resolve, reject) => {
    let said = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      said += chunk.toString();
      if (said.includes('locked')) resolve(true);
    });
    // flock exits 1 when the wait timed out; anything else is its lock file that cannot be made.
    child.on('exit', (code) => (code === 1 ? resolve(false) : reject(Object.assign(new Error(`flock could not lock ${file}: ${complaint.trim()}`), { code: /No space left/.test(complaint) ? 'ENOSPC' : /Read-only/.test(complaint) ? 'EROFS' : 'EFLOCK', path: file }))));
    child.on('error', (error) => reject(error));
  }).catch((error: { code?: string }) => {
    if (error.code === 'ENOENT') throw new ToolMissingError('TOOL_MISSING', 'flock was not found on this system; pkg2os needs it to lock a repository while it publishes.', { hint: 'Install the Debian package `util-linux`.' });
    throw error;
  });
  if (!acquired) {
    child.kill('SIGKILL');
    await child;
    return undefined;
  }
  // Stopped by SIGINT or SIGTERM, pkg2os frees the lock before it exits, not after (its process group: flock and cat).
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const onStop = killOnStop({
    kill: (signal) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    },
    exited,
  });
  // The child must not keep pkg2os alive, nor be waited for.
  child.unref();
  (child.stdin as unknown as { unref?: () => void })?.unref?.();
  (child.stdout as unknown as { unref?: () => void })?.unref?.();
  (child.stderr as unknown as { unref?: () => void })?.unref?.();
  return {
    async release() {
      onStop.release();
      // Waited for now: the lock is released when the child has exited.
      child.ref();
      child.stdin!.end();
      await child;
    },
  };
}
