import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { packageNameFor, recipeForFamily, recipeJsonSchema, recipeName, recipeSchema } from '../../src/config/recipes.js';
import { TARGETS } from '../../src/config/targets.js';
import { familyOf } from '../../src/families/registry.js';
import type { Pkg2osError } from '../../src/errors.js';
import type { DistributionFiles } from '../../src/families/shared/family.types.js';
import { checkInstallPolicy } from '../../src/coordinator/stage/install-policy.js';
import type { StagedEntry } from '../../src/coordinator/stage/tree.js';
import { type ReleaseData, notePythonTop } from '../../src/families/shared/release-data.js';
import { shipped } from '../../src/paths.js';

describe('the recipe schema', () => {
  it('is published as JSON Schema in recipes/recipe.schema.json, and current (make schema regenerates it)', () => {
    const published = JSON.parse(readFileSync(shipped('recipes', 'recipe.schema.json'), 'utf8'));
    assert.deepEqual(published, JSON.parse(JSON.stringify(recipeJsonSchema())));
    assert.equal(published.additionalProperties, false, 'unknown keys are errors');
  });
  it('accepts every recipe pkg2os ships', () => {
    for (const file of readdirSync(shipped('recipes')).filter((f) => f.endsWith('.yaml'))) {
      const parsed = recipeSchema.safeParse(parse(readFileSync(shipped('recipes', file), 'utf8')));
      assert.ok(parsed.success, `${file}: ${JSON.stringify(parsed.error?.issues)}`);
    }
  });
});

