/**
 * pkg2os's build site (src/box/site/sitecustomize.py) in the real system
 * Python: a distribution installed in the build root whose module is imported
 * from elsewhere (the source tree of a project building itself, a newer copy)
 * does not lend that module its entry points.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { execa } from 'execa';
import { shipped } from '../../src/paths.js';

const SITE = shipped('src', 'box', 'site');
const GROUP = 'setuptools.finalize_distribution_options';
let prefix: string;
let tree: string;

/** The entry points of GROUP and the distributions the prefix's Python sees, with pkg2os's site first on the path or not. */
async function seen(pythonPath: string[], cwd: string): Promise<{ points: string[]; dists: string[] }> {
  const script = `import importlib.metadata as m, json
print(json.dumps({"points": [e.value for e in m.entry_points(group=${JSON.stringify(GROUP)})], "dists": sorted(d.metadata["Name"] for d in m.distributions())}))`;
  const { stdout } = await execa(join(prefix, 'bin/python'), ['-c', script], { cwd, env: { PYTHONPATH: pythonPath.join(':'), PYTHONDONTWRITEBYTECODE: '1' }, extendEnv: false });
  return JSON.parse(stdout);
}

before(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pkg2os-site-'));
  // A root of its own: a venv's site-packages is what site.getsitepackages() names, as the build root's is in the box.
  prefix = join(dir, 'root');
  await execa('/usr/bin/python3', ['-m', 'venv', '--without-pip', prefix]);
  const { stdout: packages } = await execa(join(prefix, 'bin/python'), ['-c', 'import site; print(site.getsitepackages()[0])']);
  // The root's oldscm 1.0, as Debian installs setuptools_scm 7.1: an entry point into its own module layout.
  await mkdir(join(packages, 'oldscm'));
  await writeFile(join(packages, 'oldscm/__init__.py'), 'API = 1\n');
  await writeFile(join(packages, 'oldscm/integration.py'), 'def infer_version(dist):\n    pass\n');
  await mkdir(join(packages, 'oldscm-1.0.dist-info'));
  await writeFile(join(packages, 'oldscm-1.0.dist-info/METADATA'), 'Metadata-Version: 2.1\nName: oldscm\nVersion: 1.0\n');
  await writeFile(join(packages, 'oldscm-1.0.dist-info/entry_points.txt'), `[${GROUP}]\noldscm = oldscm.integration:infer_version\n`);
  await writeFile(join(packages, 'oldscm-1.0.dist-info/RECORD'), 'oldscm/__init__.py,,\noldscm/integration.py,,\noldscm-1.0.dist-info/METADATA,,\n');
  // oldscm 2's source tree, building itself: no integration module.
  tree = join(dir, 'tree');
  await mkdir(join(tree, 'oldscm'), { recursive: true });
  await writeFile(join(tree, 'oldscm/__init__.py'), 'API = 2\n');
});

describe('the build site and the root\'s distributions', () => {
  it('hides a root distribution whose module comes from the source tree: its entry points would load the wrong layout', async () => {
    const plain = await seen([], tree);
    // Without the site, Python offers the root's entry point into a module the tree's copy does not have.
    assert.deepEqual(plain.points, ['oldscm.integration:infer_version']);
    const withSite = await seen([SITE], tree);
    assert.deepEqual(withSite.points, []);
    assert.ok(!withSite.dists.includes('oldscm'), JSON.stringify(withSite));
  });

  it('keeps a root distribution whose module is the root\'s own', async () => {
    const elsewhere = await mkdtemp(join(tmpdir(), 'pkg2os-site-cwd-'));
    const withSite = await seen([SITE], elsewhere);
    assert.deepEqual(withSite.points, ['oldscm.integration:infer_version']);
    assert.ok(withSite.dists.includes('oldscm'));
  });
});
