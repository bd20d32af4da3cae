/**
 * The distribution families pkg2os builds for, by name. A new family (Alpine's
 * apk, Arch's pacman) is one folder under families/ and one line here, plus
 * its repository kind's line in coordinator/repositories/registry.ts.
 */
import { ConfigError } from '../errors.js';
import type { TargetProfile } from '../config/targets.js';
import { debianFamily } from './debian/family.js';
import type { Family } from './shared/family.types.js';
import { rpmFamily } from './rpm/family.js';

export const FAMILIES: readonly Family[] = [debianFamily, rpmFamily];

/** The family a target names. */
export function familyOf(target: Pick<TargetProfile, 'family'>): Family {
  const family = FAMILIES.find((f) => f.name === target.family);
  if (!family) throw new Error(`no distribution family "${target.family}"`);
  return family;
}

/** The family whose packages have `format` ("deb", "rpm"), if any. */
export function familyOfFormat(format: string): Family | undefined {
  return FAMILIES.find((f) => f.format === format);
}

/** Every package format pkg2os can build. */
export const PACKAGE_FORMATS: readonly string[] = FAMILIES.map((f) => f.format);

/** `--format`'s list, checked against the families' formats. */
export function parseFormats(text: string): string[] {
  const formats = text.split(',').map((f) => f.trim()).filter(Boolean);
  for (const f of formats) {
    if (!PACKAGE_FORMATS.includes(f)) throw new ConfigError('USAGE', `Unknown package format "${f}".`, { hint: `Use --format with ${PACKAGE_FORMATS.join(', ')} (comma-separated).` });
  }
  return [...new Set(formats)];
}

/**
 * The formats to build for each target: the target's own family's, narrowed
 * by `--format` when given. A target left with nothing to build, or a format
 * no target installs, is a usage error.
 */
export function formatsFor(targets: readonly TargetProfile[], requested: readonly string[] | undefined): string[] {
  const own = [...new Set(targets.map((t) => familyOf(t).format))];
  if (!requested) return own;
  for (const format of requested) {
    if (!own.includes(format)) {
      const family = familyOfFormat(format);
      throw new ConfigError('USAGE', `--format ${format} was asked for, but no target given installs ${format} packages: ${targets.map((t) => `${t.name} is a ${familyOf(t).title} distribution`).join(', ')}.`, {
        hint: `Add a target of ${family ? `the ${family.title.replace(/-family$/, '')} family (${family.exampleTargets.join(', ')})` : 'that format'} with --target, or leave --format out: each target gets its own format.`,
      });
    }
  }
  for (const target of targets) {
    const format = familyOf(target).format;
    if (!requested.includes(format)) {
      throw new ConfigError('USAGE', `${target.name} installs ${format} packages, and --format ${requested.join(',')} leaves it nothing to build.`, { hint: `Remove --target ${target.name}, or add ${format} to --format.` });
    }
  }
  return own.filter((f) => requested.includes(f));
}

/** The family of the root at `path` (the host's is "/"), by its package database; undefined when none has one there. */
export async function familyOfRoot(path: string): Promise<Family | undefined> {
  for (const family of FAMILIES) if (await family.ownsRoot(path)) return family;
  return undefined;
}
