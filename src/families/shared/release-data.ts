/**
 * What a target's whole release ships, as far as pkg2os checks names and
 * files against it: every binary package (and what it provides), every
 * top-level name in the Python directories, every program in a bin or sbin
 * directory, and the distribution's own package of each Python project it
 * ships (Debian's dh-python mapping, Fedora's python3dist() provides). Each
 * family reads its release's own data (Packages and Contents through the
 * signed Release; repomd primary and filelists) and the answer is kept per
 * target and source under the state directory, made again by
 * `pkg2os roots update`.
 */
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface ReleaseData {
  /** Where and when it was read, for messages and reports ("deb.debian.org bookworm, Release of Sat, 09 Nov 2026 …"). */
  source: string;
  /** A binary package name, or a name one provides → the package (itself, or its provider). */
  packages: Record<string, string>;
  /** A top-level name in a Python directory (site directories and the standard library; module, package or extension) → its package (the first the release lists). */
  pythonTop: Record<string, string>;
  /** A top-level name more than one package ships files under (a namespace package, e.g. poetry/ of python3-poetry and python3-poetry-core) → every one of them. */
  pythonShared?: Record<string, string[]>;
  /** A program in a bin or sbin directory → its package. */
  programs: Record<string, string>;
  /** A Python project (PEP 503 name) → the distribution's package of it, and that package's version when known. */
  pythonDists: Record<string, { package: string; version?: string }>;
  /** What could not be read (a file the mirror serves other than its signed index lists): its names are unknown. */
  missing?: string[];
}

/** The module name a site-directory entry stands for: "apt_pkg.cpython-311-x86_64-linux-gnu.so" → "apt_pkg", "six.py" → "six", "yaml/" → "yaml". */
export function moduleName(entry: string): string {
  return entry.split('.')[0]!;
}

/** Note that `pkg` ships files under the top-level Python name `name`. */
export function notePythonTop(data: ReleaseData, name: string, pkg: string): void {
  const first = Object.hasOwn(data.pythonTop, name) ? data.pythonTop[name] : undefined;
  if (first === undefined) {
    data.pythonTop[name] = pkg;
    return;
  }
  if (first === pkg) return;
  const shared = (data.pythonShared ??= {});
  const owners = Object.hasOwn(shared, name) ? shared[name]! : (shared[name] = [first]);
  if (!owners.includes(pkg)) owners.push(pkg);
}

/** The shape of the data kept on disk; data kept in another is made again (2: pythonShared). */
const KEPT_FORMAT = 2;

/** A release's data kept on disk: read when present, made once (one maker at a time across processes) when not. */
export async function keptReleaseData(file: string, make: () => Promise<ReleaseData>, fresh = false): Promise<ReleaseData> {
  if (!fresh) {
    const kept = await readKept(file);
    if (kept) return kept;
  }
  await mkdir(dirname(file), { recursive: true });
  const lock = `${file}.lock`;
  for (let waited = 0; ; waited += 500) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // Another process is making it: wait for its result (a lock older than ten minutes was left by a dead maker).
      const st = await stat(lock).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > 10 * 60_000) await rm(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 500));
      const made = !fresh ? await readKept(file) : undefined;
      if (made) return made;
    }
  }
  try {
    const data = await make();
    const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temp, JSON.stringify({ ...data, format: KEPT_FORMAT }));
    await rename(temp, file);
    return data;
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

async function readKept(file: string): Promise<ReleaseData | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (!text) return undefined;
  try {
    const { format, ...data } = JSON.parse(text) as ReleaseData & { format?: number };
    return format === KEPT_FORMAT && data.packages && data.pythonTop && data.programs && data.pythonDists ? data : undefined;
  } catch {
    return undefined;
  }
}

/** Where a target's release data is kept: <state dir>/releases/<target>/<key>.json. */
export function releaseDataFile(stateDir: string, target: string, key: string): string {
  return join(stateDir, 'releases', target, `${key}.json`);
}
