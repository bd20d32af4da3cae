/**
 * Upstream signatures, pinned keys and the lockfile through the real CLI:
 * a loopback index serves signed fixture sdists; every refusal exits 3 and
 * leaves <out> untouched.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IndexServer } from '../support/index-server.js';
import { type TestKey, flipArmoredByte, flipByte, makeKey, sign } from '../support/pgp.js';
import { type CliResult, pkg2os } from '../support/run-cli.js';
import { makeSdist } from '../support/sdist-fixtures.js';

const server = new IndexServer();
let good: TestKey;
let wrong: TestKey;
let successor: TestKey;
let signed: { filename: string; body: Buffer };

/** A working directory with its own keys dir, lockfile and out dir. */
async function workspace(pinned: Array<[string, TestKey]> = []): Promise<{ dir: string; out: string; env: Record<string, string> }> {
  const dir = await mkdtemp(join(tmpdir(), 'pkg2os-sig-'));
  const env = { PKG2OS_KEYS_DIR: join(dir, 'keys') };
  for (const [project, key] of pinned) {
    const file = join(dir, `${project}-${key.fingerprint}.asc`);
    await writeFile(file, key.publicArmored);
    const added = await pkg2os(['keys', 'add', project, file], env, dir);
    assert.equal(added.exitCode, 0, added.stderr);
    assert.ok(added.stdout.includes(key.fingerprint));
  }
  return { dir, out: join(dir, 'out'), env };
}

function refused(result: CliResult, code: RegExp, out: string): void {
  assert.equal(result.exitCode, 3, result.stderr);
  assert.match(result.stderr, code);
  assert.doesNotMatch(result.stderr, /^\s+at .*:\d+:\d+\)?$/m);
  assert.equal(existsSync(out), false, 'nothing is written to <out>');
}

const build = (project: string, ws: { dir: string; out: string; env: Record<string, string> }, ...extra: string[]) =>
  pkg2os(['build', project, '--index-url', server.url, '--out', ws.out, '--format', 'deb', ...extra], ws.env, ws.dir);

before(async () => {
  [good, wrong, successor] = await Promise.all([makeKey({ type: 'rsa', name: 'Fixture Releaser' }), makeKey({ name: 'Mallory' }), makeKey({ name: 'New Releaser' })]);
  signed = await makeSdist({ name: 'signed-fixture', version: '1.0' });
  server.add('signed-fixture', { ...signed, signature: await sign(signed.body, good) });
  // The index is on the attacker's side here: it serves an altered file and publishes that file's hash.
  const f = await makeSdist({ name: 'flipped-sdist', version: '1.0' });
  server.add('flipped-sdist', { filename: f.filename, body: flipByte(f.body, f.body.length - 30), signature: await sign(f.body, good) });
  const g = await makeSdist({ name: 'flipped-asc', version: '1.0' });
  server.add('flipped-asc', { ...g, signature: flipArmoredByte(await sign(g.body, good)) });
  server.add('unsigned-fixture', await makeSdist({ name: 'unsigned-fixture', version: '1.0' }));
  const m = await makeSdist({ name: 'mutable', version: '1.0' });
  server.add('mutable', { ...m, signature: await sign(m.body, good) });
  await server.start();
});
after(() => server.stop());

