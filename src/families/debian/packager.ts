/**
 * The Debian format: control files from templates/deb/*.hbs, then
 * `dpkg-deb --build --root-owner-group`. Field rules follow Debian Policy
 * §5 (control files) and the Debian Python Policy (dependencies, layout).
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import type { Box } from '../../box/box.js';
import { copyOutOfBox } from '../../box/box-files.js';
import { HOST_ROOT } from '../../box/sandbox.js';
import type { TargetProfile } from '../../config/targets.js';
import { fileDigest } from '../../digest.js';
import { cleanText, describeBuilt, synopsis, descriptionStart, wrap, commonLicense } from '../shared/common.js';
import type { BuiltPackage, Dependency, PackageInfo, Packager } from '../shared/family.types.js';
import { type Constraint, boundVersion } from '../shared/versions.js';
import { DEBIAN_SYNTAX, toDebianVersion } from './versions.js';

/** The largest package file pkg2os takes out of a packaging box. */
const MAX_PACKAGE_BYTES = 4 * 1024 ** 3;

/** The Debian revision that carries the target: "1~deb12" (the style third-party multi-distribution repositories use). */
export function debianRevision(release: number, target: TargetProfile): string {
  return `${release}${target.distTag}`;
}

/** Debian version of the package: upstream (translated) + "-" revision. */
export function debVersion(info: Pick<PackageInfo, 'upstreamVersion' | 'release' | 'target'>): string {
  return `${toDebianVersion(info.upstreamVersion)}-${debianRevision(info.release, info.target)}`;
}

/** The machine architecture in Debian's spelling. */
export function debianArch(): string {
  const names: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: 'i386', ppc64: 'ppc64el', s390x: 's390x', riscv64: 'riscv64' };
  return names[process.arch] ?? process.arch;
}

export function debArch(info: Pick<PackageInfo, 'pure'>): string {
  return info.pure ? 'all' : debianArch();
}

/** One Depends relation per bound, as dpkg wants (Debian Policy §7.1). */
function debRelations(name: string, c: Constraint): string[] {
  const v = boundVersion(c, DEBIAN_SYNTAX);
  if (c.op === '=') return [`${name} (>= ${v})`, `${name} (<< ${v}.~)`];
  return [`${name} (${c.op === '>=' ? '>=' : '<<'} ${v})`];
}

/**
 * The Python the package needs (Debian Python Policy §3): any python3 for
 * pure code, with the lower bound of Requires-Python; exactly the target's
 * X.Y for compiled code.
 */
export function pythonRelations(info: Pick<PackageInfo, 'pure' | 'target' | 'requiresPython'>): string[] {
  if (!info.pure) {
    const next = info.target.pythonVersion.replace(/\d+$/, (m) => String(Number(m) + 1));
    return [`python3 (>= ${info.target.pythonVersion}~)`, `python3 (<< ${next})`];
  }
  const lower = /(?:^|,)\s*>=\s*(3(?:\.\d+)?)(?:\.\d+)?\s*(?:,|$)/.exec(info.requiresPython ?? '')?.[1];
  return [lower ? `python3:any (>= ${lower}~)` : 'python3:any'];
}

/** Depends entries for Python dependencies: one per constraint, as dpkg wants. */
export function debDepends(deps: Dependency[]): string[] {
  const out: string[] = [];
  for (const dep of deps) {
    if (dep.constraints.length === 0) out.push(dep.name);
    for (const c of dep.constraints) out.push(...debRelations(dep.name, c));
  }
  return out;
}

/**
 * Extended description: the start of upstream's long description (its
 * opening prose, wrapped to fit 79 columns with the leading space; the whole
 * README is no package description), each line indented by one space,
 * blank lines as " ." (Policy §5.6.13).
 */
export function debExtendedDescription(info: PackageInfo): string {
  const more = info.homepage ? `The full description: ${info.homepage}` : undefined;
  let lines = descriptionStart(info.description, { width: 78, ...(more ? { more } : {}) });
  if (lines.length === 0) lines = wrap(cleanText(info.summary).trim() || `The Python project ${info.project}.`, 78);
  return lines.map((l) => (l === '' ? ' .' : l.startsWith('.') ? `  ${l}` : ` ${l}`)).join('\n');
}

