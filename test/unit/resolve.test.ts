/** The pure resolver, on synthetic index pages and metadata. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TARGETS } from '../../src/config/targets.js';
import type { LoadedRecipe } from '../../src/config/recipes.js';
import { IndexError, type Pkg2osError } from '../../src/errors.js';
import type { ProjectPage } from '../../src/pep/index.types.js';
import { parseRequirement } from '../../src/pep/requirement.js';
import type { ResolvedPlan } from '../../src/coordinator/plan/plan.types.js';
import { resolve } from '../../src/coordinator/plan/resolve.js';
import { rejectsWithCode } from '../support/assert-error.js';

/** An index: project → version → Requires-Dist. */
type World = Record<string, Record<string, string[]>>;

async function run(world: World, roots: string[], options: { target?: string; recipes?: Record<string, LoadedRecipe>; noDeps?: boolean; distribution?: Record<string, string | null> } = {}): Promise<ResolvedPlan> {
  const pages = new Map<string, ProjectPage>();
  const metadata = new Map<string, string[] | Pkg2osError>();
  for (const [project, versions] of Object.entries(world)) {
    const files = Object.entries(versions).map(([version, deps]) => {
      const url = `https://x.example.org/${project}-${version}.tar.gz`;
      metadata.set(url, deps);
      return { filename: `${project}-${version}.tar.gz`, url, hashes: { sha256: 'aa' }, yanked: false as const };
    });
    pages.set(project, { project, url: 'https://x.example.org/simple/', format: 'pep691-json', files });
  }
  const input = {
    roots: roots.map(parseRequirement),
    target: TARGETS[options.target ?? 'debian-12']!,
    pages: new Map<string, ProjectPage>(),
    distributionVersions: new Map<string, string | null>(),
    failedPages: new Map(),
    metadata: new Map<string, string[] | Pkg2osError>(),
    recipes: new Map(Object.entries(options.recipes ?? {})),
    noDeps: options.noDeps ?? false,
    pre: false,
  };
  // Feed it what it asks for, as the pipeline does, and count the rounds.
  for (let i = 0; i < 20; i++) {
    const result = await resolve(input);
    if (result.kind === 'plan') return result;
    for (const pkg of result.distributionPackages) input.distributionVersions.set(pkg, options.distribution?.[pkg] ?? null);
    for (const p of result.pages) input.pages.set(p, pages.get(p)!);
    for (const c of result.metadata) input.metadata.set(c.file.url, metadata.get(c.file.url)!);
  }
  throw new Error('did not converge');
}

const versions = (plan: ResolvedPlan) => Object.fromEntries(plan.items.map((i) => [i.project, i.kind === 'build' ? i.candidate.version : 'provided']));

