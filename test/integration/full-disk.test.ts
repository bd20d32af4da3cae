/**
 * A full or read-only file system is an expected error: wherever it strikes
 * (the repository at 15 fill levels, the lock, the output, the work
 * directory) pkg2os exits 9 with one line naming the file system, removes
 * what it half-wrote and leaves the previous repository serving; a full
 * cache only stops caching. Small tmpfs mounts stand for the full disks
 * (mounting needs root, as CI has; without it the suite says so and skips).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, statfsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { IndexServer } from '../support/index-server.js';
import { pkg2os } from '../support/run-cli.js';
import { makeSdist } from '../support/sdist-fixtures.js';
import { tinyPackages } from '../support/tiny-packages.js';

const mounts: string[] = [];
let dir: string;
let key: string;
const canMount = process.getuid?.() === 0 && (await execa('sh', ['-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=1m tmpfs "$d" && umount "$d"'], { reject: false })).exitCode === 0;
const skip = canMount ? false : 'needs root to mount small tmpfs file systems (CI runs as root)';

async function tmpfs(name: string, options: string): Promise<string> {
  const mount = join(dir, name);
  await mkdir(mount, { recursive: true });
  await execa('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', mount]);
  mounts.push(mount);
  return mount;
}

/** Leave exactly `free` bytes (rounded to pages) on the file system at `mount`. */
async function fillTo(mount: string, free: number): Promise<void> {
  await rm(join(mount, 'filler'), { force: true });
  const fs = statfsSync(mount);
  const fill = fs.bavail * fs.bsize - free;
  if (fill > 0) await execa('fallocate', ['-l', String(fill), join(mount, 'filler')]);
}

/** The repository as apt and dnf check it; the package names each lists. */
async function clientView(root: string): Promise<{ debs: string[]; rpms: string[] }> {
  await execa('gpgv', ['--keyring', join(root, 'KEY.gpg'), join(root, 'deb/dists/bookworm/InRelease')]);
  const packages = await readFile(join(root, 'deb/dists/bookworm/main/binary-amd64/Packages'), 'utf8');
  assert.ok((await readFile(join(root, 'deb/dists/bookworm/InRelease'), 'utf8')).includes(createHash('sha256').update(packages).digest('hex')), 'the signed InRelease lists this Packages');
  const repodata = join(root, 'rpm/el9/repodata');
  await execa('gpgv', ['--keyring', join(root, 'KEY.gpg'), join(repodata, 'repomd.xml.asc'), join(repodata, 'repomd.xml')]);
  const primary = /<data type="primary">[\s\S]*?<location href="([^"]+)"/.exec(await readFile(join(repodata, 'repomd.xml'), 'utf8'))![1]!;
  const xml = (await execa('xz', ['-dc', join(root, 'rpm/el9', primary)])).stdout;
  for (const [, file] of xml.matchAll(/<location href="([^"]+)"/g)) assert.ok(existsSync(join(root, 'rpm/el9', file!)), `${file} is listed and is there`);
  for (const m of packages.matchAll(/^Filename: (.+)$/gm)) assert.ok(existsSync(join(root, 'deb', m[1]!)), `${m[1]} is listed and is there`);
  return { debs: [...packages.matchAll(/^Package: (.+)$/gm)].map((m) => m[1]!).sort(), rpms: [...xml.matchAll(/<name>([^<]+)<\/name>/g)].map((m) => m[1]!).sort() };
}

async function leftovers(root: string): Promise<string[]> {
  return (await readdir(root, { recursive: true })).map(String).filter((f) => /(^|\/)\.staging-/.test(f) || /\.tmp$/.test(f));
}

