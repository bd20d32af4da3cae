/**
 * Publishing fails closed: a signature its own check refuses, a concurrent
 * publisher, a conflicting package or another key leave the live repository
 * as it was. And the organization's key is made and kept as promised.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { execa } from 'execa';
import * as openpgp from 'openpgp';
import { PublishError } from '../../src/errors.js';
import { OpenPgpSigner, type Signer } from '../../src/coordinator/keys/signer.js';
import { loadSigningKey } from '../../src/coordinator/keys/signing-key.js';
import { publishRepository } from '../../src/coordinator/repositories/publish.js';
import type { RepoSettings } from '../../src/coordinator/publish/repo.types.js';
import { rejectsWithCode } from '../support/assert-error.js';
import { makeKey } from '../support/pgp.js';
import { type BuiltFixtures, buildFixturePackages } from '../support/repo-fixtures.js';
import { pkg2os } from '../support/run-cli.js';
import { validReport } from '../support/report-schema.js';

let fixtures: BuiltFixtures;
let keyDir: string;
let signer: Signer;

const settings = (root: string): RepoSettings => ({ root, codenames: { 'debian-12': 'bookworm' }, architectures: ['amd64'], validFor: 86400, retention: 172800, keepVersions: 3 });

/** Everything a client can read, by path → bytes. */
async function snapshot(root: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.name.startsWith('.')) continue;
      if (e.isDirectory()) await walk(p);
      else files.set(p.slice(root.length), (await readFile(p)).toString('base64'));
    }
  };
  await walk(root);
  return files;
}

before(async () => {
  fixtures = await buildFixturePackages({ 'safe-one': '1.0', 'safe-two': '1.0' });
  keyDir = join(await mkdtemp(join(tmpdir(), 'pkg2os-key-')), 'key');
  const made = await pkg2os(['keys', 'generate', '--name', 'Safety', '--email', 'safety@example.org', '--out', keyDir, '--type', 'ed25519']);
  assert.equal(made.exitCode, 0, made.stderr);
  signer = new OpenPgpSigner(await loadSigningKey({ keyFile: join(keyDir, 'private.asc') }));
});

