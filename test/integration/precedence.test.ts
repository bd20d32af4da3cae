/**
 * An ops team gets the organization's build, not the distribution's, proved
 * with the real clients: a stand-in "distribution" repository signed by
 * another key holds the versions Debian 12 really has (python3-jinja2
 * 3.1.2-1+deb12u3, python3-django 3:3.2.25-0+deb12u7 with its epoch), and
 * apt with the published .sources and .pref still chooses the organization's
 * 3.1.2-1~deb12 and 3.2.25-1~deb12; without the .pref, Debian's win (the
 * control). The same for dnf: a higher python3-jinja2 in a stand-in
 * distribution repository loses to the published pkg2os-el9.repo's priority.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { AptClient, DnfClient } from '../support/clients.js';
import { IndexServer } from '../support/index-server.js';
import { pkg2os } from '../support/run-cli.js';
import { makeSdist } from '../support/sdist-fixtures.js';
import { StaticServer } from '../support/static-server.js';

const index = new IndexServer();
const servers: StaticServer[] = [];
let dir: string;
let org: { root: string; url: string; key: string };
let distro: { root: string; url: string; key: string };

const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

async function serve(root: string): Promise<string> {
  const server = await new StaticServer(root).start();
  servers.push(server);
  return server.url().replace(/\/$/, '');
}

/** A .deb as the distribution would ship it (only its name and version matter here). */
async function distroDeb(name: string, version: string): Promise<string> {
  const tree = join(dir, 'distro-debs', `${name}-tree`);
  await mkdir(join(tree, 'DEBIAN'), { recursive: true });
  await writeFile(join(tree, 'DEBIAN/control'), `Package: ${name}\nVersion: ${version}\nArchitecture: all\nMaintainer: Debian Python Team <team+python@tracker.debian.org>\nDescription: the distribution's ${name}\n`);
  const deb = join(dir, 'distro-debs', `${name}.deb`);
  await execa('dpkg-deb', ['--build', '--root-owner-group', tree, deb]);
  return deb;
}

/** An rpm as the distribution would ship it. */
async function distroRpm(name: string, version: string, release: string): Promise<string> {
  const top = join(dir, 'distro-rpms');
  await mkdir(join(top, 'SPECS'), { recursive: true });
  const spec = join(top, 'SPECS', `${name}.spec`);
  await writeFile(spec, [`Name: ${name}`, `Version: ${version}`, `Release: ${release}`, 'Summary: the distribution\'s package', 'License: BSD', 'BuildArch: noarch', '%description', 'Stand-in.', '%files', ''].join('\n'));
  await execa('rpmbuild', ['-bb', '--define', `_topdir ${top}`, spec]);
  return join(top, 'RPMS', 'noarch', `${name}-${version}-${release}.noarch.rpm`);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pkg2os-precedence-'));
  index.add('jinja2', await makeSdist({ name: 'Jinja2', version: '3.1.2' }));
  index.add('django', await makeSdist({ name: 'Django', version: '3.2.25' }));
  await index.start();
  for (const who of ['org', 'distro']) {
    const made = await pkg2os(['keys', 'generate', '--name', who === 'org' ? 'Example Org Packages' : 'Debian Stand-in', '--email', `${who}@example.org`, '--out', join(dir, `${who}-key`), '--type', 'ed25519']);
    assert.equal(made.exitCode, 0, made.stderr);
    await mkdir(join(dir, `${who}-repo`));
  }
  org = { root: join(dir, 'org-repo'), url: await serve(join(dir, 'org-repo')), key: await readFile(join(dir, 'org-key', 'public.asc'), 'utf8') };
  distro = { root: join(dir, 'distro-repo'), url: await serve(join(dir, 'distro-repo')), key: await readFile(join(dir, 'distro-key', 'public.asc'), 'utf8') };
  // The organization's builds, published with its client files.
  const built = await pkg2os(['build', 'jinja2', 'django', '--no-deps', '--target', 'debian-12,el9', '--index-url', index.url, '--out', join(dir, 'out'), '--repo', org.root, '--base-url', org.url, '--key', join(dir, 'org-key', 'private.asc'), '--no-lockfile'], {}, dir);
  assert.equal(built.exitCode, 0, built.stderr);
  // The stand-in distribution: Debian 12's real versions, signed by another key, labelled as Debian labels its archive.
  const debs = [await distroDeb('python3-jinja2', '3.1.2-1+deb12u3'), await distroDeb('python3-django', '3:3.2.25-0+deb12u7')];
  const published = await pkg2os(['publish', '--repo', distro.root, '--target', 'debian-12', '--origin', 'Debian', '--label', 'Debian', '--base-url', distro.url, '--key', join(dir, 'distro-key', 'private.asc'), ...debs]);
  assert.equal(published.exitCode, 0, published.stderr);
});
after(async () => {
  await index.stop();
  for (const s of servers) await s.stop();
});

