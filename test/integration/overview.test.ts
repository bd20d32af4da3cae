/**
 * The repository overview (index.html and a page per package), as the real
 * headless Chromium renders it: it lists what the signed indices hold per
 * channel and target, with the upstream file, its verdicts and the snapshot
 * history; and upstream's text — here a build requirement whose marker
 * carries markup — stays text: no element, no script, no changed title.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { makeProjectSdist, makeWheel, miniBackend } from '../support/backend-fixtures.js';
import { IndexServer } from '../support/index-server.js';
import { pkg2os } from '../support/run-cli.js';
import { TestSigstore, provenanceObject } from '../support/sigstore-fixtures.js';

const HOSTILE = `<script>document.title="owned"</script><img src=x onerror=alert(1)><b id=bold>&amp;`;
const index = new IndexServer();
let dir: string;
let repo: string;
let key: string;

/** The DOM Chromium builds from a file of the repository (scripts would have run by then). */
async function rendered(path: string): Promise<string> {
  const { stdout } = await execa('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', `--user-data-dir=${join(dir, 'chromium')}`, '--dump-dom', `file://${path}`], { timeout: 60_000 });
  return stdout;
}

/** The cells' text of every row of the tables with this class, by the markup Chromium serialized. */
function rows(dom: string, table: string): string[][] {
  const body = [...dom.matchAll(new RegExp(`<table class="${table}"[^>]*>[\\s\\S]*?<tbody>([\\s\\S]*?)</tbody>`, 'g'))].map((m) => m[1]).join('');
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map(([, row]) => [...row!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map(([, cell]) => cell!.replace(/<[^>]+>/g, '')));
}

before(async () => {
  const sigstore = await TestSigstore.create();
  index.add('fixturebackend', await makeWheel({ name: 'fixturebackend', version: '2.0', files: { 'fixturebackend/__init__.py': miniBackend() } }));
  // A requirement that holds (python_version >= "3"), with markup in a marker's string: upstream's text, recorded as written.
  const sdist = await makeProjectSdist({ name: 'shown', version: '1.0', requires: [`fixturebackend>=2; python_version >= "3" or platform_release == '${HOSTILE}'`], backend: 'fixturebackend' });
  const attestation = await sigstore.attest({ filename: sdist.filename, sha256: (await import('../support/index-server.js')).sha256(sdist.body) }, { repository: 'pkg2os-fixtures/shown', commit: 'd'.repeat(40), ref: 'refs/tags/1.0' });
  index.add('shown', { ...sdist, provenance: Buffer.from(JSON.stringify(provenanceObject([attestation], 'pkg2os-fixtures/shown'))) });
  await index.start();
  dir = await mkdtemp(join(tmpdir(), 'pkg2os-overview-'));
  repo = join(dir, 'repo');
  key = join(dir, 'key/private.asc');
  await mkdir(join(dir, 'keys/.sigstore'), { recursive: true });
  await writeFile(join(dir, 'keys/.sigstore/trusted_root.json'), JSON.stringify(sigstore.trustedRoot()));
  assert.equal((await pkg2os(['trust', 'add', 'shown', 'github:pkg2os-fixtures/shown:release.yml', '--keys-dir', join(dir, 'keys')])).exitCode, 0);
  assert.equal((await pkg2os(['keys', 'generate', '--name', 'Overview Org', '--email', 'o@example.org', '--out', join(dir, 'key'), '--type', 'ed25519'])).exitCode, 0);
  const built = await pkg2os(['build', 'shown', '--target', 'debian-12,el9', '--index-url', index.url, '--out', join(dir, 'out'), '--repo', repo, '--channel', 'testing', '--key', key, '--keys-dir', join(dir, 'keys')], {}, dir);
  assert.equal(built.exitCode, 0, built.stderr);
  const promoted = await pkg2os(['promote', '--from', 'testing', '--to', 'stable', '--repo', repo, '--key', key]);
  assert.equal(promoted.exitCode, 0, promoted.stderr);
});
after(() => index.stop());

describe('the repository overview in a real browser', () => {
  it('lists, per channel and target, what the signed indices hold, with upstream file, verdicts and snapshots', async () => {
    const dom = await rendered(join(repo, 'index.html'));
    assert.match(dom, /<title>Package repository<\/title>/);
    for (const channel of ['stable', 'testing']) {
      const section = new RegExp(`<section class="channel" data-channel="${channel}">([\\s\\S]*?)</section>`).exec(dom)?.[1];
      assert.ok(section, `a section for channel ${channel}`);
      const packages = rows(section!, 'packages');
      assert.deepEqual(packages.map((r) => r[0]), ['python3-shown', 'python3-shown'], 'one row per target');
      assert.deepEqual(packages.map((r) => r[1]).sort(), ['1.0-1.el9', '1.0-1~deb12']);
      for (const row of packages) {
        assert.equal(row[2], 'shown-1.0.tar.gz');
        assert.match(row[3]!, /attested by github:pkg2os-fixtures\/shown:release\.yml/);
        assert.match(row[3]!, /lockfile: /);
      }
      assert.match(section!, /<table class="packages" data-target="debian-12">/);
      assert.match(section!, /<table class="packages" data-target="el9">/);
    }
    const stable = new RegExp('data-channel="stable">([\\s\\S]*?)</section>').exec(dom)![1]!;
    assert.deepEqual(rows(stable, 'snapshots').map((r) => [r[0], r[2]]), [['stable-1', 'promote from testing (testing-1)']]);
  });

  it('a package page shows the chain explain shows, and upstream\'s markup stays text', async () => {
    const dom = await rendered(join(repo, 'overview/debian-12/python3-shown_1.0-1~deb12_all.deb.html'));
    assert.match(dom, /<title>python3-shown 1\.0-1~deb12 \(debian-12\)<\/title>/, 'no script changed the title');
    assert.doesNotMatch(dom, /<script|<img|<b id/i, 'no element came from upstream text');
    // Escaped once in the served file, shown as the characters upstream wrote.
    assert.ok(dom.includes('&lt;script&gt;document.title="owned"&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&lt;b id=bold&gt;&amp;amp;'), dom);
    assert.match(dom, /attested by github:pkg2os-fixtures\/shown:release\.yml/);
    assert.match(dom, /fixturebackend 2\.0 from index-wheel/);
    const served = await readFile(join(repo, 'overview/debian-12/python3-shown_1.0-1~deb12_all.deb.html'), 'utf8');
    assert.match(served, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'/, 'and a policy that would block a script anyway');
  });
});
