/**
 * Day-2 operations through the real CLI: channels (a suite and a yum
 * repository per channel and target, client files per channel), a snapshot
 * per publish, promotion without rebuilding (the same bytes, freshly signed
 * indices), rollback in one switch, retention by snapshot; and the real
 * apt-get and dnf across a rollback.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { AptClient, DnfClient } from '../support/clients.js';
import { pkg2os } from '../support/run-cli.js';
import { StaticServer } from '../support/static-server.js';
import { tinyPackages } from '../support/tiny-packages.js';

let dir: string;
let key: string;
const v1: string[] = [];
const v2: string[] = [];
const sha = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pkg2os-channels-'));
  assert.equal((await pkg2os(['keys', 'generate', '--name', 'Channels', '--email', 'ch@example.org', '--out', join(dir, 'key'), '--type', 'ed25519'])).exitCode, 0);
  key = join(dir, 'key', 'private.asc');
  v1.push(...(await tinyPackages(join(dir, 'v1'), ['alpha', 'beta'])));
  v2.push(...(await tinyPackages(join(dir, 'v2'), ['alpha', 'beta'], 0, '2.0')));
});

const cli = (args: string[], repo: string) => pkg2os([...args, '--repo', repo, '--key', key]);
const ok = (r: { exitCode: number; stderr: string }) => assert.equal(r.exitCode, 0, r.stderr);

/** The packages an apt suite's signed indices list (gpgv first), name → version. */
async function suite(repo: string, name: string): Promise<Record<string, string>> {
  await execa('gpgv', ['--keyring', join(repo, 'KEY.gpg'), join(repo, 'deb/dists', name, 'InRelease')]);
  const text = await readFile(join(repo, 'deb/dists', name, 'main/binary-amd64/Packages'), 'utf8');
  return Object.fromEntries(text.split('\n\n').filter(Boolean).map((p) => [/^Package: (.+)$/m.exec(p)![1]!, /^Version: (.+)$/m.exec(p)![1]!]));
}

/** The rpms a yum repository's signed metadata lists, name → version and sha256 of each file. */
async function yum(repo: string, dirName: string): Promise<Record<string, { version: string; sha256: string }>> {
  const repodata = join(repo, 'rpm', dirName, 'repodata');
  await execa('gpgv', ['--keyring', join(repo, 'KEY.gpg'), join(repodata, 'repomd.xml.asc'), join(repodata, 'repomd.xml')]);
  const primary = /<data type="primary">[\s\S]*?<location href="([^"]+)"/.exec(await readFile(join(repodata, 'repomd.xml'), 'utf8'))![1]!;
  const xml = (await execa('xz', ['-dc', join(repo, 'rpm', dirName, primary)])).stdout;
  const out: Record<string, { version: string; sha256: string }> = {};
  for (const [, pkg] of xml.matchAll(/<package type="rpm">([\s\S]*?)<\/package>/g)) {
    const name = /<name>([^<]+)<\/name>/.exec(pkg!)![1]!;
    const href = /<location href="([^"]+)"/.exec(pkg!)![1]!;
    out[name] = { version: /<version epoch="\d+" ver="([^"]+)"/.exec(pkg!)![1]!, sha256: await sha(join(repo, 'rpm', dirName, href)) };
  }
  return out;
}