describe('names of the distribution', () => {
  it('a recipe names the package per format; dependents depend on that name', () => {
    const recipe = recipeSchema.parse({ name: { deb: 'python3-yaml' } });
    assert.equal(packageNameFor('pyyaml', recipe, 'deb'), 'python3-yaml');
    assert.equal(packageNameFor('pyyaml', recipe, 'rpm'), 'python3-pyyaml', 'no rpm name: the default');
    assert.equal(recipeName(recipeSchema.parse({ name: 'python3-dateutil' }), 'rpm'), 'python3-dateutil', 'one name: every format');
    assert.ok(!recipeSchema.safeParse({ name: { deb: 'Python3 Yaml' } }).success, 'a name must be a package name');
  });

  it('overrides: per family replace the recipe\'s own values for that family\'s packages (as nfpm\'s do), and only what shapes a package', () => {
    const recipe = recipeSchema.parse({ name: 'python3-pkg', 'allow-files': ['/usr/share/pkg/**'], overrides: { rpm: { name: 'python3-pkg-org', 'allow-files': [] } } });
    assert.equal(packageNameFor('pkg', recipeForFamily(recipe, 'debian'), 'deb'), 'python3-pkg');
    assert.equal(packageNameFor('pkg', recipeForFamily(recipe, 'rpm'), 'rpm'), 'python3-pkg-org');
    assert.deepEqual(recipeForFamily(recipe, 'rpm')['allow-files'], []);
    assert.deepEqual(recipeForFamily(recipe, 'debian')['allow-files'], ['/usr/share/pkg/**']);
    // What shapes the wheel (one wheel serves every family) is not a family's to change.
    assert.ok(!recipeSchema.safeParse({ overrides: { rpm: { patches: ['fix.patch'] } } }).success);
    assert.ok(!recipeSchema.safeParse({ overrides: { 'Not A Family': {} } }).success);
  });

  it('a file the distribution\'s package of the same project owns: the hint says to build under that name, not to allow the file', () => {
    const layout = familyOf(TARGETS['debian-12']!).installLayout(TARGETS['debian-12']!, 'python-dateutil');
    const path = '/usr/lib/python3/dist-packages/dateutil/__init__.py';
    const installed = (projects: string[]): DistributionFiles => ({ owners: "the target's package", ownerOf: (p) => (p === path ? 'python3-dateutil' : undefined), projectsOf: () => new Set(projects) });
    const input = { project: 'python-dateutil', packageName: 'python3-python-dateutil', layout, ownDirs: [], distInfo: 'python_dateutil-2.9.0.dist-info', entries: [{ path, type: 'file' as const, size: 1, mode: 0o644 }], scripts: [], allowFiles: [] };
    assert.throws(
      () => checkInstallPolicy({ ...input, installed: installed(['python-dateutil']) }),
      (e: Pkg2osError) => /a file the target's package python3-dateutil owns/.test(e.message) && /ships python-dateutil as python3-dateutil/.test(e.hint!) && /name: \{deb: python3-dateutil\}/.test(e.hint!) && /provided-by: python3-dateutil/.test(e.hint!),
    );
    assert.throws(
      () => checkInstallPolicy({ ...input, installed: installed(['another-project']) }),
      (e: Pkg2osError) => /allow-files: \["\/usr\/lib\/python3\/dist-packages\/dateutil\/__init__\.py"\]/.test(e.hint!),
      'another project\'s file: allow it by name only if that is really meant',
    );
    assert.doesNotThrow(() => checkInstallPolicy({ ...input, packageName: 'python3-dateutil', installed: installed(['python-dateutil']) }), 'under the distribution\'s name it is its own file');
  });

  it('a namespace the distribution\'s own package of the project shares (poetry/ of python3-poetry-core and python3-poetry) is the package\'s too; one it does not share is refused', () => {
    const layout = familyOf(TARGETS['debian-12']!).installLayout(TARGETS['debian-12']!, 'poetry-core');
    const lib = '/usr/lib/python3/dist-packages';
    const entries: StagedEntry[] = [
      { path: `${lib}/poetry`, type: 'dir', size: 0, mode: 0o755 },
      { path: `${lib}/poetry/core`, type: 'dir', size: 0, mode: 0o755 },
      { path: `${lib}/poetry/core/__init__.py`, type: 'file', size: 1, mode: 0o644 },
    ];
    const release = (shared: boolean): ReleaseData => {
      const data: ReleaseData = { source: 'a test release', packages: {}, pythonTop: {}, programs: {}, pythonDists: { 'poetry-core': { package: 'python3-poetry-core' }, poetry: { package: 'python3-poetry' } } };
      notePythonTop(data, 'poetry', 'python3-poetry');
      if (shared) notePythonTop(data, 'poetry', 'python3-poetry-core');
      return data;
    };
    const input = { project: 'poetry-core', packageName: 'python3-poetry-core', layout, ownDirs: [], distInfo: 'poetry_core-2.2.1.dist-info', entries, scripts: [], allowFiles: [] };
    assert.doesNotThrow(() => checkInstallPolicy({ ...input, release: release(true) }));
    assert.throws(() => checkInstallPolicy({ ...input, release: release(false) }), (e: Pkg2osError) => /the Python name poetry, which python3-poetry ships/.test(e.message), 'Debian\'s poetry-core does not ship poetry/: taking it would be taking python3-poetry\'s import');
    // A compromised poetry-core does not get a module at the top of the namespace, which would run for python3-poetry too.
    for (const top of ['__init__.py', 'console.py']) {
      assert.throws(
        () => checkInstallPolicy({ ...input, entries: [...entries, { path: `${lib}/poetry/${top}`, type: 'file', size: 1, mode: 0o644 }], release: release(true) }),
        (e: Pkg2osError) => e.message.includes(`${lib}/poetry/${top}`) && /the top of the namespace poetry, which python3-poetry, python3-poetry-core share/.test(e.message),
        top,
      );
    }
    assert.throws(
      () => checkInstallPolicy({ ...input, project: 'hostile', packageName: 'python3-hostile', release: release(true) }),
      (e: Pkg2osError) => /the Python name poetry, which python3-poetry, python3-poetry-core ship/.test(e.message),
      'another project does not get into the namespace by its being shared',
    );
  });

  it('a PEP 561 stub-only package (wrapt-stubs/) may hold .pyi files and py.typed, and nothing Python would run', () => {
    const layout = familyOf(TARGETS['debian-12']!).installLayout(TARGETS['debian-12']!, 'wrapt');
    const lib = '/usr/lib/python3/dist-packages';
    const file = (path: string): StagedEntry => ({ path: `${lib}/${path}`, type: 'file', size: 1, mode: 0o644 });
    const input = { project: 'wrapt', packageName: 'python3-wrapt', layout, ownDirs: [], distInfo: 'wrapt-2.0.dist-info', scripts: [], allowFiles: [] };
    const stubs = [file('wrapt/__init__.py'), { path: `${lib}/wrapt-stubs`, type: 'dir' as const, size: 0, mode: 0o755 }, file('wrapt-stubs/__init__.pyi'), file('wrapt-stubs/py.typed')];
    assert.doesNotThrow(() => checkInstallPolicy({ ...input, entries: stubs }));
    for (const hostile of ['wrapt-stubs/__init__.py', 'wrapt-stubs/evil.pth', 'wrapt-stubs/lib.so']) {
      assert.throws(() => checkInstallPolicy({ ...input, entries: [...stubs, file(hostile)] }), (e: Pkg2osError) => e.message.includes(`${lib}/${hostile}`) && /stub-only package wrapt-stubs/.test(e.message), hostile);
    }
    assert.throws(() => checkInstallPolicy({ ...input, entries: [file('wrapt-stubs.pth')] }), /a \.pth file/, 'a name ending in -stubs is no way round the .pth rule');
  });

  it('the recipes pkg2os ships name the packages as Debian and Fedora do (python-dateutil, PyYAML, attrs …)', () => {
    const load = (project: string) => recipeSchema.parse(parse(readFileSync(shipped('recipes', `${project}.yaml`), 'utf8')));
    assert.equal(packageNameFor('python-dateutil', load('python-dateutil'), 'deb'), 'python3-dateutil');
    assert.equal(packageNameFor('python-dateutil', load('python-dateutil'), 'rpm'), 'python3-dateutil');
    assert.equal(packageNameFor('pyyaml', load('pyyaml'), 'deb'), 'python3-yaml');
    assert.equal(packageNameFor('attrs', load('attrs'), 'deb'), 'python3-attr');
    assert.equal(packageNameFor('attrs', load('attrs'), 'rpm'), 'python3-attrs');
  });
});
