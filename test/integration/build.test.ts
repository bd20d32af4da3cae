/**
 * `pkg2os build` end to end: fixture sdists served by a real index on
 * 127.0.0.1, built by the real CLI, checked with dpkg-deb and rpm, and
 * imported with the system Python from the extracted payloads.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, mkdtemp, readFile, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IndexServer, sha256 } from '../support/index-server.js';
import { debField, debFiles, extract, rpmFiles, rpmQuery, rpmRequires, sh, sha256File, systemPython } from '../support/inspect.js';
import { pkg2os, type CliResult } from '../support/run-cli.js';
import { makeMaliciousSdist, makeSdist } from '../support/sdist-fixtures.js';
import { validReport } from '../support/report-schema.js';

const server = new IndexServer();
const htmlServer = new IndexServer({ mode: 'html' });
let pureSdist: { filename: string; body: Buffer };

async function freshOut(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'pkg2os-it-')), 'out');
}

/** A user-facing failure: the exit code, one clear message, no stack trace, nothing in <out>. */
function assertCleanFailure(result: CliResult, exitCode: number, message: RegExp, out?: string): void {
  assert.equal(result.exitCode, exitCode, `exit code; stderr:\n${result.stderr}`);
  assert.match(result.stderr, message);
  assert.match(result.stderr, /^pkg2os: error: /m);
  assert.doesNotMatch(result.stderr, /^\s+at .*\(.*:\d+:\d+\)$/m, 'no stack trace for a user error');
  if (out && exitCode === 4) {
    // A failed build keeps its log in <out>/logs, and nothing else.
    if (existsSync(out)) assert.deepEqual(readdirSync(out), ['logs'], 'only build logs are written to <out> on failure');
  } else if (out) {
    assert.equal(existsSync(out), false, 'nothing is written to <out> on failure');
  }
}

before(async () => {
  pureSdist = await makeSdist({ name: 'pure-fixture', version: '1.1', dependencies: ['attrs>=20', 'requests>=2; python_version < "3.10"', 'pytest; extra == "test"'] });
  server.add('pure-fixture', { ...(await makeSdist({ name: 'pure-fixture', version: '1.0' })) });
  server.add('pure-fixture', pureSdist);
  server.add('uses-setuptools', await makeSdist({ name: 'uses-setuptools', version: '1.0', dependencies: ['setuptools>=40'] }));
  server.add('script-fixture', await makeSdist({ name: 'script-fixture', version: '2.0', scripts: { 'script-fixture': 'script_fixture:main' } }));
  server.add('broken-fixture', await makeSdist({ name: 'broken-fixture', version: '1.0', broken: true }));
  server.add('needs-backend', await makeSdist({ name: 'needs-backend', version: '1.0', buildRequires: ['setuptools', 'pkg2os-nonexistent-backend>=1'] }));
  const tampered = await makeSdist({ name: 'tampered', version: '1.0' });
  server.add('tampered', { ...tampered, sha256: sha256(Buffer.concat([tampered.body, Buffer.from('x')])) });
  server.add('no-hash', { ...(await makeSdist({ name: 'no-hash', version: '1.0' })), sha256: null });
  for (const kind of ['dotdot', 'symlink-out', 'absolute', 'device'] as const) server.add(`evil-${kind}`, await makeMaliciousSdist(kind, `evil-${kind}`));
  await server.start();
  htmlServer.add('script-fixture', await makeSdist({ name: 'script-fixture', version: '2.0', scripts: { 'script-fixture': 'script_fixture:main' } }));
  await htmlServer.start();
});

after(async () => {
  await server.stop();
  await htmlServer.stop();
});

