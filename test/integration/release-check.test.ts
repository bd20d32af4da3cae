/**
 * Names and files are checked against the target's whole release, read from
 * its own archive or repositories — here a Debian-style archive and a yum
 * repository of the test's own, on 127.0.0.1, signed with a test key: a
 * module, a program or a project name the release gives to another package
 * is refused (naming it), the distribution's own name for a project is used
 * (pytz → python3-tz, from dh-python's mapping; python3dist() provides for
 * the RPM family), and a release that does not verify is not used.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import * as openpgp from 'openpgp';
import { IndexServer } from '../support/index-server.js';
import { type TestKey, makeKey } from '../support/pgp.js';
import { validReport } from '../support/report-schema.js';
import { pkg2os } from '../support/run-cli.js';
import { makeSdist } from '../support/sdist-fixtures.js';
import { StaticServer } from '../support/static-server.js';

let dir: string;
let key: TestKey;
let keyring: string;
let archive: StaticServer;
const index = new IndexServer();
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

async function put(path: string, data: Buffer | string): Promise<Buffer> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, data);
  return Buffer.from(data);
}

/** A small Debian-style archive standing in for Debian 12's: suite bookworm, main, amd64; dh-python's mapping in its dh-python .deb. */
async function makeArchive(root: string): Promise<void> {
  const tree = join(dir, 'dh-python-tree');
  await put(join(tree, 'usr/share/dh-python/dist/cpython3_fallback'), 'pytz python3-tz\nPyYAML python3-yaml\n');
  await put(join(tree, 'DEBIAN/control'), 'Package: dh-python\nVersion: 6.0\nArchitecture: all\nMaintainer: Test <test@example.org>\nDescription: test\n');
  const deb = join(root, 'pool/main/d/dh-python/dh-python_6.0_all.deb');
  await mkdir(dirname(deb), { recursive: true });
  await execa('dpkg-deb', ['--build', '--root-owner-group', tree, deb]);
  const debBytes = await readFile(deb);
  const packages = [
    'Package: python3-apt\nVersion: 2.6.0\nArchitecture: amd64\n',
    'Package: python3-tz\nVersion: 2022.7.1-4\nArchitecture: all\n',
    'Package: sudo\nVersion: 1.9.13p3-1\nArchitecture: amd64\n',
    `Package: dh-python\nVersion: 6.0\nArchitecture: all\nFilename: pool/main/d/dh-python/dh-python_6.0_all.deb\nSize: ${debBytes.length}\nSHA256: ${sha256(debBytes)}\n`,
  ].join('\n');
  const files: Record<string, Buffer> = {
    'main/binary-amd64/Packages.gz': gzipSync(packages),
    'main/Contents-amd64.gz': gzipSync('usr/bin/sudo admin/sudo\nusr/lib/python3/dist-packages/apt_pkg.cpython-311-x86_64-linux-gnu.so python/python3-apt\n'),
    'main/Contents-all.gz': gzipSync('usr/lib/python3/dist-packages/pytz/__init__.py python/python3-tz\n'),
  };
  for (const [path, data] of Object.entries(files)) await put(join(root, 'dists/bookworm', path), data);
  const release = [
    'Origin: Test',
    'Suite: bookworm',
    'Codename: bookworm',
    `Date: ${new Date().toUTCString()}`,
    `Valid-Until: ${new Date(Date.now() + 7 * 86400_000).toUTCString()}`,
    'Architectures: amd64',
    'Components: main',
    'SHA256:',
    ...Object.entries(files).map(([path, data]) => ` ${sha256(data)} ${data.length} ${path}`),
    '',
  ].join('\n');
  const signed = await openpgp.sign({ message: await openpgp.createCleartextMessage({ text: release }), signingKeys: key.privateKey });
  await put(join(root, 'dists/bookworm/InRelease'), signed);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pkg2os-release-check-'));
  key = await makeKey({ type: 'rsa' });
  await writeFile(join(dir, 'key.asc'), key.publicArmored);
  keyring = join(dir, 'keyring.gpg');
  await execa('gpg', ['--batch', '--homedir', dir, '--dearmor', '--output', keyring, join(dir, 'key.asc')]);
  await makeArchive(join(dir, 'archive'));
  archive = await new StaticServer(join(dir, 'archive')).start();
  index.add('apt-pkg', await makeSdist({ name: 'apt-pkg', version: '1.0' }));
  index.add('rootly', await makeSdist({ name: 'rootly', version: '1.0', scripts: { sudo: 'rootly:main' } }));
  index.add('tzuser', await makeSdist({ name: 'tzuser', version: '1.0', dependencies: ['pytz'] }));
  index.add('pytz', await makeSdist({ name: 'pytz', version: '2026.1' }));
  index.add('innocent', await makeSdist({ name: 'innocent', version: '1.0' }));
  await index.start();
});
after(async () => {
  await index.stop();
  await archive.stop();
});

