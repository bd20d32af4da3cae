/**
 * Dependency closures through the real CLI: extras and markers per target,
 * a dependency's failure failing its dependents while unrelated packages
 * build, and --dry-run.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IndexServer } from '../support/index-server.js';
import { debField, rpmRequires } from '../support/inspect.js';
import { pkg2os } from '../support/run-cli.js';
import { makeSdist } from '../support/sdist-fixtures.js';
import { validReport } from '../support/report-schema.js';

const server = new IndexServer();

before(async () => {
  server.add('closure-a', await makeSdist({ name: 'closure-a', version: '1.0', dependencies: ['closure-b[fast]>=1', 'closure-c; python_version < "3.10"'] }));
  server.add('closure-b', await makeSdist({ name: 'closure-b', version: '1.5' }));
  server.add('closure-b', await makeSdist({ name: 'closure-b', version: '2.0', optionalDependencies: { fast: ['closure-d'], slow: ['closure-e'] } }));
  for (const name of ['closure-c', 'closure-d', 'closure-e', 'standalone']) server.add(name, await makeSdist({ name, version: '1.0' }));
  server.add('needs-broken', await makeSdist({ name: 'needs-broken', version: '1.0', dependencies: ['broken-dep'] }));
  server.add('broken-dep', await makeSdist({ name: 'broken-dep', version: '1.0', broken: true }));
  await server.start();
});
after(() => server.stop());

async function out(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'pkg2os-closure-')), 'out');
}

describe('dependency closure', () => {
  it('builds A, B (newest) and what A asks of B[fast] for debian-12, not the python<3.10 dependency', async () => {
    const dir = await out();
    const result = await pkg2os(['build', 'closure-a', '--index-url', server.url, '--out', dir, '--target', 'debian-12', '--format', 'deb', '--json', '--jobs', '2']);
    assert.equal(result.exitCode, 0, result.stderr);
    const report = validReport('report', result.stdout);
    assert.deepEqual(report.packages.map((p: { project: string; version: string }) => `${p.project} ${p.version}`).sort(), ['closure-a 1.0', 'closure-b 2.0', 'closure-d 1.0']);
    const depends = await debField(join(dir, 'deb/python3-closure-a_1.0-1~deb12_all.deb'), 'Depends');
    assert.equal(depends, 'python3:any, python3-closure-b (>= 1.0), python3-closure-d');
    const d = report.packages.find((p: { project: string }) => p.project === 'closure-d');
    // The chain, in the words of each project's own metadata.
    assert.deepEqual(d.requiredBy, ['closure-a', 'closure-a 1.0 requires closure-b[fast] (>=1)', "closure-b[fast] 2.0 requires closure-d ; extra == 'fast'"]);
  });

  it('adds the python<3.10 dependency for el9 (Python 3.9)', async () => {
    const dir = await out();
    const result = await pkg2os(['build', 'closure-a', '--index-url', server.url, '--out', dir, '--target', 'el9', '--format', 'rpm', '--json']);
    assert.equal(result.exitCode, 0, result.stderr);
    const report = validReport('report', result.stdout);
    assert.deepEqual(report.packages.map((p: { project: string }) => p.project).sort(), ['closure-a', 'closure-b', 'closure-c', 'closure-d']);
    const requires = await rpmRequires(join(dir, 'rpm/python3-closure-a-1.0-1.el9.noarch.rpm'));
    for (const r of ['python(abi) = 3.9', 'python3dist(closure-b) >= 1.0', 'python3dist(closure-c)', 'python3dist(closure-d)']) assert.ok(requires.includes(r), `${r} in ${requires.join(', ')}`);
    const files = await readdir(join(dir, 'rpm'));
    assert.ok(files.every((f) => f.endsWith('.el9.noarch.rpm')));
  });

  it('builds each (project, version, target) once, for several targets in one run', async () => {
    const dir = await out();
    const result = await pkg2os(['build', 'closure-a', '--index-url', server.url, '--out', dir, '--target', 'debian-12', '--target', 'el9', '--json', '-v']);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal((result.stderr.match(/closure-b 2\.0: building the wheel/g) ?? []).length, 1, 'one wheel build for closure-b, used by both targets');
    const report = validReport('report', result.stdout);
    assert.deepEqual(report.packages.map((p: { project: string; target: string }) => `${p.target}:${p.project}`).sort(), ['debian-12:closure-a', 'debian-12:closure-b', 'debian-12:closure-d', 'el9:closure-a', 'el9:closure-b', 'el9:closure-c', 'el9:closure-d']);
    // Each target gets its own family's format, and its own release string.
    const files = report.packages.flatMap((p: { packages: Array<{ file: string }> }) => p.packages.map((f) => f.file));
    assert.ok(files.includes('deb/python3-closure-b_2.0-1~deb12_all.deb') && files.includes('rpm/python3-closure-b-2.0-1.el9.noarch.rpm'), files.join('\n'));
    assert.equal(files.length, 7);
  });

  it('fails what depends on a failed build, with the cause, and still builds unrelated packages (exit 4)', async () => {
    const dir = await out();
    const result = await pkg2os(['build', 'needs-broken', 'standalone', '--index-url', server.url, '--out', dir, '--format', 'deb']);
    assert.equal(result.exitCode, 4, result.stderr);
    assert.ok(existsSync(join(dir, 'deb/python3-standalone_1.0-1~deb12_all.deb')), 'the unrelated package was built');
    assert.ok(!existsSync(join(dir, 'deb/python3-needs-broken_1.0-1~deb12_all.deb')));
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'));
    const broken = report.failures.find((f: { project: string }) => f.project === 'broken-dep');
    const dependent = report.failures.find((f: { project: string }) => f.project === 'needs-broken');
    assert.equal(broken.code, 'BUILD_FAILED');
    assert.equal(dependent.code, 'DEPENDENCY_FAILED');
    assert.equal(dependent.becauseOf, 'broken-dep');
    assert.match(result.stderr, /FAILED needs-broken/);
    // Each package's build log is kept under <out>/logs; a failure shows the tool's last lines and the path.
    validReport('report', JSON.stringify(report));
    assert.equal(broken.log, 'logs/broken-dep-1.0.log');
    assert.match(await readFile(join(dir, broken.log), 'utf8'), /\$ .*python3 (-m build|\/pkg2os\/build-requires\.py)/);
    assert.match(result.stderr, /FAILED broken-dep 1\.0 \(debian-12\): [\s\S]*last lines[\s\S]*Full log: .*logs\/broken-dep-1\.0\.log/);
    const standalone = report.packages.find((p: { project: string }) => p.project === 'standalone');
    assert.match(await readFile(join(dir, standalone.log), 'utf8'), /dpkg-deb/, 'a successful build keeps its log too');
    assert.match(result.stderr, /summary: 1 package file\(s\) built, 0 reused from the cache, 2 failed/);
  });

  it('--dry-run prints the plan and builds nothing', async () => {
    const dir = await out();
    const result = await pkg2os(['build', 'closure-a', '--index-url', server.url, '--out', dir, '--dry-run']);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, /debian-12 {2}closure-a 1\.0 from closure_a-1\.0\.tar\.gz → deb/);
    assert.match(result.stdout, /closure-d 1\.0 from closure_d-1\.0\.tar\.gz/);
    assert.ok(!existsSync(dir), 'nothing was written');
    const json = await pkg2os(['build', 'closure-a', '--index-url', server.url, '--out', dir, '--dry-run', '--json', '--target', 'el9']);
    const plan = validReport('plan', json.stdout);
    assert.deepEqual(plan.plan.map((p: { project: string }) => p.project).sort(), ['closure-a', 'closure-b', 'closure-c', 'closure-d']);
    assert.ok(plan.plan.every((p: { url: string; target: string }) => p.url.startsWith('http://127.0.0.1') && p.target === 'el9'));
  });
});
