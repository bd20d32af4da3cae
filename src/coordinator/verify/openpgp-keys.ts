/** Reading OpenPGP keys and describing them, with openpgp.js. */
import * as openpgp from 'openpgp';
import { ConfigError } from '../../errors.js';

export type PublicKey = openpgp.PublicKey;

/** Armored or binary key material → public keys. A private key is refused: only public keys are trusted anchors. */
export async function readPublicKeys(bytes: Uint8Array, source: string): Promise<PublicKey[]> {
  let keys: openpgp.Key[];
  try {
    const text = Buffer.from(bytes).toString('latin1');
    keys = text.includes('-----BEGIN PGP') ? await openpgp.readKeys({ armoredKeys: Buffer.from(bytes).toString('utf8') }) : await openpgp.readKeys({ binaryKeys: bytes });
  } catch (error) {
    throw new ConfigError('INVALID_KEY', `${source} does not hold a readable OpenPGP public key: ${(error as Error).message}.`, {
      hint: 'Give an armored ("-----BEGIN PGP PUBLIC KEY BLOCK-----") or binary public key, as upstream publishes it.',
      cause: error,
    });
  }
  if (keys.some((k) => k.isPrivate())) {
    throw new ConfigError('INVALID_KEY', `${source} holds a private key. Pin only the public key: a private key does not belong in a trust store.`, {
      hint: 'Export the public part (gpg --export --armor FINGERPRINT) and pin that.',
    });
  }
  return keys as PublicKey[];
}

/** Upper-case hex fingerprint, as gpg prints it. */
export function fingerprintOf(key: { getFingerprint(): string }): string {
  return key.getFingerprint().toUpperCase();
}

/** Normalize a fingerprint as written by a person (spaces, lower case, 0x). */
export function normalizeFingerprint(text: string): string {
  return text.replace(/^0x/i, '').replace(/\s+/g, '').toUpperCase();
}

/** What a key is, for listings and reports. */
export interface KeyDescription {
  fingerprint: string;
  userIds: string[];
  algorithm: string;
  created: string;
  /** ISO date, or null when the key does not expire. */
  expires: string | null;
  revoked: boolean;
  subkeys: string[];
}

function algorithmName(info: openpgp.AlgorithmInfo): string {
  return `${info.algorithm}${info.bits ? ` ${info.bits}` : ''}${info.curve ? ` ${info.curve}` : ''}`;
}

export async function describeKey(key: PublicKey): Promise<KeyDescription> {
  const expires = await key.getExpirationTime().catch(() => null);
  return {
    fingerprint: fingerprintOf(key),
    userIds: key.getUserIDs(),
    algorithm: algorithmName(key.getAlgorithmInfo()),
    created: key.getCreationTime().toISOString(),
    expires: expires instanceof Date ? expires.toISOString() : null,
    revoked: await key.isRevoked().catch(() => false),
    subkeys: key.getSubkeys().map(fingerprintOf),
  };
}
