/**
 * The world a hostile build is let loose in, as a new user runs pkg2os: a
 * signing key with a passphrase in the environment, a cache, a repository,
 * an index on 127.0.0.1 — and the things it must never reach: a TCP listener
 * on 127.0.0.1, a Unix socket of the host, a marker directory anyone may
 * write (so that an escape as any uid would show), the key files themselves.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer as createNetServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { IndexServer } from './index-server.js';
import { extract } from './inspect.js';
import { type CliResult, pkg2os } from './run-cli.js';
import { type HostileSpec, makeHostileSdist } from './hostile-fixtures.js';

export const PASSPHRASE = `hostile-suite-passphrase-${process.pid}`;

export class HostileWorld {
  readonly index = new IndexServer();
  dir = '';
  marker = '';
  keyDir = '';
  repo = '';
  cache = '';
  unixPath = '';
  tcpConnections = 0;
  unixConnections = 0;
  private tcp?: Server;
  private unix?: Server;

  async start(): Promise<this> {
    this.dir = await mkdtemp(join(tmpdir(), 'pkg2os-hostile-'));
    await chmod(this.dir, 0o755);
    this.marker = join(this.dir, 'markers');
    await mkdir(this.marker);
    await chmod(this.marker, 0o777);
    this.keyDir = join(this.dir, 'key');
    this.repo = join(this.dir, 'repo');
    this.cache = join(this.dir, 'cache');
    const made = await pkg2os(['keys', 'generate', '--name', 'Hostile Suite', '--email', 'hostile@example.org', '--out', this.keyDir, '--type', 'ed25519'], { PKG2OS_KEY_PASSPHRASE: PASSPHRASE });
    assert.equal(made.exitCode, 0, made.stderr);
    this.tcp = createNetServer((socket) => {
      this.tcpConnections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => this.tcp!.listen(0, '127.0.0.1', resolve));
    const sockets = join(this.dir, 'sockets');
    await mkdir(sockets);
    await chmod(sockets, 0o777);
    this.unixPath = join(sockets, 'host.sock');
    this.unix = createNetServer((socket) => {
      this.unixConnections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => this.unix!.listen(this.unixPath, resolve));
    await chmod(this.unixPath, 0o777);
    await this.index.start();
    return this;
  }

  async stop(): Promise<void> {
    await this.index.stop();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    await new Promise<void>((resolve) => this.tcp?.close(() => resolve()) ?? resolve());
    await new Promise<void>((resolve) => this.unix?.close(() => resolve()) ?? resolve());
  }

  get port(): number {
    return (this.tcp!.address() as { port: number }).port;
  }

  /** What every attack is told: where the secrets, the cache, the repository and the targets are. */
  config(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      port: this.port,
      unix: this.unixPath,
      marker: this.marker,
      secrets: [join(this.keyDir, 'private.asc'), join(this.dir, 'passphrase'), this.cache, this.repo],
      cache: this.cache,
      repo: this.repo,
      hosttmp: tmpdir(),
      ...extra,
    };
  }

  /** Serve a hostile sdist (the attack gets this world's config). */
  async add(spec: HostileSpec): Promise<void> {
    this.index.add(spec.name, await makeHostileSdist({ ...spec, config: this.config(spec.config) }));
  }

  /** Build and publish as a user would: key and passphrase in the environment, the cache and the repository of this world. */
  async build(project: string, args: string[] = [], env: Record<string, string> = {}): Promise<CliResult & { out: string }> {
    const out = join(await mkdtemp(join(this.dir, 'run-')), 'out');
    // Both families unless the attack names its own: a .deb for Debian 12 and an .rpm for EL9.
    const targets = args.some((a) => a === '--target' || a === '--format') ? [] : ['--target', 'debian-12,el9'];
    const result = await pkg2os(['build', project, '--index-url', this.index.url, '--out', out, '--repo', this.repo, '--no-lockfile', '--maintainer', 'Hostile <hostile@example.org>', '--cache-dir', this.cache, ...targets, ...args], {
      PKG2OS_SIGNING_KEY: join(this.keyDir, 'private.asc'),
      PKG2OS_KEY_PASSPHRASE: PASSPHRASE,
      ...env,
    });
    return { ...result, out };
  }

  /** Nothing the attacks aimed at was reached: no connection, no marker. */
  async assertNothingReached(): Promise<void> {
    assert.equal(this.tcpConnections, 0, 'a build reached the TCP listener on 127.0.0.1');
    assert.equal(this.unixConnections, 0, 'a build reached a Unix socket of the host');
    assert.deepEqual(await readdir(this.marker), [], 'a build wrote outside its sandbox');
  }

  /** No key material in any package or log of `out`: the packages are unpacked and every file read. */
  async assertNoSecrets(out: string): Promise<void> {
    const key = await readFile(join(this.keyDir, 'private.asc'), 'utf8');
    const needles = [PASSPHRASE, 'PRIVATE KEY BLOCK', key.split('\n')[4]!, 'PKG2OS_KEY_PASSPHRASE', 'PKG2OS_SIGNING_KEY', 'PKG2OS_SIGN_TOKEN'];
    const files: string[] = [];
    for (const sub of ['deb', 'rpm']) for (const f of await readdir(join(out, sub)).catch(() => [] as string[])) files.push(...(await listFiles(await extract(join(out, sub, f)))));
    files.push(...(await listFiles(join(out, 'logs'))));
    for (const file of files) {
      const text = await readFile(file, 'latin1');
      for (const needle of needles) assert.ok(!text.includes(needle), `${file} holds key material (${needle.slice(0, 20)}…)`);
    }
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out;
}

/** Processes whose command line holds `tag` (a survivor of a build). */
export async function survivors(tag: string): Promise<string[]> {
  const r = await execa('pgrep', ['-af', tag], { reject: false });
  return String(r.stdout).split('\n').filter((l) => l && !l.includes('pgrep'));
}

/** A file's bytes as seen after a run, to show it did not change. */
export async function fingerprint(path: string): Promise<string> {
  const st = await stat(path).catch(() => undefined);
  return st ? `${st.size}:${st.mtimeMs}:${(await readFile(path)).toString('base64')}` : 'absent';
}
