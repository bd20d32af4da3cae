/**
 * Targets are distribution releases: one build for debian-12, debian-13, el9
 * and fedora-41 into one repository gives four package files, each in its
 * target's place (apt suite per codename over one pool, yum repository per
 * RPM target), reached by the real clients through the client files pkg2os
 * published. Adding targets leaves the others' signed metadata as it was.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AptClient, DnfClient } from '../support/clients.js';
import { IndexServer } from '../support/index-server.js';
import { rpmFiles, rpmRequires } from '../support/inspect.js';
import { validReport } from '../support/report-schema.js';
import { trixieRoot } from '../support/roots.js';
import { pkg2os } from '../support/run-cli.js';
import { makeSdist } from '../support/sdist-fixtures.js';
import { StaticServer } from '../support/static-server.js';

const trixie = await trixieRoot();
const index = new IndexServer();
let dir: string;
let url: string;
let repoServer: StaticServer;

const repo = () => join(dir, 'repo');
const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

before(async () => {
  index.add('multi-fixture', await makeSdist({ name: 'multi-fixture', version: '1.0' }));
  index.add('later-fixture', await makeSdist({ name: 'later-fixture', version: '2.0' }));
  index.add('six', await makeSdist({ name: 'six', version: '1.17.0' }));
  index.add('needs-new-six', await makeSdist({ name: 'needs-new-six', version: '1.0', dependencies: ['six>=1.17'] }));
  index.add('needs-any-six', await makeSdist({ name: 'needs-any-six', version: '1.0', dependencies: ['six>=1.10'] }));
  index.add('cfixture', await makeSdist({ name: 'cfixture', version: '1.0', compiled: true }));
  await index.start();
  dir = await mkdtemp(join(tmpdir(), 'pkg2os-targets-'));
  await mkdir(repo());
  repoServer = await new StaticServer(repo()).start();
  url = repoServer.url().replace(/\/$/, '');
  assert.equal((await pkg2os(['keys', 'generate', '--name', 'Targets Org', '--email', 't@example.org', '--out', join(dir, 'key'), '--type', 'ed25519'])).exitCode, 0);
  await writeFile(join(dir, 'pkg2os.config.yaml'), 'path' in trixie ? `roots:\n  debian-13: {path: ${trixie.path}}\n` : '');
});
after(async () => {
  await index.stop();
  await repoServer.stop();
});

const build = (project: string, targets: string[], ...extra: string[]) =>
  pkg2os(['build', project, '--target', targets.join(','), '--index-url', index.url, '--out', join(dir, `out-${project}-${targets.length}`), '--repo', repo(), '--base-url', url, '--key', join(dir, 'key', 'private.asc'), '--json', '--no-lockfile', ...extra], {}, dir);

describe('one build for four distribution releases', { skip: 'skip' in trixie ? trixie.skip : false }, () => {
  let report: { packages: Array<{ target: string; packages: Array<{ file: string; sha256: string; target: string }> }> };
  let out: string;

  before(async () => {
    const result = await build('multi-fixture', ['debian-12', 'debian-13', 'el9', 'fedora-41']);
    assert.equal(result.exitCode, 0, result.stderr);
    report = validReport('report', result.stdout);
    out = join(dir, 'out-multi-fixture-4');
  });

  it('makes four distinct package files, and report.json names each with its target and the sha256 of the file on disk', async () => {
    const files = report.packages.flatMap((p) => p.packages.map((f) => [f.target, f.file, f.sha256] as const));
    assert.deepEqual(files.map(([t, f]) => `${t} ${f}`).sort(), [
      'debian-12 deb/python3-multi-fixture_1.0-1~deb12_all.deb',
      'debian-13 deb/python3-multi-fixture_1.0-1~deb13_all.deb',
      'el9 rpm/python3-multi-fixture-1.0-1.el9.noarch.rpm',
      'fedora-41 rpm/python3-multi-fixture-1.0-1.fc41.noarch.rpm',
    ]);
    for (const [, file, digest] of files) assert.equal(await sha256(join(out, file)), digest, file);
  });

  it('lays the repository out per target: apt suites over one pool, one yum repository per RPM target, client files for each', async () => {
    assert.deepEqual((await readdir(join(repo(), 'deb/dists'))).sort(), ['bookworm', 'trixie']);
    assert.deepEqual((await readdir(join(repo(), 'deb/pool/main/p/python3-multi-fixture'))).sort(), ['python3-multi-fixture_1.0-1~deb12_all.deb', 'python3-multi-fixture_1.0-1~deb13_all.deb']);
    assert.deepEqual((await readdir(join(repo(), 'rpm'))).sort(), ['el9', 'fedora-41']);
    assert.deepEqual((await readdir(repo())).filter((f) => f.startsWith('pkg2os-')).sort(), ['pkg2os-debian-12.pref', 'pkg2os-debian-12.sources', 'pkg2os-debian-13.pref', 'pkg2os-debian-13.sources', 'pkg2os-el9.repo', 'pkg2os-fedora-41.repo']);
    const fingerprint = /^# Signing key: ([0-9A-F]{40})$/m;
    for (const name of ['pkg2os-debian-13.sources', 'pkg2os-debian-13.pref', 'pkg2os-fedora-41.repo']) assert.match(await readFile(join(repo(), name), 'utf8'), fingerprint, `${name} names the key's fingerprint`);
  });

  for (const [target, tag, python] of [['el9', 'el9', '3.9'], ['fedora-41', 'fc41', '3.13']] as const) {
    it(`dnf through the published pkg2os-${target}.repo downloads the ${target} rpm (python(abi) = ${python})`, async () => {
      const dnf = await DnfClient.create(url, { repoFile: await readFile(join(repo(), `pkg2os-${target}.repo`), 'utf8') });
      const dest = await mkdtemp(join(tmpdir(), 'pkg2os-dnf-dl-'));
      const download = await dnf.run('download', '--destdir', dest, 'python3-multi-fixture');
      assert.equal(download.exitCode, 0, download.output);
      assert.deepEqual(await readdir(dest), [`python3-multi-fixture-1.0-1.${tag}.noarch.rpm`]);
      const rpm = join(dest, `python3-multi-fixture-1.0-1.${tag}.noarch.rpm`);
      assert.ok((await rpmRequires(rpm)).includes(`python(abi) = ${python}`));
      assert.ok((await rpmFiles(rpm)).includes(`/usr/lib/python${python}/site-packages/multi_fixture/__init__.py`));
    });
  }

  for (const [target, tag] of [['debian-12', 'deb12'], ['debian-13', 'deb13']] as const) {
    it(`apt through the published pkg2os-${target}.sources sees its own suite only (1.0-1~${tag})`, async () => {
      const published = { sources: await readFile(join(repo(), `pkg2os-${target}.sources`), 'utf8'), preferences: await readFile(join(repo(), `pkg2os-${target}.pref`), 'utf8') };
      const apt = await AptClient.create(url, await readFile(join(repo(), 'KEY.asc'), 'utf8'), { published });
      const update = await apt.update();
      assert.equal(update.exitCode, 0, update.output);
      assert.equal(await apt.candidate('python3-multi-fixture'), `1.0-1~${tag}`);
      const policy = await apt.run('-s', 'install', 'python3-multi-fixture');
      assert.doesNotMatch(policy.output, new RegExp(tag === 'deb12' ? 'deb13' : 'deb12'));
    });
  }
});

describe('adding targets to a repository', () => {
  it('leaves the other targets\' InRelease and repomd.xml byte-identical', { skip: 'skip' in trixie ? trixie.skip : false }, async () => {
    const first = await build('later-fixture', ['debian-12', 'el9']);
    assert.equal(first.exitCode, 0, first.stderr);
    const signed = ['deb/dists/bookworm/InRelease', 'deb/dists/bookworm/Release.gpg', 'rpm/el9/repodata/repomd.xml', 'rpm/el9/repodata/repomd.xml.asc'];
    const before = await Promise.all(signed.map((f) => sha256(join(repo(), f))));
    const added = await build('later-fixture', ['debian-13', 'fedora-41']);
    assert.equal(added.exitCode, 0, added.stderr);
    assert.deepEqual(await Promise.all(signed.map((f) => sha256(join(repo(), f)))), before, 'not one byte of bookworm or el9 changed');
    assert.match(await readFile(join(repo(), 'deb/dists/trixie/main/binary-amd64/Packages'), 'utf8'), /^Package: python3-later-fixture\nVersion: 2\.0-1~deb13$/m);
    const published = validReport<{ published: { apt: Array<{ suite: string; added: string[] }>; yum: Array<{ target: string; added: string[] }> } }>('report', added.stdout).published;
    assert.deepEqual(published.apt.filter((s) => s.added.length).map((s) => s.suite), ['trixie']);
    assert.deepEqual(published.yum.filter((s) => s.added.length).map((s) => s.target), ['fedora-41']);
  });
});

describe('a target whose root cannot be made', () => {
  it('builds nothing for it, pure Python neither, and says how to give a root or to ask for the host\'s Python; asked, builds pure Python and refuses compiled code', async () => {
    const config = join(dir, 'unreachable.yaml');
    await writeFile(config, 'roots:\n  ubuntu-24.04: {mirror: "http://127.0.0.1:9/ubuntu"}\n');
    const out = join(dir, 'out-noble');
    const refused = await pkg2os(['build', 'multi-fixture', '--target', 'ubuntu-24.04', '--index-url', index.url, '--out', out, '--config', config, '--no-lockfile'], {}, dir);
    assert.equal(refused.exitCode, 2, refused.stderr);
    assert.match(refused.stderr, /ubuntu-24\.04 has no build root: /);
    assert.match(refused.stderr, /pkg2os cannot make a build root for ubuntu-24\.04, and builds for a target run in that target's own root \(its Python 3\.12/);
    assert.match(refused.stderr, /--host-python ubuntu-24\.04/);
    assert.ok(!existsSync(join(out, 'deb')), 'nothing was built');
    const pure = await pkg2os(['build', 'multi-fixture', '--target', 'ubuntu-24.04', '--index-url', index.url, '--out', out, '--config', config, '--no-lockfile', '--host-python', 'ubuntu-24.04'], {}, dir);
    assert.equal(pure.exitCode, 0, pure.stderr);
    assert.match(pure.stderr, /ubuntu-24\.04: built with this host's Python and build tools, as --host-python asks/);
    assert.deepEqual(await readdir(join(out, 'deb')), ['python3-multi-fixture_1.0-1~ubuntu24.04_all.deb']);
    const compiled = await pkg2os(['build', 'cfixture', '--target', 'ubuntu-24.04', '--index-url', index.url, '--out', join(dir, 'out-noble-c'), '--config', config, '--no-lockfile', '--host-python', 'ubuntu-24.04'], {}, dir);
    assert.equal(compiled.exitCode, 4, compiled.stderr);
    assert.match(compiled.stderr, /must be built in an Ubuntu 24\.04 root \(Python 3\.12\), and pkg2os has none for ubuntu-24\.04/);
    assert.match(compiled.stderr, /roots: \{ubuntu-24\.04: \{mirror: URL\}\}/);
  });
});

describe('provided-by knows versions', () => {
  it('maps six to Debian 12\'s python3-six where 1.16 satisfies, and says which version it relies on; builds six 1.17 where it does not', async () => {
    const any = await pkg2os(['build', 'needs-any-six', '--index-url', index.url, '--out', join(dir, 'out-any-six'), '--json', '--no-lockfile'], {}, dir);
    assert.equal(any.exitCode, 0, any.stderr);
    const anyReport = validReport('report', any.stdout);
    assert.deepEqual(anyReport.packages.map((p: { project: string }) => p.project), ['needs-any-six']);
    assert.deepEqual(anyReport.provided.map((p: { project: string; package: string; version: string }) => [p.project, p.package, p.version]), [['six', 'python3-six', '1.16.0-4']]);
    const fresh = await pkg2os(['build', 'needs-new-six', '--index-url', index.url, '--out', join(dir, 'out-new-six'), '--json', '--no-lockfile'], {}, dir);
    assert.equal(fresh.exitCode, 0, fresh.stderr);
    const freshReport = validReport('report', fresh.stdout);
    assert.deepEqual(freshReport.packages.map((p: { project: string; version: string }) => `${p.project} ${p.version}`).sort(), ['needs-new-six 1.0', 'six 1.17.0']);
    assert.deepEqual(freshReport.provided, []);
  });

  it('builds a project named on the command line even when the distribution ships it', async () => {
    const result = await pkg2os(['build', 'six', '--index-url', index.url, '--out', join(dir, 'out-six'), '--json', '--no-lockfile'], {}, dir);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual(validReport('report', result.stdout).packages.map((p: { project: string; version: string }) => `${p.project} ${p.version}`), ['six 1.17.0']);
  });
});
