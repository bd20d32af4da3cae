/** Versions of the Debian packages that build and package, from dpkg's database. */
import { run } from '../exec.js';

/** The Debian packages whose versions shape a build: Python's build tools, the backends, dpkg and rpm. */
export const BUILD_TOOL_PACKAGES = ['python3-build', 'python3-installer', 'python3-setuptools', 'python3-wheel', 'python3-hatchling', 'python3-poetry-core', 'flit', 'dpkg', 'rpm'];

/** Package → version, for the installed ones of `packages`. */
export async function installedVersions(packages: readonly string[]): Promise<Record<string, string>> {
  // dpkg-query exits 1 when some of them are not installed, and still lists the others.
  const { stdout } = await run('dpkg-query', ['-W', '-f=${Package} ${Version}\n', ...packages], { purpose: 'identifying the build environment', okExitCodes: [1] });
  const versions: Record<string, string> = {};
  for (const line of stdout.split('\n').filter(Boolean)) {
    const [name, version] = line.split(' ');
    versions[name!] = version ?? '';
  }
  return versions;
}

/** Whether each of `packages` is installed (dpkg status "install ok installed"). */
export async function missingPackages(packages: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const pkg of packages) {
    const status = await run('dpkg-query', ['-W', '-f=${Status}', pkg], { purpose: 'checking build dependencies', okExitCodes: [1] });
    if (!status.stdout.includes('install ok installed')) missing.push(pkg);
  }
  return missing;
}
