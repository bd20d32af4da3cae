/** OpenPGP keys and signatures made by the tests: openpgp.js for most, GnuPG for interoperability. */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import * as openpgp from 'openpgp';

export interface TestKey {
  privateKey: openpgp.PrivateKey;
  publicArmored: string;
  fingerprint: string;
}

export interface KeyOptions {
  type?: 'rsa' | 'ed25519';
  name?: string;
  /** Creation time (default now). */
  date?: Date;
  /** Seconds until expiry (0: never). */
  keyExpirationTime?: number;
  signingSubkey?: boolean;
}

export async function makeKey(options: KeyOptions = {}): Promise<TestKey> {
  const type = options.type ?? 'ed25519';
  const { privateKey } = await openpgp.generateKey({
    type: type === 'rsa' ? 'rsa' : 'curve25519',
    rsaBits: type === 'rsa' ? 3072 : undefined,
    userIDs: [{ name: options.name ?? `test ${type}`, email: 'release@example.org' }],
    date: options.date,
    keyExpirationTime: options.keyExpirationTime ?? 0,
    subkeys: options.signingSubkey ? [{ sign: true }] : [{}],
    format: 'object',
  });
  return fromPrivate(privateKey);
}

export function fromPrivate(privateKey: openpgp.PrivateKey): TestKey {
  return { privateKey, publicArmored: privateKey.toPublic().armor(), fingerprint: privateKey.getFingerprint().toUpperCase() };
}

/** A detached signature over `data`, armored (default) or binary; by the signing subkey when asked. */
export async function sign(data: Uint8Array, key: TestKey, options: { date?: Date; binary?: boolean; bySubkey?: boolean } = {}): Promise<Buffer> {
  const message = await openpgp.createMessage({ binary: data });
  const signingKeyIDs = options.bySubkey ? [key.privateKey.getSubkeys()[0]!.getKeyID()] : [key.privateKey.getKeyID()];
  const common = { message, signingKeys: key.privateKey, detached: true, date: options.date, signingKeyIDs } as const;
  if (options.binary) return Buffer.from(await openpgp.sign({ ...common, format: 'binary' }) as Uint8Array);
  return Buffer.from(await openpgp.sign({ ...common, format: 'armored' }) as string);
}

/** The same key, revoked. */
export async function revoked(key: TestKey): Promise<TestKey> {
  const { privateKey } = await openpgp.revokeKey({ key: key.privateKey, format: 'object' });
  return fromPrivate(privateKey as openpgp.PrivateKey);
}

/** The same key with its signing subkey revoked. */
export async function withRevokedSubkey(key: TestKey): Promise<TestKey> {
  const subkey = key.privateKey.getSubkeys()[0]!;
  const revokedSubkey = await subkey.revoke(key.privateKey.keyPacket as openpgp.SecretKeyPacket);
  const clone = await openpgp.readPrivateKey({ armoredKey: key.privateKey.armor() });
  (clone as unknown as { subkeys: openpgp.Subkey[] }).subkeys = [revokedSubkey];
  return fromPrivate(clone);
}

/**
 * The same key material, re-certified with an expiry as of its creation:
 * models a key that had expired by the time a signature was made with it.
 */
export async function reformattedWithExpiry(key: TestKey, seconds: number): Promise<TestKey> {
  const { privateKey } = await openpgp.reformatKey({
    privateKey: key.privateKey,
    userIDs: [{ name: 'test reformatted', email: 'release@example.org' }],
    keyExpirationTime: seconds,
    date: key.privateKey.getCreationTime(),
    format: 'object',
  });
  return fromPrivate(privateKey);
}

/** Flip one bit of one byte, at `at` (default: the middle). */
export function flipByte(data: Uint8Array, at = Math.floor(data.length / 2)): Buffer {
  const copy = Buffer.from(data);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

/** Flip a byte inside the base64 body of an armored block (not in the header or the checksum line). */
export function flipArmoredByte(armored: Buffer): Buffer {
  const text = armored.toString('utf8');
  const lines = text.split('\n');
  const body = lines.findIndex((l, i) => i > 0 && l.trim() === '') + 1;
  const line = lines[body]!;
  const i = Math.floor(line.length / 2);
  const c = line[i]!;
  lines[body] = line.slice(0, i) + (c === 'A' ? 'B' : 'A') + line.slice(i + 1);
  return Buffer.from(lines.join('\n'));
}

/** A key made and a file signed by GnuPG itself (gpg --detach-sign --armor). */
export async function gnupgSign(data: Uint8Array): Promise<{ publicArmored: string; signature: Buffer; fingerprint: string }> {
  const home = await mkdtemp(join(tmpdir(), 'pkg2os-gnupg-'));
  const env = { GNUPGHOME: home };
  await execa('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', '--quick-gen-key', 'GnuPG Test <gnupg@example.org>', 'rsa3072', 'sign', '1y'], { env });
  const file = join(home, 'data');
  await writeFile(file, data);
  await execa('gpg', ['--batch', '--detach-sign', '--armor', file], { env });
  const publicArmored = (await execa('gpg', ['--batch', '--export', '--armor'], { env })).stdout;
  const colons = (await execa('gpg', ['--batch', '--with-colons', '--list-keys'], { env })).stdout;
  const fingerprint = /^fpr:+([0-9A-F]+):/m.exec(colons)![1]!;
  return { publicArmored, signature: await readFile(`${file}.asc`), fingerprint };
}
