/**
 * Detached OpenPGP signature verification with openpgp.js, as a list of
 * checks (after sigstore-js's verifier): parse → find the signer among the
 * trusted keys → revocation → signature time → key validity at signing time →
 * the cryptographic check over the exact bytes. Every refusal is a
 * `SignatureError` with its own code.
 */
import * as openpgp from 'openpgp';
import { SignatureError } from '../../errors.js';
import { fingerprintOf, type PublicKey } from './openpgp-keys.js';

/** What a good signature tells. */
export interface SignatureVerdict {
  /** Fingerprint of the signer's primary key. */
  signer: string;
  /** Fingerprint of the key that made the signature (the primary key or a signing subkey). */
  signingKey: string;
  userId?: string;
  /** Signature creation time. */
  created: Date;
  /** When the signer's key expires (null: never). */
  keyExpires: Date | null;
  warnings: string[];
}

export interface VerifyOptions {
  /** What is being verified, for messages ("Django-3.2.25.tar.gz"). */
  subject: string;
  /** How the user pins a key for it, for the hint of an unknown signer. */
  pinHint: string;
  now?: Date;
}

/** Parse an armored or binary detached signature. */
export async function readDetachedSignature(bytes: Uint8Array, subject: string): Promise<openpgp.Signature> {
  try {
    const text = Buffer.from(bytes).toString('latin1');
    return text.includes('-----BEGIN PGP SIGNATURE-----')
      ? await openpgp.readSignature({ armoredSignature: Buffer.from(bytes).toString('utf8') })
      : await openpgp.readSignature({ binarySignature: bytes });
  } catch (error) {
    throw new SignatureError('MALFORMED_SIGNATURE', `The signature of ${subject} cannot be read: ${(error as Error).message}. It is corrupt, or not an OpenPGP signature.`, {
      hint: 'Do not trust the file. Fetch the signature again; if it stays unreadable, ask upstream.',
      cause: error,
    });
  }
}

type SigPacket = openpgp.SignaturePacket;

function keyIdHex(packet: SigPacket): string {
  return packet.issuerKeyID.toHex().toUpperCase();
}

function issuerText(packet: SigPacket): string {
  const fpr = packet.issuerFingerprint ? Buffer.from(packet.issuerFingerprint).toString('hex').toUpperCase() : undefined;
  return fpr ? `key ${fpr} (key ID ${keyIdHex(packet)})` : `key ID ${keyIdHex(packet)}`;
}

