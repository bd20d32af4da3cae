/**
 * C extensions and the C libraries they need. A project whose setup.py
 * quietly drops its extension when a header is missing (as PyYAML does
 * without yaml.h) came out as a pure package before, saying nothing: now
 * that wheel is refused, naming the missing header and the recipe key that
 * fixes it. With the recipe's build-depends the library's headers are
 * installed into a root of the target's made for it (mmdebstrap from
 * Debian's archive; the host is never touched) and the extension is built
 * and linked; a recipe that calls the extension optional takes the pure
 * wheel.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { IndexServer } from '../support/index-server.js';
import { debField, extract } from '../support/inspect.js';
import { debianArchiveUnreachable } from '../support/roots.js';
import { pkg2os } from '../support/run-cli.js';
import { makeSdist } from '../support/sdist-fixtures.js';

const index = new IndexServer();
let dir: string;
/** A cache kept between runs for the root this test makes (bookworm + libsodium-dev takes minutes); its other entries are cleared. */
const SHARED = join(tmpdir(), `pkg2os-test-bookworm-${process.getuid?.() ?? 0}`);

/** setup.py that builds <module>._sodium against libsodium when its header is there, and silently leaves it out when not. */
const optionalSodium = (mod: string) => ({
  'setup.py': [
    'import subprocess, sys, tempfile, os',
    'from setuptools import Extension, setup',
    'probe = os.path.join(tempfile.mkdtemp(), "probe.c")',
    'open(probe, "w").write("#include <sodium.h>\\nint main(void) { return sodium_init(); }\\n")',
    'found = subprocess.run(["cc", "-c", probe, "-o", probe + ".o"]).returncode == 0',
    'if not found:',
    '    print("libsodium is not found: building without the C extension", file=sys.stderr)',
    `setup(ext_modules=[Extension("${mod}._sodium", ["${mod}/_sodium.c"], libraries=["sodium"])] if found else [])`,
    '',
  ].join('\n'),
  [`${mod}/_sodium.c`]: [
    '#include <Python.h>',
    '#include <sodium.h>',
    'static PyObject *version(PyObject *self, PyObject *args) { return PyUnicode_FromString(sodium_version_string()); }',
    'static PyMethodDef methods[] = {{"version", version, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};',
    'static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_sodium", NULL, -1, methods};',
    'PyMODINIT_FUNC PyInit__sodium(void) { return PyModule_Create(&module); }',
    '',
  ].join('\n'),
});

before(async () => {
  index.add('saltish', await makeSdist({ name: 'saltish', version: '1.0', files: optionalSodium('saltish') }));
  // A build requirement neither the host nor the index has, which the recipe's build-depends installs (as cython3 for PyYAML).
  index.add('needs-iniconfig', await makeSdist({ name: 'needs-iniconfig', version: '1.0', buildRequires: ['setuptools', 'iniconfig'] }));
  await index.start();
  dir = await mkdtemp(join(tmpdir(), 'pkg2os-native-'));
});
after(() => index.stop());

async function recipes(name: string, text: string): Promise<string> {
  const d = join(dir, `recipes-${name}`);
  await mkdir(d, { recursive: true });
  for (const project of ['saltish', 'needs-iniconfig']) await writeFile(join(d, `${project}.yaml`), text);
  return d;
}

describe('native extensions', () => {
  it('refuses a pure wheel from C sources, naming the header the build log shows missing and the recipe keys (exit 4)', async (t) => {
    if ((await execa('dpkg', ['-s', 'libsodium-dev'], { reject: false })).exitCode === 0) return t.skip('libsodium-dev is installed on this host, so the extension builds here');
    const out = join(dir, 'out-refused');
    const result = await pkg2os(['build', 'saltish', '--target', 'debian-12', '--index-url', index.url, '--out', out, '--no-lockfile']);
    assert.equal(result.exitCode, 4, result.stderr);
    assert.match(result.stderr, /saltish 1\.0 has native sources \(saltish\/_sodium\.c\), and its wheel came out pure: its extension was not built; the build log shows sodium\.h missing/);
    assert.match(result.stderr, /build-depends: \{deb: \[\.\.\.-dev\], rpm: \[\.\.\.-devel\]\}/);
    assert.match(result.stderr, /optional-extension: true/);
    assert.ok(!(await readdir(out).catch(() => [] as string[])).includes('deb'), 'no package was made');
  });

  it('takes the pure wheel when the recipe calls the extension optional', async () => {
    const out = join(dir, 'out-optional');
    const result = await pkg2os(['build', 'saltish', '--target', 'debian-12', '--index-url', index.url, '--out', out, '--no-lockfile', '--recipes-dir', await recipes('optional', 'optional-extension: true\n')]);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual(await readdir(join(out, 'deb')), ['python3-saltish_1.0-1~deb12_all.deb']);
  });

  it('with build-depends, builds the extension in a root of the target made with the library\'s headers, and depends on the library', { timeout: 20 * 60_000 }, async (t) => {
    const unreachable = await debianArchiveUnreachable('bookworm');
    if (unreachable) return t.skip(unreachable);
    // Keep the made root between runs, nothing else.
    for (const entry of await readdir(SHARED).catch(() => [] as string[])) if (entry !== 'roots') await rm(join(SHARED, entry), { recursive: true, force: true });
    const out = join(dir, 'out-built');
    const result = await pkg2os(['build', 'saltish', 'needs-iniconfig', '--target', 'debian-12', '--index-url', index.url, '--out', out, '--no-lockfile', '--json', '--cache-dir', SHARED, '--recipes-dir', await recipes('deps', 'build-depends:\n  deb: [libsodium-dev, python3-iniconfig]\n  rpm: [libsodium-devel]\n')]);
    assert.equal(result.exitCode, 0, result.stderr);
    // Prepared from the start in the root the build-depends made, not on the host (which has no iniconfig).
    const report = JSON.parse(result.stdout) as { packages: Array<{ project: string; build: { requirements: Array<{ project: string; source: string }> } }> };
    const iniconfig = report.packages.find((p) => p.project === 'needs-iniconfig')!.build.requirements.find((q) => q.project === 'iniconfig');
    assert.equal(iniconfig?.source, 'distribution', JSON.stringify(iniconfig));
    const deb = join(out, 'deb', 'python3-saltish_1.0-1~deb12_amd64.deb');
    assert.match(await debField(deb, 'Depends'), /libsodium23/, 'it depends on the library it links');
    const tree = await extract(deb);
    const so = (await execa('find', [tree, '-name', '_sodium*.so'])).stdout.trim();
    assert.ok(so, 'the extension is in the package');
    assert.match((await execa('readelf', ['-dW', so])).stdout, /NEEDED.*libsodium\.so/);
    assert.notEqual((await execa('dpkg', ['-s', 'libsodium-dev'], { reject: false })).exitCode, 0, 'the host was not touched');
    assert.notEqual((await execa('dpkg', ['-s', 'python3-iniconfig'], { reject: false })).exitCode, 0);
  });
});