describe('apt: the organization\'s repository wins over the distribution\'s', () => {
  const client = async (withPreferences: boolean) => {
    const sources = await readFile(join(org.root, 'pkg2os-debian-12.sources'), 'utf8');
    const preferences = withPreferences ? await readFile(join(org.root, 'pkg2os-debian-12.pref'), 'utf8') : undefined;
    const apt = await AptClient.create(org.url, org.key, { published: { sources, preferences }, more: [{ sources: await readFile(join(distro.root, 'pkg2os-debian-12.sources'), 'utf8'), key: distro.key }] });
    const update = await apt.update();
    assert.equal(update.exitCode, 0, update.output);
    return apt;
  };

  it('with the published .pref, apt chooses 3.1.2-1~deb12 over Debian\'s 3.1.2-1+deb12u3, and 3.2.25-1~deb12 over 3:3.2.25-0+deb12u7', async () => {
    const apt = await client(true);
    assert.equal(await apt.candidate('python3-jinja2'), '3.1.2-1~deb12');
    assert.equal(await apt.candidate('python3-django'), '3.2.25-1~deb12');
    const install = await apt.install('python3-django');
    assert.equal(install.exitCode, 0, install.output);
    assert.equal(await sha256(join(apt.archives, 'python3-django_3.2.25-1~deb12_all.deb')), await sha256(join(org.root, 'deb/pool/main/p/python3-django/python3-django_3.2.25-1~deb12_all.deb')));
  });

  it('without it (the control), Debian\'s versions win: that is what the .pref is for', async () => {
    const apt = await client(false);
    assert.equal(await apt.candidate('python3-jinja2'), '3.1.2-1+deb12u3');
    assert.equal(await apt.candidate('python3-django'), '3:3.2.25-0+deb12u7');
  });
});

describe('dnf: the organization\'s repository wins over the distribution\'s', () => {
  let distroRepoFile: string;

  before(async () => {
    const yum = join(dir, 'distro-yum');
    await mkdir(yum);
    await execa('cp', [await distroRpm('python3-jinja2', '3.1.4', '1.el9'), yum]);
    await execa('createrepo_c', ['--quiet', yum]);
    // The distribution's repository as a .repo has it: no priority (dnf's default, 99).
    distroRepoFile = `[distro]\nname=stand-in distribution\nbaseurl=${await serve(yum)}\nenabled=1\ngpgcheck=0\n`;
  });

  const download = async (repoFile: string) => {
    const dnf = await DnfClient.create(org.url, { repoFile, more: { distro: distroRepoFile } });
    const dest = await mkdtemp(join(tmpdir(), 'pkg2os-dnf-dl-'));
    const result = await dnf.run('download', '--destdir', dest, 'python3-jinja2');
    assert.equal(result.exitCode, 0, result.output);
    return readdir(dest);
  };

  it('through the published pkg2os-el9.repo (priority=1), dnf downloads the organization\'s 3.1.2-1.el9, not the distribution\'s 3.1.4', async () => {
    assert.deepEqual(await download(await readFile(join(org.root, 'pkg2os-el9.repo'), 'utf8')), ['python3-jinja2-3.1.2-1.el9.noarch.rpm']);
  });

  it('without the priority (the control), the distribution\'s higher version wins', async () => {
    const withoutPriority = (await readFile(join(org.root, 'pkg2os-el9.repo'), 'utf8')).replace(/^priority=.*\n/m, '');
    assert.deepEqual(await download(withoutPriority), ['python3-jinja2-3.1.4-1.el9.noarch.rpm']);
  });
});
