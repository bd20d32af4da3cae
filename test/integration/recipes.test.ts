/** Recipes through the real CLI: patches, build environment, name override, dropped and added dependencies, build-depends. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IndexServer } from '../support/index-server.js';
import { debField, extract, rpmQuery, rpmRequires, systemPython } from '../support/inspect.js';
import { pkg2os } from '../support/run-cli.js';
import { makeSdist } from '../support/sdist-fixtures.js';
import { validReport } from '../support/report-schema.js';

const server = new IndexServer();
let recipes: string;

before(async () => {
  // setup.py reads an environment variable the recipe sets; the patch changes the module.
  server.add('recipe-fixture', await makeSdist({
    name: 'recipe-fixture',
    version: '1.0',
    dependencies: ['unwanted-dep', 'kept-dep'],
    files: { 'setup.py': 'import os\nfrom setuptools import setup\nassert os.environ.get("RECIPE_FLAG") == "on", "RECIPE_FLAG is not set"\nsetup()\n' },
  }));
  server.add('kept-dep', await makeSdist({ name: 'kept-dep', version: '1.0' }));
  server.add('needs-tool', await makeSdist({ name: 'needs-tool', version: '1.0' }));
  await server.start();
  recipes = await mkdtemp(join(tmpdir(), 'pkg2os-recipes-'));
  await mkdir(join(recipes, 'patches'));
  await writeFile(
    join(recipes, 'patches', 'greeting.patch'),
    ['--- a/recipe_fixture/__init__.py', '+++ b/recipe_fixture/__init__.py', '@@ -1,2 +1,3 @@', ' """Fixture module recipe-fixture."""', ' __version__ = "1.0"', '+PATCHED = "by the recipe"', ''].join('\n'),
  );
  await writeFile(
    join(recipes, 'recipe-fixture.yaml'),
    ['name: python3-recipe-renamed', 'patches: [patches/greeting.patch]', 'env:', '  RECIPE_FLAG: "on"', 'dependencies:', '  drop: [unwanted-dep]', '  deb: ["libc6 (>= 2.17)"]', '  rpm: ["glibc >= 2.17"]', ''].join('\n'),
  );
  await writeFile(join(recipes, 'needs-tool.yaml'), 'build-depends:\n  deb: [pkg2os-no-such-debian-package]\n');
});
after(() => server.stop());

describe('recipes', () => {
  it('patch, build environment, name override, dropped and added dependencies', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'pkg2os-recipe-out-')), 'out');
    const result = await pkg2os(['build', 'recipe-fixture', '--target', 'debian-12,el9', '--index-url', server.url, '--out', out, '--recipes-dir', recipes, '--json']);
    assert.equal(result.exitCode, 0, result.stderr);
    const deb = join(out, 'deb/python3-recipe-renamed_1.0-1~deb12_all.deb');
    assert.equal(await debField(deb, 'Package'), 'python3-recipe-renamed');
    assert.equal(await debField(deb, 'Depends'), 'python3:any, python3-kept-dep, libc6 (>= 2.17)', 'unwanted-dep dropped, libc6 added');
    const root = await extract(deb);
    assert.equal(await systemPython(join(root, 'usr/lib/python3/dist-packages'), 'import recipe_fixture; print(recipe_fixture.PATCHED)'), 'by the recipe');
    const rpm = join(out, 'rpm/python3-recipe-renamed-1.0-1.el9.noarch.rpm');
    assert.equal(await rpmQuery(rpm, '%{NAME}'), 'python3-recipe-renamed');
    const requires = await rpmRequires(rpm);
    assert.ok(requires.includes('glibc >= 2.17') && requires.includes('python3dist(kept-dep)') && !requires.some((r) => r.includes('unwanted')), requires.join(', '));
    const report = validReport('report', result.stdout);
    assert.deepEqual([...new Set(report.packages.map((p: { project: string }) => p.project))].sort(), ['kept-dep', 'recipe-fixture'], 'the dropped dependency was not even looked up');
  });

  it('installs a build dependency into the target\'s root, never the host, and names one the distribution does not have (exit 2)', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'pkg2os-recipe-out-')), 'out');
    const result = await pkg2os(['build', 'needs-tool', '--index-url', server.url, '--out', out, '--recipes-dir', recipes]);
    assert.equal(result.exitCode, 2, result.stderr);
    assert.match(result.stderr, /making the debian-12 build root/, 'a root of its own is made for it');
    assert.match(result.stderr, /debian-12 has no build root with pkg2os-no-such-debian-package: mmdebstrap .*pkg2os-no-such-debian-package/);
    assert.match(result.stderr, /pkg2os cannot make a build root for debian-12 with pkg2os-no-such-debian-package/);
    assert.equal((await execa('dpkg-query', ['-W', 'pkg2os-no-such-debian-package'], { reject: false })).exitCode, 1, 'the host is untouched');
  });
});
