/**
 * PEP 740 provenance end to end, with a Sigstore of the tests' own (a test
 * trusted root, certificates from @sigstore/mock's CA, entries in its Rekor
 * log): an index on 127.0.0.1 serves fixture sdists with their provenance
 * objects (PEP 691 `provenance`, PEP 503 `data-provenance`), and the real
 * CLI builds them, or refuses them with exit 3 and nothing written.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IndexServer, sha256 } from '../support/index-server.js';
import { validReport } from '../support/report-schema.js';
import { pkg2os } from '../support/run-cli.js';
import { makeSdist } from '../support/sdist-fixtures.js';
import { type AttestOptions, TestSigstore, provenanceObject } from '../support/sigstore-fixtures.js';

const json = new IndexServer({ mode: 'json' });
const html = new IndexServer({ mode: 'html' });
let sigstore: TestSigstore;
let dir: string;

/** Serve an sdist with a provenance object whose one attestation is made with `options` (or none). */
async function serve(name: string, version: string, options: AttestOptions | 'none' = {}, servers = [json]): Promise<{ filename: string; sha256: string }> {
  const sdist = await makeSdist({ name, version });
  const file = { filename: sdist.filename, sha256: sha256(sdist.body) };
  const repository = (options !== 'none' && options.repository) || `pkg2os-fixtures/${name}`;
  const provenance = options === 'none' ? undefined : Buffer.from(JSON.stringify(provenanceObject([await sigstore.attest(file, { repository, ...options })], repository)));
  for (const server of servers) server.add(name, { ...sdist, provenance });
  return file;
}

/** A keys directory with the test trusted root and `publishers` pinned. */
async function keysDir(publishers: Record<string, string[]> = {}): Promise<string> {
  const keys = await mkdtemp(join(dir, 'keys-'));
  await mkdir(join(keys, '.sigstore'));
  await writeFile(join(keys, '.sigstore/trusted_root.json'), JSON.stringify(sigstore.trustedRoot()));
  for (const [project, specs] of Object.entries(publishers)) for (const spec of specs) assert.equal((await pkg2os(['trust', 'add', project, spec, '--keys-dir', keys])).exitCode, 0);
  return keys;
}

const build = async (project: string, keys: string, ...extra: string[]) => {
  const out = join(await mkdtemp(join(dir, 'run-')), 'out');
  const result = await pkg2os(['build', project, '--index-url', json.url, '--out', out, '--keys-dir', keys, '--no-deps', '--json', ...extra], {}, dir);
  return { ...result, out };
};

const refused = (result: { exitCode: number; stderr: string; out: string }, message: RegExp) => {
  assert.equal(result.exitCode, 3, result.stderr);
  assert.match(result.stderr, message);
  assert.equal(existsSync(result.out), false, 'nothing was written');
};

before(async () => {
  sigstore = await TestSigstore.create();
  dir = await mkdtemp(join(tmpdir(), 'pkg2os-provenance-'));
  await serve('attested', '1.0', {}, [json, html]);
  await serve('forked', '1.0', { repository: 'someone-else/forked' });
  const other = await makeSdist({ name: 'wrong-file', version: '2.0' });
  await serve('wrong-file', '1.0', { subjectSha256: sha256(other.body) });
  await serve('expired', '1.0', { issuedAt: new Date(Date.now() - 3600_000) });
  await serve('bare', '1.0', 'none');
  await serve('moved', '1.0');
  await json.start();
  await html.start();
});
after(async () => {
  await json.stop();
  await html.stop();
});

