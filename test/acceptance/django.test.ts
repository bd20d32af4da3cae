/**
 * Acceptance on real upstream sdists: Django 3.2.25 from the shared corpus,
 * served as the static PEP 503 index it is, built by the real CLI.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { CORPUS, corpusManifest, corpusMissing } from '../support/corpus.js';
import { extract, sh } from '../support/inspect.js';
import { pkg2os } from '../support/run-cli.js';
import { StaticServer } from '../support/static-server.js';

describe('acceptance: Django 3.2.25 from the real corpus', { skip: corpusMissing }, () => {
  const server = new StaticServer(join(CORPUS, 'index'));
  let out: string;
  let outEl9: string;
  const deb = () => join(out, 'deb/python3-django_3.2.25-1~deb12_all.deb');
  const rpm = () => join(outEl9, 'rpm/python3-django-3.2.25-1.el9.noarch.rpm');

  before(async () => {
    await server.start();
    out = join(await mkdtemp(join(tmpdir(), 'pkg2os-django-')), 'out');
    // Debian 12 has Django's dependencies (recipes/*.yaml provided-by, at versions that satisfy it).
    const result = await pkg2os(['build', 'django', '--index-url', server.url('simple/'), '--out', out, '--maintainer', 'pkg2os acceptance <acceptance@example.org>']);
    assert.equal(result.exitCode, 0, result.stderr);
    // EL9's versions are unknown without an el9 root, so its closure would be built from the index, which the corpus does not hold: Django alone.
    outEl9 = join(out, '..', 'out-el9');
    const el9 = await pkg2os(['build', 'django', '--no-deps', '--target', 'el9', '--index-url', server.url('simple/'), '--out', outEl9, '--maintainer', 'pkg2os acceptance <acceptance@example.org>']);
    assert.equal(el9.exitCode, 0, el9.stderr);
  });
  after(() => server.stop());

  it('names the packages python3-django_3.2.25-1~deb12_all.deb (Debian 12) and python3-django-3.2.25-1.el9.noarch.rpm (EL9)', () => {
    assert.ok(existsSync(deb()), deb());
    assert.ok(existsSync(rpm()), rpm());
  });

  it('built from the exact upstream bytes (sha256 as in MANIFEST.tsv)', async () => {
    const entry = corpusManifest().find((e) => e.name === 'Django')!;
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    assert.equal(report.packages[0].sdist.sha256, entry.sha256);
    assert.equal(report.packages[0].sdist.filename, entry.filename);
  });

  for (const [format, pkg, site] of [
    ['deb', deb, 'usr/lib/python3/dist-packages'],
    ['rpm', rpm, 'usr/lib/python3.9/site-packages'],
  ] as const) {
    it(`the ${format} payload imports as Django 3.2.25 and django-admin --version prints 3.2.25`, async () => {
      const root = await extract(pkg());
      const env = { PYTHONPATH: join(root, site), PYTHONNOUSERSITE: '1' };
      const version = await sh('/usr/bin/python3', ['-c', 'import django, os; print(django.get_version()); print(os.path.dirname(django.__file__))'], { env });
      assert.deepEqual(version.trim().split('\n'), ['3.2.25', join(root, site, 'django')]);
      const adminScript = join(root, 'usr/bin/django-admin');
      assert.equal((await readFile(adminScript, 'utf8')).split('\n')[0], '#!/usr/bin/python3');
      assert.equal((await sh('/usr/bin/python3', [adminScript, '--version'], { env })).trim(), '3.2.25');
    });
  }

  it('declares its runtime dependencies the distributions can resolve', async () => {
    const depends = (await sh('dpkg-deb', ['-f', deb(), 'Depends'])).trim();
    assert.match(depends, /python3-asgiref \(>= 3\.3\.2\)/);
    assert.match(depends, /python3-tz\b/, 'pytz is Debian\'s python3-tz (recipes/pytz.yaml)');
    assert.match(depends, /python3-sqlparse \(>= 0\.2\.2\)/);
    const requires = await sh('rpm', ['-qp', '--requires', rpm()]);
    assert.match(requires, /^python3dist\(asgiref\) >= 3\.3\.2$/m);
  });

  it('runs lintian on the .deb and records its findings', async (t) => {
    const result = await execa('lintian', ['--tag-display-limit', '0', '--allow-root', deb()], { reject: false });
    const findings = String(result.stdout).split('\n').filter((l) => /^[EWIPX]: /.test(l));
    t.diagnostic(`lintian: ${findings.length} finding(s) on python3-django_3.2.25-1~deb12_all.deb`);
    for (const line of findings) t.diagnostic(line);
    assert.ok(result.exitCode === 0 || result.exitCode === 2, `lintian itself failed: ${result.stderr}`);
    assert.ok(!findings.some((l) => /\b(bogus-mail-host|no-copyright-file|md5sums-lists-nonexistent-file|control-file-has-bad-permissions|wrong-file-owner-uid-or-gid|dir-or-file-in-usr-local)\b/.test(l)), findings.join('\n'));
  });
});
