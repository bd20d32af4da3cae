/**
 * Acceptance against the machine's real Debian sources (deb.debian.org, with
 * Debian's own keys): with the organization's published .sources and .pref
 * beside them, apt chooses the organization's python3-django over Debian 12's
 * (3:3.2.25-0+deb12u7, an epoch above any version without one); without the
 * .pref, Debian's wins. Skipped, saying why, when the mirror is unreachable.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AptClient } from '../support/clients.js';
import { IndexServer } from '../support/index-server.js';
import { debianArchiveUnreachable } from '../support/roots.js';
import { pkg2os } from '../support/run-cli.js';
import { makeSdist } from '../support/sdist-fixtures.js';
import { StaticServer } from '../support/static-server.js';

const unreachable = await debianArchiveUnreachable('bookworm');

describe('acceptance: the organization\'s build wins over Debian 12\'s own, with the machine\'s real sources', { skip: unreachable }, () => {
  const index = new IndexServer();
  let repo: string;
  let server: StaticServer;
  let url: string;

  before(async () => {
    index.add('django', await makeSdist({ name: 'Django', version: '3.2.25' }));
    await index.start();
    const dir = await mkdtemp(join(tmpdir(), 'pkg2os-real-precedence-'));
    repo = join(dir, 'repo');
    await mkdir(repo);
    server = await new StaticServer(repo).start();
    url = server.url().replace(/\/$/, '');
    assert.equal((await pkg2os(['keys', 'generate', '--name', 'Example Org Packages', '--email', 'p@example.org', '--out', join(dir, 'key'), '--type', 'ed25519'])).exitCode, 0);
    const built = await pkg2os(['build', 'django', '--no-deps', '--index-url', index.url, '--out', join(dir, 'out'), '--repo', repo, '--base-url', url, '--key', join(dir, 'key', 'private.asc'), '--no-lockfile'], {}, dir);
    assert.equal(built.exitCode, 0, built.stderr);
  });
  after(async () => {
    await index.stop();
    await server?.stop();
  });

  const client = async (withPreferences: boolean) => {
    const published = { sources: await readFile(join(repo, 'pkg2os-debian-12.sources'), 'utf8'), preferences: withPreferences ? await readFile(join(repo, 'pkg2os-debian-12.pref'), 'utf8') : undefined };
    const apt = await AptClient.create(url, await readFile(join(repo, 'KEY.asc'), 'utf8'), { published, system: true });
    const update = await apt.update();
    assert.equal(update.exitCode, 0, update.output);
    return apt;
  };

  it('apt-cache policy python3-django: the organization\'s 3.2.25-1~deb12 with the .pref, Debian\'s epoch-3 version without it', async () => {
    assert.equal(await (await client(true)).candidate('python3-django'), '3.2.25-1~deb12');
    assert.match((await (await client(false)).candidate('python3-django')) ?? '', /^3:3\.2\.\d+-/);
  });
});
