/**
 * The RPM format: a spec from templates/rpm/package.spec.hbs, then
 * `rpmbuild -bb`. Dependencies and provides follow Fedora's Python packaging
 * guidelines (`python3dist(name)`), so our packages interoperate with theirs.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BuildError } from '../../errors.js';
import type { Box } from '../../box/box.js';
import { boxPath, copyOutOfBox } from '../../box/box-files.js';
import { HOST_ROOT } from '../../box/sandbox.js';
import type { TargetProfile } from '../../config/targets.js';
import { cleanText, describeBuilt, synopsis, descriptionStart, wrap } from '../shared/common.js';
import type { BuiltPackage, Dependency, PackageInfo, Packager } from '../shared/family.types.js';
import { type Constraint, boundVersion } from '../shared/versions.js';
import { RPM_SYNTAX, toRpmVersion } from './versions.js';

/** Escape text for a spec file: "%" starts a macro. */
export function specEscape(text: string): string {
  return text.replace(/%/g, '%%');
}

/** The RPM Release that carries the target: "1.el9", as Fedora's %{?dist} does. */
export function rpmRelease(release: number, target: TargetProfile): string {
  return `${release}${target.distTag}`;
}

/** The machine architecture in RPM's spelling. */
export function rpmMachineArch(): string {
  const names: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ia32: 'i686', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return names[process.arch] ?? process.arch;
}

export function rpmArch(info: Pick<PackageInfo, 'pure'>): string {
  return info.pure ? 'noarch' : rpmMachineArch();
}

/** Epoch:Version-Release as rpm prints it. */
export function rpmEvr(info: PackageInfo): string {
  const { epoch, version } = toRpmVersion(info.upstreamVersion);
  return `${epoch > 0 ? `${epoch}:` : ''}${version}-${rpmRelease(info.release, info.target)}`;
}

function rpmConstraint(c: Constraint): string {
  return `${c.op} ${boundVersion(c, RPM_SYNTAX)}`;
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

/**
 * A %files line for a path, quoted. rpm 4.18 expands a %files entry more
 * than once, and globs it: a name with "%", a glob character, a quote, a
 * backslash or a control character cannot be carried literally at all, so it
 * is refused (a file named "%(…).py" would run a command during rpmbuild).
 */
export function filesEntry(path: string, dir: boolean): string {
  const bad = /[%*?[\]{}"'\\\u0000-\u001f\u007f]/.exec(path);
  if (bad) {
    throw new BuildError('UNSAFE_PACKAGE', `The file ${JSON.stringify(path)} has a character (${JSON.stringify(bad[0])}) that an RPM spec cannot carry literally: rpm would expand or glob it.`, {
      hint: 'Build only the deb format for this project (--format deb), or report the file name upstream.',
    });
  }
  return `${dir ? '%dir ' : ''}"${path}"`;
}

/**
 * %description text: "%" escaped once (rpm expands it once), and a line
 * whose first non-blank character would be "%" or "#" after that expansion
 * starts with a no-break space, so that it can open no spec section, no
 * conditional and no comment (rpm skips only ASCII white space there).
 */
export function specDescription(text: string): string {
  return specEscape(text)
    .split('\n')
    .map((l) => l.trimEnd())
    .map((l) => (/^\s*[%#]/.test(l) ? `\u00a0${l}` : l))
    .join('\n');
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
  fileName(info) {
    const { version } = toRpmVersion(info.upstreamVersion);
    return `${info.name}-${version}-${rpmRelease(info.release, info.target)}.${rpmArch(info)}.rpm`;
  },

  render(info) {
    const { epoch, version } = toRpmVersion(info.upstreamVersion);
    const evr = rpmEvr(info);
    const files = info.tree.entries
      .filter((e) => e.type !== 'dir' || ownsDir(info, e.path))
      .map((e) => filesEntry(e.path, e.type === 'dir'));
    // The start of upstream's long description, wrapped to 79 columns (rpmlint: description-line-too-long); the whole README is no package description.
    const start = descriptionStart(info.description, { width: 79, ...(info.homepage ? { more: `The full description: ${info.homepage}` } : {}) });
    const description = start.length ? start.join('\n') : wrap(cleanText(info.summary).trim() || `The Python project ${info.project}.`, 79).join('\n');
    return {
      spec: info.templates.render('rpm', 'package.spec', {
        name: info.name,
        epoch: epoch > 0 ? epoch : undefined,
        version,
        release: rpmRelease(info.release, info.target),
        summary: specEscape(synopsis(info.summary, `Python module ${info.project}`)),
        license: specEscape(cleanText(info.license).replace(/\s+/g, ' ')),
        homepage: info.homepage ? specEscape(info.homepage) : undefined,
        noarch: info.pure,
        requires: [`python(abi) = ${info.target.pythonVersion}`, ...info.tree.libraryDepends, ...rpmRequires(info.dependencies), ...info.extraRelations],
        provides: [
          `python3dist(${info.project}) = ${evr.replace(/-[^-]+$/, '')}`,
          `python${info.target.pythonVersion}dist(${info.project}) = ${evr.replace(/-[^-]+$/, '')}`,
          // A recipe's name override still answers to the conventional name.
          ...(info.name !== `python3-${info.project}` ? [`python3-${info.project} = ${evr}`] : []),
        ],
        description: specDescription(description),
        files,
        changelogDate: changelogDate(info.sourceDateEpoch),
        maintainer: specEscape(info.maintainer),
        evr,
        sdist: { filename: specEscape(info.sdist.filename), sha256: info.sdist.sha256 },
      }),
    };
  },

  async build(info: PackageInfo, box: Box, outDir: string): Promise<BuiltPackage> {
    const { spec } = this.render(info);
    const top = join(box.dir, 'rpmbuild');
    await rm(top, { recursive: true, force: true });
    await mkdir(join(top, 'SPECS'), { recursive: true });
    await writeFile(join(top, 'SPECS', `${info.name}.spec`), spec!);
    const defines: Record<string, string> = {
      _topdir: '/build/rpmbuild',
      _rpmdir: '/build/rpmbuild/RPMS',
      _tmppath: '/tmp',
      _pkg2os_stage: '/build/root',
      _build_name_fmt: '%%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm',
      _buildhost: 'pkg2os',
      clamp_mtime_to_source_date_epoch: '1',
      use_source_date_epoch_as_buildtime: '1',
      _binary_payload: 'w19.zstdio',
    };
    // rpmbuild reads upstream's file names and texts and has a macro language: it runs in the sandbox, writing only its box.
    await box.run(['rpmbuild', '-bb', ...Object.entries(defines).flatMap(([k, v]) => ['--define', `${k} ${v}`]), `/build/rpmbuild/SPECS/${info.name}.spec`], `building ${this.fileName(info)}`, {
      root: HOST_ROOT,
      env: { SOURCE_DATE_EPOCH: String(info.sourceDateEpoch), LANG: 'C.UTF-8', HOME: '/build/home' },
    });
    const rpms = await boxPath(box.dir, join(top, 'RPMS'));
    const built = (await readdir(rpms)).filter((f) => f.endsWith('.rpm'));
    if (built.length !== 1) throw new BuildError('PACKAGING_FAILED', `rpmbuild made ${built.length} packages for ${info.name}, expected one.`, { hint: `Full log: ${box.logFile}` });
    await mkdir(outDir, { recursive: true });
    const out = join(outDir, this.fileName(info));
    await copyOutOfBox(box.dir, join(rpms, built[0]!), out, 4 * 1024 ** 3);
    return describeBuilt('rpm', info.name, rpmEvr(info), rpmArch(info), out);
  },
};
