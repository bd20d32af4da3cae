/**
 * An RPM-family release as its repositories publish it: each repository's
 * repomd.xml (its repomd.xml.asc checked with the distribution's key where the
 * repository signs it; otherwise only over https or on loopback), then
 * primary and filelists checked against the sha256 repomd.xml lists while
 * they stream in, decompressed by xz, zstd, bzip2 or zlib and parsed as they
 * come. From them: every package and what it provides, the programs in bin
 * and sbin, the top-level names in the Python directories, and each
 * `python3dist(name)` provide: the distribution's package of that project.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Parser } from 'htmlparser2';
import { ToolError } from '../../errors.js';
import { run } from '../../exec.js';
import { normalizeName } from '../../pep/names.js';
import { type ReleaseData, moduleName, notePythonTop } from '../shared/release-data.js';
import { scratchDir } from '../../stop-registry.js';

export interface RepoSource {
  repos: string[];
  /** The distribution's key (armored or binary), for repomd.xml.asc. */
  gpgkey: string;
}

const PYTHON_DIR = /^\/usr\/lib(?:64)?\/python3\.\d+\/(?:site-packages\/|lib-dynload\/)?([^/]+)/;
const PROGRAM_DIR = /^\/(?:usr\/)?s?bin\/([^/]+)$/;
const DECOMPRESS: Record<string, string[]> = { '.xz': ['xz', '-dc'], '.zst': ['zstd', '-dc'], '.bz2': ['bzip2', '-dc'] };

function failed(repo: string, what: string, cause?: unknown): ToolError {
  return new ToolError(`pkg2os cannot read ${what} of the repository ${repo}.`, 'pkg2os', undefined, '', {
    hint: 'Check that the repository is reachable and that roots: {TARGET: {repos: […], gpgkey: FILE}} names it and the key of its packages.',
    cause,
  });
}

function loopbackOrHttps(url: string): boolean {
  const u = new URL(url);
  return u.protocol === 'https:' || (u.protocol === 'http:' && /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(u.hostname)) || u.protocol === 'file:';
}

async function fetchBody(url: string, repo: string, what: string): Promise<Response | undefined> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(300_000) });
  } catch (error) {
    throw failed(repo, what, error);
  }
  if (response.status === 404) return undefined;
  if (!response.ok || !response.body) throw failed(repo, `${what} (HTTP ${response.status})`);
  return response;
}

/** repomd.xml, checked: its data files (type → location, sha256). */
async function repomd(repo: string, source: RepoSource, work: string): Promise<Map<string, { href: string; sha256: string }>> {
  const base = repo.replace(/\/?$/, '/');
  const response = await fetchBody(`${base}repodata/repomd.xml`, repo, 'repomd.xml');
  if (!response) throw failed(repo, 'repomd.xml (there is none)');
  const xml = Buffer.from(await response.arrayBuffer());
  if (xml.length > 8 * 1024 * 1024) throw failed(repo, 'a repomd.xml of sane size');
  const signature = await fetchBody(`${base}repodata/repomd.xml.asc`, repo, 'repomd.xml.asc');
  if (signature) {
    await writeFile(join(work, 'repomd.xml'), xml);
    await writeFile(join(work, 'repomd.xml.asc'), Buffer.from(await signature.arrayBuffer()));
    const keyring = join(work, 'keyring.gpg');
    await run('gpg', ['--batch', '--yes', '--homedir', work, '--dearmor', '--output', keyring, source.gpgkey], { purpose: 'reading the distribution\'s key' }).catch(() => run('cp', [source.gpgkey, keyring]));
    await run('gpgv', ['--keyring', keyring, join(work, 'repomd.xml.asc'), join(work, 'repomd.xml')], { purpose: `checking repomd.xml of ${repo}` });
  } else if (!loopbackOrHttps(repo)) {
    throw failed(repo, 'repomd.xml over a channel pkg2os can trust (it is not signed, and the repository is not https)');
  }
  const data = new Map<string, { href: string; sha256: string }>();
  let type: string | undefined;
  let entry: { href?: string; sha256?: string; inChecksum?: boolean; checksumType?: string } = {};
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (name === 'data') [type, entry] = [attrs.type, {}];
        else if (name === 'location') entry.href = attrs.href;
        else if (name === 'checksum') [entry.inChecksum, entry.checksumType] = [true, attrs.type];
      },
      ontext(text) {
        if (entry.inChecksum && entry.checksumType === 'sha256') entry.sha256 = (entry.sha256 ?? '') + text.trim();
      },
      onclosetag(name) {
        if (name === 'checksum') entry.inChecksum = false;
        if (name === 'data' && type && entry.href && entry.sha256) data.set(type, { href: entry.href, sha256: entry.sha256 });
      },
    },
    { xmlMode: true },
  );
  parser.end(xml.toString('utf8'));
  return data;
}

