/**
 * A full or read-only file system is an expected error, not a bug: ENOSPC,
 * EDQUOT and EROFS, wherever they happen (the repository, the cache, the
 * output, the work directory, the lock), become a `StorageError` (exit 9)
 * that names the file system and says how much space it has and how much
 * was needed.
 */
import { statSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { StorageError } from './errors.js';

const FULL = new Set(['ENOSPC', 'EDQUOT']);

/** Whether `error` is a file system refusing a write for want of space or because it is read-only. */
export function isStorageFailure(error: unknown): error is NodeJS.ErrnoException {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && (FULL.has(code) || code === 'EROFS');
}

/** The mount point of the file system that holds `path` (the highest ancestor on the same device). */
function mountPoint(path: string): string {
  let at = path;
  while (!statSync(at, { throwIfNoEntry: false })) {
    if (at === dirname(at)) return at;
    at = dirname(at);
  }
  const dev = statSync(at).dev;
  for (let up = dirname(at); up !== at; at = up, up = dirname(up)) if (statSync(up).dev !== dev) return at;
  return at;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** How each StorageError was made, to say it again with the room needed once that is known (withRoomNeeded). */
const made = new WeakMap<StorageError, { error: NodeJS.ErrnoException; what: string; path?: string }>();

/** `error` again, saying how much room the whole operation needed (when the failing step could not know). */
export function withRoomNeeded(error: StorageError, needed: number): StorageError {
  const how = made.get(error);
  return how && error.code === 'DISK_FULL' && !/ needs about /.test(error.message) ? storageError(how.error, how.what, how.path, needed) : error;
}

/** The StorageError for a storage failure at `path` (when not given, the errno error's own: a copy's destination, else its path); `needed` bytes when known. */
export function storageError(error: NodeJS.ErrnoException, what: string, path = (error as { dest?: string }).dest ?? error.path, needed?: number): StorageError {
  const where = path ? mountPoint(path) : undefined;
  let free = '';
  try {
    if (where) {
      const fs = statfsSync(where);
      free = `${mib(fs.bavail * fs.bsize)} free of ${mib(fs.blocks * fs.bsize)}`;
    }
  } catch {
    // not to be known
  }
  const storage = error.code === 'EROFS'
    ? new StorageError('READ_ONLY', `The file system ${where ?? ''} is read-only: pkg2os cannot write ${path ?? what} (${what}).`, { hint: 'Mount it read-write, or point pkg2os at another place (--out, --repo, --cache-dir, TMPDIR).', cause: error })
    : new StorageError('DISK_FULL', `The file system ${where ?? ''} is full${free ? ` (${free})` : ''}: pkg2os could not write ${path ?? what} (${what})${needed ? `; it needs about ${mib(needed)} there` : ''}.`, {
        hint: 'Free space there (pkg2os cache prune --older-than 30d frees the cache), or point pkg2os at another place (--out, --repo, --cache-dir, TMPDIR); what was half-written was removed.',
        cause: error,
      });
  made.set(storage, { error, what, path });
  return storage;
}

function existingAncestor(path: string): string | undefined {
  for (let at = path; ; at = dirname(at)) {
    if (statSync(at, { throwIfNoEntry: false })) return at;
    if (at === dirname(at)) return undefined;
  }
}

/** Less than 64 MiB or 2 % of the file system that holds `path` is free. */
function shortOfSpace(path: string): boolean {
  try {
    const fs = statfsSync(existingAncestor(path) ?? path);
    const free = fs.bavail * fs.bsize;
    return free < 64 * 2 ** 20 || free < 0.02 * fs.blocks * fs.bsize;
  } catch {
    return false;
  }
}

/**
 * A tool that failed because a file system was full or read-only says so
 * ("No space left on device", "Disk quota exceeded", "Read-only file
 * system"): the errno error it would have been, with the path it names
 * (the first absolute path on that line, or `fallback`), for the StorageError
 * (exit 9). `boxed`: the output is a sandboxed build's, whose paths are the box's own.
 */
export function storageFailureIn(output: string, fallback: string | undefined, boxed: boolean): NodeJS.ErrnoException | undefined {
  const line = output.split('\n').find((l) => /No space left on device|Disk quota exceeded|Read-only file system/i.test(l));
  if (!line) return undefined;
  const code = /Read-only/i.test(line) ? 'EROFS' : /quota/i.test(line) ? 'EDQUOT' : 'ENOSPC';
  // In a sandbox the root is read-only by design: a build that writes there failed, no file system did.
  if (boxed && code === 'EROFS') return undefined;
  const named = boxed ? undefined : /(\/[^\s'"`:,]+)/.exec(line)?.[1];
  const path = named && (existingAncestor(named) ?? '/') !== '/' ? named : fallback;
  // The text alone is not trusted (a build's output is upstream's): the file system must really be short of room.
  if (!path || (code !== 'EROFS' && !shortOfSpace(path))) return undefined;
  return Object.assign(new Error(line.trim()), { code, path });
}