/** A build for Debian 12 against the test's archive, with a state directory of its own per archive state. */
async function build(project: string, state = 'state') {
  const cfg = join(await mkdtemp(join(dir, 'cfg-')), 'pkg2os.config.yaml');
  // The fake archive carries the release's indices, not its packages: no root can be made from it, and the host's Python builds (as asked).
  await writeFile(cfg, `state-dir: ${join(dir, state)}\nrelease-check: required\nhost-python: [debian-12]\nroots:\n  debian-12: {mirror: "${archive.url('').replace(/\/$/, '')}", keyring: ${keyring}}\n`);
  const out = join(dirname(cfg), 'out');
  return { out, ...(await pkg2os(['build', project, '--index-url', index.url, '--out', out, '--config', cfg, '--no-lockfile', '--target', 'debian-12'])) };
}

describe('names checked against the whole release of a Debian-family target (its Packages and Contents, through its signed Release)', () => {
  it('refuses a module the release gives to another package, naming it (apt_pkg is python3-apt\'s)', async () => {
    const result = await build('apt-pkg');
    assert.equal(result.exitCode, 4, result.stderr);
    assert.match(result.stderr, /the Python name apt_pkg, which python3-apt ships/);
    assert.ok(!existsSync(join(result.out, 'deb')));
  });

  it('refuses a program the release gives to another package (sudo)', async () => {
    const result = await build('rootly');
    assert.equal(result.exitCode, 4, result.stderr);
    assert.match(result.stderr, /\/usr\/bin\/sudo, the program sudo, which sudo ships/);
  });

  it('knows the distribution\'s own name for a project from dh-python\'s mapping: a dependency on pytz is python3-tz, and pytz itself is built as python3-tz', async () => {
    const user = await build('tzuser');
    assert.equal(user.exitCode, 0, user.stderr);
    const depends = (await execa('dpkg-deb', ['-f', join(user.out, 'deb', 'python3-tzuser_1.0-1~deb12_all.deb'), 'Depends'])).stdout;
    assert.match(depends, /\bpython3-tz\b/);
    assert.doesNotMatch(depends, /python3-pytz/);
    const report = validReport<{ provided: Array<{ project: string; package: string; version: string | null }> }>('report', await readFile(join(user.out, 'report.json'), 'utf8'));
    assert.deepEqual(report.provided.map((p) => [p.project, p.package, p.version]), [['pytz', 'python3-tz', '2022.7.1-4']]);
    const pytz = await build('pytz');
    assert.equal(pytz.exitCode, 0, pytz.stderr);
    assert.ok(existsSync(join(pytz.out, 'deb', 'python3-tz_2026.1-1~deb12_all.deb')), 'one package of that name: never a second one with colliding files');
  });

  it('does not use a release whose InRelease does not verify: with release-check required the build stops (exit 6)', async () => {
    const release = await readFile(join(dir, 'archive/dists/bookworm/InRelease'), 'utf8');
    archive.overrides.set('/dists/bookworm/InRelease', Buffer.from(release.replace('Origin: Test', 'Origin: Evil')));
    try {
      const result = await build('innocent', 'state-tampered');
      assert.equal(result.exitCode, 6, result.stderr);
      assert.match(result.stderr, /The whole release of debian-12 cannot be read, and release-check is required/);
      assert.match(result.stderr, /gpgv/);
    } finally {
      archive.overrides.delete('/dists/bookworm/InRelease');
    }
  });
});

