/**
 * The nightly job: `pkg2os rebuild` from pkg2os.config.yaml. A second run
 * with nothing changed builds nothing and republishes nothing; a corrupt
 * cache entry is found and rebuilt; a new upstream version builds only that.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IndexServer } from '../support/index-server.js';
import { pkg2os, type CliResult } from '../support/run-cli.js';
import { makeSdist } from '../support/sdist-fixtures.js';

const server = new IndexServer();
let dir: string;
const repo = () => join(dir, 'repo');
const rebuild = (...extra: string[]): Promise<CliResult> => pkg2os(['rebuild', '--json', ...extra], {}, dir);
const snapshot = async () => ({
  inRelease: await readFile(join(repo(), 'deb/dists/bookworm/InRelease')),
  repomd: await readFile(join(repo(), 'rpm/repodata/repomd.xml')),
  repomdAsc: await readFile(join(repo(), 'rpm/repodata/repomd.xml.asc')),
});

before(async () => {
  server.add('nightly-one', await makeSdist({ name: 'nightly-one', version: '1.0', dependencies: ['nightly-two'] }));
  server.add('nightly-two', await makeSdist({ name: 'nightly-two', version: '1.0' }));
  await server.start();
  dir = await mkdtemp(join(tmpdir(), 'pkg2os-nightly-'));
  await mkdir(repo());
  const key = await pkg2os(['keys', 'generate', '--name', 'Nightly', '--email', 'nightly@example.org', '--out', join(dir, 'key'), '--type', 'ed25519'], {}, dir);
  assert.equal(key.exitCode, 0, key.stderr);
  await writeFile(join(dir, 'requirements.txt'), '# what the organization runs\nnightly-one\n');
  await writeFile(
    join(dir, 'pkg2os.config.yaml'),
    [`index-url: ${server.url}`, 'requirements-file: requirements.txt', `repo: ${repo()}`, `signing-key: ${join(dir, 'key', 'private.asc')}`, 'maintainer: Nightly <nightly@example.org>', 'out: out', `cache-dir: ${join(dir, 'cache')}`, 'jobs: 2', ''].join('\n'),
  );
});
after(() => server.stop());

describe('pkg2os rebuild', () => {
  let first: { summary: { built: number; reused: number; pagesNotModified: number } };

  it('builds the closure of the manifest and publishes it', async () => {
    const result = await rebuild();
    assert.equal(result.exitCode, 0, result.stderr);
    first = JSON.parse(result.stdout);
    assert.deepEqual(first.summary, { built: 4, reused: 0, failed: 0, corruptCacheEntries: 0, pagesNotModified: 0 });
    assert.deepEqual((await readdir(join(repo(), 'rpm/Packages'))).sort(), ['python3-nightly-one-1.0-1.noarch.rpm', 'python3-nightly-two-1.0-1.noarch.rpm']);
  });

  it('with nothing changed, runs no Python build and republishes nothing', async () => {
    const before = await snapshot();
    const result = await rebuild('-v');
    assert.equal(result.exitCode, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.deepEqual(report.summary, { built: 0, reused: 4, failed: 0, corruptCacheEntries: 0, pagesNotModified: 2 }, 'one conditional request per project, answered 304');
    assert.doesNotMatch(result.stderr, /building the wheel|downloading/, 'no download, no Python');
    assert.deepEqual(await snapshot(), before, 'InRelease and repomd.xml are unchanged');
    assert.equal(report.packages.find((p: { project: string }) => p.project === 'nightly-one').sdist.sha256.length, 64, 'the report still says which bytes it came from');
  });

  it('finds a corrupt cache entry, evicts it and rebuilds, converging on the same repository', async () => {
    const before = await snapshot();
    // Damage one cached package file.
    const cacheFiles = await readdir(join(dir, 'cache', 'package'), { recursive: true });
    const cached = join(dir, 'cache', 'package', cacheFiles.find((f) => f.endsWith('.deb'))!);
    await writeFile(cached, 'not a deb any more');
    const result = await rebuild();
    assert.equal(result.exitCode, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.equal(report.summary.corruptCacheEntries, 1);
    assert.equal(report.summary.built, 1);
    assert.deepEqual((await snapshot()).inRelease, before.inRelease, 'the rebuilt .deb is bit-identical, so nothing is republished');
  });

  it('a new upstream version builds only that project, and the repository carries both versions', async () => {
    server.add('nightly-two', await makeSdist({ name: 'nightly-two', version: '1.1' }));
    const result = await rebuild('-v');
    assert.equal(result.exitCode, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.equal(report.summary.built, 2, 'deb and rpm of nightly-two 1.1');
    assert.match(result.stderr, /nightly-two 1\.1: building the wheel/);
    assert.doesNotMatch(result.stderr, /nightly-one 1\.0: building the wheel/);
    const packages = await readFile(join(repo(), 'deb/dists/bookworm/main/binary-amd64/Packages'), 'utf8');
    assert.match(packages, /^Package: python3-nightly-two\nVersion: 1\.0-1$/m);
    assert.match(packages, /^Package: python3-nightly-two\nVersion: 1\.1-1$/m);
  });

  it('refuses a manifest that names nothing (exit 2)', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'pkg2os-nightly-empty-'));
    await writeFile(join(empty, 'pkg2os.config.yaml'), `index-url: ${server.url}\n`);
    const result = await pkg2os(['rebuild'], {}, empty);
    assert.equal(result.exitCode, 2);
    assert.match(result.stderr, /names no requirements to rebuild/);
  });
});
