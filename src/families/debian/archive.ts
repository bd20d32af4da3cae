/**
 * A Debian-family release as its archive publishes it, read the way apt
 * reads it: the suite's InRelease checked with gpgv against the
 * distribution's keyring (and refused when past its Valid-Until), then
 * Packages and Contents (main, this machine's architecture and `all`)
 * checked against the sha256 and size the signed Release lists while they
 * stream in, and dh-python's own mapping of Python distributions to packages
 * (`/usr/share/dh-python/dist/cpython3_fallback` in the release's dh-python
 * .deb, checked against the sha256 its Packages stanza lists). Nothing is
 * buffered whole: Contents is read line by line.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { ToolError } from '../../errors.js';
import { run } from '../../exec.js';
import { normalizeName } from '../../pep/names.js';
import { type ReleaseData, moduleName, notePythonTop } from '../shared/release-data.js';
import { scratchDir } from '../../stop-registry.js';

export interface ArchiveSource {
  mirror: string;
  suite: string;
  keyring: string;
  /** Architecture in Debian's spelling (amd64). */
  arch: string;
}

const COMPONENT = 'main';
/** Python directories of a Debian root: the site directory and the standard library's (python3.X, its lib-dynload). */
const PYTHON_DIR = /^usr\/lib\/python3(?:\.\d+)?\/(?:dist-packages\/|lib-dynload\/)?([^/]+)/;
const PROGRAM_DIR = /^(?:usr\/)?(?:s?bin|games)\/([^/]+)$/;

function failed(source: ArchiveSource, what: string, cause?: unknown): ToolError {
  return new ToolError(`pkg2os cannot read ${what} of ${source.suite} from ${source.mirror}.`, 'pkg2os', undefined, '', {
    hint: `Check that ${source.mirror} is reachable and its Release verifies with ${source.keyring}, or give a mirror: roots: {TARGET: {mirror: URL}} in pkg2os.config.yaml.`,
    cause,
  });
}

async function fetchOk(url: string, source: ArchiveSource, what: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(300_000) });
  } catch (error) {
    throw failed(source, what, error);
  }
  if (!response.ok || !response.body) throw failed(source, `${what} (HTTP ${response.status})`);
  return response;
}

/** The signed Release: verified with gpgv against the keyring, its text, its files' sha256 and size. */
interface SignedRelease {
  text: string;
  files: Map<string, { sha256: string; size: number }>;
  /** The archive serves its indices by hash too (Acquire-By-Hash: yes). */
  byHash: boolean;
}

async function signedRelease(source: ArchiveSource, work: string): Promise<SignedRelease> {
  const signed = join(work, 'InRelease');
  const response = await fetchOk(`${source.mirror}/dists/${source.suite}/InRelease`, source, 'the InRelease');
  const body = Buffer.from(await response.arrayBuffer());
  if (body.length > 16 * 1024 * 1024) throw failed(source, 'an InRelease of sane size');
  await writeFile(signed, body);
  await run('gpgv', ['--keyring', source.keyring, '--output', join(work, 'Release'), signed], { purpose: `checking the InRelease of ${source.suite} (${source.mirror})` });
  const text = (await readFile(join(work, 'Release'), 'utf8')).replace(/\r\n/g, '\n');
  const until = /^Valid-Until: (.+)$/m.exec(text)?.[1];
  if (until && new Date(until).getTime() < Date.now()) throw failed(source, `a current Release (it was valid until ${until})`);
  const files = new Map<string, { sha256: string; size: number }>();
  const sha = text.split(/^SHA256:\s*$/m)[1] ?? '';
  for (const line of sha.split('\n').slice(1)) {
    const m = /^ ([0-9a-f]{64})\s+(\d+)\s+(\S+)$/.exec(line);
    if (!m) break;
    files.set(m[3]!, { sha256: m[1]!, size: Number(m[2]) });
  }
  return { text, files, byHash: /^Acquire-By-Hash: yes$/m.test(text) };
}

/**
 * Stream a gzipped index the Release lists, line by line to `onLine`, checking
 * its sha256 and size on the way; fetched by hash where the Release says the
 * archive serves files so (Acquire-By-Hash), as apt does, so that a mirror
 * updating meanwhile cannot hand over another file than the signed one.
 */
async function eachLine(source: ArchiveSource, release: SignedRelease, path: string, onLine: (line: string) => void): Promise<boolean> {
  const listed = release.files.get(path);
  if (!listed) return false;
  const plain = `${source.mirror}/dists/${source.suite}/${path}`;
  const byHash = `${source.mirror}/dists/${source.suite}/${path.replace(/[^/]*$/, '')}by-hash/SHA256/${listed.sha256}`;
  const response = (release.byHash ? await fetchOk(byHash, source, path).catch(() => undefined) : undefined) ?? (await fetchOk(plain, source, path));
  const hash = createHash('sha256');
  let size = 0;
  const check = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > listed.size) return callback(failed(source, `${path} (longer than its Release says)`));
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      callback(size === listed.size && hash.digest('hex') === listed.sha256 ? null : failed(source, `${path} (not the file its signed Release lists)`));
    },
  });
  await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), check, createGunzip(), async function (lines: AsyncIterable<Buffer>) {
    let rest = '';
    for await (const chunk of lines) {
      const text = rest + chunk.toString('utf8');
      const parts = text.split('\n');
      rest = parts.pop()!;
      for (const line of parts) onLine(line);
    }
    if (rest) onLine(rest);
  });
  return true;
}

