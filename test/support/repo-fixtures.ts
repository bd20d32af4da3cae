/** Packages to publish in repository tests: built by the real CLI from fixture sdists, once per test file. */
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { IndexServer } from './index-server.js';
import { pkg2os } from './run-cli.js';
import { makeSdist } from './sdist-fixtures.js';

export interface BuiltFixtures {
  out: string;
  debs: string[];
  rpms: string[];
}

/** Build fixture sdists (name → version) into .deb and .rpm. */
export async function buildFixturePackages(projects: Record<string, string>): Promise<BuiltFixtures> {
  const server = new IndexServer();
  for (const [name, version] of Object.entries(projects)) server.add(name, await makeSdist({ name, version, scripts: { [name]: `${name.replace(/-/g, '_')}:main` } }));
  await server.start();
  const out = join(await mkdtemp(join(tmpdir(), 'pkg2os-pkgs-')), 'out');
  try {
    const result = await pkg2os(['build', ...Object.keys(projects), '--index-url', server.url, '--out', out, '--no-lockfile', '--maintainer', 'Test <test@example.org>']);
    if (result.exitCode !== 0) throw new Error(`building fixtures failed: ${result.stderr}`);
  } finally {
    await server.stop();
  }
  const list = async (sub: string) => (await readdir(join(out, sub))).map((f) => join(out, sub, f)).sort();
  return { out, debs: await list('deb'), rpms: await list('rpm') };
}

/**
 * An rpm that provides python(abi) = 3.11: a stand-in for the system Python
 * that an empty dnf --installroot does not have (the one part of a Fedora
 * system that cannot exist here).
 */
export async function pythonAbiStubRpm(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pkg2os-stub-'));
  await mkdir(join(dir, 'SPECS'), { recursive: true });
  const spec = join(dir, 'SPECS', 'stub.spec');
  await writeFile(spec, ['Name: python3-abi-stub', 'Version: 3.11', 'Release: 1', 'Summary: python(abi) for an empty installroot', 'License: MIT', 'BuildArch: noarch', 'Provides: python(abi) = 3.11', '%description', 'Test stand-in for the system Python.', '%files', ''].join('\n'));
  await execa('rpmbuild', ['-bb', '--define', `_topdir ${dir}`, spec]);
  return join(dir, 'RPMS', 'noarch', 'python3-abi-stub-3.11-1.noarch.rpm');
}
