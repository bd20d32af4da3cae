/**
 * Acceptance on the corpus's signatures: made by GnuPG (per-project test
 * keys) and, in pgp-real/, by Debian's archive keys. pkg2os verifies with
 * openpgp.js; GnuPG's gpgv is the reference it must agree with.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { SignatureError } from '../../src/errors.js';
import { readPublicKeys } from '../../src/coordinator/verify/openpgp-keys.js';
import { verifyDetached } from '../../src/coordinator/verify/openpgp-signature.js';
import { CORPUS, corpusManifest, corpusMissing } from '../support/corpus.js';
import { flipArmoredByte, flipByte } from '../support/pgp.js';
import { pkg2os } from '../support/run-cli.js';
import { StaticServer } from '../support/static-server.js';

type Row = { project: string; check: string; expected: string; got: string };

/** The key file of a corpus project (keys/<project>.asc, named as in the index). */
const keyFile = (name: string) => join(CORPUS, 'keys', `${name.toLowerCase()}.asc`);

async function verdict(data: Uint8Array, signature: Uint8Array, keyPath: string): Promise<string> {
  try {
    const v = await verifyDetached(data, signature, await readPublicKeys(await readFile(keyPath), keyPath), { subject: 'corpus file', pinHint: '' });
    return `good ${v.signer}`;
  } catch (error) {
    if (error instanceof SignatureError) return `refused ${error.code}`;
    throw error;
  }
}

function table(t: { diagnostic(message: string): void }, rows: Row[]): void {
  t.diagnostic('| project | check | expected | pkg2os |');
  t.diagnostic('|---|---|---|---|');
  for (const r of rows) t.diagnostic(`| ${r.project} | ${r.check} | ${r.expected} | ${r.got} |`);
}

describe('acceptance: corpus signatures (GnuPG-made)', { skip: corpusMissing }, () => {
  it('every signed distribution verifies with its key, and is refused with a flipped byte or another project\'s key', async (t) => {
    const signedEntries = corpusManifest().filter((e) => e.signed);
    assert.ok(signedEntries.length >= 1, 'the corpus has signed distributions');
    const rows: Row[] = [];
    for (const entry of signedEntries) {
      const data = await readFile(join(CORPUS, 'index', 'files', entry.filename));
      const signature = await readFile(join(CORPUS, 'index', 'files', `${entry.filename}.asc`));
      const own = keyFile(entry.name);
      rows.push({ project: entry.name, check: 'own key', expected: `good ${entry.signer}`, got: await verdict(data, signature, own) });
      for (const at of [0, Math.floor(data.length / 2), data.length - 1]) {
        rows.push({ project: entry.name, check: `sdist byte ${at} flipped`, expected: 'refused', got: await verdict(flipByte(data, at), signature, own) });
      }
      const armored = signature.toString('utf8').includes('BEGIN PGP');
      const flippedSignature = armored ? flipArmoredByte(signature) : flipByte(signature, signature.length - 10);
      rows.push({ project: entry.name, check: 'signature byte flipped', expected: 'refused', got: await verdict(data, flippedSignature, own) });
      for (const other of signedEntries.filter((o) => o.name !== entry.name)) {
        rows.push({ project: entry.name, check: `${other.name}'s key`, expected: 'refused', got: await verdict(data, signature, keyFile(other.name)) });
      }
    }
    table(t, rows);
    for (const r of rows) {
      if (r.expected === 'refused') assert.match(r.got, /^refused /, `${r.project}: ${r.check}`);
      else assert.equal(r.got, r.expected, `${r.project}: ${r.check}`);
    }
  });

  describe('pkg2os build with the corpus keys pinned', () => {
    const server = new StaticServer(join(CORPUS, 'index'));
    before(() => server.start());
    after(() => server.stop());

    it('builds every signed distribution under "required", recording its signer in report.json and pkg2os.lock', async () => {
      for (const entry of corpusManifest().filter((e) => e.signed)) {
        const dir = await mkdtemp(join(tmpdir(), 'pkg2os-corpus-sig-'));
        const env = { PKG2OS_KEYS_DIR: join(dir, 'keys') };
        assert.equal((await pkg2os(['keys', 'add', entry.name, keyFile(entry.name)], env, dir)).exitCode, 0);
        const result = await pkg2os(['build', entry.name, '--index-url', server.url('simple/'), '--out', join(dir, 'out'), '--signature-policy', 'required', '--format', 'deb', '--json'], env, dir);
        assert.equal(result.exitCode, 0, `${entry.name}: ${result.stderr}`);
        const signature = JSON.parse(result.stdout).packages[0].verification.checks.find((c: { kind: string }) => c.kind === 'signature');
        assert.equal(signature.detail.signer, entry.signer);
        assert.match(await readFile(join(dir, 'pkg2os.lock'), 'utf8'), new RegExp(`signer: ${entry.signer}`));
      }
    });
  });
});