describe('pkg2os build: a pure package', () => {
  let out: string;
  let result: CliResult;
  before(async () => {
    out = await freshOut();
    result = await pkg2os(['build', 'pure-fixture', '--no-deps', '--target', 'debian-12,el9', '--index-url', server.url, '--out', out, '--maintainer', 'Ops Team <ops@example.org>']);
  });

  it('exits 0 and writes a .deb for Debian 12, an .rpm for EL9 and report.json', () => {
    assert.equal(result.exitCode, 0, result.stderr);
    assert.ok(existsSync(join(out, 'deb/python3-pure-fixture_1.1-1~deb12_all.deb')));
    assert.ok(existsSync(join(out, 'rpm/python3-pure-fixture-1.1-1.el9.noarch.rpm')));
    assert.ok(existsSync(join(out, 'report.json')));
  });

  it('fills the Debian control fields from the wheel metadata, with markers evaluated for the target', async () => {
    const deb = join(out, 'deb/python3-pure-fixture_1.1-1~deb12_all.deb');
    assert.equal(await debField(deb, 'Package'), 'python3-pure-fixture');
    assert.equal(await debField(deb, 'Version'), '1.1-1~deb12');
    assert.equal(await debField(deb, 'Architecture'), 'all');
    assert.equal(await debField(deb, 'Maintainer'), 'Ops Team <ops@example.org>');
    assert.equal(await debField(deb, 'Homepage'), 'https://example.org/pure-fixture');
    // attrs is Debian's python3-attr (dh-python's mapping, from Debian 12's own archive; the shipped recipe says the same).
    assert.equal(await debField(deb, 'Depends'), 'python3:any, python3-attr (>= 20.0)', 'requests is only for Python < 3.10, pytest only for an extra');
    assert.match(await debField(deb, 'Description'), /^Test fixture pure-fixture/);
  });

  it('lays the .deb out for Debian: dist-packages, no bytecode, docs, maintainer scripts', async () => {
    const deb = join(out, 'deb/python3-pure-fixture_1.1-1~deb12_all.deb');
    const files = await debFiles(deb);
    assert.ok(files.includes('/usr/lib/python3/dist-packages/pure_fixture/__init__.py'), files.join('\n'));
    assert.ok(files.some((f) => f.startsWith('/usr/lib/python3/dist-packages/pure_fixture-1.1.dist-info/')));
    assert.ok(files.includes('/usr/share/doc/python3-pure-fixture/copyright'));
    assert.ok(!files.some((f) => f.endsWith('.pyc')), 'Debian packages compile on the client');
    const control = await sh('dpkg-deb', ['-I', deb]);
    assert.match(control, /postinst/);
    assert.match(control, /prerm/);
    assert.match(await sh('dpkg-deb', ['-I', deb, 'postinst']), /py3compile -p python3-pure-fixture/);
    const owners = (await sh('dpkg-deb', ['-c', deb])).split('\n').filter(Boolean);
    assert.ok(owners.every((l) => l.includes(' root/root ')), 'files are owned by root (--root-owner-group)');
  });

  it('lays the .rpm out for EL9 (Python 3.9), with python3dist() names and markers evaluated for 3.9; no bytecode without an el9 root', async () => {
    const rpm = join(out, 'rpm/python3-pure-fixture-1.1-1.el9.noarch.rpm');
    assert.equal(await rpmQuery(rpm, '%{NAME} %{VERSION} %{RELEASE} %{ARCH} %{LICENSE}'), 'python3-pure-fixture 1.1 1.el9 noarch MIT');
    const files = await rpmFiles(rpm);
    assert.ok(files.includes('/usr/lib/python3.9/site-packages/pure_fixture/__init__.py'), files.join('\n'));
    assert.ok(!files.some((f) => f.endsWith('.pyc')), 'no bytecode: this host has no Python 3.9 to compile it with');
    assert.ok(!files.includes('/usr/lib/python3.9/site-packages'), 'the package does not own site-packages itself');
    const requires = await rpmRequires(rpm);
    assert.ok(requires.includes('python(abi) = 3.9'));
    assert.ok(requires.includes('python3dist(attrs) >= 20.0'));
    assert.ok(requires.includes('python3dist(requests) >= 2.0'), 'requests is required where python_version < "3.10", as on EL9');
    assert.ok(!requires.some((r) => r.includes('pytest')));
    assert.match(result.stderr, /el9 has no build root here, so its rpm packages carry no bytecode/);
    assert.match(await sh('rpm', ['-qp', '--provides', rpm]), /^python3dist\(pure-fixture\) = 1\.1$/m);
  });

  it('produces payloads that the system Python imports', async () => {
    const debRoot = await extract(join(out, 'deb/python3-pure-fixture_1.1-1~deb12_all.deb'));
    const site = join(debRoot, 'usr/lib/python3/dist-packages');
    assert.equal(await systemPython(site, 'import pure_fixture; print(pure_fixture.__version__, pure_fixture.__file__)'), `1.1 ${site}/pure_fixture/__init__.py`);
    const rpmRoot = await extract(join(out, 'rpm/python3-pure-fixture-1.1-1.el9.noarch.rpm'));
    const rpmSite = join(rpmRoot, 'usr/lib/python3.9/site-packages');
    assert.equal(await systemPython(rpmSite, 'import pure_fixture; print(pure_fixture.__version__, pure_fixture.__file__)'), `1.1 ${rpmSite}/pure_fixture/__init__.py`);
  });

  it('reports what it built from which bytes', async () => {
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    assert.deepEqual(report.packages.map((p: { target: string }) => p.target), ['debian-12', 'el9'], 'one entry per target');
    const p = report.packages[0];
    assert.equal(p.requirement, 'pure-fixture');
    assert.equal(p.version, '1.1');
    assert.equal(p.sdist.filename, 'pure_fixture-1.1.tar.gz');
    assert.equal(p.sdist.sha256, sha256(pureSdist.body));
    assert.equal(p.sdist.url, `http://127.0.0.1:${server.port}/files/pure_fixture-1.1.tar.gz`);
    assert.equal(p.verification.result, 'verified');
    assert.deepEqual(p.verification.checks.map((c: { kind: string; result: string }) => `${c.kind}:${c.result}`), ['hash:pass', 'signature:skipped', 'provenance:skipped', 'lockfile:pass']);
    assert.equal(p.verification.checks[0].detail.expected, sha256(pureSdist.body));
    assert.deepEqual(report.packages.map((e: { packages: Array<{ file: string }> }) => e.packages.map((f) => f.file)), [['deb/python3-pure-fixture_1.1-1~deb12_all.deb'], ['rpm/python3-pure-fixture-1.1-1.el9.noarch.rpm']]);
    for (const entry of report.packages) for (const pkg of entry.packages) assert.equal(pkg.sha256, await sha256File(join(out, pkg.file)), pkg.file);
    assert.deepEqual(report.packages.map((e: { byteCompiled: Record<string, boolean> }) => e.byteCompiled), [{ deb: false }, { rpm: false }]);
  });
});

