/** The rules every sdist archive is held to before anything of it is written, whatever its format. */
import { posix } from 'node:path';
import { IntegrityError } from '../errors.js';

export interface UnpackLimits {
  /** Sum of the entries' sizes. */
  maxTotalBytes: number;
  maxEntries: number;
}

export const DEFAULT_UNPACK_LIMITS: UnpackLimits = { maxTotalBytes: 2 * 1024 ** 3, maxEntries: 200_000 };

export function unsafe(filename: string, why: string): IntegrityError {
  return new IntegrityError('UNSAFE_ARCHIVE', `${filename} is unsafe to unpack: ${why}. Nothing was extracted from it.`, {
    hint: 'A genuine sdist never contains such entries. Do not build it; report it to the project and to the index.',
  });
}

export function tooLarge(filename: string, limits: UnpackLimits): IntegrityError {
  return new IntegrityError('ARCHIVE_TOO_LARGE', `${filename} unpacks to more than ${limits.maxTotalBytes} bytes, more than pkg2os accepts; nothing was extracted.`, {
    hint: 'A compression bomb is the likely cause. If the sdist is genuinely this large, raise the limit with --max-unpacked-size.',
  });
}

/** Normalize an archive member path; undefined if it is absolute or climbs out of the tree. */
export function insidePath(p: string): string | undefined {
  if (p.startsWith('/') || p.includes('\0') || /^[A-Za-z]:/.test(p)) return undefined;
  const normalized = posix.normalize(p);
  if (normalized === '..' || normalized.startsWith('../')) return undefined;
  return normalized.replace(/\/$/, '');
}