describe('publishing fails closed', () => {
  it('leaves the live repository untouched when its own gpgv check refuses the new InRelease', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pkg2os-safe-'));
    await publishRepository({ settings: settings(root), files: [fixtures.debs[0]!, fixtures.rpms[0]!], signer });
    const before = await snapshot(root);
    // A signer whose cleartext signature comes from a key the repository does not publish.
    const mallory = await makeKey({ type: 'ed25519' });
    const broken: Signer = {
      fingerprint: signer.fingerprint,
      userName: signer.userName,
      publicArmored: signer.publicArmored,
      publicBinary: signer.publicBinary,
      detached: (data, format) => signer.detached(data, format),
      cleartext: async (text) => openpgp.sign({ message: await openpgp.createCleartextMessage({ text }), signingKeys: mallory.privateKey }),
    };
    await rejectsWithCode(publishRepository({ settings: settings(root), files: [fixtures.debs[1]!, fixtures.rpms[1]!], signer: broken }), PublishError, 'PUBLISH_SELF_CHECK');
    assert.deepEqual(await snapshot(root), before, 'not one file a client reads changed, and the new packages were taken back');
  });

  it('a second publisher waits for the lock, then fails clearly', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pkg2os-safe-'));
    // Another publisher: it holds the kernel lock, and says who it is beside it.
    const holder = execa('flock', [join(root, '.pkg2os-publish.lock'), 'sleep', '30']);
    try {
      for (let i = 0; i < 100 && (await execa('flock', ['--nonblock', join(root, '.pkg2os-publish.lock'), 'true'], { reject: false })).exitCode === 0; i++) await new Promise((r) => setTimeout(r, 20));
      await writeFile(join(root, '.pkg2os-publish.owner'), `${holder.pid} ${(await import('node:os')).hostname()}\n`);
      const started = Date.now();
      const error = await rejectsWithCode(publishRepository({ settings: settings(root), files: [fixtures.debs[0]!], signer, lockTimeoutMs: 1500 }), PublishError, 'PUBLISH_LOCKED');
      assert.ok(Date.now() - started >= 1400, 'it waited');
      assert.match(error.message, new RegExp(`pid ${holder.pid}`));
      assert.ok(!existsSync(join(root, 'deb')), 'nothing was written');
    } finally {
      holder.kill();
      await holder.catch(() => undefined);
    }
  });

  it('is not held up by what a dead publisher left: a lock file naming a dead pid, or an empty one', async () => {
    for (const left of ['999999 nowhere\n', '']) {
      const root = await mkdtemp(join(tmpdir(), 'pkg2os-safe-'));
      const child = execa('true');
      await child;
      await writeFile(join(root, '.pkg2os-publish.lock'), left.replace('999999', String(child.pid)));
      const started = Date.now();
      await publishRepository({ settings: settings(root), files: [fixtures.debs[0]!], signer, lockTimeoutMs: 60_000 });
      assert.ok(Date.now() - started < 30_000, 'it did not wait for the dead');
      assert.ok(existsSync(join(root, 'deb/dists/bookworm/InRelease')));
      assert.equal((await execa('flock', ['--nonblock', join(root, '.pkg2os-publish.lock'), 'true'], { reject: false })).exitCode, 0, 'the lock is free again');
    }
  });

  it('refuses a package whose name is published with other bytes (exit 7), and accepts the same bytes again', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pkg2os-safe-'));
    const env = { PKG2OS_SIGNING_KEY: join(keyDir, 'private.asc') };
    assert.equal((await pkg2os(['publish', '--repo', root, fixtures.debs[0]!], env)).exitCode, 0);
    assert.equal((await pkg2os(['publish', '--repo', root, fixtures.debs[0]!], env)).exitCode, 0, 'republishing identical bytes is a no-op');
    // The same package and version with other contents: unpack, change one file, pack again.
    const work = await mkdtemp(join(tmpdir(), 'pkg2os-other-'));
    await execa('dpkg-deb', ['-R', fixtures.debs[0]!, join(work, 'tree')]);
    await writeFile(join(work, 'tree/usr/lib/python3/dist-packages/safe_one/__init__.py'), '# altered\n');
    const other = join(work, 'altered.deb');
    await execa('dpkg-deb', ['--build', '--root-owner-group', join(work, 'tree'), other]);
    const result = await pkg2os(['publish', '--repo', root, other], env);
    assert.equal(result.exitCode, 7, result.stderr);
    assert.match(result.stderr, /already has pool\/main\/p\/python3-safe-one\/python3-safe-one_1\.0-1~deb12_all\.deb with different contents/);
  });

  it('keeps the pool\'s record honest: a lost record is rebuilt from the signed indices, never from the files in the pool; a file deleted by hand leaves the index', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pkg2os-safe-'));
    await publishRepository({ settings: settings(root), files: fixtures.debs, signer });
    const packages = () => readFile(join(root, 'deb/dists/bookworm/main/binary-amd64/Packages'), 'utf8');
    const before = await packages();
    assert.equal((before.match(/^Package: /gm) ?? []).length, 2);
    // Someone drops a package into the pool and deletes the record: the next publish lists what the signed indices listed, and nothing else.
    const intruder = join(root, 'deb/pool/main/p/python3-intruder/python3-intruder_99:1.0-1_all.deb');
    await mkdir(join(intruder, '..'), { recursive: true });
    await copyFile(fixtures.debs[0]!, intruder);
    await rm(join(root, 'deb/.pkg2os/pool-record.json'));
    await publishRepository({ settings: settings(root), files: [], signer });
    assert.equal(await packages(), before);
    assert.doesNotMatch(await packages(), /intruder/);
    // A pool file deleted by hand is not listed any more (a client would get 404 for it).
    const gone = /^Filename: (\S+)$/m.exec(before)![1]!;
    await rm(join(root, 'deb', gone));
    await publishRepository({ settings: settings(root), files: [], signer });
    assert.doesNotMatch(await packages(), new RegExp(`Filename: ${gone}`));
    assert.equal(((await packages()).match(/^Package: /gm) ?? []).length, 1);
  });

  it('refuses to re-sign a repository with another key unless told to', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pkg2os-safe-'));
    assert.equal((await pkg2os(['publish', '--repo', root, fixtures.debs[0]!, '--key', join(keyDir, 'private.asc')])).exitCode, 0);
    const otherDir = join(await mkdtemp(join(tmpdir(), 'pkg2os-key2-')), 'key');
    await pkg2os(['keys', 'generate', '--name', 'Other', '--email', 'other@example.org', '--out', otherDir, '--type', 'ed25519']);
    const refused = await pkg2os(['publish', '--repo', root, '--key', join(otherDir, 'private.asc')]);
    assert.equal(refused.exitCode, 7, refused.stderr);
    assert.match(refused.stderr, /every client that trusts the old key would refuse the repository/);
    const replaced = await pkg2os(['publish', '--repo', root, '--key', join(otherDir, 'private.asc'), '--replace-key']);
    assert.equal(replaced.exitCode, 0, replaced.stderr);
  });

  it('a publishing tool that fails (createrepo_c) is a publish failure, exit 7, and the repository stays as it was', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pkg2os-safe-'));
    assert.equal((await pkg2os(['publish', '--repo', root, fixtures.debs[0]!, fixtures.rpms[0]!, '--key', join(keyDir, 'private.asc')])).exitCode, 0);
    const before = await snapshot(root);
    const bin = await mkdtemp(join(tmpdir(), 'pkg2os-bin-'));
    await writeFile(join(bin, 'createrepo_c'), '#!/bin/sh\necho "createrepo_c: out of inodes" >&2\nexit 1\n', { mode: 0o755 });
    const result = await pkg2os(['publish', '--repo', root, fixtures.rpms[1]!, '--key', join(keyDir, 'private.asc')], { PATH: `${bin}:${process.env.PATH}` });
    assert.equal(result.exitCode, 7, result.stderr);
    assert.match(result.stderr, /createrepo_c exited with status 1 while indexing the yum repository/);
    assert.match(result.stderr, /out of inodes/);
    assert.deepEqual(await snapshot(root), before, 'not one file a client reads changed');
  });

  it('says clearly when no signing key is given (exit 2)', async () => {
    const result = await pkg2os(['publish', '--repo', await mkdtemp(join(tmpdir(), 'pkg2os-safe-')), fixtures.debs[0]!], { PKG2OS_SIGNING_KEY: '' });
    assert.equal(result.exitCode, 2);
    assert.match(result.stderr, /needs the organization's signing key/);
  });

  it('reads the .debs while it loads the key, yet reports each failure in turn: a broken .deb with no key names the key (exit 2); with the key, the .deb (exit 7); nothing is published', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pkg2os-safe-'));
    const broken = join(dir, 'broken_1.0-1_all.deb');
    await writeFile(broken, 'not an ar archive\n');
    const repo = join(dir, 'repo');
    const noKey = await pkg2os(['publish', '--repo', repo, broken], { PKG2OS_SIGNING_KEY: join(dir, 'missing.asc') });
    assert.equal(noKey.exitCode, 2, noKey.stderr);
    assert.match(noKey.stderr, /Cannot read the signing key/);
    assert.doesNotMatch(noKey.stderr, /internal error|Unhandled|at async/);
    const withKey = await pkg2os(['publish', '--repo', repo, broken], { PKG2OS_SIGNING_KEY: join(keyDir, 'private.asc') });
    assert.equal(withKey.exitCode, 7, withKey.stderr);
    assert.match(withKey.stderr, /broken_1\.0-1_all\.deb/);
    assert.equal(existsSync(join(repo, 'deb', 'dists')), false, 'no suite was published');
  });
});