/** An rpm of the test's own: `name`, providing `provides`, holding `files` (path → content). */
async function makeRpm(out: string, name: string, version: string, provides: string[], files: Record<string, string>): Promise<void> {
  const top = await mkdtemp(join(dir, 'rpmbuild-'));
  const stage = join(top, 'stage');
  for (const [path, content] of Object.entries(files)) await put(join(stage, path), content);
  const spec = [
    `Name: ${name}`, `Version: ${version}`, 'Release: 1.el9', 'Summary: test', 'License: MIT', 'BuildArch: noarch',
    ...provides.map((p) => `Provides: ${p}`),
    '%description', 'test', '%install', `cp -a ${stage}/. %{buildroot}/`, '%files', ...Object.keys(files).map((f) => `/${f}`), '',
  ].join('\n');
  await put(join(top, 'SPECS', `${name}.spec`), spec);
  await execa('rpmbuild', ['-bb', '--define', `_topdir ${top}`, '--define', `_rpmdir ${out}`, '--define', '_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm', join(top, 'SPECS', `${name}.spec`)]);
}

describe('names checked against the whole release of an RPM-family target (its repositories\' primary and filelists)', () => {
  let repo: StaticServer;
  let config: string;
  before(async () => {
    const root = join(dir, 'yum');
    await makeRpm(join(root, 'Packages'), 'python3-libfoo', '2.0', ['python3dist(foo) = 2.0', 'python3.9dist(foo) = 2.0'], { 'usr/lib/python3.9/site-packages/foo/__init__.py': 'x = 1\n' });
    await makeRpm(join(root, 'Packages'), 'toolbox', '1.0', [], { 'usr/bin/toolbox': '#!/bin/sh\n' });
    await execa('createrepo_c', ['--quiet', root]);
    const repomd = await readFile(join(root, 'repodata/repomd.xml'));
    await writeFile(join(root, 'repodata/repomd.xml.asc'), await openpgp.sign({ message: await openpgp.createMessage({ binary: repomd }), signingKeys: key.privateKey, detached: true }));
    repo = await new StaticServer(root).start();
    config = join(dir, 'el9.yaml');
    await writeFile(config, `state-dir: ${join(dir, 'state-el9')}\nrelease-check: required\nroots:\n  el9: {repos: ["${repo.url('')}"], gpgkey: ${join(dir, 'key.asc')}}\n`);
    index.add('toolbox-again', await makeSdist({ name: 'toolbox-again', version: '1.0', scripts: { toolbox: 'toolbox_again:main' } }));
    index.add('foo-user', await makeSdist({ name: 'foo-user', version: '1.0', dependencies: ['foo>=1'] }));
    index.add('foo', await makeSdist({ name: 'foo', version: '2.1' }));
  });
  after(() => repo.stop());

  const buildEl9 = async (project: string) => {
    const out = join(await mkdtemp(join(dir, 'el9-')), 'out');
    return { out, ...(await pkg2os(['build', project, '--index-url', index.url, '--out', out, '--config', config, '--no-lockfile', '--target', 'el9'])) };
  };

  it('refuses a program another package of the release ships', async () => {
    const result = await buildEl9('toolbox-again');
    assert.equal(result.exitCode, 4, result.stderr);
    assert.match(result.stderr, /the program toolbox, which toolbox ships/);
  });

  it('takes the distribution\'s name of a project from its python3dist() provides: foo is python3-libfoo, built as python3-libfoo, never a second package with foo/', async () => {
    const user = await buildEl9('foo-user');
    assert.equal(user.exitCode, 0, user.stderr);
    const report = validReport<{ provided: Array<{ project: string; package: string }> }>('report', await readFile(join(user.out, 'report.json'), 'utf8'));
    assert.deepEqual(report.provided.map((p) => [p.project, p.package]), [['foo', 'python3-libfoo']]);
    const foo = await buildEl9('foo');
    assert.equal(foo.exitCode, 0, foo.stderr);
    assert.ok(existsSync(join(foo.out, 'rpm', 'python3-libfoo-2.1-1.el9.noarch.rpm')));
  });
});