describe('building signed sdists', () => {
  it('builds when the signer is pinned, and reports every check', async () => {
    const ws = await workspace([['signed-fixture', good]]);
    const result = await build('signed-fixture', ws);
    assert.equal(result.exitCode, 0, result.stderr);
    const report = JSON.parse(await readFile(join(ws.out, 'report.json'), 'utf8'));
    const checks = Object.fromEntries(report.packages[0].verification.checks.map((c: { kind: string }) => [c.kind, c]));
    assert.equal(checks.hash.result, 'pass');
    assert.equal(checks.signature.result, 'pass');
    assert.equal(checks.signature.detail.signer, good.fingerprint);
    assert.match(checks.signature.detail.userId, /Fixture Releaser/);
    assert.match(checks.signature.detail.signatureSha256, /^[0-9a-f]{64}$/);
    assert.ok(checks.signature.detail.signatureTime);
    assert.equal(checks.lockfile.detail.status, 'recorded');
    const lock = await readFile(join(ws.dir, 'pkg2os.lock'), 'utf8');
    assert.match(lock, new RegExp(`signed-fixture:[\\s\\S]*filename: signed_fixture-1\\.0\\.tar\\.gz[\\s\\S]*signer: ${good.fingerprint}`));
  });

  it('refuses a signature by another key (exit 3, nothing written)', async () => {
    const ws = await workspace([['signed-fixture', wrong]]);
    refused(await build('signed-fixture', ws), new RegExp(`signed by key ${good.fingerprint}.*not a key pinned`), ws.out);
  });

  it('refuses a signed sdist when no key is pinned, saying how to pin one', async () => {
    const ws = await workspace();
    const result = await build('signed-fixture', ws);
    refused(result, /no key is pinned for signed-fixture/, ws.out);
    assert.match(result.stderr, /pkg2os keys add signed-fixture KEY\.asc/);
  });

  it('refuses an sdist with one flipped byte even when the index vouches for it', async () => {
    const ws = await workspace([['flipped-sdist', good]]);
    refused(await build('flipped-sdist', ws), /The signature of flipped_sdist-1\.0\.tar\.gz by key [0-9A-F]{40} is not valid/, ws.out);
  });

  it('refuses a signature file with one flipped byte', async () => {
    const ws = await workspace([['flipped-asc', good]]);
    refused(await build('flipped-asc', ws), /signature of flipped_asc-1\.0\.tar\.gz/, ws.out);
  });

  it('refuses an unsigned sdist under "required", and builds it under "if-available"', async () => {
    const ws = await workspace();
    refused(await build('unsigned-fixture', ws, '--signature-policy', 'required'), /No signature is published for unsigned_fixture-1\.0\.tar\.gz/, ws.out);
    const ok = await build('unsigned-fixture', ws);
    assert.equal(ok.exitCode, 0, ok.stderr);
  });

  it('takes the policy and pinned fingerprint from a recipe', async () => {
    const ws = await workspace();
    const recipes = join(ws.dir, 'recipes');
    await mkdir(join(recipes, 'keys'), { recursive: true });
    await writeFile(join(recipes, 'keys', 'good.asc'), good.publicArmored);
    await writeFile(join(recipes, 'signed-fixture.yaml'), `signature: required\nupstream-keys: ["${good.fingerprint}"]\n`);
    await writeFile(join(recipes, 'unsigned-fixture.yaml'), 'signature: required\n');
    const result = await build('signed-fixture', ws, '--recipes-dir', recipes);
    assert.equal(result.exitCode, 0, result.stderr);
    refused(await build('unsigned-fixture', ws, '--recipes-dir', recipes, '--out', join(ws.dir, 'out2')), /policy for unsigned-fixture is "required"/, join(ws.dir, 'out2'));
  });
});

