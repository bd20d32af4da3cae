/** Packages to publish in repository tests: built by the real CLI from fixture sdists, once per test file. */
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { TARGETS } from '../../src/config/targets.js';
import { IndexServer } from './index-server.js';
import { pkg2os } from './run-cli.js';
import { makeSdist } from './sdist-fixtures.js';

export interface BuiltFixtures {
  out: string;
  debs: string[];
  rpms: string[];
}

/** Build fixture sdists (name → version) into .deb (for Debian 12, unless told) and .rpm (for EL9). */
export async function buildFixturePackages(projects: Record<string, string>, targets: string[] = ['debian-12', 'el9']): Promise<BuiltFixtures> {
  const server = new IndexServer();
  for (const [name, version] of Object.entries(projects)) server.add(name, await makeSdist({ name, version, scripts: { [name]: `${name.replace(/-/g, '_')}:main` } }));
  await server.start();
  const out = join(await mkdtemp(join(tmpdir(), 'pkg2os-pkgs-')), 'out');
  try {
    const result = await pkg2os(['build', ...Object.keys(projects), '--target', targets.join(','), '--index-url', server.url, '--out', out, '--no-lockfile', '--maintainer', 'Test <test@example.org>']);
    if (result.exitCode !== 0) throw new Error(`building fixtures failed: ${result.stderr}`);
  } finally {
    await server.stop();
  }
  const list = async (sub: string) => (await readdir(join(out, sub)).catch(() => [] as string[])).map((f) => join(out, sub, f)).sort();
  return { out, debs: await list('deb'), rpms: await list('rpm') };
}

/**
 * An rpm that provides python(abi) of an RPM-family target (3.9 for EL9): a
 * stand-in for the system Python that an empty dnf --installroot does not
 * have (the one part of an EL9 or Fedora system that cannot exist here).
 */
export async function pythonAbiStubRpm(target = 'el9'): Promise<string> {
  const profile = TARGETS[target]!;
  const dir = await mkdtemp(join(tmpdir(), 'pkg2os-stub-'));
  await mkdir(join(dir, 'SPECS'), { recursive: true });
  const spec = join(dir, 'SPECS', 'stub.spec');
  const release = `1${profile.distTag}`;
  await writeFile(spec, ['Name: python3-abi-stub', `Version: ${profile.pythonVersion}`, `Release: ${release}`, 'Summary: python(abi) for an empty installroot', 'License: MIT', 'BuildArch: noarch', `Provides: python(abi) = ${profile.pythonVersion}`, '%description', 'Test stand-in for the system Python.', '%files', ''].join('\n'));
  await execa('rpmbuild', ['-bb', '--define', `_topdir ${dir}`, spec]);
  return join(dir, 'RPMS', 'noarch', `python3-abi-stub-${profile.pythonVersion}-${release}.noarch.rpm`);
}
