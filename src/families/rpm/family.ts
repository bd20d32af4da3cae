/**
 * The RPM family (Enterprise Linux, Fedora): .rpm packages built with
 * rpmbuild, published in a yum/dnf repository, versions in rpm's syntax,
 * Fedora's layout (%python3_sitelib, %python3_sitearch, byte-compiled at
 * build time), roots made with dnf --installroot, installed files from the
 * rpm database, library dependencies from rpm's elfdeps.
 */
import { article } from '../shared/common.js';
import type { Family } from '../shared/family.types.js';
import { elfdepsRequires } from './elfdeps.js';
import { rpmInstalledFiles } from './installed.js';
import { rpmMachineArch, rpmPackager, rpmRelease } from './packager.js';
import { type DnfRootRecipe, dnfRootRecipe, isRpmRoot, makeDnfRoot, rpmVersions } from './root.js';
import { compareRpmVersions } from './version-compare.js';
import { RPM_SYNTAX, toRpmVersion } from './versions.js';
import { resolve } from 'node:path';
import { readRepositories } from './repodata.js';
import { keptReleaseData, releaseDataFile } from '../shared/release-data.js';
import { sha256Hex } from '../../digest.js';
import { compareRpms, rpmMaintainer } from './compare.js';

const LIB64 = ['x64', 'arm64', 'ppc64', 's390x', 'riscv64'];

export const rpmFamily: Family = {
  name: 'rpm',
  title: 'RPM-family',
  format: 'rpm',
  releaseTerm: 'RPM release',
  repository: 'yum',
  packagingTool: 'rpmbuild',
  exampleTargets: ['el9', 'fedora-41'],
  versions: {
    syntax: RPM_SYNTAX,
    packageVersion: (upstream, release, target) => {
      const { epoch, version } = toRpmVersion(upstream);
      return `${epoch > 0 ? `${epoch}:` : ''}${version}-${rpmRelease(release, target)}`;
    },
    compare: compareRpmVersions,
    upstreamOf: (version) => version.replace(/-[^-]*$/, ''),
  },
  machineArch: rpmMachineArch,
  packageArch: (pure) => (pure ? 'noarch' : rpmMachineArch()),
  releaseString: rpmRelease,
  // /usr/lib/pythonX.Y/site-packages for pure code, /usr/lib64/… for compiled code on 64-bit machines (%python3_sitelib, %python3_sitearch).
  installLayout: (target, project) => {
    const py = `python${target.pythonVersion}`;
    return {
      purelib: `/usr/lib/${py}/site-packages`,
      platlib: `/usr/${LIB64.includes(process.arch) ? 'lib64' : 'lib'}/${py}/site-packages`,
      scripts: '/usr/bin',
      data: '/usr',
      headers: `/usr/include/${py}/${project}`,
      byteCompileAtBuild: true,
    };
  },
  ownDirs: (name) => [`/usr/share/doc/${name}`, `/usr/share/licenses/${name}`],
  rootRecipe: dnfRootRecipe,
  makeRoot: (target, recipe, dir) => makeDnfRoot(target, recipe as DnfRootRecipe, dir),
  rootHint: (target) =>
    `pkg2os makes ${article(target.name)} root with dnf --installroot once it has the key of ${target.distribution}'s packages: roots: {${target.name}: {gpgkey: /path/to/RPM-GPG-KEY}} in pkg2os.config.yaml; or give a root of your own: roots: {${target.name}: {path: DIR}}.`,
  ownsRoot: isRpmRoot,
  async releaseData(target, settings, stateDir, fresh) {
    // Like a root: only from repositories pkg2os can check with the distribution's key.
    if (!target.dnf || !settings?.gpgkey) return undefined;
    const source = { repos: settings.repos ?? target.dnf.repos, gpgkey: resolve(settings.gpgkey) };
    return keptReleaseData(releaseDataFile(stateDir, target.name, sha256Hex(JSON.stringify(source)).slice(0, 16)), () => readRepositories(source), fresh);
  },
  distributionVersions: rpmVersions,
  installedFiles: rpmInstalledFiles,
  libraryDepends: elfdepsRequires,
  packager: rpmPackager,
  comparePackages: (published, rebuilt) => compareRpms(published, rebuilt),
  maintainerOf: rpmMaintainer,
};
