/**
 * The RPM format: a spec from templates/rpm/package.spec.hbs, then
 * `rpmbuild -bb`. Dependencies and provides follow Fedora's Python packaging
 * guidelines (`python3dist(name)`), so our packages interoperate with theirs.
 */
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BuildError } from '../../errors.js';
import { run } from '../../exec.js';
import { machineArch } from '../../config/targets.js';
import { renderTemplate } from '../templates.js';
import { cleanText, describeBuilt, synopsis } from '../common.js';
import type { BuiltPackage, Dependency, PackageInfo, Packager } from '../packager.types.js';
import { type Constraint, boundVersion, toRpmVersion } from '../versions.js';

/** Escape text for a spec file: "%" starts a macro. */
export function specEscape(text: string): string {
  return text.replace(/%/g, '%%');
}

export function rpmArch(info: PackageInfo): string {
  return info.pure ? 'noarch' : machineArch('rpm');
}

/** Epoch:Version-Release as rpm prints it. */
export function rpmEvr(info: PackageInfo): string {
  const { epoch, version } = toRpmVersion(info.upstreamVersion);
  return `${epoch > 0 ? `${epoch}:` : ''}${version}-${info.release}`;
}

function rpmConstraint(c: Constraint): string {
  return `${c.op} ${boundVersion(c, 'rpm')}`;
}

/** Requires entries for Python dependencies, as python3dist(name) with constraints. */
export function rpmRequires(deps: Dependency[]): string[] {
  const out: string[] = [];
  for (const dep of deps) {
    const name = `python3dist(${dep.project})`;
    if (dep.constraints.length === 0) out.push(name);
    for (const c of dep.constraints) out.push(`${name} ${rpmConstraint(c)}`);
  }
  return out;
}

/** A %files line for a path: quoted, with rpm's glob characters and "%" escaped. */
export function filesEntry(path: string, dir: boolean): string {
  if (/["\n\\]/.test(path)) {
    throw new BuildError('PACKAGING_FAILED', `The file name ${JSON.stringify(path)} cannot be listed in an RPM spec.`, {
      hint: 'Exclude the file with a recipe, or build only the deb format.',
    });
  }
  const escaped = specEscape(path).replace(/([*?[\]{}])/g, '\\$1');
  return `${dir ? '%dir ' : ''}"${escaped}"`;
}

/** The directories the package owns: those below the Python library roots and its headers directory. */
function ownsDir(info: PackageInfo, path: string): boolean {
  const { purelib, platlib, headers } = info.tree.layout;
  return path.startsWith(`${purelib}/`) || path.startsWith(`${platlib}/`) || path === headers || path.startsWith(`${headers}/`);
}

function changelogDate(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, '0')} ${d.getUTCFullYear()}`;
}

export const rpmPackager: Packager = {
  format: 'rpm',
  tool: 'rpmbuild',

  fileName(info) {
    const { version } = toRpmVersion(info.upstreamVersion);
    return `${info.name}-${version}-${info.release}.${rpmArch(info)}.rpm`;
  },

  render(info) {
    const { epoch, version } = toRpmVersion(info.upstreamVersion);
    const evr = rpmEvr(info);
    const files = info.tree.entries
      .filter((e) => e.type !== 'dir' || ownsDir(info, e.path))
      .map((e) => filesEntry(e.path, e.type === 'dir'));
    const description = specEscape(cleanText(info.description).trim() || cleanText(info.summary).trim() || `The Python project ${info.project}.`);
    return {
      spec: renderTemplate('rpm', 'package.spec', {
        name: info.name,
        epoch: epoch > 0 ? epoch : undefined,
        version,
        release: info.release,
        summary: specEscape(synopsis(info.summary, `Python module ${info.project}`)),
        license: specEscape(cleanText(info.license).replace(/\s+/g, ' ')),
        homepage: info.homepage ? specEscape(info.homepage) : undefined,
        noarch: info.pure,
        requires: [`python(abi) = ${info.target.pythonVersion}`, ...rpmRequires(info.dependencies), ...info.extraRelations.rpm],
        provides: [
          `python3dist(${info.project}) = ${evr.replace(/-\d+$/, '')}`,
          `python${info.target.pythonVersion}dist(${info.project}) = ${evr.replace(/-\d+$/, '')}`,
          // A recipe's name override still answers to the conventional name.
          ...(info.name !== `python3-${info.project}` ? [`python3-${info.project} = ${evr}`] : []),
        ],
        // rpm drops lines whose first non-blank character is "#", even in %description.
        description: description.split('\n').map((l) => l.trimEnd().replace(/^(\s*)#/, '$1%{quote:#}')).join('\n'),
        files,
        changelogDate: changelogDate(info.sourceDateEpoch),
        maintainer: specEscape(info.maintainer),
        evr,
        sdist: info.sdist,
      }),
    };
  },

  async build(info, workDir, outDir, logFile): Promise<BuiltPackage> {
    const { spec } = this.render(info);
    const top = join(workDir, 'rpmbuild');
    await rm(top, { recursive: true, force: true });
    await mkdir(join(top, 'SPECS'), { recursive: true });
    const specPath = join(top, 'SPECS', `${info.name}.spec`);
    await writeFile(specPath, spec!);
    const rpms = join(top, 'RPMS');
    const defines: Record<string, string> = {
      _topdir: top,
      _rpmdir: rpms,
      _pkg2os_stage: info.tree.root,
      _build_name_fmt: '%%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm',
      _buildhost: 'pkg2os',
      clamp_mtime_to_source_date_epoch: '1',
      use_source_date_epoch_as_buildtime: '1',
      _binary_payload: 'w19.zstdio',
    };
    await run('rpmbuild', ['-bb', ...Object.entries(defines).flatMap(([k, v]) => ['--define', `${k} ${v}`]), specPath], {
      env: { SOURCE_DATE_EPOCH: String(info.sourceDateEpoch), LANG: 'C.UTF-8' },
      logFile,
      purpose: `building ${this.fileName(info)}`,
    });
    const built = (await readdir(rpms)).filter((f) => f.endsWith('.rpm'));
    if (built.length !== 1) throw new BuildError('PACKAGING_FAILED', `rpmbuild made ${built.length} packages for ${info.name}, expected one.`, { hint: `Full log: ${logFile}` });
    await mkdir(outDir, { recursive: true });
    const out = join(outDir, this.fileName(info));
    await rename(join(rpms, built[0]!), out);
    return describeBuilt('rpm', info.name, rpmEvr(info), rpmArch(info), out);
  },
};
