import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clearCriticalKeyExpiry } from '../../src/coordinator/keys/rpm-compatible.js';
import { formatParagraph, parseParagraph } from '../../src/families/debian/apt/deb822.js';
import { poolDir } from '../../src/families/debian/apt/pool.js';
import { releaseDate, renderRelease } from '../../src/families/debian/apt/release.js';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientView, repoId } from '../../src/coordinator/repositories/client-config.js';
import { LocalStorage } from '../../src/coordinator/publish/storage.js';
import { aptKind } from '../../src/families/debian/apt/kind.js';
import { yumKind } from '../../src/families/rpm/yum/kind.js';
import { SHIPPED_TEMPLATES } from '../../src/families/shared/templates.js';
import type { NamedRepoSettings } from '../../src/coordinator/publish/repo.types.js';
import { repomdLocations } from '../../src/families/rpm/yum/repomd.js';

const settings: NamedRepoSettings = { root: '/srv/repo', codenames: { 'debian-12': 'bookworm' }, origin: 'Example', label: 'Example Python', architectures: ['amd64', 'arm64'], validFor: 14 * 86400, retention: 2 * 86400, keepVersions: 3 };

describe('apt Release', () => {
  const now = new Date('2026-11-25T12:00:00Z');
  const text = renderRelease({ ...settings, suite: 'bookworm', codename: 'bookworm' }, [{ path: 'main/binary-amd64/Packages', size: 1234, sha256: 'a'.repeat(64), sha512: 'b'.repeat(128) }, { path: 'main/binary-amd64/Packages.gz', size: 99, sha256: 'c'.repeat(64), sha512: 'd'.repeat(128) }], now);
  it('carries the fields apt checks, with UTC dates and Valid-Until after the validity', () => {
    assert.match(text, /^Date: Wed, 25 Nov 2026 12:00:00 UTC$/m);
    assert.match(text, /^Valid-Until: Wed, 09 Dec 2026 12:00:00 UTC$/m);
    for (const f of ['Origin: Example', 'Label: Example Python', 'Suite: bookworm', 'Codename: bookworm', 'Architectures: amd64 arm64', 'Components: main', 'Acquire-By-Hash: yes']) assert.match(text, new RegExp(`^${f}$`, 'm'));
  });
  it('lists every index under SHA256 and SHA512 with aligned sizes', () => {
    assert.match(text, /^SHA256:\n a{64} 1234 main\/binary-amd64\/Packages\n c{64}   99 main\/binary-amd64\/Packages\.gz\nSHA512:\n b{128} 1234 main\/binary-amd64\/Packages\n d{128}   99 main\/binary-amd64\/Packages\.gz\n$/m);
  });
  it('formats dates as apt does', () => assert.equal(releaseDate(new Date(0)), 'Thu, 01 Jan 1970 00:00:00 UTC'));
});

describe('Packages stanzas', () => {
  it('keep the control fields and put pool fields before Description', () => {
    const control = 'Package: python3-x\nVersion: 1.0-1\nArchitecture: all\nDescription: x\n A long\n .\n description\n';
    const out = formatParagraph(parseParagraph(control), [['Filename', 'pool/main/p/python3-x/python3-x_1.0-1_all.deb'], ['Size', '10']]);
    assert.equal(out, 'Package: python3-x\nVersion: 1.0-1\nArchitecture: all\nFilename: pool/main/p/python3-x/python3-x_1.0-1_all.deb\nSize: 10\nDescription: x\n A long\n .\n description\n');
  });
  it('puts packages in Debian\'s pool layout', () => {
    assert.equal(poolDir('python3-django'), 'pool/main/p/python3-django');
    assert.equal(poolDir('libfoo1'), 'pool/main/libf/libfoo1');
  });
});

describe('yum repomd.xml', () => {
  it('lists the data files it points at', () => {
    const xml = '<repomd><data type="primary"><location href="repodata/abc-primary.xml.xz"/></data><data type="filelists"><location href="repodata/def-filelists.xml.xz"/></data></repomd>';
    assert.deepEqual([...repomdLocations(xml)], ['abc-primary.xml.xz', 'def-filelists.xml.xz']);
  });
});

describe('client setup files, per target', () => {
  const view = () => clientView(settings, 'https://packages.example.org/python/', 'F'.repeat(40));
  /** A repository root with an apt suite for bookworm and a yum repository for el9. */
  const storage = async () => {
    const root = await mkdtemp(join(tmpdir(), 'pkg2os-client-files-'));
    await mkdir(join(root, 'deb/dists/bookworm'), { recursive: true });
    await mkdir(join(root, 'rpm/el9/repodata'), { recursive: true });
    return new LocalStorage(root);
  };
  it('point apt at its own suite with Signed-By, and pin the organization\'s packages above the distribution\'s by Origin, Label and suite', async () => {
    const files = await aptKind.clientFiles({ settings, storage: await storage(), templates: SHIPPED_TEMPLATES }, view());
    assert.deepEqual(Object.keys(files), ['pkg2os-debian-12.sources', 'pkg2os-debian-12.pref']);
    assert.match(files['pkg2os-debian-12.sources']!, /^Types: deb\nURIs: https:\/\/packages\.example\.org\/python\/deb\nSuites: bookworm\nComponents: main\nSigned-By: \/etc\/apt\/keyrings\/example\.asc\n$/m);
    assert.match(files['pkg2os-debian-12.pref']!, /^Package: \*\nPin: release o=Example,l=Example Python,n=bookworm\nPin-Priority: 1001\n$/m);
    for (const text of Object.values(files)) assert.match(text, new RegExp(`^# Signing key: ${'F'.repeat(40)}$`, 'm'));
  });
  it('point dnf at the target\'s own repository with every check on, and a priority above the distribution\'s', async () => {
    const { 'pkg2os-el9.repo': repo } = await yumKind.clientFiles({ settings, storage: await storage(), templates: SHIPPED_TEMPLATES }, view());
    for (const line of ['\\[example-el9\\]', 'baseurl=https://packages.example.org/python/rpm/el9', 'gpgcheck=1', 'repo_gpgcheck=1', 'gpgkey=https://packages.example.org/python/KEY.asc', 'skip_if_unavailable=False', 'priority=1']) assert.match(repo!, new RegExp(`^${line}$`, 'm'));
  });
  it('name client files after the organization, and refuse an Origin a pin cannot match', async () => {
    assert.equal(repoId({ origin: 'Example Org Packages' }), 'example-org-packages');
    assert.throws(() => clientView({ ...settings, origin: 'Example, Inc.' }, 'https://packages.example.org/python/', 'F'.repeat(40)), /comma/);
  });
});

describe('rpm-compatible self-signatures', () => {
  it('clears only the critical bit of Key Expiration Time', () => {
    // length prefix (2), then: [len 5, type 0x82 (critical creation time), 4 bytes], [len 5, type 0x89 (critical key expiry), 4 bytes], [len 2, type 0x9b (critical key flags), 1 byte]
    const area = Uint8Array.from([0, 15, 5, 0x82, 1, 2, 3, 4, 5, 0x89, 0, 0, 1, 0, 2, 0x9b, 3]);
    const out = clearCriticalKeyExpiry(area);
    assert.deepEqual([...out], [0, 15, 5, 0x82, 1, 2, 3, 4, 5, 0x09, 0, 0, 1, 0, 2, 0x9b, 3]);
  });
});