describe('the resolver', () => {
  it('follows the closure with extras and markers evaluated for the target', async () => {
    const world: World = {
      a: { '1.0': ['b[fast]>=1', 'c; python_version < "3.10"'] },
      b: { '1.0': [], '2.0': ['d; extra == "fast"', 'e; extra == "slow"'] },
      c: { '1.0': [] },
      d: { '1.0': [] },
      e: { '1.0': [] },
    };
    assert.deepEqual(versions(await run(world, ['a'])), { a: '1.0', b: '2.0', d: '1.0' });
    assert.deepEqual(versions(await run(world, ['a'], { target: 'el9' })), { a: '1.0', b: '2.0', c: '1.0', d: '1.0' });
    const a = (await run(world, ['a'])).items.find((i) => i.project === 'a')!;
    assert.deepEqual(a.dependencies.map((d) => d.project), ['b', 'd'], 'what a asks of b[fast] is a dependency of a');
  });

  it('chooses the newest version that satisfies every constraint, choosing again when a later one rules it out', async () => {
    const world: World = {
      app: { '1.0': ['lib', 'plugin'] },
      plugin: { '1.0': ['lib<2'] },
      lib: { '1.0': [], '1.5': [], '2.0': ['newdep'] },
      newdep: { '1.0': [] },
    };
    assert.deepEqual(versions(await run(world, ['app'])), { app: '1.0', plugin: '1.0', lib: '1.5' }, 'lib 2.0 and its newdep are dropped');
  });

  it('prints the chains of requirements behind a conflict', async () => {
    const world: World = {
      app: { '1.0': ['lib>=2', 'plugin'] },
      plugin: { '1.0': ['lib<2'] },
      lib: { '1.0': [], '2.0': [] },
    };
    const error = await rejectsWithCode(() => run(world, ['app']), IndexError, 'RESOLUTION_CONFLICT');
    assert.match(error.message, /No version of lib satisfies every requirement for debian-12/);
    assert.match(error.message, /app → app 1\.0 requires lib>=2/);
    assert.match(error.message, /app → app 1\.0 requires plugin → plugin 1\.0 requires lib<2/);
  });

  it('handles cycles, each project once', async () => {
    const world: World = { a: { '1.0': ['b'] }, b: { '1.0': ['a'] } };
    const plan = await run(world, ['a']);
    assert.deepEqual(versions(plan), { a: '1.0', b: '1.0' });
  });

  it('does not build what the distribution provides in a version that satisfies, and does not follow its dependencies', async () => {
    const world: World = { app: { '1.0': ['six>=1.10'] }, six: { '1.17.0': ['never-followed'] } };
    const recipes = { six: { 'provided-by': { deb: 'python3-six', rpm: 'python3-six' } } };
    const plan = await run(world, ['app'], { recipes, distribution: { 'python3-six': '1.16.0-4' } });
    const six = plan.items.find((i) => i.project === 'six')!;
    assert.equal(six.kind, 'provided');
    assert.equal(six.kind === 'provided' && six.package, 'python3-six');
    assert.equal(six.kind === 'provided' && six.version, '1.16.0-4', 'the report says which version it relies on');
  });

  it('builds what the distribution provides only in a version that does not satisfy (six>=1.17, Debian 12 has 1.16)', async () => {
    const world: World = { app: { '1.0': ['six>=1.17'] }, six: { '1.17.0': [] } };
    const recipes = { six: { 'provided-by': 'python3-six' } };
    assert.deepEqual(versions(await run(world, ['app'], { recipes, distribution: { 'python3-six': '1.16.0-4' } })), { app: '1.0', six: '1.17.0' });
    // A version the target's distribution does not say (no root for it) is mapped only when nothing asks for a version.
    assert.deepEqual(versions(await run(world, ['app'], { recipes, target: 'el9' })), { app: '1.0', six: '1.17.0' });
    assert.deepEqual(versions(await run({ app: { '1.0': ['six'] } }, ['app'], { recipes, target: 'el9' })), { app: '1.0', six: 'provided' });
    // Epochs and Debian revisions do not confuse the comparison (3:3.2.25-0+deb12u7 is Django 3.2.25).
    const django = { 'provided-by': 'python3-django' };
    assert.deepEqual(versions(await run({ app: { '1.0': ['django>=3.2,<4'] } }, ['app'], { recipes: { django }, distribution: { 'python3-django': '3:3.2.25-0+deb12u7' } })), { app: '1.0', django: 'provided' });
  });

  it('builds a project named on the command line, even when a recipe maps it to the distribution', async () => {
    const world: World = { six: { '1.17.0': [] } };
    assert.deepEqual(versions(await run(world, ['six'], { recipes: { six: { 'provided-by': 'python3-six' } }, distribution: { 'python3-six': '1.16.0-4' } })), { six: '1.17.0' });
  });

  it('backtracks: a later requirement that rules out a choice sends it back to an older version of another project (first-fit gave up here)', async () => {
    // The newest b needs c>=2, which d rules out; b 1.0 needs only c<2. First-fit would stop at "c: no version satisfies".
    const world: World = {
      app: { '1.0': ['b', 'd'] },
      b: { '1.0': ['c<2'], '2.0': ['c>=2'] },
      c: { '1.0': [], '2.0': [] },
      d: { '1.0': ['c<2'] },
    };
    assert.deepEqual(versions(await run(world, ['app'])), { app: '1.0', b: '1.0', c: '1.0', d: '1.0' });
  });

  it('backtracks through a chain: the newest of a project whose dependency cannot be met is given up for an older one', async () => {
    const world: World = {
      app: { '1.0': ['framework', 'plugin'] },
      framework: { '1.0': ['core<2'], '2.0': ['core>=2'], '3.0': ['core>=3'] },
      plugin: { '1.0': ['core<2.5'] },
      core: { '1.0': [], '2.0': [], '3.0': [] },
    };
    assert.deepEqual(versions(await run(world, ['app'])), { app: '1.0', framework: '2.0', plugin: '1.0', core: '2.0' });
  });

  it('takes an index version when a later constraint rules out the distribution\'s package it chose first', async () => {
    const world: World = { app: { '1.0': ['six', 'tool'] }, tool: { '1.0': ['six>=1.17'] }, six: { '1.17.0': [] } };
    const recipes = { six: { 'provided-by': 'python3-six' } };
    assert.deepEqual(versions(await run(world, ['app'], { recipes, distribution: { 'python3-six': '1.16.0-4' } })), { app: '1.0', tool: '1.0', six: '1.17.0' });
  });

  it('--no-deps plans only the roots', async () => {
    const world: World = { a: { '1.0': ['b'] }, b: { '1.0': [] } };
    assert.deepEqual(versions(await run(world, ['a'], { noDeps: true })), { a: '1.0' });
  });
});