describe('PEP 740 provenance', () => {
  it('builds a file attested by the pinned Trusted Publisher, and records the publisher and its source in the report and the lockfile', async () => {
    const keys = await keysDir({ attested: ['github:pkg2os-fixtures/attested:release.yml'] });
    const lockfile = join(await mkdtemp(join(dir, 'lock-')), 'pkg2os.lock');
    const result = await build('attested', keys, '--lockfile', lockfile);
    assert.equal(result.exitCode, 0, result.stderr);
    const check = validReport('report', result.stdout).packages[0].verification.checks.find((c: { kind: string }) => c.kind === 'provenance');
    assert.equal(check.result, 'pass');
    assert.equal(check.detail.publisher, 'github:pkg2os-fixtures/attested:release.yml');
    assert.equal(check.detail.repository, 'https://github.com/pkg2os-fixtures/attested');
    assert.equal(check.detail.commit, 'a'.repeat(40));
    assert.equal(check.detail.predicateType, 'https://docs.pypi.org/attestations/publish/v1');
    assert.match(check.detail.trustedRoot.source, /trusted_root\.json$/);
    const lock = await readFile(lockfile, 'utf8');
    assert.match(lock, /publisher: github:pkg2os-fixtures\/attested:release\.yml/);
    assert.match(lock, /commit: a{40}/);
  });

  it('reads data-provenance from a PEP 503 HTML index the same way', async () => {
    const keys = await keysDir({ attested: ['github:pkg2os-fixtures/attested:release.yml'] });
    const out = join(await mkdtemp(join(dir, 'run-')), 'out');
    const result = await pkg2os(['build', 'attested', '--index-url', html.url, '--out', out, '--keys-dir', keys, '--no-deps', '--json', '--no-lockfile'], {}, dir);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(validReport('report', result.stdout).packages[0].verification.checks.find((c: { kind: string }) => c.kind === 'provenance').result, 'pass');
  });

  it('stops when no publisher is pinned, naming the publisher and the exact command that pins it (exit 3)', async () => {
    const result = await build('attested', await keysDir(), '--no-lockfile');
    refused(result, /attested-1\.0\.tar\.gz is attested by github:pkg2os-fixtures\/attested:release\.yml, ref refs\/tags\/v1\.0, commit a{40}, but no Trusted Publisher is pinned for attested/);
    assert.match(result.stderr, /pkg2os trust add attested github:pkg2os-fixtures\/attested:release\.yml/);
  });

  it('refuses a release attested by another repository than the pinned one (exit 3)', async () => {
    refused(await build('forked', await keysDir({ forked: ['github:pkg2os-fixtures/forked:release.yml'] }), '--no-lockfile'), /attested by github:someone-else\/forked:release\.yml.*which is not a Trusted Publisher pinned for forked/);
  });

  it('refuses an attestation of another file (its subject\'s sha256 is not the file\'s) (exit 3)', async () => {
    refused(await build('wrong-file', await keysDir({ 'wrong-file': ['github:pkg2os-fixtures/wrong-file:release.yml'] }), '--no-lockfile'), /its subject's sha256 is [0-9a-f]{64}, and the file's is [0-9a-f]{64}/);
  });

  it('refuses a certificate that had expired when the log entry was made (exit 3)', async () => {
    refused(await build('expired', await keysDir({ expired: ['github:pkg2os-fixtures/expired:release.yml'] }), '--no-lockfile'), /does not verify: CERTIFICATE_ERROR/);
  });

  it('under "required" refuses a file without provenance; under "if-available" builds it and says none was published', async () => {
    const keys = await keysDir();
    refused(await build('bare', keys, '--no-lockfile', '--provenance-policy', 'required'), /publishes no PEP 740 provenance for bare-1\.0\.tar\.gz, and the provenance policy for bare is "required"/);
    const ok = await build('bare', keys, '--no-lockfile');
    assert.equal(ok.exitCode, 0, ok.stderr);
    assert.deepEqual(validReport('report', ok.stdout).packages[0].verification.checks.find((c: { kind: string }) => c.kind === 'provenance').detail, { policy: 'if-available', reason: 'the index publishes no provenance for this file' });
  });

  it('fails hard when a later release comes from another publisher, or without provenance, unless --accept-new-publisher', async () => {
    const keys = await keysDir({ moved: ['github:pkg2os-fixtures/moved:release.yml', 'github:pkg2os-fixtures/moved-elsewhere:publish.yml'] });
    const lockfile = join(await mkdtemp(join(dir, 'lock-')), 'pkg2os.lock');
    assert.equal((await build('moved', keys, '--lockfile', lockfile)).exitCode, 0);
    // 1.1 is published by the other pinned workflow, 1.2 with no provenance at all.
    await serve('moved', '1.1', { repository: 'pkg2os-fixtures/moved-elsewhere', workflow: 'publish.yml' });
    const changed = await build('moved==1.1', keys, '--lockfile', lockfile);
    refused(changed, /moved-1\.1\.tar\.gz was published by github:pkg2os-fixtures\/moved-elsewhere:publish\.yml, but github:pkg2os-fixtures\/moved:release\.yml \(moved-1\.0\.tar\.gz\) published the releases locked before/);
    assert.match(changed.stderr, /--accept-new-publisher/);
    const accepted = await build('moved==1.1', keys, '--lockfile', lockfile, '--accept-new-publisher');
    assert.equal(accepted.exitCode, 0, accepted.stderr);
    await serve('moved', '1.2', 'none');
    refused(await build('moved==1.2', keys, '--lockfile', lockfile), /moved-1\.2\.tar\.gz carries no verified provenance, but github:pkg2os-fixtures\/moved-elsewhere:publish\.yml/);
  });

  it('keeps the verdict through the cache, and checks the provenance object again (a changed one means verifying again)', async () => {
    const keys = await keysDir({ attested: ['github:pkg2os-fixtures/attested:release.yml'] });
    const cache = await mkdtemp(join(dir, 'cache-'));
    const first = await build('attested', keys, '--no-lockfile', '--cache-dir', cache);
    assert.equal(first.exitCode, 0, first.stderr);
    const again = await build('attested', keys, '--no-lockfile', '--cache-dir', cache, '-v');
    assert.equal(again.exitCode, 0, again.stderr);
    assert.match(again.stderr, /verified and read before \(cache\)/);
    const check = validReport('report', again.stdout).packages[0].verification.checks.find((c: { kind: string }) => c.kind === 'provenance');
    assert.equal(check.detail.publisher, 'github:pkg2os-fixtures/attested:release.yml');
    // Unpinned now: the cached verdict does not stand (the pins are part of its key).
    refused(await build('attested', await keysDir(), '--no-lockfile', '--cache-dir', cache), /no Trusted Publisher is pinned for attested/);
  });
});
