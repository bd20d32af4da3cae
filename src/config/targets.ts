/**
 * Target profiles: which distribution a package is built for. A profile fixes
 * the Python version used for markers and install paths, the native package
 * format and the archive codename. The install layout is a function of the
 * package format and the Python version (see `installLayout`).
 */
import { arch } from 'node:os';
import { ConfigError } from '../errors.js';
import type { MarkerEnvironment } from '../pep/markers.js';

export type PackageFormat = 'deb' | 'rpm';
export const PACKAGE_FORMATS: readonly PackageFormat[] = ['deb', 'rpm'];

/** A distribution release packages are built for. */
export interface TargetProfile {
  name: string;
  /** Human description, for `--help` and reports. */
  description: string;
  /** "Debian 13", for messages. */
  distribution: string;
  /** The package family of the distribution, and so the one format built for it. */
  family: PackageFormat;
  /** Python "X.Y" and "X.Y.Z" of the distribution's python3. */
  pythonVersion: string;
  pythonFullVersion: string;
  /** Archive codename (apt suite), for the Debian family. */
  codename?: string;
  /**
   * What the release string carries so that two targets' packages never share
   * a file name: Debian revision "1~deb12" (the style third-party
   * multi-distribution repositories use), RPM Release "1.el9" (Fedora's %{?dist}).
   */
  distTag: string;
  /** How pkg2os makes a build root of a Debian-family release (mmdebstrap from its archive). */
  archive?: { suite: string; mirror: string; keyring?: string };
  /** How pkg2os makes a build root of an RPM-family release (dnf --installroot from its repositories; the key is the organization's to give). */
  dnf?: { releasever: string; repos: string[] };
  /** os-release ID and VERSION_ID of the release: on such a host, the host's own root is this target's. */
  osRelease: { id: string; versionId: string };
}

/** The profiles pkg2os knows. */
export const TARGETS: Record<string, TargetProfile> = {
  'debian-12': {
    name: 'debian-12',
    description: 'Debian 12 "bookworm", Python 3.11',
    distribution: 'Debian 12',
    family: 'deb',
    pythonVersion: '3.11',
    pythonFullVersion: '3.11.2',
    codename: 'bookworm',
    distTag: '~deb12',
    archive: { suite: 'bookworm', mirror: 'http://deb.debian.org/debian' },
    osRelease: { id: 'debian', versionId: '12' },
  },
  'debian-13': {
    name: 'debian-13',
    description: 'Debian 13 "trixie", Python 3.13',
    distribution: 'Debian 13',
    family: 'deb',
    pythonVersion: '3.13',
    pythonFullVersion: '3.13.5',
    codename: 'trixie',
    distTag: '~deb13',
    archive: { suite: 'trixie', mirror: 'http://deb.debian.org/debian' },
    osRelease: { id: 'debian', versionId: '13' },
  },
  'ubuntu-24.04': {
    name: 'ubuntu-24.04',
    description: 'Ubuntu 24.04 "noble", Python 3.12',
    distribution: 'Ubuntu 24.04',
    family: 'deb',
    pythonVersion: '3.12',
    pythonFullVersion: '3.12.3',
    codename: 'noble',
    distTag: '~ubuntu24.04',
    archive: { suite: 'noble', mirror: 'http://archive.ubuntu.com/ubuntu', keyring: '/usr/share/keyrings/ubuntu-archive-keyring.gpg' },
    osRelease: { id: 'ubuntu', versionId: '24.04' },
  },
  el9: {
    name: 'el9',
    description: 'Enterprise Linux 9 (RHEL, Alma, Rocky), Python 3.9',
    distribution: 'Enterprise Linux 9',
    family: 'rpm',
    pythonVersion: '3.9',
    pythonFullVersion: '3.9.18',
    distTag: '.el9',
    dnf: { releasever: '9', repos: ['https://repo.almalinux.org/almalinux/9/BaseOS/x86_64/os/', 'https://repo.almalinux.org/almalinux/9/AppStream/x86_64/os/', 'https://repo.almalinux.org/almalinux/9/CRB/x86_64/os/'] },
    osRelease: { id: 'rhel', versionId: '9' },
  },
  'fedora-41': {
    name: 'fedora-41',
    description: 'Fedora 41, Python 3.13',
    distribution: 'Fedora 41',
    family: 'rpm',
    pythonVersion: '3.13',
    pythonFullVersion: '3.13.0',
    distTag: '.fc41',
    dnf: { releasever: '41', repos: ['https://dl.fedoraproject.org/pub/fedora/linux/releases/41/Everything/x86_64/os/', 'https://dl.fedoraproject.org/pub/fedora/linux/updates/41/Everything/x86_64/'] },
    osRelease: { id: 'fedora', versionId: '41' },
  },
};

