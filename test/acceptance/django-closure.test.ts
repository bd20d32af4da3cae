/**
 * Acceptance: `pkg2os build django` on the real corpus publishes Django and
 * its closure (its dependencies mapped by recipes to the packages Debian
 * ships), and apt-get, against the served signed repository, installs
 * python3-django with every dependency resolved; Django then sets itself up
 * from the installed files.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { AptClient } from '../support/clients.js';
import { CORPUS, corpusMissing } from '../support/corpus.js';
import { pkg2os } from '../support/run-cli.js';
import { StaticServer } from '../support/static-server.js';
import { validReport } from '../support/report-schema.js';

describe('acceptance: pkg2os build django publishes the closure, apt installs it', { skip: corpusMissing }, () => {
  const index = new StaticServer(join(CORPUS, 'index'));
  let repoServer: StaticServer;
  let dir: string;
  let report: { packages: Array<{ project: string }>; provided: Array<{ project: string; format: string; package: string }>; failures: unknown[] };

  before(async () => {
    await index.start();
    dir = await mkdtemp(join(tmpdir(), 'pkg2os-django-closure-'));
    await mkdir(join(dir, 'repo'));
    repoServer = await new StaticServer(join(dir, 'repo')).start();
    const key = await pkg2os(['keys', 'generate', '--name', 'Acceptance', '--email', 'acceptance@example.org', '--out', join(dir, 'key'), '--type', 'ed25519']);
    assert.equal(key.exitCode, 0, key.stderr);
    const result = await pkg2os(
      ['build', 'django', '--index-url', index.url('simple/'), '--out', join(dir, 'out'), '--format', 'deb', '--repo', join(dir, 'repo'), '--base-url', repoServer.url().replace(/\/$/, ''), '--json', '--maintainer', 'Acceptance <acceptance@example.org>'],
      { PKG2OS_SIGNING_KEY: join(dir, 'key', 'private.asc') },
      dir,
    );
    assert.equal(result.exitCode, 0, result.stderr);
    report = validReport('report', result.stdout);
  });
  after(async () => {
    await index.stop();
    await repoServer.stop();
  });

  it('builds Django and maps asgiref, pytz and sqlparse to the packages Debian ships', () => {
    assert.deepEqual(report.packages.map((p) => p.project), ['django']);
    assert.deepEqual(report.failures, []);
    const provided = Object.fromEntries(report.provided.map((p) => [p.project, p.package]));
    assert.deepEqual(provided, { asgiref: 'python3-asgiref', pytz: 'python3-tz', sqlparse: 'python3-sqlparse' });
  });

  it('apt-get installs python3-django from the signed repository with every dependency resolved, and Django sets up', async (t) => {
    const apt = await AptClient.create(repoServer.url().replace(/\/$/, ''), await readFile(join(dir, 'repo', 'KEY.asc'), 'utf8'));
    const update = await apt.update();
    assert.equal(update.exitCode, 0, update.output);
    const install = await apt.install('python3-django');
    assert.equal(install.exitCode, 0, install.output);
    t.diagnostic(install.output.split('\n').filter((l) => /^(Get|Need|The following)/.test(l)).join(' | '));
    // The throwaway root: everything apt downloaded, unpacked as dpkg would; the dependencies apt resolved are the system's.
    const root = await mkdtemp(join(tmpdir(), 'pkg2os-django-root-'));
    for (const deb of (await readdir(apt.archives)).filter((f) => f.endsWith('.deb'))) await execa('dpkg-deb', ['-x', join(apt.archives, deb), root]);
    const smoke = await execa(
      '/usr/bin/python3',
      ['-c', 'import django; from django.conf import settings; settings.configure(INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"], DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}); django.setup(); from django.contrib.auth.models import User; print(django.get_version(), django.__file__, User._meta.db_table)'],
      { env: { PYTHONPATH: join(root, 'usr/lib/python3/dist-packages') } },
    );
    const [version, file, table] = smoke.stdout.trim().split(' ');
    assert.equal(version, '3.2.25');
    assert.ok(file!.startsWith(root), `Django came from the installed package (${file})`);
    assert.equal(table, 'auth_user');
  });
});