describe('channels, snapshots, promotion and rollback', () => {
  it('a channel gets its own suite, yum repository and client files; the default channel keeps today\'s names', async () => {
    const repo = join(dir, 'names');
    ok(await cli(['publish', ...v1, '--channel', 'testing', '--base-url', 'http://repo.example.org'], repo));
    ok(await cli(['publish', ...v1, '--base-url', 'http://repo.example.org'], repo));
    assert.deepEqual((await readdir(join(repo, 'deb/dists'))).sort(), ['bookworm', 'bookworm-testing']);
    assert.deepEqual((await readdir(join(repo, 'rpm'))).sort(), ['el9', 'el9-testing']);
    const files = (await readdir(repo)).filter((f) => f.startsWith('pkg2os-')).sort();
    assert.deepEqual(files, ['pkg2os-debian-12-testing.pref', 'pkg2os-debian-12-testing.sources', 'pkg2os-debian-12.pref', 'pkg2os-debian-12.sources', 'pkg2os-el9-testing.repo', 'pkg2os-el9.repo']);
    assert.match(await readFile(join(repo, 'pkg2os-debian-12-testing.sources'), 'utf8'), /^Suites: bookworm-testing$/m);
    assert.match(await readFile(join(repo, 'pkg2os-debian-12-testing.pref'), 'utf8'), /n=bookworm-testing/);
    assert.match(await readFile(join(repo, 'pkg2os-el9-testing.repo'), 'utf8'), /baseurl=http:\/\/repo\.example\.org\/rpm\/el9-testing/);
    assert.match(await readFile(join(repo, 'pkg2os-debian-12.sources'), 'utf8'), /^Suites: bookworm$/m, 'the default channel\'s files are as before');
    // A channel that promotion makes gets its client files at the address the repository's were written for.
    ok(await cli(['promote', '--from', 'testing', '--to', 'stable'], repo));
    assert.match(await readFile(join(repo, 'pkg2os-debian-12-stable.sources'), 'utf8'), /^URIs: http:\/\/repo\.example\.org\/deb$/m);
    assert.match(await readFile(join(repo, 'pkg2os-el9-stable.repo'), 'utf8'), /baseurl=http:\/\/repo\.example\.org\/rpm\/el9-stable/);
  });

  it('promotes testing to stable without rebuilding: the same files, the same sha256, freshly signed indices; --only promotes one project', async () => {
    const repo = join(dir, 'promote');
    ok(await cli(['publish', ...v1, '--channel', 'testing'], repo));
    const promoted = await cli(['promote', '--from', 'testing', '--to', 'stable', '--json'], repo);
    ok(promoted);
    assert.equal(JSON.parse(promoted.stdout).snapshot, 'stable-1');
    assert.deepEqual(await suite(repo, 'bookworm-stable'), await suite(repo, 'bookworm-testing'));
    assert.deepEqual(await yum(repo, 'el9-stable'), await yum(repo, 'el9-testing'), 'the same rpm bytes (signed once, when they were published to testing)');
    // testing moves on; stable does not, until asked — and then only for alpha.
    ok(await cli(['publish', ...v2, '--channel', 'testing'], repo));
    assert.deepEqual(await suite(repo, 'bookworm-stable'), { 'python3-alpha': '1.0-1~deb12', 'python3-beta': '1.0-1~deb12' });
    ok(await cli(['promote', '--from', 'testing', '--to', 'stable', '--only', 'alpha'], repo));
    assert.deepEqual(await suite(repo, 'bookworm-stable'), { 'python3-alpha': '2.0-1~deb12', 'python3-beta': '1.0-1~deb12' });
    assert.deepEqual(Object.fromEntries(Object.entries(await yum(repo, 'el9-stable')).map(([n, v]) => [n, v.version])), { 'python3-alpha': '2.0', 'python3-beta': '1.0' });
    const refused = await cli(['promote', '--from', 'testing', '--to', 'stable', '--only', 'gamma'], repo);
    assert.equal(refused.exitCode, 2, refused.stderr);
    assert.match(refused.stderr, /Snapshot testing-2 of channel testing has no package of gamma/);
  });

  it('keeps a snapshot per publish (list, show, --json), and rolls a channel back in one switch', async () => {
    const repo = join(dir, 'rollback');
    ok(await cli(['publish', ...v1, '--channel', 'testing'], repo));
    ok(await cli(['publish', ...v2, '--channel', 'testing'], repo));
    const list = JSON.parse((await pkg2os(['snapshots', 'list', '--repo', repo, '--json'])).stdout) as { snapshots: Array<{ id: string; files: number; changes: { added: string[]; removed: string[] } }> };
    // Both versions stay listed (the newest 3 are kept): 2 .debs and 2 rpms more.
    assert.deepEqual(list.snapshots.map((s) => [s.id, s.files, s.changes.added.length, s.changes.removed.length]), [['testing-1', 4, 4, 0], ['testing-2', 8, 4, 0]]);
    const shown = await pkg2os(['snapshots', 'show', 'testing-1', '--repo', repo]);
    assert.match(shown.stdout, /testing-1: channel testing, .* by publish/);
    assert.match(shown.stdout, /python3-alpha 1\.0-1~deb12 \(all\)\tdeb\/pool\/main\/p\/python3-alpha\/python3-alpha_1\.0-1~deb12_all\.deb\tsha256 [0-9a-f]{64}/);
    const before = await readFile(join(repo, 'deb/dists/bookworm-testing/Release'), 'utf8');
    const back = await cli(['rollback', 'testing', '--to', 'testing-1', '--json'], repo);
    ok(back);
    assert.equal(JSON.parse(back.stdout).snapshot, 'testing-3');
    const files = (await pkg2os(['snapshots', 'show', 'testing-3', '--repo', repo, '--json'])).stdout;
    assert.deepEqual(JSON.parse(files).files.map((f: { file: string }) => f.file), JSON.parse((await pkg2os(['snapshots', 'show', 'testing-1', '--repo', repo, '--json'])).stdout).files.map((f: { file: string }) => f.file));
    assert.deepEqual(Object.values(await suite(repo, 'bookworm-testing')).sort(), ['1.0-1~deb12', '1.0-1~deb12']);
    const after = await readFile(join(repo, 'deb/dists/bookworm-testing/Release'), 'utf8');
    assert.ok(Date.parse(/^Date: (.+)$/m.exec(after)![1]!) >= Date.parse(/^Date: (.+)$/m.exec(before)![1]!), 'Release Date only moves forward');
    for (const bad of [['rollback', 'testing', '--to', 'stable-9'], ['rollback', 'nosuch']]) {
      const r = await cli(bad, repo);
      assert.equal(r.exitCode, 2, r.stderr);
    }
  });

  it('retention by snapshot: a pool file stays while a kept snapshot names it, and goes when none does', async () => {
    const repo = join(dir, 'retention');
    const opts = ['--channel', 'testing', '--keep-versions', '1', '--retention', '0s', '--keep-snapshots', '2'];
    const v3 = await tinyPackages(join(dir, 'v3'), ['alpha', 'beta'], 0, '3.0');
    const alpha1 = join(repo, 'deb/pool/main/p/python3-alpha/python3-alpha_1.0-1~deb12_all.deb');
    ok(await cli(['publish', ...v1, ...opts], repo));
    ok(await cli(['publish', ...v2, ...opts], repo));
    assert.ok(existsSync(alpha1), 'left the indices, and testing-1 (kept) names it');
    ok(await cli(['publish', ...v3, ...opts], repo));
    const kept = JSON.parse((await pkg2os(['snapshots', 'list', '--repo', repo, '--json'])).stdout) as { snapshots: Array<{ id: string }> };
    assert.deepEqual(kept.snapshots.map((s) => s.id), ['testing-2', 'testing-3'], 'the newest 2, the one just made among them');
    ok(await cli(['publish', ...opts], repo));
    assert.ok(!existsSync(alpha1), 'no kept snapshot names it any more (testing-2 and testing-3 are kept)');
    assert.ok(existsSync(join(repo, 'deb/pool/main/p/python3-alpha/python3-alpha_2.0-1~deb12_all.deb')), 'testing-2 still names 2.0');
    assert.ok(existsSync(join(repo, 'rpm/el9-testing/Packages/python3-alpha-2.0-1.el9.noarch.rpm')));
  });
});