describe('acceptance: real Debian archive signatures (pgp-real/)', { skip: corpusMissing }, () => {
  const dir = join(CORPUS, 'pgp-real');
  const gpgvVerdict = async (data: Uint8Array, signature: Uint8Array): Promise<'good' | 'refused'> => {
    const tmp = await mkdtemp(join(tmpdir(), 'pkg2os-gpgv-'));
    const keyring = join(tmp, 'keyring.gpg');
    await execa('sh', ['-c', 'gpg --dearmor < "$1" > "$2"', 'sh', join(dir, 'debian-archive-keyring.asc'), keyring]);
    await writeFile(join(tmp, 'data'), data);
    await writeFile(join(tmp, 'sig'), signature);
    const r = await execa('gpgv', ['--keyring', keyring, join(tmp, 'sig'), join(tmp, 'data')], { reject: false });
    return r.exitCode === 0 ? 'good' : 'refused';
  };

  it('pkg2os and gpgv reach the same verdict on Release/Release.gpg, as published and with single bytes flipped', async (t) => {
    const data = await readFile(join(dir, 'bookworm-updates-Release'));
    const signature = await readFile(join(dir, 'bookworm-updates-Release.gpg'));
    const keyring = join(dir, 'debian-archive-keyring.asc');
    const cases: Array<[string, Uint8Array]> = [['as published', data], ...[0, 1000, data.length - 2].map((at): [string, Uint8Array] => [`byte ${at} flipped`, flipByte(data, at)])];
    const rows: Row[] = [];
    for (const [label, bytes] of cases) {
      const reference = await gpgvVerdict(bytes, signature);
      const ours = await verdict(bytes, signature, keyring);
      rows.push({ project: 'bookworm-updates Release', check: label, expected: `gpgv: ${reference}`, got: ours });
      assert.equal(ours.split(' ')[0], reference, `${label}: gpgv says ${reference}, pkg2os says ${ours}`);
    }
    table(t, rows);
    if (rows[0]!.expected === 'gpgv: refused') {
      t.diagnostic('note: gpgv itself reports a BAD signature on the Release file as shipped in the corpus (its Date is later than the signature\'s), so "as published" is a refusal for both');
    }
  });

  it('reads every key of the Debian archive keyring', async () => {
    const keys = await readPublicKeys(await readFile(join(dir, 'debian-archive-keyring.asc')), 'debian-archive-keyring.asc');
    assert.ok(keys.length >= 5);
    const signature = await readFile(join(dir, 'bookworm-updates-Release.gpg'));
    const issuers = (await execa('gpg', ['--list-packets'], { input: signature, reject: false })).stdout.match(/issuer fpr v4 ([0-9A-F]{40})/g) ?? [];
    assert.ok(issuers.length >= 1);
    for (const issuer of issuers) {
      const fpr = issuer.split(' ').pop()!;
      assert.ok(keys.some((k) => k.getKeys().some((sub) => sub.getFingerprint().toUpperCase() === fpr)), `the keyring holds the signing key ${fpr}`);
    }
  });
});