/** The copyright file's licence text: a licence Debian ships is referenced (/usr/share/common-licenses), any other copied. */
function debLicenseBody(info: PackageInfo): string {
  if (!info.licenseTexts.length) return ' The upstream sdist ships no license file; see the upstream project.';
  return info.licenseTexts
    .flatMap(({ name, text }) => {
      const common = commonLicense(text);
      if (common) return [`${name}:`, '', `On Debian systems, the complete text of ${common.title} can be found in /usr/share/common-licenses/${common.name}.`];
      return [`${name}:`, '', ...cleanText(text).replace(/\t/g, '    ').trimEnd().split('\n')];
    })
    .map((l) => (l.trimEnd() === '' ? ' .' : ` ${l.trimEnd()}`))
    .join('\n');
}

function installedSizeKiB(info: PackageInfo): number {
  // dpkg-gencontrol's rule: each file rounded up to KiB, each other entry 1 KiB.
  return info.tree.entries.reduce((sum, e) => sum + (e.type === 'file' ? Math.ceil(e.size / 1024) : 1), 0) + 1;
}

function rfc2822(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toUTCString().replace('GMT', '+0000');
}

export const debPackager: Packager = {
  fileName(info) {
    return `${info.name}_${debVersion(info).replace(/^\d+:/, '')}_${debArch(info)}.deb`;
  },

  render(info) {
    const depends = [...pythonRelations(info), ...info.tree.libraryDepends, ...debDepends(info.dependencies), ...info.extraRelations];
    const common = { name: info.name, version: debVersion(info), maintainer: info.maintainer, sdist: info.sdist, homepage: info.homepage };
    const licenseBody = debLicenseBody(info);
    return {
      control: info.templates.render('deb', 'control', {
        ...common,
        arch: debArch(info),
        installedSize: installedSizeKiB(info),
        depends: depends.join(', '),
        synopsis: synopsis(info.summary, `Python module ${info.project}`),
        extendedDescription: debExtendedDescription(info),
      }),
      postinst: info.templates.render('deb', 'postinst', common),
      prerm: info.templates.render('deb', 'prerm', { ...common, sitePackages: info.tree.layout.purelib }),
      copyright: info.templates.render('deb', 'copyright', { ...common, upstreamName: info.project, license: cleanText(info.license).replace(/\s+/g, ' '), licenseBody }),
      changelog: info.templates.render('deb', 'changelog', { ...common, distribution: info.target.codename ?? 'unstable', date: rfc2822(info.sourceDateEpoch) }),
    };
  },

  async build(info: PackageInfo, box: Box, outDir: string): Promise<BuiltPackage> {
    const texts = this.render(info);
    // The staged tree is the package's root: dpkg-deb reads it where it is (a copy of thousands of files costs seconds).
    const root = info.tree.root;
    const doc = join(root, 'usr/share/doc', info.name);
    await mkdir(doc, { recursive: true });
    await writeFile(join(doc, 'copyright'), texts.copyright!);
    await writeFile(join(doc, 'changelog.Debian.gz'), gzipSync(texts.changelog!, { level: 9 }));

    const control = join(root, 'DEBIAN');
    await mkdir(control, { recursive: true });
    await writeFile(join(control, 'control'), texts.control!);
    for (const script of ['postinst', 'prerm']) {
      await writeFile(join(control, script), texts[script]!);
      await chmod(join(control, script), 0o755);
    }
    // md5sums of every regular file, as dh_md5sums writes it.
    const files = [...info.tree.entries.filter((e) => e.type === 'file').map((e) => e.path), `/usr/share/doc/${info.name}/changelog.Debian.gz`, `/usr/share/doc/${info.name}/copyright`].sort();
    const sums = await Promise.all(files.map(async (f) => `${await fileDigest(join(root, f), 'md5')}  ${f.slice(1)}`));
    await writeFile(join(control, 'md5sums'), `${sums.join('\n')}\n`);

    const name = this.fileName(info);
    // dpkg-deb reads upstream's tree: it runs in the sandbox, writing only its box.
    await mkdir(join(box.dir, 'out'), { recursive: true });
    await box.run(['dpkg-deb', '--build', '--root-owner-group', '-Zxz', '/build/root', `/build/out/${name}`], `building ${name}`, {
      root: HOST_ROOT,
      env: { SOURCE_DATE_EPOCH: String(info.sourceDateEpoch), LANG: 'C.UTF-8', HOME: '/build/home' },
    });
    await mkdir(outDir, { recursive: true });
    const out = join(outDir, name);
    await copyOutOfBox(box.dir, join(box.dir, 'out', name), out, MAX_PACKAGE_BYTES);
    return describeBuilt('deb', info.name, debVersion(info), debArch(info), out);
  },
};