export const DEFAULT_TARGET = 'debian-12';

/** Look up a profile by name; unknown names are a usage error that lists the known ones. */
export function getTarget(name: string): TargetProfile {
  const target = TARGETS[name];
  if (!target) {
    throw new ConfigError('UNKNOWN_TARGET', `Unknown target "${name}".`, {
      hint: `Known targets: ${Object.keys(TARGETS).join(', ')}.`,
    });
  }
  return target;
}

/**
 * The formats to build for each target: the target's own family, narrowed by
 * `--format` when given. A target left with nothing to build, or a format no
 * target installs, is a usage error.
 */
export function formatsFor(targets: readonly TargetProfile[], requested: readonly PackageFormat[] | undefined): PackageFormat[] {
  const families = [...new Set(targets.map((t) => t.family))];
  if (!requested) return families;
  for (const format of requested) {
    if (!families.includes(format)) {
      throw new ConfigError('USAGE', `--format ${format} was asked for, but no target given installs ${format} packages: ${targets.map((t) => `${t.name} is a ${t.family} distribution`).join(', ')}.`, {
        hint: `Add a ${format === 'rpm' ? 'RPM-family target (el9, fedora-41)' : 'Debian-family target (debian-12, debian-13, ubuntu-24.04)'} with --target, or leave --format out: each target gets its own format.`,
      });
    }
  }
  for (const target of targets) {
    if (!requested.includes(target.family)) {
      throw new ConfigError('USAGE', `${target.name} installs ${target.family} packages, and --format ${requested.join(',')} leaves it nothing to build.`, { hint: `Remove --target ${target.name}, or add ${target.family} to --format.` });
    }
  }
  return families.filter((f) => requested.includes(f));
}

/** The release string of a package for a target: "1~deb12", "1.el9". */
export function releaseString(release: number, target: TargetProfile): string {
  return `${release}${target.distTag}`;
}

/** Where the wheel's parts go on the target system (installer scheme paths, absolute). */
export interface InstallLayout {
  purelib: string;
  platlib: string;
  scripts: string;
  data: string;
  headers: string;
  /** Whether .pyc files are made at build time (RPM) or on the client by maintainer scripts (Debian). */
  byteCompileAtBuild: boolean;
}

/** The machine architecture in Debian's and RPM's spelling. */
export function machineArch(format: PackageFormat): string {
  const a = arch();
  const deb: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: 'i386', ppc64: 'ppc64el', s390x: 's390x', riscv64: 'riscv64' };
  const rpm: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ia32: 'i686', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return (format === 'deb' ? deb[a] : rpm[a]) ?? a;
}

/**
 * Debian: everything under /usr/lib/python3/dist-packages (Debian Python Policy §1.5).
 * RPM: /usr/lib/pythonX.Y/site-packages for pure code, /usr/lib64/… for compiled code
 * on 64-bit machines (Fedora's %python3_sitelib and %python3_sitearch).
 */
export function installLayout(format: PackageFormat, target: TargetProfile, projectName: string): InstallLayout {
  const py = `python${target.pythonVersion}`;
  if (format === 'deb') {
    return {
      purelib: '/usr/lib/python3/dist-packages',
      platlib: '/usr/lib/python3/dist-packages',
      scripts: '/usr/bin',
      data: '/usr',
      headers: `/usr/include/${py}/${projectName}`,
      byteCompileAtBuild: false,
    };
  }
  const lib64 = ['x64', 'arm64', 'ppc64', 's390x', 'riscv64'].includes(arch()) ? 'lib64' : 'lib';
  return {
    purelib: `/usr/lib/${py}/site-packages`,
    platlib: `/usr/${lib64}/${py}/site-packages`,
    scripts: '/usr/bin',
    data: '/usr',
    headers: `/usr/include/${py}/${projectName}`,
    byteCompileAtBuild: true,
  };
}

/** The marker environment of a target (PEP 508), independent of the host. */
export function markerEnvironment(target: TargetProfile): MarkerEnvironment {
  return {
    python_version: target.pythonVersion,
    python_full_version: target.pythonFullVersion,
    os_name: 'posix',
    sys_platform: 'linux',
    platform_system: 'Linux',
    platform_machine: machineArch('rpm'),
    platform_release: '',
    platform_version: '',
    platform_python_implementation: 'CPython',
    implementation_name: 'cpython',
    implementation_version: target.pythonFullVersion,
  };
}
