/**
 * Small sdists made by the tests themselves: a pyproject.toml (setuptools),
 * a PKG-INFO and a module, packed the way `python -m build --sdist` packs them.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tar from 'tar';

export interface FixtureSpec {
  name: string;
  version: string;
  summary?: string;
  /** PEP 508 runtime dependencies. */
  dependencies?: string[];
  /** Extras: name → PEP 508 requirements. */
  optionalDependencies?: Record<string, string[]>;
  /** console_scripts: name → "module:function". */
  scripts?: Record<string, string>;
  requiresPython?: string;
  /** Build requirements (default setuptools). */
  buildRequires?: string[];
  /** Extra files, path (relative to the project dir) → content. */
  files?: Record<string, string>;
  /** Replace the module with one that does not compile, to break the build. */
  broken?: boolean;
  /** Give the module a C extension (`<module>._speed`, with add(a, b)), built by setuptools. */
  compiled?: boolean;
  /** Link the C extension with this RPATH and RUNPATH (a hostile build's). */
  rpath?: string;
}

/** A small C extension: <module>._speed.add(a, b), and the Python version it was compiled for. */
function cExtension(mod: string, rpath?: string): Record<string, string> {
  const link = rpath ? `, extra_link_args=["-Wl,-rpath,${rpath}", "-Wl,--disable-new-dtags", "-Wl,-rpath,${rpath}/runpath"]` : '';
  return {
    'setup.py': `from setuptools import Extension, setup\nsetup(ext_modules=[Extension("${mod}._speed", ["${mod}/_speed.c"]${link})])\n`,
    [`${mod}/_speed.c`]: [
      '#define PY_SSIZE_T_CLEAN',
      '#include <Python.h>',
      '#include <unistd.h>',
      '/* A call into the C library, so that the module needs libc6 whatever the linker drops. */',
      'static PyObject *pid(PyObject *self, PyObject *args) { return PyLong_FromLong((long)getpid()); }',
      'static PyObject *add(PyObject *self, PyObject *args) {',
      '  long a, b;',
      '  if (!PyArg_ParseTuple(args, "ll", &a, &b)) return NULL;',
      '  return PyLong_FromLong(a + b);',
      '}',
      'static PyMethodDef methods[] = {{"add", add, METH_VARARGS, "a + b"}, {"pid", pid, METH_NOARGS, "the process id"}, {NULL, NULL, 0, NULL}};',
      'static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_speed", NULL, -1, methods};',
      'PyMODINIT_FUNC PyInit__speed(void) {',
      '  PyObject *m = PyModule_Create(&module);',
      '  if (m) PyModule_AddStringConstant(m, "built_for", PY_VERSION);',
      '  return m;',
      '}',
      '',
    ].join('\n'),
    [`${mod}/__init__.py`]: `"""Compiled fixture."""\nfrom ._speed import add, built_for\n\n__version__ = "1.0"\n`,
  };
}

const FIXED_MTIME = new Date('2024-03-01T12:00:00Z');

export function moduleName(name: string): string {
  return name.toLowerCase().replace(/[-.]+/g, '_');
}

