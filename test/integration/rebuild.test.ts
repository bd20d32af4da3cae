/**
 * The nightly job: `pkg2os rebuild` from pkg2os.config.yaml. A second run
 * with nothing changed builds nothing and republishes nothing; a corrupt
 * cache entry is found and rebuilt; a new upstream version builds only that.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IndexServer } from '../support/index-server.js';
import { pkg2os, type CliResult } from '../support/run-cli.js';
import { makeSdist } from '../support/sdist-fixtures.js';
import { validReport } from '../support/report-schema.js';

const server = new IndexServer();
let dir: string;
const repo = () => join(dir, 'repo');
const rebuild = (...extra: string[]): Promise<CliResult> => pkg2os(['rebuild', '--json', ...extra], {}, dir);
const snapshot = async () => ({
  inRelease: await readFile(join(repo(), 'deb/dists/bookworm/InRelease')),
  repomd: await readFile(join(repo(), 'rpm/el9/repodata/repomd.xml')),
  repomdAsc: await readFile(join(repo(), 'rpm/el9/repodata/repomd.xml.asc')),
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
  await writeConfig();
});

const writeConfig = (...extra: string[]) =>
  writeFile(
    join(dir, 'pkg2os.config.yaml'),
    [`index-url: ${server.url}`, 'requirements-file: requirements.txt', `repo: ${repo()}`, `signing-key: ${join(dir, 'key', 'private.asc')}`, 'maintainer: Nightly <nightly@example.org>', 'out: out', `cache-dir: ${join(dir, 'cache')}`, 'jobs: 2', 'targets: [debian-12, el9]', ...extra, ''].join('\n'),
  );

/** The versions apt's Packages index lists for a package. */
async function aptVersions(pkg: string): Promise<string[]> {
  const text = await readFile(join(repo(), 'deb/dists/bookworm/main/binary-amd64/Packages'), 'utf8');
  return [...text.matchAll(new RegExp(`^Package: ${pkg}\nVersion: (\\S+)$`, 'gm'))].map((m) => m[1]!).sort();
}

/** The rpm files yum's primary metadata lists for a package. */
async function yumFiles(pkg: string): Promise<string[]> {
  const repomd = await readFile(join(repo(), 'rpm/el9/repodata/repomd.xml'), 'utf8');
  const primary = /<data type="primary">[\s\S]*?<location href="([^"]+)"/.exec(repomd)![1]!;
  const xml = execFileSync('xz', ['-dc', join(repo(), 'rpm/el9', primary)], { encoding: 'utf8' });
  return [...xml.matchAll(/<location href="Packages\/([^"]+)"/g)].map((m) => m[1]!).filter((f) => f.startsWith(`${pkg}-`)).sort();
}

const pool = async (sub: string) => (await readdir(join(repo(), sub), { recursive: true })).map(String).filter((f) => /\.(deb|rpm)$/.test(f)).map((f) => f.split('/').pop()!).sort();
after(() => server.stop());