/** What the release ships, from its archive. */
export async function readArchive(source: ArchiveSource): Promise<ReleaseData> {
  const workDir = await scratchDir(tmpdir(), 'pkg2os-archive-');
  const work = workDir.path;
  try {
    const release = await signedRelease(source, work);
    const data: ReleaseData = { source: `${source.mirror} ${source.suite} (Release of ${/^Date: (.+)$/m.exec(release.text)?.[1] ?? 'unknown date'})`, packages: {}, pythonTop: {}, programs: {}, pythonDists: {} };
    const stanzas = new Map<string, { version: string; filename?: string; sha256?: string }>();
    let current: { name?: string; version?: string; filename?: string; sha256?: string; provides?: string } = {};
    const endStanza = () => {
      if (current.name) {
        data.packages[current.name] = current.name;
        stanzas.set(current.name, { version: current.version ?? '', filename: current.filename, sha256: current.sha256 });
        for (const p of (current.provides ?? '').split(',').map((x) => x.trim().split(/[\s(]/)[0]!).filter(Boolean)) data.packages[p] ??= current.name;
      }
      current = {};
    };
    const found = await eachLine(source, release, `${COMPONENT}/binary-${source.arch}/Packages.gz`, (line) => {
      if (line === '') return endStanza();
      const m = /^(Package|Version|Filename|SHA256|Provides): (.*)$/.exec(line);
      if (m) current[({ Package: 'name', Version: 'version', Filename: 'filename', SHA256: 'sha256', Provides: 'provides' } as const)[m[1] as 'Package']] = m[2]!;
    });
    endStanza();
    if (!found) throw failed(source, `${COMPONENT}/binary-${source.arch}/Packages.gz (its Release lists none)`);
    for (const contents of [`${COMPONENT}/Contents-${source.arch}.gz`, `${COMPONENT}/Contents-all.gz`]) {
      // A Contents file the mirror serves other than the signed Release lists (a mirror caught mid-sync) is not used: what it lists is then unknown, and said.
      await eachLine(source, release, contents, (line) => {
        const split = line.search(/\s+\S+$/);
        if (split <= 0) return;
        const path = line.slice(0, split);
        const pkg = line.slice(split).trim().split(',')[0]!.split('/').pop()!;
        const py = PYTHON_DIR.exec(path);
        if (py && py[1] !== '__pycache__' && !/\.(dist|egg)-info$/.test(py[1]!)) notePythonTop(data, moduleName(py[1]!), pkg);
        const program = PROGRAM_DIR.exec(path);
        if (program) data.programs[program[1]!] ??= pkg;
      }).catch((error: unknown) => {
        if (!(error instanceof ToolError)) throw error;
        (data.missing ??= []).push(`${contents}: ${error.message}`);
      });
    }
    await dhPythonMapping(source, stanzas, work, data);
    return data;
  } finally {
    await workDir.remove();
  }
}

/** dh-python's mapping of Python distribution names to the packages that ship them, from the release's own dh-python. */
async function dhPythonMapping(source: ArchiveSource, stanzas: Map<string, { version: string; filename?: string; sha256?: string }>, work: string, data: ReleaseData): Promise<void> {
  const dh = stanzas.get('dh-python');
  if (!dh?.filename || !dh.sha256) return;
  const deb = join(work, 'dh-python.deb');
  const response = await fetchOk(`${source.mirror}/${dh.filename}`, source, 'dh-python');
  const hash = createHash('sha256');
  await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), new Transform({ transform(chunk: Buffer, _e, cb) { hash.update(chunk); cb(null, chunk); } }), createWriteStream(deb));
  if (hash.digest('hex') !== dh.sha256) throw failed(source, 'dh-python (not the .deb its Packages lists)');
  const { stdout } = await run('/bin/sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -xO ./usr/share/dh-python/dist/cpython3_fallback', 'dh-python', deb], { purpose: 'reading dh-python\'s mapping of Python distributions' });
  for (const line of stdout.split('\n')) {
    const [dist, pkg] = line.trim().split(/\s+/);
    if (!dist || !pkg || dist.startsWith('#')) continue;
    let project: string;
    try {
      project = normalizeName(dist);
    } catch {
      continue;
    }
    data.pythonDists[project] ??= { package: pkg, ...(stanzas.get(pkg)?.version ? { version: stanzas.get(pkg)!.version } : {}) };
  }
}