/** Build an sdist and return its bytes and file name. */
export async function makeSdist(spec: FixtureSpec): Promise<{ filename: string; body: Buffer }> {
  const dir = await mkdtemp(join(tmpdir(), 'pkg2os-fixture-'));
  const base = `${moduleName(spec.name)}-${spec.version}`;
  const mod = moduleName(spec.name);
  const toml = [
    '[build-system]',
    `requires = [${(spec.buildRequires ?? ['setuptools>=61']).map((r) => JSON.stringify(r)).join(', ')}]`,
    'build-backend = "setuptools.build_meta"',
    '',
    '[project]',
    `name = ${JSON.stringify(spec.name)}`,
    `version = ${JSON.stringify(spec.version)}`,
    `description = ${JSON.stringify(spec.summary ?? `Test fixture ${spec.name}`)}`,
    'license = { text = "MIT" }',
    `dependencies = [${(spec.dependencies ?? []).map((d) => JSON.stringify(d)).join(', ')}]`,
    ...(spec.requiresPython ? [`requires-python = ${JSON.stringify(spec.requiresPython)}`] : []),
    '',
    '[project.urls]',
    `Homepage = "https://example.org/${spec.name}"`,
    ...(spec.optionalDependencies ? ['', '[project.optional-dependencies]', ...Object.entries(spec.optionalDependencies).map(([k, v]) => `${k} = [${v.map((d) => JSON.stringify(d)).join(', ')}]`)] : []),
    ...(spec.scripts ? ['', '[project.scripts]', ...Object.entries(spec.scripts).map(([k, v]) => `${JSON.stringify(k)} = ${JSON.stringify(v)}`)] : []),
    '',
  ].join('\n');
  const pkgInfo = [`Metadata-Version: 2.1`, `Name: ${spec.name}`, `Version: ${spec.version}`, `Summary: ${spec.summary ?? `Test fixture ${spec.name}`}`, ''].join('\n');
  const files: Record<string, string> = {
    'pyproject.toml': toml,
    'PKG-INFO': pkgInfo,
    'LICENSE': 'MIT License\n\nCopyright (c) 2024 pkg2os test fixtures\n',
    [`${mod}/__init__.py`]: spec.broken
      ? 'def broken(:\n'
      : `"""Fixture module ${spec.name}."""\n__version__ = ${JSON.stringify(spec.version)}\n\n\ndef main():\n    print("${spec.name} " + __version__)\n`,
    ...(spec.compiled ? cExtension(mod, spec.rpath) : {}),
    ...spec.files,
  };
  if (spec.broken) files['setup.py'] = 'raise SystemExit("this sdist is broken on purpose")\n';
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, base, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
    await utimes(full, FIXED_MTIME, FIXED_MTIME);
  }
  const filename = `${base}.tar.gz`;
  const out = join(dir, filename);
  await tar.create({ gzip: true, cwd: dir, file: out, portable: true, mtime: FIXED_MTIME }, [base]);
  const body = await readFile(out);
  await rm(dir, { recursive: true, force: true });
  return { filename, body };
}

/**
 * A tar.gz with hostile entries, made with Python's tarfile (which writes
 * whatever it is told): kind "dotdot" (../ path), "symlink-out" (link to /etc
 * and a file written through it), "absolute", "device".
 */
export async function makeMaliciousSdist(kind: 'dotdot' | 'symlink-out' | 'absolute' | 'device', name = 'evil', version = '1.0'): Promise<{ filename: string; body: Buffer }> {
  const { execa } = await import('execa');
  const dir = await mkdtemp(join(tmpdir(), 'pkg2os-evil-'));
  const filename = `${name}-${version}.tar.gz`;
  const script = `
import io, sys, tarfile
kind, base, out = sys.argv[1], sys.argv[2], sys.argv[3]
def add(t, name, data=b"x", type_=tarfile.REGTYPE, link=""):
    ti = tarfile.TarInfo(name); ti.type = type_; ti.linkname = link; ti.mtime = 1700000000
    if type_ == tarfile.REGTYPE:
        ti.size = len(data); t.addfile(ti, io.BytesIO(data))
    else:
        t.addfile(ti)
with tarfile.open(out, "w:gz", format=tarfile.GNU_FORMAT) as t:
    add(t, base + "/pyproject.toml", b"[build-system]\\nrequires=['setuptools']\\nbuild-backend='setuptools.build_meta'\\n")
    if kind == "dotdot": add(t, base + "/../../pkg2os-escaped.txt")
    if kind == "absolute": add(t, "/tmp/pkg2os-absolute.txt")
    if kind == "symlink-out":
        add(t, base + "/etc", type_=tarfile.SYMTYPE, link="/etc")
        add(t, base + "/etc/pkg2os-owned", b"owned")
    if kind == "device": add(t, base + "/null", type_=tarfile.CHRTYPE)
`;
  await execa('/usr/bin/python3', ['-c', script, kind, `${name}-${version}`, join(dir, filename)]);
  const body = await readFile(join(dir, filename));
  await rm(dir, { recursive: true, force: true });
  return { filename, body };
}
