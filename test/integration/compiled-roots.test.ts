/**
 * Compiled code for every target, built in that target's own root: a small C
 * extension built for debian-12 (the host's root) and debian-13 (a trixie
 * root pkg2os made with mmdebstrap), published, then installed with apt from
 * the published repository and imported inside a copy-on-write copy of the
 * trixie root. And an RPM target byte-compiled by its root's Python.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { IndexServer } from '../support/index-server.js';
import { debField, debFiles, extract, rpmFiles, rpmRequires } from '../support/inspect.js';
import { validReport } from '../support/report-schema.js';
import { trixieRoot } from '../support/roots.js';
import { pkg2os } from '../support/run-cli.js';
import { makeSdist } from '../support/sdist-fixtures.js';
import { StaticServer } from '../support/static-server.js';

const trixie = await trixieRoot();
const skip = 'skip' in trixie ? trixie.skip : false;
const isRoot = process.getuid?.() === 0;

describe('compiled code built in each target\'s own root', { skip }, () => {
  const index = new IndexServer();
  let dir: string;
  let repoServer: StaticServer;
  let report: { packages: Array<{ target: string }> };
  const root = () => (trixie as { path: string }).path;

  before(async () => {
    index.add('cfixture', await makeSdist({ name: 'cfixture', version: '1.0', compiled: true }));
    index.add('pure-thirteen', await makeSdist({ name: 'pure-thirteen', version: '1.0' }));
    // setuptools>=70: trixie has 78, Debian 12 (the host) 66, the index none.
    index.add('new-setuptools', await makeSdist({ name: 'new-setuptools', version: '1.0', buildRequires: ['setuptools>=70'] }));
    await index.start();
    dir = await mkdtemp(join(tmpdir(), 'pkg2os-compiled-'));
    await mkdir(join(dir, 'repo'));
    repoServer = await new StaticServer(join(dir, 'repo')).start();
    assert.equal((await pkg2os(['keys', 'generate', '--name', 'Compiled Org', '--email', 'c@example.org', '--out', join(dir, 'key'), '--type', 'ed25519'])).exitCode, 0);
    // fedora-41's root here is the trixie one: its Python is 3.13 too, which is all byte-compiling needs.
    await writeFile(join(dir, 'pkg2os.config.yaml'), `roots:\n  debian-13: {path: ${root()}}\n  fedora-41: {path: ${root()}}\n`);
    const result = await pkg2os(['build', 'cfixture', '--target', 'debian-12,debian-13', '--index-url', index.url, '--out', join(dir, 'out'), '--repo', join(dir, 'repo'), '--base-url', repoServer.url().replace(/\/$/, ''), '--key', join(dir, 'key', 'private.asc'), '--json', '--no-lockfile'], {}, dir);
    assert.equal(result.exitCode, 0, result.stderr);
    report = validReport('report', result.stdout);
  });
  after(async () => {
    await index.stop();
    await repoServer?.stop();
  });

  it('builds a cpython-311 extension for Debian 12 and a cpython-313 one for Debian 13, each depending on its own Python and C library', async () => {
    for (const [tag, abi, python] of [['deb12', '311', '3.11'], ['deb13', '313', '3.13']] as const) {
      const deb = join(dir, 'out', `deb/python3-cfixture_1.0-1~${tag}_amd64.deb`);
      const files = await debFiles(deb);
      assert.ok(files.includes(`/usr/lib/python3/dist-packages/cfixture/_speed.cpython-${abi}-x86_64-linux-gnu.so`), files.join('\n'));
      const next = `3.${Number(python.split('.')[1]) + 1}`;
      const depends = await debField(deb, 'Depends');
      assert.match(depends, new RegExp(`python3 \\(>= ${python.replace('.', '\\.')}~\\), python3 \\(<< ${next.replace('.', '\\.')}\\)`));
      // The C library its extension needs, at the version its symbols need, from the target's own dpkg database.
      assert.match(depends, /(^|, )libc6 \(>= 2\.\d+(\.\d+)?\)(,|$)/, depends);
      // Stripped, as dh_strip does (lintian: unstripped-binary-or-object is an error): no symbol table, no .comment.
      const sections = String((await execa('readelf', ['-S', '-W', join(await extract(deb), `usr/lib/python3/dist-packages/cfixture/_speed.cpython-${abi}-x86_64-linux-gnu.so`)])).stdout);
      assert.doesNotMatch(sections, /\.symtab|\.comment/, sections);
      assert.match(sections, /\.dynsym/, 'the dynamic symbols stay: the module still loads');
    }
    assert.deepEqual(report.packages.map((p: { target: string }) => p.target).sort(), ['debian-12', 'debian-13']);
  });

  it('installs with apt from the published repository inside the trixie root (the README\'s steps) and imports there', { skip: isRoot ? false : 'an overlay of the root needs root' }, async () => {
    const work = await mkdtemp(join(tmpdir(), 'pkg2os-overlay-'));
    const [upper, workdir, merged] = ['upper', 'work', 'merged'].map((d) => join(work, d)) as [string, string, string];
    for (const d of [upper, workdir, merged]) await mkdir(d);
    await execa('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${root()},upperdir=${upper},workdir=${workdir}`, merged]);
    try {
      // As the README says: the key, the .sources and the .pref into place.
      const repo = join(dir, 'repo');
      const sources = await readFile(join(repo, 'pkg2os-debian-13.sources'), 'utf8');
      const keyring = /^Signed-By: (\S+)$/m.exec(sources)![1]!;
      await mkdir(join(merged, keyring, '..'), { recursive: true });
      await copyFile(join(repo, 'KEY.asc'), join(merged, keyring));
      await writeFile(join(merged, 'etc/apt/sources.list.d/org.sources'), sources);
      await copyFile(join(repo, 'pkg2os-debian-13.pref'), join(merged, 'etc/apt/preferences.d/org.pref'));
      // Only the organization's repository is read (the root's own Debian sources would need the internet).
      const apt = ['-o', 'Dir::Etc::SourceList=/dev/null', '-o', 'APT::Sandbox::User=root', '-o', 'Acquire::Retries=0'];
      const inRoot = (...command: string[]) => execa('bwrap', ['--bind', merged, '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp', '--', ...command], { reject: false, all: true, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', DEBIAN_FRONTEND: 'noninteractive' } });
      const update = await inRoot('apt-get', ...apt, 'update');
      assert.equal(update.exitCode, 0, String(update.all));
      const install = await inRoot('apt-get', ...apt, 'install', '-y', '--no-install-recommends', 'python3-cfixture');
      assert.equal(install.exitCode, 0, String(install.all));
      assert.match(String(install.all), /python3-cfixture \(1\.0-1~deb13\)/);
      const imported = await inRoot('/usr/bin/python3', '-c', 'import cfixture; print(cfixture.add(2, 3), cfixture.built_for[:4], cfixture.__file__)');
      assert.equal(imported.exitCode, 0, String(imported.all));
      assert.equal(String(imported.stdout).trim(), '5 3.13 /usr/lib/python3/dist-packages/cfixture/__init__.py');
    } finally {
      await execa('umount', [merged], { reject: false });
      await rm(work, { recursive: true, force: true });
    }
  });

  it('gives a compiled RPM the shared libraries its ELF files need, as sonames with symbol versions', async () => {
    // The trixie root stands in for a Fedora 41 root (the same Python, 3.13): compiling needs only that.
    const out = join(dir, 'out-fedora-compiled');
    const result = await pkg2os(['build', 'cfixture', '--target', 'fedora-41', '--index-url', index.url, '--out', out, '--json', '--no-lockfile'], {}, dir);
    assert.equal(result.exitCode, 0, result.stderr);
    const requires = await rpmRequires(join(out, 'rpm/python3-cfixture-1.0-1.fc41.x86_64.rpm'));
    assert.ok(requires.includes('libc.so.6()(64bit)'), requires.join('\n'));
    assert.ok(requires.some((r) => /^libc\.so\.6\(GLIBC_2\.[\d.]+\)\(64bit\)$/.test(r)), requires.join('\n'));
    assert.ok(requires.includes('python(abi) = 3.13'));
  });

  it('byte-compiles an RPM target\'s package with its root\'s Python (3.13 for fedora-41)', async () => {
    const out = join(dir, 'out-fedora');
    const result = await pkg2os(['build', 'pure-thirteen', '--target', 'fedora-41', '--index-url', index.url, '--out', out, '--json', '--no-lockfile'], {}, dir);
    assert.equal(result.exitCode, 0, result.stderr);
    const rpm = join(out, 'rpm/python3-pure-thirteen-1.0-1.fc41.noarch.rpm');
    const files = await rpmFiles(rpm);
    assert.ok(files.includes('/usr/lib/python3.13/site-packages/pure_thirteen/__pycache__/__init__.cpython-313.pyc'), files.join('\n'));
    assert.ok((await rpmRequires(rpm)).includes('python(abi) = 3.13'));
    assert.deepEqual(validReport('report', result.stdout).packages[0].byteCompiled, { rpm: true });
  });

  it('a target built alone is prepared in its own root from the start: what trixie has decides, not what the host has', async () => {
    // Before, metadata was always prepared on the host's root: "needs setuptools>=70 to build; Debian 12 has setuptools 66.1.1".
    const result = await pkg2os(['build', 'new-setuptools', '--target', 'debian-13', '--index-url', index.url, '--out', join(dir, 'out-alone'), '--json', '--no-lockfile'], {}, dir);
    assert.equal(result.exitCode, 0, result.stderr);
    const [setuptools] = validReport('report', result.stdout).packages[0].build.requirements;
    assert.equal(setuptools.source, 'distribution');
    assert.ok(Number(setuptools.version.split('.')[0]) >= 70, setuptools.version);
  });

  it('refuses compiled code for a target it has no root of, saying how to give one (exit 4)', async () => {
    const result = await pkg2os(['build', 'cfixture', '--target', 'el9', '--index-url', index.url, '--out', join(dir, 'out-el9'), '--no-lockfile'], {}, dir);
    assert.equal(result.exitCode, 4, result.stderr);
    assert.match(result.stderr, /contains compiled code, which must be built in an Enterprise Linux 9 root \(Python 3\.9\), and pkg2os has none for el9/);
    assert.match(result.stderr, /roots: \{el9: \{gpgkey: \/path\/to\/RPM-GPG-KEY\}\}/);
  });
});
