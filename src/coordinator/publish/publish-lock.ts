/**
 * One publisher at a time per repository: an exclusive lock file holding the
 * owner's pid. A second publisher waits (up to a timeout) and then fails
 * clearly; a lock left by a dead process is taken over.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { PublishError } from '../../errors.js';
import { processAlive } from '../../host/process-alive.js';

export interface PublishLock {
  release(): Promise<void>;
}


export async function acquirePublishLock(root: string, timeoutMs: number): Promise<PublishLock> {
  const path = join(root, '.pkg2os-publish.lock');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(path, 'wx', 0o644);
      await handle.writeFile(`${process.pid} ${hostname()}\n`);
      await handle.close();
      return { release: () => rm(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const [pidText, host] = (await readFile(path, 'utf8').catch(() => '')).trim().split(' ');
    const pid = Number(pidText);
    if (host === hostname() && pid > 0 && !processAlive(pid)) {
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      throw new PublishError('PUBLISH_LOCKED', `Another pkg2os publish (pid ${pidText || '?'} on ${host || '?'}) is writing ${root}; waited ${Math.round(timeoutMs / 1000)} s for it.`, {
        hint: `Wait for it to finish and try again. If no publisher is running, remove ${path}.`,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
