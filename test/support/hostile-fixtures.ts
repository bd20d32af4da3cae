/**
 * Hostile sdists for the hostile suite: each carries an in-tree PEP 517
 * backend (backend-path ".") whose build_wheel first runs an attack — Python
 * code given by the test, with the paths it should go after in CONFIG — and
 * then writes the wheel the attack asks for (ENTRIES, METADATA_* overrides)
 * or a normal one. Attacks only ever aim at marker files under a temporary
 * directory of the test and at a listener on 127.0.0.1 that must never be
 * reached.
 */
import { mkdtemp, mkdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tar from 'tar';
import { WHEEL_WRITER } from './backend-fixtures.js';

export interface HostileSpec {
  name: string;
  version?: string;
  /** Python run inside build_wheel; may set ENTRIES, EXTRA, MODULE, ENTRY_POINTS, METADATA_NAME, METADATA_VERSION, METADATA_BODY, LICENSE_FILES, REQUIRES, WHEEL_TAG. */
  attack: string;
  /** What the attack is given (paths, ports, tags); available as CONFIG. */
  config?: Record<string, unknown>;
  /** Extra files of the sdist, path → content. */
  files?: Record<string, string>;
}

const FIXED_MTIME = new Date('2024-03-01T12:00:00Z');

/** What every attack does first: try the network, the host's sockets and the marker directory, and say so on stdout. */
const PROLOGUE = `
import os, socket, sys
def _try(what, fn):
    try:
        fn(); print("HOSTILE-REACHED", what)
        return True
    except Exception as e:
        print("HOSTILE-BLOCKED", what, type(e).__name__)
        return False
def _tcp():
    s = socket.create_connection(("127.0.0.1", CONFIG["port"]), timeout=2); s.sendall(b"hostile"); s.close()
def _unix():
    s = socket.socket(socket.AF_UNIX); s.settimeout(2); s.connect(CONFIG["unix"]); s.sendall(b"hostile"); s.close()
def _mark(name):
    with open(os.path.join(CONFIG["marker"], name), "w") as f: f.write("escaped")
if CONFIG.get("port"): _try("tcp", _tcp)
if CONFIG.get("unix"): _try("unix", _unix)
if CONFIG.get("marker"): _try("marker", lambda: _mark(CONFIG["name"]))
`;

const BACKEND = `
"""An in-tree PEP 517 backend that attacks first, then writes the wheel it is told to."""
import base64, json, os
${WHEEL_WRITER}
CONFIG = json.loads(base64.b64decode(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "hostile.json"), "rb").read()))

def _attack(hook):
    ns = {"CONFIG": CONFIG, "HOOK": hook, "EXTRA": {}, "__name__": "hostile"}
    exec(CONFIG["prologue"] + "\\n" + CONFIG["attack"], ns)
    return ns

def get_requires_for_build_wheel(config_settings=None):
    return []

def _metadata(ns, name, version):
    lines = ["Metadata-Version: 2.1", "Name: " + ns.get("METADATA_NAME", name), "Version: " + ns.get("METADATA_VERSION", version), "Summary: hostile fixture " + name, "License: MIT"]
    for f in ns.get("LICENSE_FILES", []):
        lines.append("License-File: " + f)
    for r in ns.get("REQUIRES", []):
        lines.append("Requires-Dist: " + r)
    return ("\\n".join(lines) + "\\n\\n" + ns.get("METADATA_BODY", "A hostile fixture.") + "\\n").encode()

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    ns = _attack("build_wheel")
    name, version = CONFIG["name"], CONFIG["version"]
    mod = ns.get("MODULE", name.replace("-", "_"))
    dist = name.replace("-", "_") + "-" + version
    entries = ns.get("ENTRIES")
    if entries is None:
        entries = {mod + "/__init__.py": ("__version__ = %r\\n" % version).encode()}
        for k, v in ns["EXTRA"].items():
            entries[mod + "/" + k] = v if isinstance(v, bytes) else v.encode()
    entries = {k: (v if isinstance(v, bytes) else v.encode()) for k, v in entries.items()}
    entries.setdefault(dist + ".dist-info/METADATA", _metadata(ns, name, version))
    entries.setdefault(dist + ".dist-info/WHEEL", ("Wheel-Version: 1.0\\nGenerator: hostile\\nRoot-Is-Purelib: true\\nTag: " + ns.get("WHEEL_TAG", "py3-none-any") + "\\n").encode())
    if ns.get("ENTRY_POINTS"):
        entries[dist + ".dist-info/entry_points.txt"] = ns["ENTRY_POINTS"].encode()
    filename = dist + "-py3-none-any.whl"
    write_wheel(os.path.join(wheel_directory, filename), entries, dist + ".dist-info/")
    return filename
`;

/** Make a hostile sdist: project `spec.name`, version `spec.version` (default 1.0). */
export async function makeHostileSdist(spec: HostileSpec): Promise<{ filename: string; body: Buffer }> {
  const version = spec.version ?? '1.0';
  const dir = await mkdtemp(join(tmpdir(), 'pkg2os-hostile-src-'));
  const base = `${spec.name.replace(/-/g, '_')}-${version}`;
  const config = { ...spec.config, name: spec.name, version, attack: spec.attack, prologue: PROLOGUE };
  const files: Record<string, string> = {
    'pyproject.toml': `[build-system]\nrequires = []\nbuild-backend = "hostile_backend"\nbackend-path = ["."]\n\n[project]\nname = "${spec.name}"\nversion = "${version}"\n`,
    'PKG-INFO': `Metadata-Version: 2.1\nName: ${spec.name}\nVersion: ${version}\nSummary: hostile fixture\n`,
    'hostile_backend.py': BACKEND,
    'hostile.json': Buffer.from(JSON.stringify(config)).toString('base64'),
    ...spec.files,
  };
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, base, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
    await utimes(full, FIXED_MTIME, FIXED_MTIME);
  }
  const filename = `${base}.tar.gz`;
  await tar.create({ gzip: true, cwd: dir, file: join(dir, filename), portable: true, mtime: FIXED_MTIME }, [base]);
  const body = await readFile(join(dir, filename));
  await rm(dir, { recursive: true, force: true });
  return { filename, body };
}