describe('clients across a rollback', () => {
  let server: StaticServer;
  let repo: string;
  before(async () => {
    repo = join(dir, 'clients');
    // One version listed at a time, as a channel that moves on.
    ok(await cli(['publish', ...v1, '--keep-versions', '1', '--base-url', 'http://packages.example.org'], repo));
    ok(await cli(['publish', ...v2, '--keep-versions', '1'], repo));
    server = await new StaticServer(repo).start();
  });
  after(() => server.stop());

  it('apt-get updates cleanly after a rollback and takes the rolled-back version (an installed newer one with an explicit downgrade)', async () => {
    const status = join(dir, 'apt-status');
    await writeFile(status, `${await readFile('/var/lib/dpkg/status', 'utf8')}\nPackage: python3-alpha\nStatus: install ok installed\nPriority: optional\nSection: python\nMaintainer: T <t@example.org>\nArchitecture: all\nVersion: 2.0-1~deb12\nDescription: test fixture alpha\n`);
    const apt = await AptClient.create(server.url().replace(/\/$/, ''), await readFile(join(repo, 'KEY.asc'), 'utf8'), { status });
    ok({ exitCode: (await apt.update()).exitCode, stderr: '' });
    assert.deepEqual(await apt.offered('python3-alpha'), ['2.0-1~deb12']);
    ok(await cli(['rollback', 'default', '--keep-versions', '1'], repo));
    const update = await apt.update();
    assert.equal(update.exitCode, 0, update.output);
    assert.doesNotMatch(update.output, /Hash Sum mismatch|NO_PUBKEY|is not valid yet|W: /);
    assert.deepEqual(await apt.offered('python3-alpha'), ['1.0-1~deb12'], 'the repository offers the rolled-back version alone');
    assert.equal(await apt.candidate('python3-alpha'), '2.0-1~deb12', 'the installed newer version stays the candidate');
    const plain = await apt.run('-s', 'install', 'python3-alpha');
    assert.match(plain.output, /python3-alpha is already the newest version|0 upgraded, 0 newly installed, 0 to remove/, 'apt does not downgrade on its own');
    const downgrade = await apt.run('-s', 'install', '--allow-downgrades', 'python3-alpha=1.0-1~deb12');
    assert.equal(downgrade.exitCode, 0, downgrade.output);
    assert.match(downgrade.output, /Inst python3-alpha \[2\.0-1~deb12\] \(1\.0-1~deb12 /);
    ok(await cli(['rollback', 'default', '--to', 'default-2', '--keep-versions', '1'], repo));
  });

  it('dnf installs the newer version, and distro-sync takes it back to the rolled-back one', async () => {
    const dnf = await DnfClient.create(server.url().replace(/\/$/, ''));
    const installed = await dnf.run('install', 'python3-alpha');
    assert.equal(installed.exitCode, 0, installed.output);
    const query = async () => (await execa('rpm', ['--root', dnf.root, '-q', '--qf', '%{VERSION}', 'python3-alpha'])).stdout;
    assert.equal(await query(), '2.0');
    ok(await cli(['rollback', 'default', '--to', 'default-1', '--keep-versions', '1'], repo));
    const synced = await dnf.run('distro-sync');
    assert.equal(synced.exitCode, 0, synced.output);
    assert.equal(await query(), '1.0', 'dnf distro-sync moved it back');
  });

  it('with the repository\'s own client files (.pref at priority 1001), apt-get upgrade takes the rolled-back version by itself', async () => {
    // Now at default-3 (1.0, the dnf test rolled back); the client has 2.0 installed.
    const status = join(dir, 'apt-status-pinned');
    await writeFile(status, `${await readFile('/var/lib/dpkg/status', 'utf8')}\nPackage: python3-alpha\nStatus: install ok installed\nPriority: optional\nSection: python\nMaintainer: T <t@example.org>\nArchitecture: all\nVersion: 2.0-1~deb12\nDescription: test fixture alpha\n`);
    const url = server.url().replace(/\/$/, '');
    const sources = (await readFile(join(repo, 'pkg2os-debian-12.sources'), 'utf8')).replace(/^URIs: .*$/m, `URIs: ${url}/deb`);
    const apt = await AptClient.create(url, await readFile(join(repo, 'KEY.asc'), 'utf8'), { published: { sources, preferences: await readFile(join(repo, 'pkg2os-debian-12.pref'), 'utf8') }, status });
    const update = await apt.update();
    assert.equal(update.exitCode, 0, update.output);
    assert.equal(await apt.candidate('python3-alpha'), '1.0-1~deb12', 'the pin makes the rolled-back version the candidate');
    const upgrade = await apt.run('-s', 'upgrade');
    assert.equal(upgrade.exitCode, 0, upgrade.output);
    assert.match(upgrade.output, /Inst python3-alpha \[2\.0-1~deb12\] \(1\.0-1~deb12 /, 'apt-get upgrade downgrades to what the channel serves');
  });
});