function isoDay(date: Date): string {
  return date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

async function expiration(of: { getExpirationTime(): Promise<Date | number | null> }): Promise<Date | null> {
  const t = await of.getExpirationTime().catch(() => null);
  return t instanceof Date ? t : null;
}

/** Verify one signature packet made by `key` over `data`; throws a `SignatureError` or returns the verdict. */
async function verifyPacket(data: Uint8Array, packet: SigPacket, key: PublicKey, options: VerifyOptions, now: Date): Promise<SignatureVerdict> {
  const subject = options.subject;
  const created = packet.created;
  if (!created) throw new SignatureError('MALFORMED_SIGNATURE', `The signature of ${subject} has no creation time.`);
  const signingKey = key.getKeys(packet.issuerKeyID)[0]!;
  const signer = fingerprintOf(key);

  // Revocation: a revoked key (or signing subkey) is not trusted for anything any more.
  if (await key.isRevoked(undefined, undefined, now).catch(() => false)) {
    throw new SignatureError('KEY_REVOKED', `${subject} is signed by key ${signer}, which its owner has revoked.`, {
      hint: 'Do not build it. Find out from upstream why the key was revoked and which key replaces it, then pin that one.',
    });
  }
  if (signingKey !== key) {
    const subkey = signingKey as openpgp.Subkey;
    const revoked = await subkey.verify(now).then(() => false, (error: Error) => /revoked/i.test(error.message));
    if (revoked) {
      throw new SignatureError('KEY_REVOKED', `${subject} is signed by subkey ${fingerprintOf(subkey)} of key ${signer}, and that subkey has been revoked.`, {
        hint: 'Do not build it; ask upstream which key signs their releases now.',
      });
    }
  }
  // A signature from the future cannot have been checked by anyone yet.
  if (created.getTime() > now.getTime()) {
    throw new SignatureError('SIGNATURE_IN_FUTURE', `The signature of ${subject} claims to have been made on ${isoDay(created)}, which is in the future.`, {
      hint: 'Check this machine\'s clock. A signature dated in the future is refused: it may have been made with a manipulated clock to outlive a key\'s expiry.',
    });
  }
  // Expiry: the key must have been valid when it signed.
  const keyExpires = await expiration(key);
  const subkeyExpires = signingKey !== key ? await expiration(signingKey as openpgp.Subkey) : null;
  const expiredAt = [keyExpires, subkeyExpires].filter((d): d is Date => d !== null).sort((a, b) => a.getTime() - b.getTime())[0];
  if (expiredAt && created.getTime() >= expiredAt.getTime()) {
    throw new SignatureError('KEY_EXPIRED', `${subject} was signed on ${isoDay(created)} by key ${signer}, which had expired on ${isoDay(expiredAt)}.`, {
      hint: 'A signature made after the key expired proves nothing. Ask upstream for a signature by a current key, or pin the key\'s renewed version if its owner extended it.',
    });
  }

  // The cryptographic check over the exact bytes, with the key's validity at signing time.
  try {
    const signature = new openpgp.Signature(new openpgp.PacketList<SigPacket>());
    signature.packets.push(packet);
    const result = await openpgp.verify({
      message: await openpgp.createMessage({ binary: data }),
      signature,
      verificationKeys: [key],
      format: 'binary',
      date: now,
    });
    await result.signatures[0]!.verified;
  } catch (error) {
    const message = (error as Error).message;
    throw new SignatureError('BAD_SIGNATURE', `The signature of ${subject} by key ${signer} is not valid: ${message}. The file is not what the key's owner signed.`, {
      hint: 'Do not build it: the file or its signature was altered, or the signature belongs to another file.',
      cause: error,
    });
  }

  const warnings: string[] = [];
  if (expiredAt && expiredAt.getTime() <= now.getTime()) {
    warnings.push(`key ${signer} expired on ${isoDay(expiredAt)}; the signature was made on ${isoDay(created)}, while it was valid`);
  }
  let userId: string | undefined;
  try {
    const primary = await key.getPrimaryUser(created);
    userId = primary.user.userID?.userID;
  } catch {
    userId = key.getUserIDs()[0];
  }
  return { signer, signingKey: fingerprintOf(signingKey), userId, created, keyExpires, warnings };
}

/**
 * Verify a detached signature over `data` against trusted `keys`. Every
 * signature packet by a trusted key must be good, and at least one must
 * exist; packets by other keys are ignored when a trusted one is good.
 */
export async function verifyDetached(data: Uint8Array, signatureBytes: Uint8Array, keys: readonly PublicKey[], options: VerifyOptions): Promise<SignatureVerdict> {
  const now = options.now ?? new Date();
  const signature = await readDetachedSignature(signatureBytes, options.subject);
  const packets = signature.packets.filter((p): p is SigPacket => p instanceof openpgp.SignaturePacket);
  if (packets.length === 0) throw new SignatureError('MALFORMED_SIGNATURE', `The signature file of ${options.subject} holds no signature.`);
  const matched = packets.map((packet) => ({ packet, key: keys.find((k) => k.getKeys(packet.issuerKeyID).length > 0) }));
  const trusted = matched.filter((m): m is { packet: SigPacket; key: PublicKey } => m.key !== undefined);
  if (trusted.length === 0) {
    const signers = packets.map(issuerText).join(', ');
    throw new SignatureError('UNKNOWN_SIGNER', `${options.subject} is signed by ${signers}, which is not a key pinned for it.`, {
      hint: `If upstream confirms this key (compare the full fingerprint through a channel you trust), pin it: ${options.pinHint}`,
    });
  }
  let verdict: SignatureVerdict | undefined;
  for (const { packet, key } of trusted) {
    const v = await verifyPacket(data, packet, key, options, now);
    verdict ??= v;
  }
  return verdict!;
}