describe('pkg2os build: a package with a console script', () => {
  let out: string;
  before(async () => {
    out = await freshOut();
    const result = await pkg2os(['build', 'script-fixture', '--target', 'debian-12', '--target', 'el9', '--index-url', server.url, '--out', out]);
    assert.equal(result.exitCode, 0, result.stderr);
  });

  for (const [format, file, site] of [
    ['deb', 'deb/python3-script-fixture_2.0-1~deb12_all.deb', 'usr/lib/python3/dist-packages'],
    ['rpm', 'rpm/python3-script-fixture-2.0-1.el9.noarch.rpm', 'usr/lib/python3.9/site-packages'],
  ] as const) {
    it(`installs /usr/bin/script-fixture with the system Python's shebang (${format}) and it runs`, async () => {
      const root = await extract(join(out, file));
      const script = join(root, 'usr/bin/script-fixture');
      const text = await readFile(script, 'utf8');
      assert.equal(text.split('\n')[0], '#!/usr/bin/python3');
      const output = await sh('/usr/bin/python3', [script], { env: { PYTHONPATH: join(root, site) } });
      assert.equal(output.trim(), 'script-fixture 2.0');
    });
  }
});

describe('pkg2os build: index protocols and selection', () => {
  it('builds from a PEP 503 HTML-only index', async () => {
    const out = await freshOut();
    const result = await pkg2os(['build', 'script-fixture', '--index-url', htmlServer.url, '--out', out, '--format', 'deb']);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.ok(existsSync(join(out, 'deb/python3-script-fixture_2.0-1~deb12_all.deb')));
    assert.ok(!existsSync(join(out, 'rpm')), '--format deb builds no rpm');
  });

  it('honours a version specifier, and PKG2OS_INDEX_URL', async () => {
    const out = await freshOut();
    const result = await pkg2os(['build', 'pure-fixture==1.0', '--no-deps', '--out', out, '--target', 'fedora-41', '--format', 'rpm', '--json'], { PKG2OS_INDEX_URL: server.url });
    assert.equal(result.exitCode, 0, result.stderr);
    const report = validReport('report', result.stdout);
    assert.equal(report.packages[0].version, '1.0');
    assert.ok(existsSync(join(out, 'rpm/python3-pure-fixture-1.0-1.fc41.noarch.rpm')));
  });

  it('with --no-deps, names each dependency by its recipe all the same: setuptools is python3-setuptools (provided-by), not the python3-pkg-resources Debian\'s mapping says', async () => {
    // Before, an unresolved dependency's recipe was never read: the build was refused as depending on "another project altogether".
    const out = await freshOut();
    const result = await pkg2os(['build', 'uses-setuptools', '--no-deps', '--index-url', server.url, '--out', out, '--target', 'debian-12,el9']);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(await debField(join(out, 'deb/python3-uses-setuptools_1.0-1~deb12_all.deb'), 'Depends'), 'python3:any, python3-setuptools (>= 40.0)');
    const requires = await sh('rpm', ['-qp', '--requires', join(out, 'rpm/python3-uses-setuptools-1.0-1.el9.noarch.rpm')]);
    assert.match(requires, /python3dist\(setuptools\) >= 40/);
  });

  it('honours PIP_INDEX_URL when nothing else names an index', async () => {
    const out = await freshOut();
    const result = await pkg2os(['build', 'pure-fixture', '--no-deps', '--out', out, '--format', 'deb'], { PIP_INDEX_URL: server.url });
    assert.equal(result.exitCode, 0, result.stderr);
  });
});

