/**
 * Target profiles: which distribution release a package is built for, as
 * data. A profile names its distribution family (families/registry.ts, which
 * owns everything that differs between families: format, layout, versions,
 * roots, repository kind) and fixes the Python version used for markers and
 * install paths, the dist tag, and where its build root comes from.
 */
import { ConfigError } from '../errors.js';
import type { MarkerEnvironment } from '../pep/markers.js';

/** A package format ("deb", "rpm"): the files a family builds. */
export type PackageFormat = string;

/** A distribution release packages are built for. */
export interface TargetProfile {
  name: string;
  /** Human description, for `--help` and reports. */
  description: string;
  /** "Debian 13", for messages. */
  distribution: string;
  /** The distribution family (families/registry.ts): "debian" or "rpm". */
  family: string;
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
    family: 'debian',
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
    family: 'debian',
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
    family: 'debian',
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
  const target = Object.hasOwn(TARGETS, name) ? TARGETS[name] : undefined;
  if (!target) {
    throw new ConfigError('UNKNOWN_TARGET', `Unknown target "${name}".`, {
      hint: `Known targets: ${Object.keys(TARGETS).join(', ')}.`,
    });
  }
  return target;
}

/** The marker environment of a target (PEP 508), independent of the host. */
export function markerEnvironment(target: TargetProfile): MarkerEnvironment {
  return pythonMarkers(target.pythonVersion, target.pythonFullVersion);
}

/** The marker environment (PEP 508) of a CPython "X.Y" / "X.Y.Z" on Linux on this machine: a target's, or a build root's own. */
export function pythonMarkers(pythonVersion: string, pythonFullVersion: string): MarkerEnvironment {
  return {
    python_version: pythonVersion,
    python_full_version: pythonFullVersion,
    os_name: 'posix',
    sys_platform: 'linux',
    platform_system: 'Linux',
    platform_machine: unameMachine(),
    platform_release: '',
    platform_version: '',
    platform_python_implementation: 'CPython',
    implementation_name: 'cpython',
    implementation_version: pythonFullVersion,
  };
}

/** The machine as `uname -m` (and so PEP 508's platform_machine) names it. */
function unameMachine(): string {
  const names: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ia32: 'i686', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return names[process.arch] ?? process.arch;
}
