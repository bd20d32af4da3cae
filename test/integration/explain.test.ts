/**
 * `pkg2os explain`: a repository built with --repo from an attested sdist
 * whose build backend came verified from the index, then explained link by
 * link from the repository's own records: the signed index that lists the
 * package, the file, the upstream file with every verdict (the Trusted
 * Publisher and its commit), the build requirements with theirs, the recipe,
 * the environment. Its JSON validates against schemas/explain.schema.json.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeProjectSdist, makeWheel, miniBackend } from '../support/backend-fixtures.js';
import { IndexServer, sha256 } from '../support/index-server.js';
import { validReport } from '../support/report-schema.js';
import { pkg2os } from '../support/run-cli.js';
import { TestSigstore, provenanceObject } from '../support/sigstore-fixtures.js';

const index = new IndexServer();
let dir: string;
let repo: string;
let sdistSha: string;

before(async () => {
  const sigstore = await TestSigstore.create();
  index.add('fixturebackend', await makeWheel({ name: 'fixturebackend', version: '2.0', files: { 'fixturebackend/__init__.py': miniBackend() } }));
  const sdist = await makeProjectSdist({ name: 'explained', version: '1.0', requires: ['fixturebackend>=2'], backend: 'fixturebackend' });
  sdistSha = sha256(sdist.body);
  const attestation = await sigstore.attest({ filename: sdist.filename, sha256: sdistSha }, { repository: 'pkg2os-fixtures/explained', commit: 'c'.repeat(40), ref: 'refs/tags/1.0' });
  index.add('explained', { ...sdist, provenance: Buffer.from(JSON.stringify(provenanceObject([attestation], 'pkg2os-fixtures/explained'))) });
  await index.start();
  dir = await mkdtemp(join(tmpdir(), 'pkg2os-explain-'));
  repo = join(dir, 'repo');
  await mkdir(join(dir, 'keys/.sigstore'), { recursive: true });
  await writeFile(join(dir, 'keys/.sigstore/trusted_root.json'), JSON.stringify(sigstore.trustedRoot()));
  assert.equal((await pkg2os(['trust', 'add', 'explained', 'github:pkg2os-fixtures/explained:release.yml', '--keys-dir', join(dir, 'keys')])).exitCode, 0);
  assert.equal((await pkg2os(['keys', 'generate', '--name', 'Explain Org', '--email', 'e@example.org', '--out', join(dir, 'key'), '--type', 'ed25519'])).exitCode, 0);
  const built = await pkg2os(['build', 'explained', '--target', 'debian-12,el9', '--index-url', index.url, '--out', join(dir, 'out'), '--repo', repo, '--key', join(dir, 'key/private.asc'), '--keys-dir', join(dir, 'keys'), '--lockfile', join(dir, 'pkg2os.lock')], {}, dir);
  assert.equal(built.exitCode, 0, built.stderr);
});
after(() => index.stop());

describe('pkg2os explain', () => {
  it('shows every link behind the published .deb and .rpm, and its JSON validates against the published schema', async () => {
    const result = await pkg2os(['explain', 'explained', '--repo', repo, '--json']);
    assert.equal(result.exitCode, 0, result.stderr);
    const report = validReport<{ key: string; packages: Array<{ listed: Record<string, string>; record: Record<string, any> }> }>('explain', result.stdout);
    assert.deepEqual(report.packages.map((p) => `${p.listed.target} ${p.listed.name} ${p.listed.version} ${p.listed.index}`).sort(), [
      'debian-12 python3-explained 1.0-1~deb12 deb/dists/bookworm/InRelease',
      'el9 python3-explained 1.0-1.el9 rpm/el9/repodata/repomd.xml.asc',
    ]);
    for (const { listed, record } of report.packages) {
      assert.equal(listed.signedBy, report.key);
      assert.equal(createHash('sha256').update(await readFile(join(repo, listed.file!))).digest('hex'), listed.sha256, 'the listed sha256 is the file\'s');
      assert.equal(record.upstream.sdist.sha256, sdistSha);
      const provenance = record.upstream.verification.checks.find((c: { kind: string }) => c.kind === 'provenance');
      assert.equal(provenance.detail.publisher, 'github:pkg2os-fixtures/explained:release.yml');
      assert.equal(provenance.detail.commit, 'c'.repeat(40));
      const [backend] = record.upstream.build.requirements;
      assert.equal(`${backend.project} ${backend.version} ${backend.source}`, 'fixturebackend 2.0 index-wheel');
      assert.deepEqual(backend.checks.map((c: { kind: string; result: string }) => `${c.kind}:${c.result}`), ['hash:pass', 'signature:skipped', 'provenance:skipped', 'lockfile:pass']);
      assert.equal(record.upstream.recipe.file, null);
      assert.match(record.environment.pkg2os, /\d/);
    }
  });

  it('prints the chain for people, by project or package name, narrowed by target', async () => {
    const result = await pkg2os(['explain', 'python3-explained', '--repo', repo, '--target', 'debian-12']);
    assert.equal(result.exitCode, 0, result.stderr);
    for (const line of [/^python3-explained 1\.0-1~deb12 \(all\) for debian-12$/m, /listed by {4}deb\/dists\/bookworm\/InRelease, signed by [0-9A-F]{40} \(gpgv: good\)/, /built from {3}explained 1\.0: explained-1\.0\.tar\.gz, sha256 [0-9a-f]{64}/, /provenance {3}good: attested by github:pkg2os-fixtures\/explained:release\.yml/, /commit c{40}/, /fixturebackend>=2: fixturebackend 2\.0 from index-wheel/, /lockfile {5}recorded in /]) assert.match(result.stdout, line);
    assert.doesNotMatch(result.stdout, /el9/);
  });

  it('says so when a package is listed without a build record, and refuses one that is not listed', async () => {
    const bare = join(dir, 'bare');
    const deb = join(dir, 'out/deb/python3-explained_1.0-1~deb12_all.deb');
    assert.equal((await pkg2os(['publish', '--repo', bare, deb, '--key', join(dir, 'key/private.asc')])).exitCode, 0);
    const result = await pkg2os(['explain', 'explained', '--repo', bare]);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, /build record none: this file was published without one/);
    // --from with the build's report.json keeps the record.
    const fromOut = join(dir, 'from-out');
    assert.equal((await pkg2os(['publish', '--repo', fromOut, '--from', join(dir, 'out'), '--key', join(dir, 'key/private.asc')])).exitCode, 0);
    assert.match((await pkg2os(['explain', 'explained', '--repo', fromOut])).stdout, /provenance {3}good/);
    const missing = await pkg2os(['explain', 'nothing-here', '--repo', repo]);
    assert.equal(missing.exitCode, 2);
    assert.match(missing.stderr, /list no package nothing-here or python3-nothing-here/);
    assert.match(missing.stderr, /It lists: python3-explained 1\.0-1~deb12 \(debian-12\)/);
  });
});
