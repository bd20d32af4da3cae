/**
 * A nightly job can die at any moment (OOM killer, reboot, a CI timeout).
 * `pkg2os rebuild` killed with SIGKILL mid-build, and again mid-publish,
 * then run again, converges to the repository an uninterrupted run makes.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { shipped } from '../../src/paths.js';
import { IndexServer } from '../support/index-server.js';
import { HOST_PYTHON, pkg2os } from '../support/run-cli.js';
import { makeSdist } from '../support/sdist-fixtures.js';

const server = new IndexServer();
let keyDir: string;

before(async () => {
  server.add('kill-a', await makeSdist({ name: 'kill-a', version: '1.0', dependencies: ['kill-b'] }));
  server.add('kill-b', await makeSdist({ name: 'kill-b', version: '2.0' }));
  server.add('kill-c', await makeSdist({ name: 'kill-c', version: '3.0' }));
  await server.start();
  keyDir = await mkdtemp(join(tmpdir(), 'pkg2os-kill-key-'));
  const key = await pkg2os(['keys', 'generate', '--name', 'Kill', '--email', 'kill@example.org', '--out', join(keyDir, 'key')], {}, keyDir);
  assert.equal(key.exitCode, 0, key.stderr);
});
after(() => server.stop());

/** A working directory with its own config, repository and cache. */
async function workspace(cache?: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pkg2os-kill-'));
  await writeFile(
    join(dir, 'pkg2os.config.yaml'),
    [`index-url: ${server.url}`, 'requirements: [kill-a, kill-c]', 'repo: repo', `signing-key: ${join(keyDir, 'key', 'private.asc')}`, 'maintainer: Kill <kill@example.org>', 'out: out', `cache-dir: ${cache ?? join(dir, 'cache')}`, 'jobs: 1', 'targets: [debian-12, el9]', ''].join('\n'),
  );
  return dir;
}

/**
 * What clients see, independent of when it was signed: apt's Packages index
 * (names, versions, hashes of the .debs), and each rpm listed by yum's
 * metadata with its payload digest (rpm signatures carry a time).
 */
async function clientView(dir: string): Promise<{ packages: string; rpms: string[]; debs: string[]; staging: string[] }> {
  const repo = join(dir, 'repo');
  const packages = await readFile(join(repo, 'deb/dists/bookworm/main/binary-amd64/Packages'), 'utf8');
  execFileSync('gpgv', ['--keyring', join(repo, 'KEY.gpg'), join(repo, 'deb/dists/bookworm/InRelease')], { stdio: 'ignore' });
  const inRelease = await readFile(join(repo, 'deb/dists/bookworm/InRelease'), 'utf8');
  assert.ok(inRelease.includes(createHash('sha256').update(packages).digest('hex')), 'the signed InRelease covers this Packages');
  const repomd = await readFile(join(repo, 'rpm/el9/repodata/repomd.xml'), 'utf8');
  const primary = /<data type="primary">[\s\S]*?<location href="([^"]+)"/.exec(repomd)![1]!;
  const xml = execFileSync('xz', ['-dc', join(repo, 'rpm/el9', primary)], { encoding: 'utf8' });
  const listed = [...xml.matchAll(/<location href="([^"]+)"/g)].map((m) => m[1]!).sort();
  const rpms = listed.map((file) => execFileSync('rpm', ['-qp', '--nosignature', '--qf', '%{NEVRA} %{PAYLOADDIGEST}', join(repo, 'rpm/el9', file)], { encoding: 'utf8' }));
  const debs = (await readdir(join(repo, 'deb/pool'), { recursive: true })).map(String).filter((f) => f.endsWith('.deb')).sort();
  const staging = [...(await readdir(repo)), ...(await readdir(join(repo, 'deb')))].filter((f) => f.startsWith('.staging'));
  return { packages, rpms, debs, staging };
}

/** Start `pkg2os rebuild` and SIGKILL it once `when` says so (checked as it logs, and every 10 ms). */
async function killedRebuild(dir: string, when: (stderr: string) => boolean): Promise<string> {
  const child = execa(shipped('bin', 'pkg2os'), ['rebuild', '-v', '--no-progress'], { cwd: dir, reject: false, env: { PKG2OS_KEYS_DIR: join(dir, 'keys'), PKG2OS_HOST_PYTHON: HOST_PYTHON } });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setInterval(() => {
    if (when(stderr)) child.kill('SIGKILL');
  }, 10);
  try {
    const result = await child;
    assert.equal(result.signal, 'SIGKILL', `the run ended before the kill point:\n${stderr}`);
  } finally {
    clearInterval(timer);
  }
  return stderr;
}

describe('rebuild interrupted by SIGKILL', () => {
  let reference: Awaited<ReturnType<typeof clientView>>;
  let warmCache: string;

  before(async () => {
    const dir = await workspace();
    const result = await pkg2os(['rebuild', '--json'], {}, dir);
    assert.equal(result.exitCode, 0, result.stderr);
    reference = await clientView(dir);
    assert.equal(reference.rpms.length, 3);
    warmCache = join(dir, 'cache');
  });

  it('killed mid-build, the next run converges to the same repository', async () => {
    const dir = await workspace();
    // Killed after the first package file is made and before the rest.
    await killedRebuild(dir, (stderr) => /packaging (deb|rpm)/.test(stderr));
    assert.ok(!existsSync(join(dir, 'repo/deb/dists')), 'nothing was published by the killed run');
    const result = await pkg2os(['rebuild', '--json'], {}, dir);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual(await clientView(dir), reference);
  });

  it('killed mid-publish (while signing rpms), the next run converges to the same repository', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'pkg2os-kill-cache-'));
    await cp(warmCache, cache, { recursive: true });
    const dir = await workspace(cache);
    await mkdir(join(dir, 'repo'), { recursive: true });
    // With a warm cache the run goes straight to publishing; kill once the yum staging directory exists.
    await killedRebuild(dir, () => readdirSafe(join(dir, 'repo')).some((f) => f.startsWith('.staging-yum-')));
    const result = await pkg2os(['rebuild', '--json', '-v'], {}, dir);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stderr, /left by an interrupted publish/);
    assert.deepEqual(await clientView(dir), reference);
  });
});

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
