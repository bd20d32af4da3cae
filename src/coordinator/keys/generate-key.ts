/**
 * `pkg2os keys generate`: the organization's signing key, with openpgp.js.
 * v4 keys only (apt 2.6/sqv and rpm 4.18 refuse v6), RSA-4096 by default
 * (RHEL 8 cannot verify EdDSA; newer apt policies want RSA >= 3072), SHA-512
 * signatures and self-signatures, and an expiry.
 */
import { mkdir, open, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { ConfigError } from '../../errors.js';
import { withRpmCompatibleSelfSignatures } from './rpm-compatible.js';

export type KeyType = 'rsa4096' | 'ed25519';

export interface GenerateOptions {
  name: string;
  email: string;
  outDir: string;
  type: KeyType;
  /** Seconds until expiry. */
  expiresIn: number;
  passphrase?: string;
  date?: Date;
}

export interface GeneratedKey {
  fingerprint: string;
  privatePath: string;
  publicPath: string;
  expires: Date;
  encrypted: boolean;
}

export async function generateSigningKey(options: GenerateOptions): Promise<GeneratedKey> {
  if (!/^[^<>\n]+$/.test(options.name) || !/^[^<>\s@]+@[^<>\s@]+$/.test(options.email)) {
    throw new ConfigError('USAGE', `"${options.name} <${options.email}>" is not a usable user ID.`, { hint: 'Give --name "Example Org Packages" --email packages@example.org.' });
  }
  if (options.expiresIn <= 0) throw new ConfigError('USAGE', 'A signing key must expire; give a positive --expires such as 2y.', { hint: 'Expiry limits the damage of a lost key; extend it before it runs out.' });
  const privatePath = join(options.outDir, 'private.asc');
  const publicPath = join(options.outDir, 'public.asc');
  if (await stat(privatePath).catch(() => undefined)) {
    throw new ConfigError('KEY_EXISTS', `${privatePath} exists already; pkg2os never overwrites a private key.`, { hint: 'Choose another --out directory, or move the old key away first.' });
  }
  const config = { v6Keys: false, preferredHashAlgorithm: openpgp.enums.hash.sha512 };
  const { privateKey, publicKey } = await withRpmCompatibleSelfSignatures(() => openpgp.generateKey({
    // Ed25519 in the legacy EdDSA encoding (algorithm 22): what GnuPG 2.2, apt's gpgv and rpm 4.18 read.
    // openpgp.js's "curve25519" is RFC 9580's new algorithm 27, which they refuse.
    ...(options.type === 'rsa4096' ? { type: 'rsa' as const, rsaBits: 4096 } : { type: 'ecc' as const, curve: 'ed25519Legacy' as const }),
    userIDs: [{ name: options.name, email: options.email }],
    keyExpirationTime: options.expiresIn,
    passphrase: options.passphrase || undefined,
    date: options.date,
    format: 'armored',
    config,
  }));
  await mkdir(options.outDir, { recursive: true, mode: 0o700 });
  // Created with mode 0600 from the start (no window in which it is readable by others); O_EXCL as a second guard.
  const handle = await open(privatePath, 'wx', 0o600);
  try {
    await handle.writeFile(privateKey);
  } finally {
    await handle.close();
  }
  await writeFile(publicPath, publicKey, { mode: 0o644 });
  const key = await openpgp.readKey({ armoredKey: publicKey });
  const expires = await key.getExpirationTime();
  return { fingerprint: key.getFingerprint().toUpperCase(), privatePath, publicPath, expires: expires as Date, encrypted: Boolean(options.passphrase) };
}
