/**
 * Signed apt and yum repositories, checked by the real clients against a
 * real server on 127.0.0.1: apt-get (private configuration, Signed-By,
 * Check-Valid-Until) and dnf (--installroot, gpgcheck, repo_gpgcheck). The
 * whole suite runs for both key types.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, readdir, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import * as openpgp from 'openpgp';
import { loadSigningKey } from '../../src/coordinator/keys/signing-key.js';
import { OpenPgpSigner } from '../../src/coordinator/keys/signer.js';
import { AptClient, DnfClient } from '../support/clients.js';
import { makeKey, sign as signWith } from '../support/pgp.js';
import { type BuiltFixtures, buildFixturePackages, pythonAbiStubRpm } from '../support/repo-fixtures.js';
import { pkg2os } from '../support/run-cli.js';
import { StaticServer } from '../support/static-server.js';

let fixtures: BuiltFixtures;
let stubRpm: string;

before(async () => {
  fixtures = await buildFixturePackages({ 'repo-alpha': '1.0', 'repo-beta': '2.0' });
  stubRpm = await pythonAbiStubRpm();
});

const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

/** A served copy of a repository, to tamper with. */
async function fork(root: string): Promise<{ root: string; server: StaticServer; url: string }> {
  const copy = join(await mkdtemp(join(tmpdir(), 'pkg2os-fork-')), 'repo');
  await cp(root, copy, { recursive: true });
  const server = await new StaticServer(copy).start();
  return { root: copy, server, url: server.url().replace(/\/$/, '') };
}

