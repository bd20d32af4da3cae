/**
 * Before anything goes live, the new signatures are checked as a client
 * checks them, with only the published key: gpgv for apt's InRelease and
 * Release.gpg and yum's repomd.xml.asc, `rpmkeys -K` for signed rpms.
 */
import { mkdir } from 'node:fs/promises';
import { basename } from 'node:path';
import { PublishError, type StorageError, ToolError } from '../../errors.js';
import { statfsSync } from 'node:fs';
import { storageError } from '../../storage-errors.js';
import { run } from '../../exec.js';

/** gpgv with only `keyring` on a cleartext-signed file (its text to `output`, if given), or on a detached signature and its data. */
export async function gpgvCheck(keyring: string, signature: string, data: string | undefined, what: string, output?: string): Promise<void> {
  try {
    await run('gpgv', ['--keyring', keyring, ...(output ? ['--output', output] : []), signature, ...(data ? [data] : [])], { purpose: `checking ${what}`, phase: 'publish' });
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
    throw new PublishError('PUBLISH_SELF_CHECK', `gpgv does not accept the ${what} pkg2os just signed, so nothing was published.`, {
      detail: error.outputTail,
      hint: 'This is a bug or a broken signing key; the repository is unchanged.',
      cause: error,
    });
  }
}

/** `rpmkeys -K` on each rpm with a private keyring that holds only `publicKey`; one process for all of them. */
export async function rpmkeysCheck(files: readonly string[], publicKey: string, dbpath: string): Promise<void> {
  await mkdir(dbpath, { recursive: true });
  await run('rpmkeys', ['--dbpath', dbpath, '--import', publicKey], { purpose: 'importing the repository key into a private rpm keyring', phase: 'publish' }).catch((error: unknown) => {
    throw rpmdbCause(error, dbpath) ?? error;
  });
  let output: string;
  try {
    output = (await run('rpmkeys', ['--dbpath', dbpath, '-K', ...files], { purpose: 'checking the signatures of the new rpms', phase: 'publish' })).stdout;
  } catch (error) {
    const cause = rpmdbCause(error, dbpath);
    if (cause) throw cause;
    throw new PublishError('PUBLISH_SELF_CHECK', 'rpmkeys refuses a signature pkg2os just made; nothing was published.', {
      detail: error instanceof ToolError ? error.outputTail : undefined,
      cause: error,
    });
  }
  for (const file of files) {
    const line = output.split('\n').find((l) => l.startsWith(`${file}:`)) ?? '';
    if (!/\bsignatures OK\b/.test(line)) {
      throw new PublishError('PUBLISH_SELF_CHECK', `${basename(file)} carries no signature rpm can check after signing (rpmkeys -K said: ${line.trim() || 'nothing'}); nothing was published.`);
    }
  }
}

/**
 * rpmkeys fails when its private database cannot be written (its sqlite
 * says "database or disk is full", or the file system has no room left): the
 * cause is the file system, not the signature.
 */
function rpmdbCause(error: unknown, dbpath: string): StorageError | undefined {
  const said = error instanceof ToolError ? error.outputTail : '';
  let full = /database or disk is full|No space left on device|SQLITE_FULL|disk I\/O error/i.test(said);
  try {
    const fs = statfsSync(dbpath);
    full ||= fs.bavail * fs.bsize < 1024 * 1024;
  } catch {
    // not to be known
  }
  if (!full) return undefined;
  const enospc = Object.assign(new Error('no space left for the rpm database'), { code: 'ENOSPC', path: dbpath }) as NodeJS.ErrnoException;
  return storageError(enospc, 'the private rpm database that checks the signed rpms');
}