describe('the lockfile', () => {
  it('fails hard when upstream bytes change under a locked file name, even when re-signed by the pinned key', async () => {
    const ws = await workspace([['mutable', good]]);
    assert.equal((await build('mutable', ws)).exitCode, 0);
    const original = server.projects.get('mutable')!;
    const changed = await makeSdist({ name: 'mutable', version: '1.0', summary: 'quietly replaced' });
    server.projects.set('mutable', [{ ...changed, signature: await sign(changed.body, good) }]);
    try {
      const out = join(ws.dir, 'out-2');
      // The plan alone already says so, with the same exit code (it was 0).
      const dryRun = await pkg2os(['build', 'mutable', '--index-url', server.url, '--out', out, '--format', 'deb', '--dry-run'], ws.env, ws.dir);
      refused(dryRun, /Upstream artifact changed since it was locked/, out);
      const result = await pkg2os(['build', 'mutable', '--index-url', server.url, '--out', out, '--format', 'deb'], ws.env, ws.dir);
      refused(result, /Upstream artifact changed since it was locked/, out);
    } finally {
      server.projects.set('mutable', original);
    }
  });

  it('fails on a new signer unless --accept-new-signer, which records it', async () => {
    const ws = await workspace([['mutable', good], ['mutable', successor]]);
    assert.equal((await build('mutable', ws)).exitCode, 0);
    const original = server.projects.get('mutable')!;
    server.projects.set('mutable', [{ ...original[0]!, signature: await sign(original[0]!.body, successor) }]);
    try {
      const out = join(ws.dir, 'out-2');
      const result = await pkg2os(['build', 'mutable', '--index-url', server.url, '--out', out, '--format', 'deb'], ws.env, ws.dir);
      refused(result, new RegExp(`was signed by ${good.fingerprint} when it was locked, but is now signed by ${successor.fingerprint}`), out);
      const accepted = await pkg2os(['build', 'mutable', '--index-url', server.url, '--out', out, '--format', 'deb', '--accept-new-signer'], ws.env, ws.dir);
      assert.equal(accepted.exitCode, 0, accepted.stderr);
      assert.match(await readFile(join(ws.dir, 'pkg2os.lock'), 'utf8'), new RegExp(`signer: ${successor.fingerprint}`));
    } finally {
      server.projects.set('mutable', original);
    }
  });

  it('--frozen builds the locked version even when a newer one appears, and refuses what is not locked', async () => {
    const ws = await workspace();
    assert.equal((await build('unsigned-fixture', ws)).exitCode, 0);
    const lockBefore = await readFile(join(ws.dir, 'pkg2os.lock'), 'utf8');
    server.add('unsigned-fixture', await makeSdist({ name: 'unsigned-fixture', version: '2.0' }));
    try {
      const out = join(ws.dir, 'frozen-out');
      const result = await pkg2os(['build', 'unsigned-fixture', '--index-url', server.url, '--out', out, '--format', 'deb', '--frozen', '--json'], ws.env, ws.dir);
      assert.equal(result.exitCode, 0, result.stderr);
      assert.equal(JSON.parse(result.stdout).packages[0].version, '1.0');
      assert.equal(await readFile(join(ws.dir, 'pkg2os.lock'), 'utf8'), lockBefore, '--frozen never writes the lockfile');
      const other = join(ws.dir, 'frozen-out-2');
      refused(await pkg2os(['build', 'signed-fixture', '--index-url', server.url, '--out', other, '--format', 'deb', '--frozen'], ws.env, ws.dir), /signed-fixture is not in .*pkg2os\.lock, and --frozen/, other);
    } finally {
      server.projects.get('unsigned-fixture')!.pop();
    }
  });
});

describe('pkg2os verify', () => {
  let dir: string;
  let file: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pkg2os-verify-'));
    file = join(dir, signed.filename);
    await writeFile(file, signed.body);
    await writeFile(`${file}.asc`, await sign(signed.body, good));
    await writeFile(join(dir, 'good.asc'), good.publicArmored);
    await writeFile(join(dir, 'wrong.asc'), wrong.publicArmored);
  });

  it('prints signer, fingerprint, time and verdict, exit 0 for a good signature from the given key', async () => {
    const result = await pkg2os(['verify', file, '--key', join(dir, 'good.asc')], {}, dir);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, /signed by: +Fixture Releaser <release@example\.org>/);
    assert.ok(result.stdout.includes(`fingerprint: ${good.fingerprint}`));
    assert.match(result.stdout, /signed on: +\d{4}-\d\d-\d\dT/);
    assert.match(result.stdout, /verdict: +GOOD/);
  });

  it('uses the keys pinned for the project named by the file', async () => {
    const ws = await workspace([['signed-fixture', good]]);
    const result = await pkg2os(['verify', file], ws.env, dir);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, /keys pinned for signed-fixture/);
  });

  it('exit 3 for an unknown signer, a flipped byte, or a signature of another file', async () => {
    const unknown = await pkg2os(['verify', file, '--key', join(dir, 'wrong.asc')], {}, dir);
    assert.equal(unknown.exitCode, 3);
    assert.match(unknown.stdout, /verdict: +BAD \(UNKNOWN_SIGNER\)/);
    const tampered = join(dir, 'tampered.tar.gz');
    await writeFile(tampered, flipByte(signed.body));
    const bad = await pkg2os(['verify', tampered, '--signature', `${file}.asc`, '--key', join(dir, 'good.asc')], {}, dir);
    assert.equal(bad.exitCode, 3);
    assert.match(bad.stdout, /BAD \(BAD_SIGNATURE\)/);
    const json = await pkg2os(['verify', tampered, '--signature', `${file}.asc`, '--key', join(dir, 'good.asc'), '--json'], {}, dir);
    assert.equal(JSON.parse(json.stdout).verdict, 'bad');
  });

  it('refuses a missing signature file clearly (exit 2)', async () => {
    const result = await pkg2os(['verify', join(dir, 'good.asc'), '--key', join(dir, 'good.asc')], {}, dir);
    assert.equal(result.exitCode, 2);
    assert.match(result.stderr, /Cannot read the signature/);
  });
});
