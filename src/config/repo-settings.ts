/** The settings of a published repository, from flags and pkg2os.config.yaml (flags win). */
import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import type { FileConfig } from './config.js';
import { parseDuration } from './duration.js';
import { TARGETS, machineArch, type TargetProfile } from './targets.js';

/** Settings of a published repository (apt under <root>/deb, yum under <root>/rpm). */
export interface RepoSettings {
  root: string;
  /** The apt suite of a Debian-family target, where --codename renames the target's own (e.g. bookworm). */
  codenames: Record<string, string>;
  /** Release's Origin and Label, and the yum repositories' name (default: the signing key's user ID). */
  origin?: string;
  label?: string;
  /** apt architectures; `all` packages are listed under each. */
  architectures: string[];
  /** How long a Release stays valid (seconds): apt refuses it afterwards (Valid-Until). */
  validFor: number;
  /** How long superseded by-hash indices, yum metadata and retired package files stay (seconds). */
  retention: number;
  /** How many versions of each package the indices list, newest first (0: all). */
  keepVersions: number;
  /** Where clients reach <root>, for the client setup files. */
  baseUrl?: string;
}

/** Repository options shared by `publish` and `build --repo`. */
export interface RepoFlags {
  repo?: string;
  key?: string;
  baseUrl?: string;
  codename?: string;
  origin?: string;
  label?: string;
  arch?: string;
  validFor?: string;
  retention?: string;
  keepVersions?: string;
  replaceKey?: boolean;
}

import { DEFAULT_KEEP_VERSIONS } from './defaults.js';

export { DEFAULT_KEEP_VERSIONS };

function keepVersions(flags: RepoFlags, config: FileConfig): number {
  const fromConfig = typeof config.retention === 'object' ? config.retention.versions : undefined;
  if (flags.keepVersions === undefined) return fromConfig ?? DEFAULT_KEEP_VERSIONS;
  const n = Number(flags.keepVersions);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError('USAGE', `--keep-versions must be a whole number (0 keeps every version), not "${flags.keepVersions}".`);
  return n;
}

export function repoSettings(flags: RepoFlags, config: FileConfig, targets: readonly TargetProfile[]): RepoSettings {
  const root = flags.repo ?? config.repo;
  if (!root) throw new ConfigError('USAGE', 'No repository root was given.', { hint: 'Pass --repo DIR (or set "repo:" in pkg2os.config.yaml).' });
  const codename = flags.codename ?? config.codename;
  const debTargets = targets.filter((t) => t.family === 'deb');
  const codenames: Record<string, string> = Object.fromEntries(Object.values(TARGETS).filter((t) => t.codename).map((t) => [t.name, t.codename!]));
  if (codename !== undefined) {
    if (!/^[a-z0-9][a-z0-9.+-]*$/.test(codename)) throw new ConfigError('USAGE', `"${codename}" is not a usable apt codename.`);
    if (debTargets.length !== 1) throw new ConfigError('USAGE', `--codename names one suite, and ${debTargets.length === 0 ? 'no Debian-family target was given' : `${debTargets.length} Debian-family targets were given (${debTargets.map((t) => t.name).join(', ')})`}.`, { hint: 'Give --codename with exactly one --target of the Debian family, or leave it out: each target has its own suite.' });
    codenames[debTargets[0]!.name] = codename;
  }
  const architectures = flags.arch ? flags.arch.split(',').map((a) => a.trim()).filter(Boolean) : (config.architectures ?? [machineArch('deb')]);
  const baseUrl = flags.baseUrl ?? config['base-url'];
  if (baseUrl) {
    try {
      new URL(baseUrl);
    } catch {
      throw new ConfigError('USAGE', `--base-url "${baseUrl}" is not a URL.`);
    }
  }
  const window = typeof config.retention === 'object' ? config.retention.window : config.retention;
  return {
    root: resolve(root),
    codenames,
    origin: flags.origin ?? config.origin,
    label: flags.label ?? config.label,
    architectures,
    validFor: parseDuration(flags.validFor ?? config['valid-for'] ?? '14d', '--valid-for'),
    retention: parseDuration(flags.retention ?? window ?? '2d', '--retention'),
    keepVersions: keepVersions(flags, config),
    baseUrl,
  };
}