for (const type of ['rsa4096', 'ed25519'] as const) {
  describe(`a repository signed with ${type}`, () => {
    let dir: string;
    let repo: string;
    let server: StaticServer;
    let url: string;
    let keyFile: string;
    let publicKey: string;
    const servers: StaticServer[] = [];
    const dist = () => join(repo, 'deb/dists/bookworm');

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), `pkg2os-repo-${type}-`));
      repo = join(dir, 'repo');
      await mkdir(repo);
      server = await new StaticServer(repo).start();
      url = server.url().replace(/\/$/, '');
      const generated = await pkg2os(['keys', 'generate', '--name', 'Example Org Packages', '--email', 'packages@example.org', '--out', join(dir, 'key'), '--type', type]);
      assert.equal(generated.exitCode, 0, generated.stderr);
      keyFile = join(dir, 'key', 'private.asc');
      publicKey = await readFile(join(dir, 'key', 'public.asc'), 'utf8');
      const published = await pkg2os(['publish', '--repo', repo, '--from', fixtures.out, stubRpm, '--base-url', url], { PKG2OS_SIGNING_KEY: keyFile });
      assert.equal(published.exitCode, 0, published.stderr);
    });
    after(async () => {
      await server.stop();
      for (const s of servers) await s.stop();
    });

    it('lays out apt and yum repositories, the key and the client setup files', async () => {
      assert.equal(await readFile(join(repo, 'KEY.asc'), 'utf8'), publicKey);
      const gpg = await readFile(join(repo, 'KEY.gpg'));
      assert.equal(gpg[0]! & 0x80, 0x80, 'KEY.gpg is a binary OpenPGP key');
      assert.deepEqual((await readdir(dist())).sort(), ['InRelease', 'Release', 'Release.gpg', 'main']);
      const pool = await readdir(join(repo, 'deb/pool/main/p'));
      assert.deepEqual(pool.sort(), ['python3-repo-alpha', 'python3-repo-beta']);
      // One yum repository per RPM-family target; the rpms' Release says which (1.el9).
      assert.deepEqual(await readdir(join(repo, 'rpm')), ['el9']);
      assert.deepEqual((await readdir(join(repo, 'rpm/el9/Packages'))).sort(), ['python3-abi-stub-3.9-1.el9.noarch.rpm', 'python3-repo-alpha-1.0-1.el9.noarch.rpm', 'python3-repo-beta-2.0-1.el9.noarch.rpm']);
      assert.ok((await readdir(join(repo, 'rpm/el9/repodata'))).includes('repomd.xml.asc'));
      // Client files per target, named after the organization (the key's user ID, unless --origin says otherwise).
      assert.deepEqual((await readdir(repo)).filter((f) => f.startsWith('pkg2os-')).sort(), ['pkg2os-debian-12.pref', 'pkg2os-debian-12.sources', 'pkg2os-el9.repo']);
      const sources = await readFile(join(repo, 'pkg2os-debian-12.sources'), 'utf8');
      assert.match(sources, new RegExp(`^URIs: ${url}/deb$`, 'm'));
      assert.match(sources, /^Suites: bookworm$/m);
      assert.match(sources, /^Signed-By: \/etc\/apt\/keyrings\/example-org-packages\.asc$/m);
      assert.match(await readFile(join(repo, 'pkg2os-debian-12.pref'), 'utf8'), /^Pin: release o=Example Org Packages,l=Example Org Packages,n=bookworm\nPin-Priority: 1001$/m);
      const repoFile = await readFile(join(repo, 'pkg2os-el9.repo'), 'utf8');
      for (const line of ['[example-org-packages-el9]', 'gpgcheck=1', 'repo_gpgcheck=1', `gpgkey=${url}/KEY.asc`, 'skip_if_unavailable=False', `baseurl=${url}/rpm/el9`, 'priority=1']) assert.ok(repoFile.includes(line), line);
    });

    it('writes a Release that lists every index with SHA256 and SHA512, with by-hash copies', async () => {
      const release = await readFile(join(dist(), 'Release'), 'utf8');
      for (const f of ['Origin: Example Org Packages', 'Label: Example Org Packages', 'Suite: bookworm', 'Codename: bookworm', 'Components: main', 'Acquire-By-Hash: yes', 'Architectures: amd64']) assert.match(release, new RegExp(`^${f}$`, 'm'));
      const date = new Date(/^Date: (.*)$/m.exec(release)![1]!.replace('UTC', 'GMT'));
      const validUntil = new Date(/^Valid-Until: (.*)$/m.exec(release)![1]!.replace('UTC', 'GMT'));
      assert.ok(Math.abs(date.getTime() - Date.now()) < 120_000);
      assert.equal(Math.round((validUntil.getTime() - date.getTime()) / 86_400_000), 14);
      for (const name of ['Packages', 'Packages.gz']) {
        const path = join(dist(), 'main/binary-amd64', name);
        const data = await readFile(path);
        const s256 = createHash('sha256').update(data).digest('hex');
        const s512 = createHash('sha512').update(data).digest('hex');
        assert.match(release, new RegExp(` ${s256} +${data.length} main/binary-amd64/${name}\\n`));
        assert.match(release, new RegExp(` ${s512} +${data.length} main/binary-amd64/${name}\\n`));
        assert.deepEqual(await readFile(join(dist(), 'main/binary-amd64/by-hash/SHA256', s256)), data);
        assert.deepEqual(await readFile(join(dist(), 'main/binary-amd64/by-hash/SHA512', s512)), data);
      }
      const packages = await readFile(join(dist(), 'main/binary-amd64/Packages'), 'utf8');
      assert.match(packages, /^Filename: pool\/main\/p\/python3-repo-alpha\/python3-repo-alpha_1\.0-1~deb12_all\.deb$/m);
    });

    it('signs InRelease and Release.gpg so that gpgv accepts them with only the published key', async () => {
      await execa('gpgv', ['--keyring', join(repo, 'KEY.gpg'), join(dist(), 'InRelease')]);
      await execa('gpgv', ['--keyring', join(repo, 'KEY.gpg'), join(dist(), 'Release.gpg'), join(dist(), 'Release')]);
      const sig = await openpgp.readSignature({ armoredSignature: await readFile(join(dist(), 'Release.gpg'), 'utf8') });
      const packet = sig.packets[0] as openpgp.SignaturePacket;
      assert.equal(packet.hashAlgorithm, openpgp.enums.hash.sha512, 'SHA-512 signatures');
      const key = await openpgp.readKey({ armoredKey: publicKey });
      assert.equal(key.keyPacket.version, 4, 'a v4 key');
      assert.ok((await key.getExpirationTime()) instanceof Date, 'the key expires');
    });

    it('apt-get update and install succeed against it, with Check-Valid-Until on', async () => {
      const apt = await AptClient.create(url, publicKey);
      const update = await apt.update();
      assert.equal(update.exitCode, 0, update.output);
      assert.doesNotMatch(update.output, /^(W|E): /m, update.output);
      const install = await apt.install('python3-repo-alpha');
      assert.equal(install.exitCode, 0, install.output);
      const downloaded = join(apt.archives, 'python3-repo-alpha_1.0-1~deb12_all.deb');
      assert.equal(await sha256(downloaded), await sha256(join(repo, 'deb/pool/main/p/python3-repo-alpha/python3-repo-alpha_1.0-1~deb12_all.deb')));
    });

    it('apt refuses a tampered Packages index with its own error', async () => {
      const f = await fork(repo);
      servers.push(f.server);
      const binary = join(f.root, 'deb/dists/bookworm/main/binary-amd64');
      // Every form of the index, by path and by hash, says something the signed Release does not vouch for.
      const original = await readFile(join(binary, 'Packages'), 'utf8');
      const forged = Buffer.from(original.replace('Version: 1.0-1', 'Version: 9.9-1'));
      for (const name of ['Packages', 'Packages.gz']) await writeFile(join(binary, name), forged);
      for (const alg of ['SHA256', 'SHA512']) for (const name of await readdir(join(binary, 'by-hash', alg))) await writeFile(join(binary, 'by-hash', alg, name), forged);
      const apt = await AptClient.create(f.url, publicKey);
      const update = await apt.update();
      assert.notEqual(update.exitCode, 0, update.output);
      assert.match(update.output, /Hash Sum mismatch|File has unexpected size/);
    });

    it('apt refuses an InRelease signed by another key', async () => {
      const f = await fork(repo);
      servers.push(f.server);
      const mallory = await makeKey({ type: 'rsa' });
      const release = await readFile(join(f.root, 'deb/dists/bookworm/Release'));
      const cleartext = await openpgp.sign({ message: await openpgp.createCleartextMessage({ text: release.toString('utf8') }), signingKeys: mallory.privateKey });
      await writeFile(join(f.root, 'deb/dists/bookworm/InRelease'), cleartext);
      await writeFile(join(f.root, 'deb/dists/bookworm/Release.gpg'), await signWith(release, mallory));
      const update = await (await AptClient.create(f.url, publicKey)).update();
      assert.notEqual(update.exitCode, 0, update.output);
      assert.match(update.output, /NO_PUBKEY|is not signed|signatures couldn't be verified/);
    });

    it('apt refuses a Release whose Valid-Until has passed', async () => {
      const stale = join(dir, 'stale');
      const staleServer = await new StaticServer(stale).start();
      servers.push(staleServer);
      await mkdir(stale);
      const published = await pkg2os(['publish', '--repo', stale, fixtures.debs[0]!, '--valid-for', '1s', '--key', keyFile]);
      assert.equal(published.exitCode, 0, published.stderr);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const update = await (await AptClient.create(staleServer.url().replace(/\/$/, ''), publicKey)).update();
      assert.notEqual(update.exitCode, 0, update.output);
      assert.match(update.output, /is (no longer valid|expired)/);
    });

    it('a client holding the old InRelease during a publish still updates, through by-hash', async () => {
      const f = await fork(repo);
      servers.push(f.server);
      const oldInRelease = await readFile(join(f.root, 'deb/dists/bookworm/InRelease'));
      const newer = await buildFixturePackages({ 'repo-gamma': '3.0' });
      const published = await pkg2os(['publish', '--repo', f.root, ...newer.debs, '--key', keyFile]);
      assert.equal(published.exitCode, 0, published.stderr);
      assert.notDeepEqual(await readFile(join(f.root, 'deb/dists/bookworm/InRelease')), oldInRelease, 'the publish changed the indices');
      // The client got the old InRelease just before the switch; the Packages it then fetches are the new ones.
      f.server.overrides.set('/deb/dists/bookworm/InRelease', oldInRelease);
      const withByHash = await (await AptClient.create(f.url, publicKey)).update();
      assert.equal(withByHash.exitCode, 0, withByHash.output);
      assert.ok(f.server.requests.some((r) => r.includes('/by-hash/SHA')), 'apt fetched the index by hash');
      // The control: the same client without by-hash hits the race.
      const withoutByHash = await (await AptClient.create(f.url, publicKey)).update('-o', 'Acquire::By-Hash=no');
      assert.notEqual(withoutByHash.exitCode, 0, withoutByHash.output);
      assert.match(withoutByHash.output, /Hash Sum mismatch|File has unexpected size/);
    });

    it('every rpm passes rpmkeys -K with only the published key, and fails with another', async () => {
      const good = await mkdtemp(join(tmpdir(), 'pkg2os-rpmdb-'));
      await execa('rpmkeys', ['--dbpath', good, '--import', join(repo, 'KEY.asc')]);
      const bad = await mkdtemp(join(tmpdir(), 'pkg2os-rpmdb-'));
      const other = await makeKey({ type: 'rsa' });
      await writeFile(join(bad, 'other.asc'), other.publicArmored);
      for (const rpm of await readdir(join(repo, 'rpm/el9/Packages'))) {
        const path = join(repo, 'rpm/el9/Packages', rpm);
        const ok = await execa('rpmkeys', ['--dbpath', good, '-K', path], { reject: false });
        assert.equal(ok.exitCode, 0, ok.stdout);
        assert.match(ok.stdout, /digests signatures OK/);
        const refused = await execa('rpmkeys', ['--dbpath', bad, '-K', path], { reject: false });
        assert.notEqual(refused.exitCode, 0, refused.stdout);
        assert.match(refused.stdout + refused.stderr, /NOKEY|signatures NOT OK|NOT OK/);
      }
    });

    it('dnf makecache, download and install succeed with gpgcheck and repo_gpgcheck, through the published pkg2os-el9.repo', async () => {
      const dnf = await DnfClient.create(url, { repoFile: await readFile(join(repo, 'pkg2os-el9.repo'), 'utf8') });
      const makecache = await dnf.run('makecache');
      assert.equal(makecache.exitCode, 0, makecache.output);
      const dest = await mkdtemp(join(tmpdir(), 'pkg2os-dnf-dl-'));
      const download = await dnf.run('download', '--destdir', dest, 'python3-repo-alpha');
      assert.equal(download.exitCode, 0, download.output);
      assert.equal(await sha256(join(dest, 'python3-repo-alpha-1.0-1.el9.noarch.rpm')), await sha256(join(repo, 'rpm/el9/Packages/python3-repo-alpha-1.0-1.el9.noarch.rpm')));
      const install = await dnf.run('install', 'python3-repo-alpha');
      assert.equal(install.exitCode, 0, install.output);
      const installed = await readFile(join(dnf.root, 'usr/lib/python3.9/site-packages/repo_alpha/__init__.py'), 'utf8');
      assert.match(installed, /__version__ = "1\.0"/);
    });

    it('dnf refuses a tampered repomd.xml', async () => {
      const f = await fork(repo);
      servers.push(f.server);
      const repomd = join(f.root, 'rpm/el9/repodata/repomd.xml');
      await writeFile(repomd, (await readFile(repomd, 'utf8')).replace('<revision>', '<revision>1'));
      const result = await (await DnfClient.create(f.url)).run('makecache');
      assert.notEqual(result.exitCode, 0, result.output);
      assert.match(result.output, /GPG signature|repomd\.xml.*(verif|signature)|Bad GPG/i);
    });

    it('dnf refuses an unsigned rpm in correctly signed metadata', async () => {
      const f = await fork(repo);
      servers.push(f.server);
      const unsigned = fixtures.rpms.find((r) => basename(r).startsWith('python3-repo-beta'))!;
      await copyFile(unsigned, join(f.root, 'rpm/el9/Packages', basename(unsigned)));
      await execa('createrepo_c', ['--update', '--no-database', '--quiet', join(f.root, 'rpm/el9')]);
      const signer = new OpenPgpSigner(await loadSigningKey({ keyFile }));
      const repomd = join(f.root, 'rpm/el9/repodata/repomd.xml');
      await writeFile(`${repomd}.asc`, await signer.detached(await readFile(repomd), 'armored'));
      const dnf = await DnfClient.create(f.url);
      assert.equal((await dnf.run('makecache')).exitCode, 0, 'the metadata itself is fine');
      const result = await dnf.run('install', 'python3-repo-beta');
      assert.notEqual(result.exitCode, 0, result.output);
      assert.match(result.output, /not signed|GPG check FAILED|signature/i);
    });
  });
}