/** A storage failure as users must see it: exit 9, one error line naming the file system, no stack trace. */
function assertStorageError(result: { exitCode: number; stderr: string }, fileSystem: string, what: RegExp): void {
  assert.equal(result.exitCode, 9, result.stderr);
  const errors = result.stderr.split('\n').filter((l) => l.startsWith('pkg2os: error:'));
  assert.equal(errors.length, 1, result.stderr);
  assert.ok(errors[0]!.includes(`file system ${fileSystem} `), `the error names ${fileSystem}: ${errors[0]}`);
  assert.match(errors[0]!, what);
  assert.doesNotMatch(result.stderr, /^\s+at .+:\d+:\d+\)?$/m, 'no stack trace');
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pkg2os-full-'));
  // Traversable: the builds' unprivileged user reaches the work directories made under it.
  await chmod(dir, 0o711);
  assert.equal((await pkg2os(['keys', 'generate', '--name', 'Full', '--email', 'f@example.org', '--out', join(dir, 'key'), '--type', 'ed25519'])).exitCode, 0);
  key = join(dir, 'key', 'private.asc');
});
after(async () => {
  for (const mount of mounts.reverse()) await execa('umount', ['-l', mount], { reject: false });
});

describe('full and read-only file systems', { skip }, () => {
  it('a repository on a file system filled to 15 levels: every publish ends 0 or 9, nothing half-written stays, the previous repository serves on', { timeout: 10 * 60_000 }, async (t) => {
    const mount = await tmpfs('repo-fs', 'size=64m');
    const root = join(mount, 'repo');
    const base = await pkg2os(['publish', '--repo', root, '--key', key, ...(await tinyPackages(join(dir, 'base'), ['base-0', 'base-1']))]);
    assert.equal(base.exitCode, 0, base.stderr);
    let previous = await clientView(root);
    const levels = [0, 8, 64, 512, 1024, 2048, 2560, 3072, 3328, 3584, 3840, 4096, 4608, 6144, 8192].map((k) => k * 1024);
    const outcomes: string[] = [];
    for (const [i, free] of levels.entries()) {
      const files = await tinyPackages(join(dir, `level-${i}`), [`big-${i}`], 1024 * 1024).then(async (big) => [...big, ...(await tinyPackages(join(dir, `level-${i}s`), [`small-${i}`]))]);
      await fillTo(mount, free);
      const result = await pkg2os(['publish', '--repo', root, '--key', key, ...files]);
      await rm(join(mount, 'filler'), { force: true });
      outcomes.push(`${free / 1024} KiB free: exit ${result.exitCode}${result.exitCode === 9 ? ` (${/could not write (\S+)/.exec(result.stderr)?.[1]?.replace(root, '') ?? '?'})` : ''}`);
      assert.deepEqual(await leftovers(root), [], `${free} bytes free: left in the repository`);
      const now = await clientView(root);
      if (result.exitCode === 9) {
        assertStorageError(result, mount, /is full \([\d.]+ MiB free of [\d.]+ MiB\).*; it needs about [\d.]+ MiB there\./);
        assert.deepEqual(now, previous, `${free} bytes free: a failed publish changed what clients see`);
      } else {
        assert.equal(result.exitCode, 0, `${free} bytes free: ${result.stderr}`);
        for (const name of [`python3-big-${i}`, `python3-small-${i}`]) assert.ok(now.debs.includes(name) && now.rpms.includes(name), `${name} is listed`);
      }
      previous = now;
    }
    t.diagnostic(outcomes.join('; '));
    assert.ok(outcomes.some((o) => o.includes('exit 9')) && outcomes.some((o) => o.endsWith('exit 0')), `both outcomes occur: ${outcomes.join('; ')}`);
    // With room again, publishing everything converges: every package is listed.
    const all = (await readdir(dir, { recursive: true })).map(String).filter((f) => /^level-\d+s?\/(python3-[^/]+\.deb|RPMS\/noarch\/.+\.rpm)$/.test(f)).map((f) => join(dir, f));
    const last = await pkg2os(['publish', '--repo', root, '--key', key, ...all]);
    assert.equal(last.exitCode, 0, last.stderr);
    const final = await clientView(root);
    for (let i = 0; i < levels.length; i++) assert.ok(final.debs.includes(`python3-big-${i}`) && final.rpms.includes(`python3-small-${i}`));
  });

  it('no room for the lock file (no inode left): exit 9 naming the file system; the repository is as it was', async () => {
    const mount = await tmpfs('lock-fs', 'size=16m,nr_inodes=64');
    const root = join(mount, 'repo');
    assert.equal((await pkg2os(['publish', '--repo', root, '--key', key, ...(await tinyPackages(join(dir, 'lock-base'), ['lock-0']))])).exitCode, 0);
    const before = await clientView(root);
    await rm(join(root, '.pkg2os-publish.lock'), { force: true });
    // Every inode taken: not even an empty file can be made.
    await execa('sh', ['-c', `i=0; while touch "${mount}/inode-$i" 2>/dev/null; do i=$((i+1)); done`]);
    const result = await pkg2os(['publish', '--repo', root, '--key', key, ...(await tinyPackages(join(dir, 'lock-new'), ['lock-1']))]);
    assertStorageError(result, mount, /\.pkg2os-publish\.lock/);
    await execa('sh', ['-c', `rm -f "${mount}"/inode-*`]);
    assert.deepEqual(await clientView(root), before);
  });

  it('a read-only repository: exit 9 saying so; the repository is as it was', async () => {
    const mount = await tmpfs('ro-fs', 'size=16m');
    const root = join(mount, 'repo');
    assert.equal((await pkg2os(['publish', '--repo', root, '--key', key, ...(await tinyPackages(join(dir, 'ro-base'), ['ro-0']))])).exitCode, 0);
    const before = await clientView(root);
    await execa('mount', ['-o', 'remount,ro', mount]);
    const result = await pkg2os(['publish', '--repo', root, '--key', key, ...(await tinyPackages(join(dir, 'ro-new'), ['ro-1']))]);
    await execa('mount', ['-o', 'remount,rw', mount]);
    assertStorageError(result, mount, /read-only/);
    assert.deepEqual(await clientView(root), before);
  });

  describe('builds', () => {
    const server = new IndexServer();
    before(async () => {
      server.add('roomy', await makeSdist({ name: 'roomy', version: '1.0' }));
      await server.start();
    });
    after(() => server.stop());
    const build = (args: string[], env: Record<string, string> = {}) => pkg2os(['build', 'roomy', '--target', 'debian-12', '--index-url', server.url, '--no-lockfile', '--maintainer', 'T <t@example.org>', ...args], env);

    it('a full cache: the build goes on without caching, says so once, and succeeds', { timeout: 5 * 60_000 }, async () => {
      const mount = await tmpfs('cache-fs', 'size=4m');
      await fillTo(mount, 0);
      const out = join(dir, 'cache-out');
      const result = await build(['--out', out, '--cache-dir', join(mount, 'cache')]);
      assert.equal(result.exitCode, 0, result.stderr);
      assert.equal(result.stderr.match(/the cache takes no more entries/g)?.length, 1, result.stderr);
      assert.match(result.stderr, new RegExp(`file system ${mount} is full`));
      assert.ok((await readdir(join(out, 'deb'))).some((f) => f.startsWith('python3-roomy_')), 'the package was built');
    });

    it('a full --out: exit 9 naming it, and no package or report.json half-written there', { timeout: 5 * 60_000 }, async () => {
      const mount = await tmpfs('out-fs', 'size=4m');
      await fillTo(mount, 8 * 1024);
      const out = join(mount, 'out');
      const result = await build(['--out', out, '--cache-dir', join(dir, 'out-cache')]);
      assertStorageError(result, mount, /is full/);
      const written = (await readdir(out, { recursive: true }).catch(() => [])).map(String).filter((f) => /\.(deb|json|tmp)$/.test(f));
      assert.deepEqual(written, []);
    });

    it('a full work directory (TMPDIR): exit 9 naming it, and nothing left there', { timeout: 5 * 60_000 }, async () => {
      const mount = await tmpfs('work-fs', 'size=2m');
      await fillTo(mount, 0);
      const result = await build(['--out', join(dir, 'work-out'), '--cache-dir', join(dir, 'work-cache')], { TMPDIR: mount });
      assertStorageError(result, mount, /is full/);
      assert.deepEqual((await readdir(mount)).filter((f) => f !== 'filler'), []);
    });
  });
});