/** Stream one data file: download (checking its sha256), decompress, parse as XML with `handlers`. */
async function parseData(repo: string, file: { href: string; sha256: string }, work: string, handlers: ConstructorParameters<typeof Parser>[0]): Promise<void> {
  const response = await fetchBody(`${repo.replace(/\/?$/, '/')}${file.href}`, repo, file.href);
  if (!response) throw failed(repo, `${file.href} (repomd.xml lists it, the repository has none)`);
  const local = join(work, file.href.split('/').pop()!);
  const hash = createHash('sha256');
  await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), new Transform({ transform(chunk: Buffer, _e, cb) { hash.update(chunk); cb(null, chunk); } }), createWriteStream(local));
  if (hash.digest('hex') !== file.sha256) throw failed(repo, `${file.href} (not the file repomd.xml lists)`);
  const parser = new Parser(handlers, { xmlMode: true });
  const suffix = Object.keys(DECOMPRESS).find((s) => local.endsWith(s));
  if (suffix) {
    // Decompressed to a file by the tool (bounded), then read as a stream.
    await run(DECOMPRESS[suffix]![0]!, [...DECOMPRESS[suffix]!.slice(1), local], { purpose: `decompressing ${file.href}`, stdoutFile: `${local}.xml`, maxStdoutBytes: 16 * 1024 ** 3 });
  }
  const decompressed = suffix ? createReadStream(`${local}.xml`) : local.endsWith('.gz') ? createReadStream(local).pipe(createGunzip()) : createReadStream(local);
  for await (const chunk of decompressed) parser.write(chunk.toString('utf8'));
  parser.end();
}

/** What the release's repositories ship. */
export async function readRepositories(source: RepoSource): Promise<ReleaseData> {
  const data: ReleaseData = { source: source.repos.join(', '), packages: {}, pythonTop: {}, programs: {}, pythonDists: {} };
  const noteFile = (path: string, pkg: string) => {
    const py = PYTHON_DIR.exec(path);
    if (py && py[1] !== '__pycache__' && !/\.(dist|egg)-info$/.test(py[1]!)) notePythonTop(data, moduleName(py[1]!), pkg);
    const program = PROGRAM_DIR.exec(path);
    if (program) data.programs[program[1]!] ??= pkg;
  };
  for (const repo of source.repos) {
    const workDir = await scratchDir(tmpdir(), 'pkg2os-repodata-');
    const work = workDir.path;
    try {
      const files = await repomd(repo, source, work);
      const primary = files.get('primary');
      if (!primary) throw failed(repo, 'primary metadata (repomd.xml lists none)');
      let pkg: { name?: string; version?: string; inName?: boolean; inFile?: boolean; file?: string; inProvides?: boolean } = {};
      await parseData(repo, primary, work, {
        onopentag(name, attrs) {
          if (name === 'package') pkg = {};
          else if (name === 'name' && !pkg.name) pkg.inName = true;
          else if (name === 'version' && pkg.name && !pkg.version) pkg.version = `${attrs.ver}-${attrs.rel}`;
          else if (name === 'rpm:provides') pkg.inProvides = true;
          else if (name === 'rpm:entry' && pkg.inProvides && pkg.name && attrs.name) {
            data.packages[attrs.name] ??= pkg.name;
            const dist = /^python3(?:\.\d+)?dist\(([^)]+)\)$/.exec(attrs.name)?.[1];
            if (dist) {
              try {
                data.pythonDists[normalizeName(dist)] ??= { package: pkg.name, ...(attrs.ver ? { version: attrs.ver } : {}) };
              } catch {
                // not a project name
              }
            }
          } else if (name === 'file') [pkg.inFile, pkg.file] = [true, ''];
        },
        ontext(text) {
          if (pkg.inName) pkg.name = (pkg.name ?? '') + text;
          if (pkg.inFile) pkg.file += text;
        },
        onclosetag(name) {
          if (name === 'name' && pkg.inName) {
            pkg.inName = false;
            data.packages[pkg.name!] = pkg.name!;
          } else if (name === 'rpm:provides') pkg.inProvides = false;
          else if (name === 'file' && pkg.inFile) {
            pkg.inFile = false;
            if (pkg.name) noteFile(pkg.file!, pkg.name);
          }
        },
      });
      const filelists = files.get('filelists');
      if (filelists) {
        let owner: string | undefined;
        let path: string | undefined;
        await parseData(repo, filelists, work, {
          onopentag(name, attrs) {
            if (name === 'package') owner = attrs.name;
            else if (name === 'file') path = '';
          },
          ontext(text) {
            if (path !== undefined) path += text;
          },
          onclosetag(name) {
            if (name === 'file' && path !== undefined && owner) noteFile(path, owner);
            if (name === 'file') path = undefined;
          },
        });
      }
    } finally {
      await workDir.remove();
    }
  }
  return data;
}
