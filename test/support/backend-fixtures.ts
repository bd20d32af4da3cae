/**
 * Build backends for the build-requirement tests, made by the tests: a small
 * PEP 517 backend (it packs the project's own package directory into a
 * wheel) published as a wheel or an sdist, under a name of its own or as a
 * flit_core-like backend, and projects that build with them.
 */
import { mkdtemp, mkdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import * as tar from 'tar';

/**
 * Python that writes a wheel: `write_wheel(path, entries, dist_info)` adds the
 * RECORD (sha256 and size of every entry) and zips the entries with a fixed
 * date, deflated or (deflate=False) stored. Shared by every backend and wheel the tests make.
 */
export const WHEEL_WRITER = `
import base64 as _b64, csv as _csv, hashlib as _hashlib, io as _io, zipfile as _zipfile

def write_wheel(path, entries, dist_info, deflate=True):
    record = _io.StringIO()
    writer = _csv.writer(record, lineterminator="\\n")
    for k, v in entries.items():
        writer.writerow([k, "sha256=" + _b64.urlsafe_b64encode(_hashlib.sha256(v).digest()).rstrip(b"=").decode(), len(v)])
    writer.writerow([dist_info + "RECORD", "", ""])
    entries[dist_info + "RECORD"] = record.getvalue().encode()
    with _zipfile.ZipFile(path, "w", _zipfile.ZIP_DEFLATED) as z:
        for k, v in entries.items():
            z.writestr(_zipfile.ZipInfo(k, date_time=(2024, 3, 1, 12, 0, 0)), v, compress_type=_zipfile.ZIP_DEFLATED if deflate else _zipfile.ZIP_STORED)
`;

/** The backend's code. With `refuseLicenseString`, it refuses a PEP 639 license string as flit_core 3.8 does. */
export function miniBackend(refuseLicenseString = false): string {
  return `"""A small PEP 517 backend made by pkg2os's tests."""
import os, tomllib
${WHEEL_WRITER}
REFUSE_LICENSE_STRING = ${refuseLicenseString ? 'True' : 'False'}

def _project():
    with open("pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]

def get_requires_for_build_wheel(config_settings=None):
    return []

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    p = _project()
    lic = p.get("license")
    if isinstance(lic, str) and REFUSE_LICENSE_STRING:
        raise ValueError("license field should be <class 'dict'>, not <class 'str'>")
    name, version = p["name"], p["version"]
    dist = name.replace("-", "_")
    entries = {}
    for root, dirs, files in os.walk(dist):
        for f in sorted(files):
            path = os.path.join(root, f)
            with open(path, "rb") as h:
                entries[path] = h.read()
    meta = ["Metadata-Version: 2.1", "Name: " + name, "Version: " + version, "Summary: " + p.get("description", name)]
    meta += ["Requires-Dist: " + d for d in p.get("dependencies", [])]
    if isinstance(lic, str):
        meta.append("License-Expression: " + lic)
    info = dist + "-" + version + ".dist-info/"
    entries[info + "METADATA"] = ("\\n".join(meta) + "\\n").encode()
    entries[info + "WHEEL"] = b"Wheel-Version: 1.0\\nGenerator: pkg2os-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
    filename = dist + "-" + version + "-py3-none-any.whl"
    write_wheel(os.path.join(wheel_directory, filename), entries, info, deflate=False)
    return filename
`;
}

/** A wheel (py3-none-any) holding `files` (path → text), with the given metadata. */
export async function makeWheel(spec: { name: string; version: string; files: Record<string, string>; requiresDist?: string[] }): Promise<{ filename: string; body: Buffer }> {
  const dir = await mkdtemp(join(tmpdir(), 'pkg2os-wheel-'));
  const dist = spec.name.replace(/-/g, '_');
  const filename = `${dist}-${spec.version}-py3-none-any.whl`;
  const script = `
import json, sys
${WHEEL_WRITER}
spec = json.loads(sys.argv[1]); out = sys.argv[2]
dist = spec["name"].replace("-", "_"); info = dist + "-" + spec["version"] + ".dist-info/"
entries = {k: v.encode() for k, v in spec["files"].items()}
meta = ["Metadata-Version: 2.1", "Name: " + spec["name"], "Version: " + spec["version"]] + ["Requires-Dist: " + d for d in spec.get("requiresDist", [])]
entries[info + "METADATA"] = ("\\n".join(meta) + "\\n").encode()
entries[info + "WHEEL"] = b"Wheel-Version: 1.0\\nGenerator: pkg2os-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
write_wheel(out, entries, info, deflate=False)
`;
  await execa('/usr/bin/python3', ['-c', script, JSON.stringify(spec), join(dir, filename)]);
  const body = await readFile(join(dir, filename));
  await rm(dir, { recursive: true, force: true });
  return { filename, body };
}

export interface ProjectSpec {
  name: string;
  version: string;
  /** [build-system] requires. */
  requires: string[];
  backend: string;
  backendPath?: string[];
  /** [project] license: a PEP 639 string, or a table's text. */
  license?: string | { text: string };
  dependencies?: string[];
  /** Files besides pyproject.toml and the package, path → text. */
  files?: Record<string, string>;
  /** PKG-INFO's text (default: Metadata 2.1, name and version). */
  pkgInfo?: string;
}

/** An sdist that builds with the backend its [build-system] names. */
export async function makeProjectSdist(spec: ProjectSpec): Promise<{ filename: string; body: Buffer }> {
  const dir = await mkdtemp(join(tmpdir(), 'pkg2os-proj-'));
  const dist = spec.name.replace(/-/g, '_');
  const base = `${dist}-${spec.version}`;
  const license = spec.license === undefined ? '' : typeof spec.license === 'string' ? `license = ${JSON.stringify(spec.license)}\n` : `license = { text = ${JSON.stringify(spec.license.text)} }\n`;
  const files: Record<string, string> = {
    'pyproject.toml': `[build-system]\nrequires = ${JSON.stringify(spec.requires)}\nbuild-backend = ${JSON.stringify(spec.backend)}\n${spec.backendPath ? `backend-path = ${JSON.stringify(spec.backendPath)}\n` : ''}\n[project]\nname = ${JSON.stringify(spec.name)}\nversion = ${JSON.stringify(spec.version)}\ndescription = "fixture ${spec.name}"\n${license}dependencies = ${JSON.stringify(spec.dependencies ?? [])}\n`,
    'PKG-INFO': spec.pkgInfo ?? `Metadata-Version: 2.1\nName: ${spec.name}\nVersion: ${spec.version}\n`,
    [`${dist}/__init__.py`]: `"""fixture ${spec.name}"""\n__version__ = ${JSON.stringify(spec.version)}\n`,
    ...spec.files,
  };
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, base, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
    await utimes(full, new Date('2024-03-01T12:00:00Z'), new Date('2024-03-01T12:00:00Z'));
  }
  const filename = `${base}.tar.gz`;
  await tar.create({ gzip: true, cwd: dir, file: join(dir, filename), portable: true, mtime: new Date('2024-03-01T12:00:00Z') }, [base]);
  const body = await readFile(join(dir, filename));
  await rm(dir, { recursive: true, force: true });
  return { filename, body };
}