describe('pkg2os rebuild', () => {
  let first: { summary: { built: number; reused: number; pagesNotModified: number } };

  it('builds the closure of the manifest and publishes it', async () => {
    const result = await rebuild();
    assert.equal(result.exitCode, 0, result.stderr);
    first = validReport('report', result.stdout);
    assert.deepEqual(first.summary, { built: 4, reused: 0, failed: 0, corruptCacheEntries: 0, pagesNotModified: 0 });
    assert.deepEqual((await readdir(join(repo(), 'rpm/el9/Packages'))).sort(), ['python3-nightly-one-1.0-1.el9.noarch.rpm', 'python3-nightly-two-1.0-1.el9.noarch.rpm']);
  });

  it('with nothing changed, runs no Python build and republishes nothing', async () => {
    const before = await snapshot();
    const result = await rebuild('-v');
    assert.equal(result.exitCode, 0, result.stderr);
    const report = validReport('report', result.stdout);
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
    const report = validReport('report', result.stdout);
    assert.equal(report.summary.corruptCacheEntries, 1);
    // Said in the log too, once, not only in report.json.
    assert.equal(result.stderr.match(/warning: the cache entry package\/[0-9a-f]{12}… does not verify/g)?.length, 1, result.stderr);
    assert.equal(report.summary.built, 1);
    assert.deepEqual((await snapshot()).inRelease, before.inRelease, 'the rebuilt .deb is bit-identical, so nothing is republished');
  });

  it('a new upstream version builds only that project, and the repository carries both versions', async () => {
    server.add('nightly-two', await makeSdist({ name: 'nightly-two', version: '1.1' }));
    const result = await rebuild('-v');
    assert.equal(result.exitCode, 0, result.stderr);
    const report = validReport('report', result.stdout);
    assert.equal(report.summary.built, 2, 'deb and rpm of nightly-two 1.1');
    assert.match(result.stderr, /nightly-two 1\.1: building the wheel/);
    assert.doesNotMatch(result.stderr, /nightly-one 1\.0: building the wheel/);
    const packages = await readFile(join(repo(), 'deb/dists/bookworm/main/binary-amd64/Packages'), 'utf8');
    assert.match(packages, /^Package: python3-nightly-two\nVersion: 1\.0-1~deb12$/m);
    assert.match(packages, /^Package: python3-nightly-two\nVersion: 1\.1-1~deb12$/m);
  });

  it('a rebuild of the same version from changed inputs gets the next release; the old build leaves the indices', async () => {
    await mkdir(join(dir, 'recipes'));
    await writeFile(join(dir, 'recipes', 'nightly-one.yaml'), 'env:\n  NIGHTLY_FLAVOUR: "2"\n');
    await writeConfig('recipes-dir: recipes');
    const result = await rebuild('-v');
    assert.equal(result.exitCode, 0, result.stderr);
    const report = validReport('report', result.stdout);
    assert.equal(report.summary.built, 2, 'deb and rpm of nightly-one, nothing else');
    const one = report.packages.filter((p: { project: string }) => p.project === 'nightly-one');
    assert.deepEqual(one.flatMap((p: { packages: Array<{ release: number }> }) => p.packages.map((f) => f.release)), [2, 2]);
    assert.deepEqual(await aptVersions('python3-nightly-one'), ['1.0-2~deb12'], 'release 1 left the indices at once');
    assert.deepEqual(await yumFiles('python3-nightly-one'), ['python3-nightly-one-1.0-2.el9.noarch.rpm']);
    assert.ok((await pool('deb/pool')).includes('python3-nightly-one_1.0-1~deb12_all.deb'), 'but stays in the pool for clients holding the previous index');
    const ledger = JSON.parse(await readFile(join(repo(), '.pkg2os/releases.json'), 'utf8'));
    assert.equal(ledger['debian-12 deb python3-nightly-one 1.0'].release, 2);

    // The same inputs again: the same release, from the cache, nothing republished.
    const before = await snapshot();
    const again = await rebuild();
    assert.equal(again.exitCode, 0, again.stderr);
    assert.equal(validReport('report', again.stdout).summary.built, 0);
    assert.deepEqual(await snapshot(), before);
  });

  it('keeps the newest 3 versions: older ones leave the indices at once and the pool after the retention window', async () => {
    for (const version of ['1.2', '1.3']) {
      server.add('nightly-two', await makeSdist({ name: 'nightly-two', version }));
      const result = await rebuild();
      assert.equal(result.exitCode, 0, result.stderr);
    }
    assert.deepEqual(await aptVersions('python3-nightly-two'), ['1.1-1~deb12', '1.2-1~deb12', '1.3-1~deb12']);
    assert.deepEqual(await yumFiles('python3-nightly-two'), ['python3-nightly-two-1.1-1.el9.noarch.rpm', 'python3-nightly-two-1.2-1.el9.noarch.rpm', 'python3-nightly-two-1.3-1.el9.noarch.rpm']);
    assert.ok((await pool('deb/pool')).includes('python3-nightly-two_1.0-1~deb12_all.deb'), 'within the window the pool keeps 1.0');
    assert.ok((await pool('rpm/el9/Packages')).includes('python3-nightly-two-1.0-1.el9.noarch.rpm'));

    // A one-second window has passed and only the newest snapshot is kept (it lists neither): the next run (nothing else changed) removes the retired files.
    await writeConfig('recipes-dir: recipes', 'retention:', '  versions: 3', '  window: 1s', 'keep-snapshots: 1');
    await new Promise((r) => setTimeout(r, 1100));
    const result = await rebuild();
    assert.equal(result.exitCode, 0, result.stderr);
    const published = validReport('report', result.stdout).published;
    assert.deepEqual([...published.apt[0].removed].sort(), ['pool/main/p/python3-nightly-one/python3-nightly-one_1.0-1~deb12_all.deb', 'pool/main/p/python3-nightly-two/python3-nightly-two_1.0-1~deb12_all.deb']);
    assert.deepEqual([...published.yum[0].removed].sort(), ['Packages/python3-nightly-one-1.0-1.el9.noarch.rpm', 'Packages/python3-nightly-two-1.0-1.el9.noarch.rpm']);
    assert.deepEqual(await pool('deb/pool'), ['python3-nightly-one_1.0-2~deb12_all.deb', 'python3-nightly-two_1.1-1~deb12_all.deb', 'python3-nightly-two_1.2-1~deb12_all.deb', 'python3-nightly-two_1.3-1~deb12_all.deb']);
    assert.deepEqual(await pool('rpm/el9/Packages'), ['python3-nightly-one-1.0-2.el9.noarch.rpm', 'python3-nightly-two-1.1-1.el9.noarch.rpm', 'python3-nightly-two-1.2-1.el9.noarch.rpm', 'python3-nightly-two-1.3-1.el9.noarch.rpm']);
  });

  it('refuses a manifest that names nothing (exit 2)', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'pkg2os-nightly-empty-'));
    await writeFile(join(empty, 'pkg2os.config.yaml'), `index-url: ${server.url}\n`);
    const result = await pkg2os(['rebuild'], {}, empty);
    assert.equal(result.exitCode, 2);
    assert.match(result.stderr, /names no requirements to rebuild/);
  });
});
