/**
 * The organization's signing key: loaded from an armored file (`--key FILE`
 * or `PKG2OS_SIGNING_KEY`), decrypted in memory with the passphrase from
 * `PKG2OS_KEY_PASSPHRASE` or the file named by `PKG2OS_KEY_PASSPHRASE_FILE`.
 * The decrypted key never leaves this process: not on argv, not in logs,
 * not on disk.
 */
import { open, readFile } from 'node:fs/promises';
import * as openpgp from 'openpgp';
import { ConfigError } from '../../errors.js';

export interface SigningKeySource {
  /** Path of the armored private key. */
  keyFile?: string;
  env?: NodeJS.ProcessEnv;
}

/** A decrypted private key, ready to sign. */
export interface SigningKey {
  privateKey: openpgp.PrivateKey;
  fingerprint: string;
  publicArmored: string;
  publicBinary: Uint8Array;
}

/** The passphrase, if one is configured (environment variable or file). */
export async function readPassphrase(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (env.PKG2OS_KEY_PASSPHRASE) return env.PKG2OS_KEY_PASSPHRASE;
  if (env.PKG2OS_KEY_PASSPHRASE_FILE) {
    try {
      return (await readFile(env.PKG2OS_KEY_PASSPHRASE_FILE, 'utf8')).replace(/\r?\n$/, '');
    } catch (error) {
      throw new ConfigError('SIGNING_KEY_INVALID', `Cannot read the passphrase file named by PKG2OS_KEY_PASSPHRASE_FILE: ${(error as NodeJS.ErrnoException).code ?? 'error'}.`, { cause: error });
    }
  }
  return undefined;
}

/** The signing key's file, named and readable; its contents are not read beyond the armor header. */
export async function signingKeyPath(source: SigningKeySource): Promise<string> {
  const env = source.env ?? process.env;
  const path = source.keyFile ?? env.PKG2OS_SIGNING_KEY;
  if (!path) {
    throw new ConfigError('SIGNING_KEY_MISSING', 'Publishing needs the organization\'s signing key, and none was given.', {
      hint: 'Pass --key FILE or set PKG2OS_SIGNING_KEY to the armored private key (make one with `pkg2os keys generate`).',
    });
  }
  let head: string;
  try {
    const handle = await open(path, 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(64), 0, 64, 0);
      head = buffer.subarray(0, bytesRead).toString('latin1');
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new ConfigError('SIGNING_KEY_MISSING', `Cannot read the signing key ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}.`, { cause: error });
  }
  if (!head.startsWith('-----BEGIN PGP PRIVATE KEY BLOCK-----')) {
    throw new ConfigError('SIGNING_KEY_INVALID', `${path} is not an armored OpenPGP private key.`, { hint: 'Give the private.asc that `pkg2os keys generate` wrote (the public key cannot sign).' });
  }
  return path;
}

/** Load and unlock the signing key. Errors never contain key material or the passphrase. */
export async function loadSigningKey(source: SigningKeySource): Promise<SigningKey> {
  const env = source.env ?? process.env;
  const path = await signingKeyPath(source);
  let armored: string;
  try {
    armored = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError('SIGNING_KEY_MISSING', `Cannot read the signing key ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}.`, { cause: error });
  }
  let privateKey: openpgp.PrivateKey;
  try {
    privateKey = await openpgp.readPrivateKey({ armoredKey: armored });
  } catch (error) {
    throw new ConfigError('SIGNING_KEY_INVALID', `${path} is not an armored OpenPGP private key.`, {
      hint: 'Give the private.asc that `pkg2os keys generate` wrote (the public key cannot sign).',
      cause: error,
    });
  }
  if (!privateKey.isDecrypted()) {
    const passphrase = await readPassphrase(env);
    if (passphrase === undefined) {
      throw new ConfigError('BAD_PASSPHRASE', `The signing key ${path} is encrypted, and no passphrase was given.`, {
        hint: 'Set PKG2OS_KEY_PASSPHRASE, or PKG2OS_KEY_PASSPHRASE_FILE to a file that holds it.',
      });
    }
    try {
      privateKey = await openpgp.decryptKey({ privateKey, passphrase });
    } catch {
      // The cause is not kept: it could carry material we do not want printed.
      throw new ConfigError('BAD_PASSPHRASE', `The passphrase does not unlock the signing key ${path}.`, {
        hint: 'Check PKG2OS_KEY_PASSPHRASE / PKG2OS_KEY_PASSPHRASE_FILE.',
      });
    }
  }
  const publicKey = privateKey.toPublic();
  try {
    await privateKey.getSigningKey();
  } catch (error) {
    throw new ConfigError('SIGNING_KEY_INVALID', `The signing key ${path} cannot sign now: ${(error as Error).message}.`, {
      hint: 'It may have expired or been revoked; extend it or generate a new one and publish its public key to your clients.',
    });
  }
  return { privateKey, fingerprint: privateKey.getFingerprint().toUpperCase(), publicArmored: publicKey.armor(), publicBinary: publicKey.write() };
}
