/** Upstream signature verification with keys the tests generate (RSA, Ed25519, subkeys, expired, revoked) and with GnuPG. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { SignatureError } from '../../src/errors.js';
import { readPublicKeys } from '../../src/coordinator/verify/openpgp-keys.js';
import { verifyDetached } from '../../src/coordinator/verify/openpgp-signature.js';
import { shouldFetchSignature, verifySignatureStep } from '../../src/coordinator/verify/signature.js';
import { rejectsWithCode } from '../support/assert-error.js';
import { type TestKey, flipArmoredByte, flipByte, gnupgSign, makeKey, reformattedWithExpiry, revoked, sign, withRevokedSubkey } from '../support/pgp.js';

const DAY = 24 * 3600 * 1000;
const data = randomBytes(4096);
const pub = async (k: TestKey) => readPublicKeys(Buffer.from(k.publicArmored), 'test key');
const opts = { subject: 'demo-1.0.tar.gz', pinHint: 'pkg2os keys add demo KEY.asc' };

describe('verifying detached signatures with openpgp.js', () => {
  let rsa: TestKey;
  let ed: TestKey;
  let other: TestKey;
  before(async () => {
    [rsa, ed, other] = await Promise.all([makeKey({ type: 'rsa', name: 'RSA Releaser' }), makeKey({ type: 'ed25519', name: 'Ed Releaser' }), makeKey({ name: 'Someone Else' })]);
  });

  for (const type of ['rsa', 'ed25519'] as const) {
    it(`accepts a good ${type} signature and names the signer`, async () => {
      const key = type === 'rsa' ? rsa : ed;
      const verdict = await verifyDetached(data, await sign(data, key), await pub(key), opts);
      assert.equal(verdict.signer, key.fingerprint);
      assert.equal(verdict.signingKey, key.fingerprint);
      assert.match(verdict.userId ?? '', type === 'rsa' ? /RSA Releaser/ : /Ed Releaser/);
      assert.deepEqual(verdict.warnings, []);
      assert.ok(Math.abs(verdict.created.getTime() - Date.now()) < 60_000);
    });
  }

  it('accepts binary (unarmored) signatures', async () => {
    const verdict = await verifyDetached(data, await sign(data, ed, { binary: true }), await pub(ed), opts);
    assert.equal(verdict.signer, ed.fingerprint);
  });

  it('accepts a signature by a signing subkey, naming primary key and subkey', async () => {
    const key = await makeKey({ type: 'ed25519', signingSubkey: true });
    const verdict = await verifyDetached(data, await sign(data, key, { bySubkey: true }), await pub(key), opts);
    assert.equal(verdict.signer, key.fingerprint);
    assert.equal(verdict.signingKey, key.privateKey.getSubkeys()[0]!.getFingerprint().toUpperCase());
    assert.notEqual(verdict.signingKey, verdict.signer);
  });

  it('refuses a file with one flipped byte', async () => {
    const error = await rejectsWithCode(verifyDetached(flipByte(data), await sign(data, rsa), await pub(rsa), opts), SignatureError, 'BAD_SIGNATURE');
    assert.match(error.message, /not what the key's owner signed/);
  });

  it('refuses a signature with one flipped byte (binary and armored)', async () => {
    const binary = await sign(data, rsa, { binary: true });
    await assert.rejects(verifyDetached(data, flipByte(binary, binary.length - 20), await pub(rsa), opts), SignatureError);
    await assert.rejects(verifyDetached(data, flipArmoredByte(await sign(data, ed)), await pub(ed), opts), SignatureError);
  });

  it('refuses a signature by a key that is not pinned, showing its key ID', async () => {
    const error = await rejectsWithCode(verifyDetached(data, await sign(data, other), await pub(rsa), opts), SignatureError, 'UNKNOWN_SIGNER');
    assert.ok(error.message.includes(other.fingerprint), error.message);
    assert.match(error.hint ?? '', /pkg2os keys add demo KEY\.asc/);
  });

  it('refuses a revoked key', async () => {
    const key = await makeKey({ type: 'ed25519' });
    const signature = await sign(data, key);
    await rejectsWithCode(verifyDetached(data, signature, await pub(await revoked(key)), opts), SignatureError, 'KEY_REVOKED');
  });

  it('refuses a revoked signing subkey', async () => {
    const key = await makeKey({ type: 'ed25519', signingSubkey: true });
    const signature = await sign(data, key, { bySubkey: true });
    await rejectsWithCode(verifyDetached(data, signature, await pub(await withRevokedSubkey(key)), opts), SignatureError, 'KEY_REVOKED');
  });

  it('accepts a signature made while a now-expired key was valid, with a warning naming the expiry', async () => {
    const created = new Date(Date.now() - 400 * DAY);
    const key = await makeKey({ type: 'ed25519', date: created, keyExpirationTime: 365 * 24 * 3600 });
    const verdict = await verifyDetached(data, await sign(data, key, { date: new Date(Date.now() - 200 * DAY) }), await pub(key), opts);
    assert.equal(verdict.warnings.length, 1);
    const expiry = new Date(created.getTime() + 365 * DAY).toISOString().slice(0, 10);
    assert.ok(verdict.warnings[0]!.includes(expiry), verdict.warnings[0]);
    assert.match(verdict.warnings[0]!, /while it was valid/);
  });

  it('refuses a signature made after the key expired', async () => {
    const key = await makeKey({ type: 'ed25519', date: new Date(Date.now() - 400 * DAY) });
    const signature = await sign(data, key, { date: new Date(Date.now() - 10 * DAY) });
    const expired = await reformattedWithExpiry(key, 30 * 24 * 3600);
    assert.equal(expired.fingerprint, key.fingerprint);
    const error = await rejectsWithCode(verifyDetached(data, signature, await pub(expired), opts), SignatureError, 'KEY_EXPIRED');
    assert.match(error.message, /which had expired on/);
  });

  it('refuses a signature dated in the future', async () => {
    const signature = await sign(data, ed, { date: new Date(Date.now() + 2 * DAY) });
    await rejectsWithCode(verifyDetached(data, signature, await pub(ed), opts), SignatureError, 'SIGNATURE_IN_FUTURE');
  });

  it('refuses garbage as a signature', async () => {
    await rejectsWithCode(verifyDetached(data, Buffer.from('not a signature at all'), await pub(ed), opts), SignatureError, 'MALFORMED_SIGNATURE');
  });

  it('verifies what GnuPG signed (interoperability)', async () => {
    const made = await gnupgSign(data);
    const verdict = await verifyDetached(data, made.signature, await readPublicKeys(Buffer.from(made.publicArmored), 'gpg key'), opts);
    assert.equal(verdict.signer, made.fingerprint);
    await rejectsWithCode(verifyDetached(flipByte(data), made.signature, await readPublicKeys(Buffer.from(made.publicArmored), 'gpg key'), opts), SignatureError, 'BAD_SIGNATURE');
  });
});

describe('the signature policy', () => {
  const candidate = (gpgSig?: boolean) => ({ project: 'demo', version: '1.0', file: { filename: 'demo-1.0.tar.gz', url: 'https://x.example.org/demo-1.0.tar.gz', hashes: {}, yanked: false as const, gpgSig } });
  let key: TestKey;
  before(async () => {
    key = await makeKey();
  });

  it('fetches a signature when the index says one exists, or always under "required"', () => {
    assert.equal(shouldFetchSignature(candidate(true), 'if-available'), true);
    assert.equal(shouldFetchSignature(candidate(undefined), 'if-available'), false);
    assert.equal(shouldFetchSignature(candidate(undefined), 'required'), true);
    assert.equal(shouldFetchSignature(candidate(false), 'required'), false);
    assert.equal(shouldFetchSignature(candidate(true), 'ignore'), false);
  });
  it('"required" fails when no signature is published', async () => {
    await rejectsWithCode(verifySignatureStep({ candidate: candidate(), data, policy: 'required', pinned: { keys: await pub(key), sources: [] } }), SignatureError, 'SIGNATURE_MISSING');
  });
  it('"if-available" records a skipped check when none is published', async () => {
    const check = await verifySignatureStep({ candidate: candidate(), data, policy: 'if-available', pinned: { keys: [], sources: [] } });
    assert.equal(check.result, 'skipped');
    assert.match(String(check.detail.reason), /publishes no signature/);
  });
  it('"if-available" fails when a signature exists but no key is pinned, showing the key ID and how to pin it', async () => {
    const signature = { url: 'https://x.example.org/demo-1.0.tar.gz.asc', bytes: await sign(data, key) };
    const error = await rejectsWithCode(verifySignatureStep({ candidate: candidate(true), data, policy: 'if-available', signature, pinned: { keys: [], sources: [] } }), SignatureError, 'NO_PINNED_KEY');
    assert.ok(error.message.includes(key.privateKey.getKeyID().toHex().toUpperCase()), error.message);
    assert.match(error.hint ?? '', /pkg2os keys add demo KEY\.asc/);
  });
  it('"ignore" skips even a published signature', async () => {
    const check = await verifySignatureStep({ candidate: candidate(true), data, policy: 'ignore', signature: { url: 'x', bytes: Buffer.from('junk') }, pinned: { keys: [], sources: [] } });
    assert.equal(check.result, 'skipped');
  });
  it('records everything it checked', async () => {
    const signature = { url: 'https://x.example.org/demo-1.0.tar.gz.asc', bytes: await sign(data, key) };
    const check = await verifySignatureStep({ candidate: candidate(true), data, policy: 'required', signature, pinned: { keys: await pub(key), sources: ['keys/demo/x.asc'] } });
    assert.equal(check.result, 'pass');
    assert.equal(check.detail.signer, key.fingerprint);
    assert.match(String(check.detail.signatureSha256), /^[0-9a-f]{64}$/);
    assert.ok(check.detail.signatureTime);
    assert.equal(check.detail.keyExpires, null);
    assert.deepEqual(check.detail.keySources, ['keys/demo/x.asc']);
  });
});
