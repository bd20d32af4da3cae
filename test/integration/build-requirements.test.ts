/**
 * Build requirements from the verified index: backends the host lacks, newer
 * versions than the distribution's, requirements built from sdists with their
 * own requirements, bootstrap cycles, refusals, and closures that go on past
 * a failed wheel. Every backend here is made by the tests (backend-fixtures).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { makeProjectSdist, makeWheel, miniBackend } from '../support/backend-fixtures.js';
import { IndexServer, sha256 } from '../support/index-server.js';
import { makeKey, sign } from '../support/pgp.js';
import { validReport } from '../support/report-schema.js';
import { pkg2os } from '../support/run-cli.js';
import { makeSdist } from '../support/sdist-fixtures.js';

const index = new IndexServer();
const bootstrap = new IndexServer();
const bare = new IndexServer();
const vendoring = new IndexServer();
const choosing = new IndexServer();

const project = (name: string, requires: string[], backend: string, extra: Partial<Parameters<typeof makeProjectSdist>[0]> = {}) => makeProjectSdist({ name, version: '1.0', requires, backend, ...extra });

before(async () => {
  for (const version of ['1.0', '2.0']) index.add('fixturebackend', await makeWheel({ name: 'fixturebackend', version, files: { 'fixturebackend/__init__.py': miniBackend() } }));
  index.add('needs-fixturebackend', await project('needs-fixturebackend', ['fixturebackend>=2'], 'fixturebackend'));
  // A flit_core-like backend, newer than Debian 12's flit_core 3.8, that takes a PEP 639 license string.
  index.add('flit-core', await makeWheel({ name: 'flit-core', version: '3.12.0', files: { 'flit_core/__init__.py': '__version__ = "3.12.0"\n', 'flit_core/buildapi.py': miniBackend() } }));
  const pep639 = await project('pep639-project', ['flit_core>=3.11'], 'flit_core.buildapi', { license: 'MIT' });
  index.add('pep639-project', pep639);
  bare.add('pep639-project', pep639);
  // A build requirement that exists only as an sdist, with a build requirement of its own.
  index.add('fixture-plugin', await project('fixture-plugin', ['fixturebackend>=2'], 'fixturebackend', { dependencies: ['fixturebackend>=2'], files: { 'fixture_plugin/backend.py': 'from fixturebackend import *\n' } }));
  index.add('needs-plugin', await project('needs-plugin', ['fixture-plugin'], 'fixture_plugin.backend'));
  // An in-tree backend that builds itself (as flit_core and hatchling do).
  index.add('fixture-selfhost', await project('fixture-selfhost', [], 'selfhost_backend', { backendPath: ['.'], files: { 'selfhost_backend.py': miniBackend(), 'fixture_selfhost/backend.py': miniBackend() } }));
  index.add('needs-selfhost', await project('needs-selfhost', ['fixture-selfhost>=1'], 'fixture_selfhost.backend'));
  // A cycle nothing breaks.
  index.add('cycle-a', await project('cycle-a', ['cycle-b'], 'cycle_b.backend', { files: { 'cycle_a/backend.py': miniBackend() } }));
  index.add('cycle-b', await project('cycle-b', ['cycle-a'], 'cycle_a.backend', { files: { 'cycle_b/backend.py': miniBackend() } }));
  index.add('needs-cycle', await project('needs-cycle', ['cycle-a'], 'cycle_a.backend'));
  // Refusals, as for any sdist.
  const tampered = await makeWheel({ name: 'tampered-backend', version: '1.0', files: { 'tampered_backend/__init__.py': miniBackend() } });
  index.add('tampered-backend', { ...tampered, sha256: sha256(Buffer.concat([tampered.body, Buffer.from('x')])) });
  index.add('needs-tampered', await project('needs-tampered', ['tampered-backend'], 'tampered_backend'));
  const signedWheel = await makeWheel({ name: 'signed-backend', version: '1.0', files: { 'signed_backend/__init__.py': miniBackend() } });
  const key = await makeKey({ type: 'ed25519' });
  index.add('signed-backend', { ...signedWheel, signature: await sign(signedWheel.body, key) });
  index.add('needs-signed', await project('needs-signed', ['signed-backend'], 'signed_backend'));
  // A closure that goes on past a failed wheel: static metadata (PEP 643) names the dependency.
  index.add('static-broken', await project('static-broken', ['fixturebackend>=2'], 'no_such_backend_module', { dependencies: ['static-dep'], pkgInfo: 'Metadata-Version: 2.2\nName: static-broken\nVersion: 1.0\nRequires-Dist: static-dep\n' }));
  index.add('static-dep', await makeSdist({ name: 'static-dep', version: '1.0' }));
  // Bootstrap through the distribution: flit_core 3.12 only as an sdist that needs flit_core>=3.11 itself; Debian's 3.8 builds it.
  bootstrap.add('flit-core', await makeProjectSdist({ name: 'flit-core', version: '3.12.0', requires: ['flit_core>=3.11'], backend: 'flit_core.buildapi', license: { text: 'MIT' }, files: { 'flit_core/buildapi.py': miniBackend() } }));
  bootstrap.add('pep639-project', pep639);
  // A setuptools-like backend that vendors a newer packaging and appends it to sys.path, as setuptools >= 71 does;
  // Debian 12's packaging 23.0 would shadow it. From the index as a wheel, and (another version) as an sdist that builds itself.
  const setuptoolsFiles = (version: string) => ({
    'setuptools/__init__.py': `import os, sys\nsys.path.extend([os.path.join(os.path.dirname(__file__), "_vendor")])\nimport packaging\nif getattr(packaging, "VENDORED_BY", None) != "setuptools ${version}":\n    raise ImportError("Cannot import packaging.licenses: the build root's packaging " + packaging.__version__ + " shadows the vendored one")\n`,
    'setuptools/_vendor/packaging/__init__.py': `__version__ = "99.0"\nVENDORED_BY = "setuptools ${version}"\n`,
    'setuptools/build_meta.py': `import setuptools\n${miniBackend()}`,
  });
  vendoring.add('setuptools', await makeWheel({ name: 'setuptools', version: '99.2', files: setuptoolsFiles('99.2') }));
  vendoring.add('needs-new-setuptools', await project('needs-new-setuptools', ['setuptools>=99'], 'setuptools.build_meta'));
  vendoring.add('setuptools', await makeProjectSdist({ name: 'setuptools', version: '99.1', requires: [], backend: 'setuptools.build_meta', backendPath: ['.'], files: setuptoolsFiles('99.1') }));
  vendoring.add('needs-setuptools-sdist', await project('needs-setuptools-sdist', ['setuptools==99.1'], 'setuptools.build_meta'));
  // Policies and backtracking. six: Debian 12 has 1.16.0; the index has a newer one. A failing backend names its versions.
  choosing.add('six', await makeWheel({ name: 'six', version: '1.17.0', files: { 'six.py': '__version__ = "1.17.0"\n' } }));
  for (const version of ['1.0', '2.0']) choosing.add('fixturebackend', await makeWheel({ name: 'fixturebackend', version, files: { 'fixturebackend/__init__.py': miniBackend() } }));
  choosing.add('needs-six', await project('needs-six', ['fixturebackend', 'six>=1.10'], 'fixturebackend'));
  // The newest gamma needs delta<2, while delta was chosen first at 2.0: first-fit gave up here ("needs delta<2, and also delta 2.0").
  for (const [version, requiresDist] of [['1.0', []], ['2.0', ['delta<2']]] as const) choosing.add('gamma', await makeWheel({ name: 'gamma', version, files: { 'gamma/__init__.py': '' }, requiresDist: [...requiresDist] }));
  for (const version of ['1.0', '2.0']) choosing.add('delta', await makeWheel({ name: 'delta', version, files: { 'delta/__init__.py': '' } }));
  choosing.add('needs-delta-gamma', await project('needs-delta-gamma', ['fixturebackend', 'delta', 'gamma'], 'fixturebackend'));
  // distribution-first chooses Debian's six 1.16 first; a later constraint (six>=1.17) sends it back to the index's 1.17.
  choosing.add('wants-new-six', await makeWheel({ name: 'wants-new-six', version: '1.0', files: { 'wants_new_six/__init__.py': '' }, requiresDist: ['six>=1.17'] }));
  choosing.add('needs-new-six', await project('needs-new-six', ['fixturebackend', 'six', 'wants-new-six'], 'fixturebackend'));
  choosing.add('pickybackend', await makeWheel({ name: 'pickybackend', version: '1.0', files: { 'pickybackend/__init__.py': miniBackend(true) } }));
  choosing.add('fails-building', await project('fails-building', ['pickybackend'], 'pickybackend', { license: 'MIT' }));
  for (const server of [index, bootstrap, bare, vendoring, choosing]) await server.start();
});

after(async () => {
  for (const server of [index, bootstrap, bare, vendoring, choosing]) await server.stop();
});

async function build(server: IndexServer, name: string, ...extra: string[]) {
  const dir = await mkdtemp(join(tmpdir(), 'pkg2os-breq-'));
  const out = join(dir, 'out');
  const result = await pkg2os(['build', name, '--no-deps', '--index-url', server.url, '--out', out, '--format', 'deb', '--json', '--lockfile', join(dir, 'pkg2os.lock'), ...extra], {}, dir);
  return { ...result, out, dir };
}

describe('how build requirements are chosen', () => {
  type Req = { project: string; version: string; source: string; reason?: string };
  const reqs = (stdout: string) => validReport<{ packages: Array<{ build: { requirements: Req[] } }> }>('report', stdout).packages[0]!.build.requirements;

  it('takes the newest verified version from the index by default, though the distribution\'s satisfies, and says why', async () => {
    const r = await build(choosing, 'needs-six');
    assert.equal(r.exitCode, 0, r.stderr);
    const six = reqs(r.stdout).find((q) => q.project === 'six')!;
    assert.deepEqual([six.version, six.source], ['1.17.0', 'index-wheel']);
    assert.match(six.reason!, /the newest on the index that satisfies >=1\.10, as upstream tests with \(Debian 12 has 1\.16\.0\)/);
    assert.match(await readFile(join(r.out, 'logs', 'needs-six-1.0.log'), 'utf8'), /six 1\.17\.0 from index-wheel: the newest on the index/, 'the build log says it too');
  });

  it('with build-requirements: distribution-first, takes the distribution\'s where it satisfies, and says so', async () => {
    const config = join(await mkdtemp(join(tmpdir(), 'pkg2os-breq-policy-')), 'config.yaml');
    await writeFile(config, 'build-requirements: distribution-first\n');
    const r = await build(choosing, 'needs-six', '--config', config);
    assert.equal(r.exitCode, 0, r.stderr);
    const six = reqs(r.stdout).find((q) => q.project === 'six')!;
    assert.deepEqual([six.version, six.source], ['1.16.0', 'distribution']);
    assert.match(six.reason!, /distribution-first: Debian 12's 1\.16\.0 satisfies >=1\.10/);
  });

  it('backtracks: the newest gamma needs delta<2, so delta 1.0 (or an older gamma) is taken instead of failing', async () => {
    const r = await build(choosing, 'needs-delta-gamma');
    assert.equal(r.exitCode, 0, r.stderr);
    const chosen = Object.fromEntries(reqs(r.stdout).map((q) => [q.project, q.version]));
    assert.ok(chosen.gamma === '1.0' || chosen.delta === '1.0', JSON.stringify(chosen));
    assert.ok(chosen.gamma !== '2.0' || chosen.delta !== '2.0', 'no conflicting pair');
  });

  it('backtracks from the distribution\'s version when a later requirement needs more (distribution-first), to the index\'s', async () => {
    const config = join(await mkdtemp(join(tmpdir(), 'pkg2os-breq-policy-')), 'config.yaml');
    await writeFile(config, 'build-requirements: distribution-first\n');
    const r = await build(choosing, 'needs-new-six', '--config', config);
    assert.equal(r.exitCode, 0, r.stderr);
    const six = reqs(r.stdout).find((q) => q.project === 'six')!;
    assert.deepEqual([six.version, six.source], ['1.17.0', 'index-wheel']);
  });

  it('a build that fails names the backend versions it ran with', async () => {
    const r = await build(choosing, 'fails-building');
    assert.equal(r.exitCode, 4, r.stderr);
    assert.match(r.stderr, /Building the wheel of fails-building 1\.0 failed \(built with pickybackend 1\.0 from the index\)\./);
    assert.match(r.stderr, /license field should be/);
  });
});

describe('build requirements from the verified index', () => {
  it('builds with a backend the host lacks, from its verified wheel; report.json and pkg2os.lock say so', async () => {
    const r = await build(index, 'needs-fixturebackend');
    assert.equal(r.exitCode, 0, r.stderr);
    const report = validReport('report', r.stdout);
    const [req] = report.packages[0].build.requirements;
    assert.equal(req.project, 'fixturebackend');
    assert.equal(req.version, '2.0', 'the newest that satisfies it');
    assert.equal(req.source, 'index-wheel');
    assert.deepEqual(req.checks.map((c: { kind: string }) => c.kind), ['hash', 'signature', 'provenance', 'lockfile']);
    assert.notEqual(report.packages[0].build.environment, 'distribution');
    const lock = parseYaml(await readFile(join(r.dir, 'pkg2os.lock'), 'utf8'));
    assert.deepEqual(lock.packages.fixturebackend.map((e: { filename: string; for: string }) => [e.filename, e.for]), [['fixturebackend-2.0-py3-none-any.whl', 'build']]);
    assert.ok(existsSync(join(r.out, 'deb/python3-needs-fixturebackend_1.0-1~deb12_all.deb')));
  });

  it('takes a newer version than the distribution\'s from the index (flit_core>=3.11; Debian 12 has 3.8), and says the truth when the index has none', async () => {
    const r = await build(index, 'pep639-project');
    assert.equal(r.exitCode, 0, r.stderr);
    const report = validReport('report', r.stdout);
    assert.deepEqual(report.packages[0].build.requirements.map((q: { project: string; version: string; source: string }) => [q.project, q.version, q.source]), [['flit-core', '3.12.0', 'index-wheel']]);
    const missing = await build(bare, 'pep639-project');
    assert.equal(missing.exitCode, 4, missing.stderr);
    assert.match(missing.stderr, /pep639-project 1\.0 needs flit_core>=3\.11 to build; Debian 12 has flit-core 3\.8\.0; the index has no flit-core\./);
    assert.doesNotMatch(missing.stderr, /Traceback|ConfigError/, 'no backend traceback for a version pkg2os could check first');
  });

  it('builds a build requirement from its sdist, with its own build requirement, and its dependencies join the environment', async () => {
    const r = await build(index, 'needs-plugin', '-v');
    assert.equal(r.exitCode, 0, r.stderr);
    const report = validReport('report', r.stdout);
    const sources = Object.fromEntries(report.packages[0].build.requirements.map((q: { project: string; source: string }) => [q.project, q.source]));
    assert.deepEqual(sources, { 'fixture-plugin': 'index-sdist', fixturebackend: 'index-wheel' });
    assert.ok(existsSync(join(r.out, 'logs/fixture-plugin-1.0.log')), 'the build requirement has a build log');
    // A second run with the cache: no download and no build of the requirements.
    const again = await build(index, 'needs-plugin', '-v', '--cache-dir', join(r.dir, 'cache'));
    assert.equal(again.exitCode, 0, again.stderr);
    const warm = await build(index, 'needs-plugin', '-v', '--cache-dir', join(r.dir, 'cache'), '--release', '2');
    assert.equal(warm.exitCode, 0, warm.stderr);
    assert.doesNotMatch(warm.stderr, /fixture-plugin 1\.0: (downloading|building the wheel)/);
    assert.doesNotMatch(warm.stderr, /fixturebackend-2\.0-py3-none-any\.whl/);
    assert.equal(validReport('report', warm.stdout).packages[0].build.environment, validReport('report', again.stdout).packages[0].build.environment);
  });

  it('bootstraps: an in-tree backend builds itself; a backend that needs itself is built with the distribution\'s version, and pkg2os says so', async () => {
    const self = await build(index, 'needs-selfhost');
    assert.equal(self.exitCode, 0, self.stderr);
    assert.deepEqual(validReport('report', self.stdout).packages[0].build.requirements.map((q: { project: string; source: string }) => [q.project, q.source]), [['fixture-selfhost', 'index-sdist']]);
    const r = await build(bootstrap, 'pep639-project');
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, /bootstrap: Debian 12's flit-core 3\.8\.0 builds pep639-project → flit-core, which needs flit_core>=3\.11/);
    assert.deepEqual(validReport('report', r.stdout).packages[0].build.requirements.map((q: { project: string; version: string; source: string }) => [q.project, q.version, q.source]), [['flit-core', '3.12.0', 'index-sdist']]);
  });

  it('a setuptools from the index uses the dependencies it vendors, not the build root\'s older copies (as in pip\'s isolated build): from its wheel, and building itself from its sdist', async () => {
    const wheel = await build(vendoring, 'needs-new-setuptools');
    assert.equal(wheel.exitCode, 0, wheel.stderr);
    assert.deepEqual(validReport('report', wheel.stdout).packages[0].build.requirements.map((q: { project: string; version: string; source: string }) => [q.project, q.version, q.source]), [['setuptools', '99.2', 'index-wheel']]);
    const sdist = await build(vendoring, 'needs-setuptools-sdist');
    assert.equal(sdist.exitCode, 0, sdist.stderr);
    assert.deepEqual(validReport('report', sdist.stdout).packages[0].build.requirements.map((q: { project: string; version: string; source: string }) => [q.project, q.version, q.source]), [['setuptools', '99.1', 'index-sdist']]);
    assert.doesNotMatch(sdist.stderr + wheel.stderr, /shadows the vendored one/);
  });

  it('says clearly when build requirements form a cycle nothing breaks', async () => {
    const r = await build(index, 'needs-cycle');
    assert.equal(r.exitCode, 4, r.stderr);
    assert.match(r.stderr, /cannot be built: its build requirements form a cycle \(needs-cycle → cycle-a → cycle-b → cycle-a\), and Debian 12 has no cycle-a to break it with/);
  });

  it('refuses a build requirement with a bad hash, or with a signature by a key nobody pinned, exactly as an sdist (exit 3)', async () => {
    const tampered = await build(index, 'needs-tampered');
    assert.equal(tampered.exitCode, 3, tampered.stderr);
    assert.match(tampered.stderr, /tampered_backend-1\.0-py3-none-any\.whl does not match the index/);
    const signed = await build(index, 'needs-signed');
    assert.equal(signed.exitCode, 3, signed.stderr);
    assert.match(signed.stderr, /signed_backend-1\.0-py3-none-any\.whl is signed by key ID [0-9A-F]+, but no key is pinned for signed-backend/);
  });

  it('builds the closure of a project whose own wheel fails, when its metadata is static (PEP 643)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pkg2os-breq-'));
    const out = join(dir, 'out');
    const r = await pkg2os(['build', 'static-broken', '--index-url', index.url, '--out', out, '--format', 'deb', '--json', '--no-lockfile'], {}, dir);
    assert.equal(r.exitCode, 4, r.stderr);
    const report = validReport('report', r.stdout);
    assert.deepEqual(report.packages.map((p: { project: string }) => p.project), ['static-dep']);
    assert.deepEqual(report.failures.map((f: { project: string; code: string }) => [f.project, f.code]), [['static-broken', 'BUILD_FAILED']]);
    assert.ok(existsSync(join(out, 'deb/python3-static-dep_1.0-1~deb12_all.deb')));
  });
});
