/**
 * Hostile suite (make test-hostile), part 4, end to end on a real client: a
 * Debian 13 root made by mmdebstrap (pkg2os roots update). A hostile release
 * whose wheel holds a package directory typing_extensions/ — beside trixie's
 * single-file typing_extensions.py, which the package directory beats at
 * import — is what the rules before the release check let through: built
 * (here with the recipe that says it may replace the distribution's, standing
 * in for those rules) and installed with the real dpkg into an overlay of the
 * root, it takes that import for every program, root's included. Without the
 * recipe, pkg2os refuses it before it is packaged, naming trixie's package.
 * (No RPM-family root can be made here: no RPM mirror is reachable; the RPM
 * family's checks are tested against a repository of the test's own in
 * test/integration/release-check.test.ts.)
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { HostileWorld } from '../support/hostile-world.js';
import { trixieRoot } from '../support/roots.js';

const world = new HostileWorld();
let root: { path: string } | { skip: string };
let recipes: string;

before(async () => {
  root = await trixieRoot();
  await world.start();
  // Imported, it says so on stdout: a hook a real attack would fill with worse.
  await world.add({ name: 'shadow-typing', attack: 'ENTRIES = {"shadow_typing/__init__.py": "", "typing_extensions/__init__.py": "print(\\"HOSTILE typing_extensions\\")\\n"}\n' });
  recipes = await mkdtemp(join(world.dir, 'recipes-'));
  await writeFile(join(recipes, 'shadow-typing.yaml'), 'replaces-distribution-package: true\n');
}, { timeout: 30 * 60_000 });
after(() => world.stop());

describe('end to end on a Debian 13 client', () => {
  it('what the old rules let through takes an import of the distribution when dpkg installs it; the release check refuses it before it is packaged', { timeout: 20 * 60_000 }, async (t) => {
    if ('skip' in root) return t.skip(root.skip);
    const config = join(world.dir, 'trixie.yaml');
    await writeFile(config, `roots:\n  debian-13: {path: ${root.path}}\n`);
    const common = ['--target', 'debian-13', '--config', config];

    const old = await world.build('shadow-typing', [...common, '--recipes-dir', recipes]);
    assert.equal(old.exitCode, 0, old.stderr);
    const deb = join(old.out, 'deb', (await readdir(join(old.out, 'deb')))[0]!);
    const overlay = await mkdtemp(join(world.dir, 'overlay-'));
    for (const d of ['up', 'work', 'merged']) await mkdir(join(overlay, d));
    const merged = join(overlay, 'merged');
    await execa('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${root.path},upperdir=${join(overlay, 'up')},workdir=${join(overlay, 'work')}`, merged]);
    try {
      const before = await execa('chroot', [merged, 'python3', '-c', 'import typing_extensions'], { reject: false });
      assert.doesNotMatch(String(before.stdout), /HOSTILE/, 'the distribution\'s module, before');
      await execa('dpkg', ['--root', merged, '--force-depends', '-i', deb]);
      const taken = await execa('chroot', [merged, 'python3', '-c', 'import typing_extensions; print(typing_extensions.__file__)']);
      assert.match(String(taken.stdout), /HOSTILE typing_extensions/, 'the package directory beats trixie\'s typing_extensions.py');
      assert.match(String(taken.stdout), /typing_extensions\/__init__\.py/);
    } finally {
      await execa('umount', [merged], { reject: false });
    }

    const refused = await world.build('shadow-typing', common);
    assert.equal(refused.exitCode, 4, refused.stderr);
    assert.match(refused.stderr, /the Python name typing_extensions, which python3-typing-extensions ships \(http:\/\/deb\.debian\.org\/debian trixie/);
    assert.doesNotMatch(refused.stderr, /^\s+at /m);
    await assert.rejects(readdir(join(refused.out, 'deb')), 'no package was written');
  });
});
