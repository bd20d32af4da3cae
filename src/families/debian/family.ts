/**
 * The Debian family (Debian, Ubuntu): .deb packages built with dpkg-deb,
 * published in an apt repository, versions in dpkg's syntax, the Debian
 * Python Policy's layout, roots made with mmdebstrap, installed files from
 * dpkg's lists, library dependencies from dpkg-shlibdeps.
 */
import { article } from '../shared/common.js';
import type { Family } from '../shared/family.types.js';
import { compareDebianVersions } from './version-compare.js';
import { DEBIAN_SYNTAX, toDebianVersion } from './versions.js';
import { dpkgInstalledFiles } from './installed.js';
import { debPackager, debianArch, debianRevision } from './packager.js';
import { type DebianRootRecipe, aptVersions, debianRootRecipe, isDebianRoot, makeDebianRoot } from './root.js';
import { shlibsDepends } from './shlibs.js';
import { compareDebs, debMaintainer } from './compare.js';
import { readArchive } from './archive.js';
import { keptReleaseData, releaseDataFile } from '../shared/release-data.js';
import { sha256Hex } from '../../digest.js';

/** Debian's archive keyring (debian-archive-keyring), which checks every Debian release's InRelease. */
const DEBIAN_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

export const debianFamily: Family = {
  name: 'debian',
  title: 'Debian-family',
  format: 'deb',
  releaseTerm: 'Debian revision',
  repository: 'apt',
  packagingTool: 'dpkg-deb',
  exampleTargets: ['debian-12', 'debian-13', 'ubuntu-24.04'],
  versions: {
    syntax: DEBIAN_SYNTAX,
    packageVersion: (upstream, release, target) => `${toDebianVersion(upstream)}-${debianRevision(release, target)}`,
    compare: compareDebianVersions,
    upstreamOf: (version) => version.replace(/-[^-]*$/, ''),
  },
  machineArch: debianArch,
  packageArch: (pure) => (pure ? 'all' : debianArch()),
  releaseString: debianRevision,
  // Everything under /usr/lib/python3/dist-packages (Debian Python Policy §1.5); byte-compiled on the client by py3compile.
  installLayout: (target, project) => ({
    purelib: '/usr/lib/python3/dist-packages',
    platlib: '/usr/lib/python3/dist-packages',
    scripts: '/usr/bin',
    data: '/usr',
    headers: `/usr/include/python${target.pythonVersion}/${project}`,
    byteCompileAtBuild: false,
  }),
  ownDirs: (name) => [`/usr/share/doc/${name}`],
  rootRecipe: debianRootRecipe,
  makeRoot: (target, recipe, dir) => makeDebianRoot(target, recipe as DebianRootRecipe, dir),
  rootHint: (target) =>
    `pkg2os makes ${article(target.name)} root with mmdebstrap from ${target.archive?.mirror ?? 'its archive'}: make sure it is reachable (pkg2os roots update --target ${target.name}), or give a mirror: roots: {${target.name}: {mirror: URL}} in pkg2os.config.yaml.`,
  ownsRoot: isDebianRoot,
  async releaseData(target, settings, stateDir, fresh) {
    if (!target.archive) return undefined;
    const source = { mirror: settings?.mirror ?? target.archive.mirror, suite: target.archive.suite, keyring: settings?.keyring ?? target.archive.keyring ?? DEBIAN_KEYRING, arch: debianArch() };
    return keptReleaseData(releaseDataFile(stateDir, target.name, sha256Hex(JSON.stringify(source)).slice(0, 16)), () => readArchive(source), fresh);
  },
  distributionVersions: aptVersions,
  installedFiles: dpkgInstalledFiles,
  libraryDepends: shlibsDepends,
  packager: debPackager,
  comparePackages: compareDebs,
  maintainerOf: debMaintainer,
};