describe('pkg2os keys generate', () => {
  it('writes private.asc 0600 (encrypted with the passphrase) and public.asc; the passphrase appears nowhere', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'pkg2os-gen-')), 'key');
    const passphrase = 'correct horse battery staple 7';
    const made = await pkg2os(['keys', 'generate', '--name', 'Enc Org', '--email', 'enc@example.org', '--out', dir, '--type', 'ed25519', '--expires', '1y'], { PKG2OS_KEY_PASSPHRASE: passphrase });
    assert.equal(made.exitCode, 0, made.stderr);
    assert.ok(!made.stdout.includes(passphrase) && !made.stderr.includes(passphrase));
    assert.equal((await stat(join(dir, 'private.asc'))).mode & 0o777, 0o600);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    const armored = await readFile(join(dir, 'private.asc'), 'utf8');
    assert.ok(!armored.includes(passphrase));
    const key = await openpgp.readPrivateKey({ armoredKey: armored });
    assert.equal(key.isDecrypted(), false, 'the private key is encrypted on disk');
    assert.equal(key.keyPacket.version, 4);
    const expires = (await key.getExpirationTime()) as Date;
    assert.equal(Math.round((expires.getTime() - key.getCreationTime().getTime()) / 86_400_000), 365);
    // It signs only with the passphrase, given through the environment or a file.
    const fromFile = join(dir, '..', 'passphrase');
    await writeFile(fromFile, `${passphrase}\n`, { mode: 0o600 });
    const repo = await mkdtemp(join(tmpdir(), 'pkg2os-enc-'));
    const wrong = await pkg2os(['publish', '--repo', repo, fixtures.debs[0]!, '--key', join(dir, 'private.asc')], { PKG2OS_KEY_PASSPHRASE: 'nope' });
    assert.equal(wrong.exitCode, 2);
    assert.match(wrong.stderr, /passphrase does not unlock/);
    assert.ok(!wrong.stderr.includes('nope'));
    const right = await pkg2os(['publish', '--repo', repo, fixtures.debs[0]!, '--key', join(dir, 'private.asc')], { PKG2OS_KEY_PASSPHRASE_FILE: fromFile });
    assert.equal(right.exitCode, 0, right.stderr);
  });

  it('makes RSA-4096 by default, with SHA-512 self-signatures that rpm 4.18 and gpg accept', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'pkg2os-gen-')), 'key');
    assert.equal((await pkg2os(['keys', 'generate', '--name', 'RSA Org', '--email', 'rsa@example.org', '--out', dir])).exitCode, 0);
    const key = await openpgp.readKey({ armoredKey: await readFile(join(dir, 'public.asc'), 'utf8') });
    assert.deepEqual([key.getAlgorithmInfo().algorithm, key.getAlgorithmInfo().bits], ['rsaEncryptSign', 4096]);
    const self = key.users[0]!.selfCertifications[0]!;
    assert.equal(self.hashAlgorithm, openpgp.enums.hash.sha512);
    const db = await mkdtemp(join(tmpdir(), 'pkg2os-rpmdb-'));
    await execa('rpmkeys', ['--dbpath', db, '--import', join(dir, 'public.asc')]);
    const exported = await pkg2os(['keys', 'export', '--key', join(dir, 'private.asc')]);
    assert.equal(exported.stdout.trimEnd(), (await readFile(join(dir, 'public.asc'), 'utf8')).trimEnd());
    const again = await pkg2os(['keys', 'generate', '--name', 'RSA Org', '--email', 'rsa@example.org', '--out', dir]);
    assert.equal(again.exitCode, 2, 'never overwrites a private key');
  });
});

