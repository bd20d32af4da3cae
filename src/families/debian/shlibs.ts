/**
 * The shared libraries compiled code needs, as Depends of a .deb:
 * dpkg-shlibdeps reads the ELF files of the staged tree and answers from the
 * target root's dpkg database (its shlibs and symbols files), so an extension
 * built against trixie's libc depends on trixie's libc6 at the version its
 * symbols need, as a package built by dh would. It reads upstream's files, so
 * it runs in the box; what it prints is checked against dpkg's relation
 * syntax before it reaches the control file.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Box } from '../../box/box.js';
import { BuildError, Pkg2osError } from '../../errors.js';
import type { Logger } from '../../log.js';

/** One alternative of a relation: a package name and an optional version constraint. */
const RELATION = /^[a-z0-9][a-z0-9.+-]*(:[a-z0-9-]+)?( \((<<|<=|=|>=|>>) [A-Za-z0-9.+~:-]+\))?$/;

export async function shlibsDepends(objects: readonly string[], box: Box, label: string, logger?: Logger): Promise<string[]> {
  // dpkg-shlibdeps wants a debian/control to stand in; the package's own name does not matter to it.
  const work = join(box.dir, 'shlibs');
  await mkdir(join(work, 'debian'), { recursive: true });
  await writeFile(join(work, 'debian', 'control'), 'Source: pkg2os-shlibs\n\nPackage: pkg2os-shlibs\nArchitecture: any\n');
  const ownDirs = [...new Set(objects.map((o) => dirname(o)))];
  let output: string;
  try {
    const result = await box.run(['dpkg-shlibdeps', '-O', '--ignore-missing-info', ...ownDirs.map((d) => `-l/build/root${d}`), ...objects.map((o) => `/build/root${o}`)], `finding the shared libraries ${label} needs`, {
      cwd: '/build/shlibs',
      env: { LANG: 'C.UTF-8', HOME: '/build/home' },
      // Which package has a library, and its shlibs and symbols files: the root's dpkg database, read-only.
      readOnly: [{ host: join(box.root.kind === 'host' ? '/' : box.root.path, 'var/lib/dpkg'), inside: '/var/lib/dpkg' }],
      capture: true,
    });
    output = String(result.stdout);
  } catch (error) {
    if (!(error instanceof Pkg2osError) || error.code === 'BUILD_TIMEOUT' || error.code === 'BUILD_LIMIT') throw error;
    // A library no package of the target provides: the package would not load there either, but that is upstream's to say.
    logger?.warn(`${label}: could not work out which shared libraries its compiled code needs, so its package depends on Python only (${error.message}).`);
    return [];
  }
  return parseShlibs(output, label);
}

/** The relations of dpkg-shlibdeps's `shlibs:Depends=` line; an alternative that is not a plain relation is an error. */
export function parseShlibs(output: string, label: string): string[] {
  const line = /^shlibs:Depends=(.*)$/m.exec(output)?.[1]?.trim();
  if (!line) return [];
  const relations = line.split(/,\s*/).filter(Boolean);
  for (const relation of relations) {
    if (!relation.split(/\s*\|\s*/).every((alt) => RELATION.test(alt))) {
      throw new BuildError('PACKAGING_FAILED', `dpkg-shlibdeps named a dependency of ${label} that is not a dpkg relation: ${JSON.stringify(relation)}.`, {
        hint: 'Check the shlibs and symbols files of the target root\'s packages (pkg2os roots update remakes the root).',
      });
    }
  }
  return relations;
}
