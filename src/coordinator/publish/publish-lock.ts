/**
 * One publisher at a time per repository: an exclusive flock(2) on
 * `<root>/.pkg2os-publish.lock`, which the kernel releases when its holder
 * dies (exec.ts, holdFileLock). Two publishers can never both hold it, a dead
 * one's lock needs no taking over, and an empty or unreadable lock file
 * means nothing. Who holds it, for the message of a publisher that waited in
 * vain, is written beside it (`.pkg2os-publish.owner`), and only ever read.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { PublishError } from '../../errors.js';
import { holdFileLock } from '../../file-lock.js';

export interface PublishLock {
  release(): Promise<void>;
}

export async function acquirePublishLock(root: string, timeoutMs: number): Promise<PublishLock> {
  const path = join(root, '.pkg2os-publish.lock');
  const owner = join(root, '.pkg2os-publish.owner');
  const held = await holdFileLock(path, timeoutMs);
  if (!held) {
    const [pid, host] = (await readFile(owner, 'utf8').catch(() => '')).trim().split(' ');
    throw new PublishError('PUBLISH_LOCKED', `Another pkg2os publish (pid ${pid || '?'} on ${host || '?'}) is writing ${root}; waited ${Math.round(timeoutMs / 1000)} s for it.`, {
      hint: 'Wait for it to finish and try again. The lock is the kernel\'s: it goes when its holder ends, whatever ends it.',
    });
  }
  // Only for messages: nothing decides on it.
  await writeFile(owner, `${process.pid} ${hostname()}\n`).catch(() => undefined);
  return { release: () => held.release() };
}