describe('pkg2os build --repo', () => {
  it('builds and publishes in one go', async () => {
    const { IndexServer } = await import('../support/index-server.js');
    const { makeSdist } = await import('../support/sdist-fixtures.js');
    const server = await new IndexServer().add('one-go', await makeSdist({ name: 'one-go', version: '1.0' })).start();
    try {
      const dir = await mkdtemp(join(tmpdir(), 'pkg2os-onego-'));
      await mkdir(join(dir, 'repo'));
      const result = await pkg2os(['build', 'one-go', '--index-url', server.url, '--out', join(dir, 'out'), '--target', 'debian-12,el9', '--repo', join(dir, 'repo'), '--key', join(keyDir, 'private.asc'), '--json'], {}, dir);
      assert.equal(result.exitCode, 0, result.stderr);
      const report = validReport('report', result.stdout);
      assert.deepEqual(report.published.apt.map((s: { suite: string; target: string; added: string[] }) => [s.suite, s.target, s.added]), [['bookworm', 'debian-12', ['pool/main/p/python3-one-go/python3-one-go_1.0-1~deb12_all.deb']]]);
      assert.deepEqual(report.published.yum.map((s: { target: string; added: string[] }) => [s.target, s.added]), [['el9', ['Packages/python3-one-go-1.0-1.el9.noarch.rpm']]]);
      await execa('gpgv', ['--keyring', join(dir, 'repo/KEY.gpg'), join(dir, 'repo/deb/dists/bookworm/InRelease')]);
    } finally {
      await server.stop();
    }
  });
});

describe('a repository published before targets', () => {
  it('is refused, with the steps to move its one yum repository into rpm/<target>/ (exit 7), and nothing changes', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pkg2os-old-layout-'));
    await mkdir(join(root, 'rpm/Packages'), { recursive: true });
    await mkdir(join(root, 'rpm/repodata'), { recursive: true });
    await writeFile(join(root, 'rpm/repodata/repomd.xml'), '<repomd/>\n');
    const before = await snapshot(root);
    const result = await pkg2os(['publish', '--repo', root, fixtures.rpms[0]!, '--key', join(keyDir, 'private.asc')]);
    assert.equal(result.exitCode, 7, result.stderr);
    assert.match(result.stderr, /holds a yum repository in rpm\/ \(rpm\/repodata\)/);
    assert.match(result.stderr, /Move rpm\/Packages, rpm\/repodata and rpm\/\.pkg2os into rpm\/<target>\//);
    assert.deepEqual(await snapshot(root), before);
  });
});