describe('pkg2os build: refusals', () => {
  it('refuses an sdist whose bytes do not match the index hash (exit 3)', async () => {
    const out = await freshOut();
    assertCleanFailure(await pkg2os(['build', 'tampered', '--index-url', server.url, '--out', out]), 3, /does not match the index: its sha256 is [0-9a-f]{64}, the index says/, out);
  });

  it('refuses an sdist the index publishes no hash for (exit 3)', async () => {
    const out = await freshOut();
    assertCleanFailure(await pkg2os(['build', 'no-hash', '--index-url', server.url, '--out', out]), 3, /publishes no sha256/, out);
  });

  for (const [kind, message] of [
    ['dotdot', /would be written outside the unpack directory/],
    ['absolute', /would be written outside the unpack directory/],
    ['symlink-out', /points outside the tree, to "\/etc"/],
    ['device', /is a CharacterDevice/],
  ] as const) {
    it(`refuses a malicious archive: ${kind} (exit 3)`, async () => {
      const out = await freshOut();
      assertCleanFailure(await pkg2os(['build', `evil-${kind}`, '--index-url', server.url, '--out', out]), 3, message, out);
      assert.ok(!existsSync('/tmp/pkg2os-absolute.txt'));
      assert.ok(!existsSync('/etc/pkg2os-owned'));
    });
  }

  it('reports a failing build with its output and the path of the full log (exit 4)', async () => {
    const out = await freshOut();
    const result = await pkg2os(['build', 'broken-fixture', '--index-url', server.url, '--out', out]);
    assertCleanFailure(result, 4, /(Building the wheel|Running the build backend) of broken-fixture 1\.0 failed/, out);
    assert.match(result.stderr, /this sdist is broken on purpose/);
    const log = /Full log: (\S+)/.exec(result.stderr)?.[1];
    assert.equal(log, join(out, 'logs', 'broken-fixture-1.0.log'), 'the full log is kept under <out>/logs');
    assert.ok(existsSync(log!));
    assert.match(await readFile(log!, 'utf8'), /broken on purpose/);
  });

  it('prints the report with --json even when nothing could be built, and exits with the failure\'s code', async () => {
    const out = await freshOut();
    const result = await pkg2os(['build', 'broken-fixture', '--index-url', server.url, '--out', out, '--json']);
    assert.equal(result.exitCode, 4, result.stderr);
    const report = validReport('report', result.stdout);
    assert.deepEqual(report.packages, []);
    assert.equal(report.failures[0].project, 'broken-fixture');
    assert.equal(report.failures[0].code, 'BUILD_FAILED');
    assert.match(report.failures[0].detail, /this sdist is broken on purpose/);
  });

  it('removes its work directory after a failed run, unless --keep-work', async () => {
    const temp = await mkdtemp(join(tmpdir(), 'pkg2os-tmpdir-'));
    await chmod(temp, 0o755);
    // Nothing at all is left in TMPDIR: the work directory, and what the tools pkg2os runs put there, go.
    const failed = await pkg2os(['build', 'broken-fixture', '--index-url', server.url, '--out', await freshOut()], { TMPDIR: temp });
    assert.equal(failed.exitCode, 4, failed.stderr);
    assert.deepEqual(readdirSync(temp), [], 'nothing is left in TMPDIR');
    const kept = await pkg2os(['build', 'broken-fixture', '--index-url', server.url, '--out', await freshOut(), '--keep-work'], { TMPDIR: temp });
    assert.equal(kept.exitCode, 4, kept.stderr);
    const left = readdirSync(temp);
    assert.equal(left.length, 1);
    assert.match(kept.stderr, new RegExp(`the work directory was kept: ${join(temp, left[0]!)}`));
  });

  it('says which build requirement neither the distribution nor the index has (exit 4)', async () => {
    const out = await freshOut();
    const result = await pkg2os(['build', 'needs-backend', '--index-url', server.url, '--out', out]);
    assertCleanFailure(result, 4, /needs-backend 1\.0 needs pkg2os-nonexistent-backend>=1 to build; Debian 12 has no pkg2os-nonexistent-backend; the index has no pkg2os-nonexistent-backend\./, out);
  });

  it('refuses plain http to a non-loopback index (exit 2)', async () => {
    const out = await freshOut();
    assertCleanFailure(await pkg2os(['build', 'django', '--index-url', 'http://pypi.example.org/simple/', '--out', out]), 2, /uses http, which pkg2os does not trust/, out);
  });

  it('says so when the index has no such project (exit 6)', async () => {
    const out = await freshOut();
    assertCleanFailure(await pkg2os(['build', 'no-such-project', '--index-url', server.url, '--out', out]), 6, /has no project "no-such-project"/, out);
  });

  it('says so when the index cannot be reached (exit 6)', async () => {
    const out = await freshOut();
    const unreachable = await pkg2os(['build', 'x', '--index-url', 'http://127.0.0.1:9/simple/', '--out', out, '--retries', '1']);
    assertCleanFailure(unreachable, 6, /Could not read the index page of "x" from http:\/\/127\.0\.0\.1:9\/simple\/x\/: could not reach .* \(after 2 tries\)/, out);
    assert.match(unreachable.stderr, /warning: the index page of "x": could not reach .*; trying again in [\d.]+ s \(retry 1 of 1\)/, 'the retry is logged');
  });

  it('refuses a malformed requirement or option (exit 2)', async () => {
    const out = await freshOut();
    assertCleanFailure(await pkg2os(['build', 'django>=', '--index-url', server.url, '--out', out]), 2, /is not a valid requirement/, out);
    assertCleanFailure(await pkg2os(['build', 'django', '--target', 'windows-11', '--index-url', server.url, '--out', out]), 2, /Unknown target "windows-11"/, out);
    assertCleanFailure(await pkg2os(['build', 'django', '--format', 'apk', '--index-url', server.url, '--out', out]), 2, /Unknown package format "apk"/, out);
    // A target is a distribution release with one package family: an .rpm is never built for Debian.
    assertCleanFailure(await pkg2os(['build', 'django', '--format', 'rpm', '--index-url', server.url, '--out', out]), 2, /--format rpm was asked for, but no target given installs rpm packages: debian-12 is a Debian-family distribution/, out);
    assertCleanFailure(await pkg2os(['build', 'django', '--target', 'debian-12,el9', '--format', 'deb', '--index-url', server.url, '--out', out]), 2, /el9 installs rpm packages, and --format deb leaves it nothing to build/, out);
    // An empty target is a usage error, not "the default target" (it built debian-12).
    for (const empty of ['', 'debian-12,', ',']) assertCleanFailure(await pkg2os(['build', 'django', '--target', empty, '--index-url', server.url, '--out', out]), 2, /option '--target <name>' argument .* is invalid\. .*holds an empty name/, out);
    assertCleanFailure(await pkg2os(['publish', '--repo', join(out, 'repo'), '--target', '']), 2, /option '--target <name>' argument '' is invalid\. it is empty/, out);
    const usage = await pkg2os(['build']);
    assert.equal(usage.exitCode, 2);
    assert.match(usage.stderr, /missing required argument/);
  });

  it('with --json, a run that fails before any report still prints one JSON document with the error (usage, resolution, index, verification)', async () => {
    const out = await freshOut();
    const cases: Array<[string[], number, string]> = [
      [['build', 'no-such-project', '--json', '--index-url', server.url, '--out', out], 6, 'PROJECT_NOT_FOUND'],
      [['build', 'django', '--json', '--target', 'windows-11', '--index-url', server.url, '--out', out], 2, 'UNKNOWN_TARGET'],
      [['build', 'django>=', '--json', '--index-url', server.url, '--out', out], 2, 'INVALID_REQUIREMENT'],
      [['build', 'django', '--json', '--no-such-flag'], 2, 'USAGE'],
    ];
    for (const [args, exitCode, code] of cases) {
      const result = await pkg2os(args);
      assert.equal(result.exitCode, exitCode, `${args.join(' ')}: ${result.stderr}`);
      const document = validReport<{ error: { code: string; exitCode: number; message: string } }>('error', result.stdout);
      assert.equal(document.error.code, code, args.join(' '));
      assert.equal(document.error.exitCode, exitCode);
      assert.match(result.stderr, /pkg2os: error: |error: unknown option/, 'the message stays on stderr too');
    }
  });

  it('names the Debian package of a missing system tool before doing any work (exit 5)', async () => {
    const out = await freshOut();
    const bin = await mkdtemp(join(tmpdir(), 'pkg2os-path-'));
    await symlink(process.execPath, join(bin, 'node'));
    const requestsBefore = server.requests.length;
    const result = await pkg2os(['build', 'pure-fixture', '--target', 'debian-12,el9', '--index-url', server.url, '--out', out], { PATH: bin });
    assertCleanFailure(result, 5, /needs bwrap, prlimit, setpriv, tar, patchelf, readelf, dpkg-deb, rpmbuild/, out);
    assert.match(result.stderr, /apt-get install bubblewrap util-linux tar patchelf binutils dpkg rpm/);
    assert.equal(server.requests.length, requestsBefore, 'the index was not contacted');
  });
});
