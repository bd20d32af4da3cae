/**
 * 8. What build requirements from the index cost. Three projects whose
 * backends the host lacks or has too old (a backend only as a wheel, a
 * flit_core newer than Debian 12's only as an sdist that Debian's flit_core
 * bootstraps, a backend plugin built from its sdist with a requirement of its
 * own) against three projects of the same size that build with the same
 * backend in their own tree (no build requirement at all). Cold: an empty
 * cache, so every build requirement is fetched, verified, built and its
 * environment made. Warm: three other projects with
 * the same requirements and the same cache, so the environments are reused
 * (and nothing else is: the projects themselves are new).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shipped } from '../src/paths.js';
import { makeProjectSdist, makeWheel, miniBackend } from '../test/support/backend-fixtures.js';
import { IndexServer } from '../test/support/index-server.js';
import { measure, row } from './measure.js';

const FILES = (dist: string) => Object.fromEntries(Array.from({ length: 20 }, (_, j) => [`${dist}/mod${j}.py`, `X = ${j}\n`.repeat(50)]));

export async function benchBuildRequirements(): Promise<void> {
  const index = new IndexServer();
  index.add('fixturebackend', await makeWheel({ name: 'fixturebackend', version: '2.0', files: { 'fixturebackend/__init__.py': miniBackend() } }));
  index.add('flit-core', await makeProjectSdist({ name: 'flit-core', version: '3.12.0', requires: ['flit_core>=3.11'], backend: 'flit_core.buildapi', license: { text: 'MIT' }, files: { 'flit_core/buildapi.py': miniBackend() } }));
  index.add('fixture-plugin', await makeProjectSdist({ name: 'fixture-plugin', version: '1.0', requires: ['fixturebackend>=2'], backend: 'fixturebackend', dependencies: ['fixturebackend>=2'], files: { 'fixture_plugin/backend.py': 'from fixturebackend import *\n' } }));
  const names = (round: string): [string, string, string] => [`wheel-req-${round}`, `sdist-req-${round}`, `plugin-req-${round}`];
  for (const round of ['cold', 'warm']) {
    const [wheel, sdist, plugin] = names(round);
    index.add(wheel, await makeProjectSdist({ name: wheel, version: '1.0', requires: ['fixturebackend>=2'], backend: 'fixturebackend', files: FILES(wheel.replace(/-/g, '_')) }));
    index.add(sdist, await makeProjectSdist({ name: sdist, version: '1.0', requires: ['flit_core>=3.11'], backend: 'flit_core.buildapi', license: 'MIT', files: FILES(sdist.replace(/-/g, '_')) }));
    index.add(plugin, await makeProjectSdist({ name: plugin, version: '1.0', requires: ['fixture-plugin'], backend: 'fixture_plugin.backend', files: FILES(plugin.replace(/-/g, '_')) }));
  }
  const floorNames = ['dist-req-a', 'dist-req-b', 'dist-req-c'];
  for (const name of floorNames) {
    index.add(name, await makeProjectSdist({ name, version: '1.0', requires: [], backend: 'inline_backend', backendPath: ['.'], files: { 'inline_backend.py': miniBackend(), ...FILES(name.replace(/-/g, '_')) } }));
  }
  await index.start();
  try {
    const pkg2os = shipped('bin', 'pkg2os');
    const dir = await mkdtemp(join(tmpdir(), 'pkg2os-bench-breq-'));
    const cache = join(dir, 'cache');
    const build = (requirements: string[], out: string, cacheArgs: string[]) =>
      measure(pkg2os, ['build', ...requirements, '--no-deps', '--format', 'deb', '--index-url', index.url, '--out', join(dir, out), '--jobs', '1', '--no-lockfile', '--no-progress', '--maintainer', 'Bench <bench@example.org>', ...cacheArgs]);
    const floor = await build(floorNames, 'floor', ['--no-cache']);
    const cold = await build(names('cold'), 'cold', ['--cache-dir', cache]);
    row('8. build requirements from the index, cold (3 projects: a backend wheel, a newer flit_core from its sdist, a plugin sdist with its own requirement; empty cache) vs 3 projects with the backend in-tree', cold, floor, 'report');
    const warm = await build(names('warm'), 'warm', ['--cache-dir', cache]);
    row('8. the same requirements, warm (3 new projects, build environments from the cache) vs 3 projects with the backend in-tree', warm, floor, 'report');
  } finally {
    await index.stop();
  }
}
