/** Looking inside built packages with the distributions' own tools. */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { createHash } from 'node:crypto';

export async function sh(cmd: string, args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<string> {
  const r = await execa(cmd, args, { env: options.env, cwd: options.cwd });
  return String(r.stdout);
}

export async function debField(deb: string, field: string): Promise<string> {
  return (await sh('dpkg-deb', ['-f', deb, field])).trim();
}

export async function debFiles(deb: string): Promise<string[]> {
  return (await sh('dpkg-deb', ['-c', deb])).split('\n').filter(Boolean).map((l) => l.split(/\s+/).slice(5).join(' ').replace(/^\./, '').replace(/ -> .*$/, ''));
}

export async function rpmQuery(rpm: string, format: string): Promise<string> {
  return sh('rpm', ['-qp', '--qf', format, rpm]);
}

export async function rpmFiles(rpm: string): Promise<string[]> {
  return (await sh('rpm', ['-qpl', rpm])).split('\n').filter(Boolean);
}

export async function rpmRequires(rpm: string): Promise<string[]> {
  return (await sh('rpm', ['-qp', '--requires', rpm])).split('\n').filter(Boolean);
}

/** Extract a .deb or .rpm payload into a new directory, as the package manager would lay it out. */
export async function extract(pkg: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pkg2os-extract-'));
  if (pkg.endsWith('.deb')) await execa('dpkg-deb', ['-x', pkg, dir]);
  else await execa('sh', ['-c', 'rpm2cpio "$1" | cpio -idm --quiet', 'sh', pkg], { cwd: dir });
  return dir;
}

/** Run the system Python with only `sitePackages` added, as an installed package would be seen. */
export async function systemPython(sitePackages: string, code: string): Promise<string> {
  return (await sh('/usr/bin/python3', ['-I', '-c', `import sys; sys.path.insert(0, ${JSON.stringify(sitePackages)}); ${code}`])).trim();
}

export async function sha256File(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}
