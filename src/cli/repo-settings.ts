/** The settings of a published repository, from flags and pkg2os.config.yaml (flags win). */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import type { FileConfig } from '../config/config.js';
import { DEFAULT_KEEP_SNAPSHOTS, DEFAULT_KEEP_VERSIONS } from '../config/defaults.js';
import { checkChannel } from '../coordinator/publish/channels.js';
import { parseDuration } from '../config/duration.js';
import type { RepoFlags, RepoSettings } from '../config/repo-settings.js';
import { TARGETS, type TargetProfile } from '../config/targets.js';

function keepVersions(flags: RepoFlags, config: FileConfig): number {
  const fromConfig = typeof config.retention === 'object' ? config.retention.versions : undefined;
  if (flags.keepVersions === undefined) return fromConfig ?? DEFAULT_KEEP_VERSIONS;
  const n = Number(flags.keepVersions);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError('USAGE', `--keep-versions must be a whole number (0 keeps every version), not "${flags.keepVersions}".`);
  return n;
}

function keepSnapshots(flags: RepoFlags, config: FileConfig): number {
  if (flags.keepSnapshots === undefined) return config['keep-snapshots'] ?? DEFAULT_KEEP_SNAPSHOTS;
  const n = Number(flags.keepSnapshots);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError('USAGE', `--keep-snapshots must be a whole number (0 keeps every snapshot), not "${flags.keepSnapshots}".`);
  return n;
}

export function repoSettings(flags: RepoFlags, config: FileConfig, targets: readonly TargetProfile[]): RepoSettings {
  const root = flags.repo ?? config.repo;
  if (!root) throw new ConfigError('USAGE', 'No repository root was given.', { hint: 'Pass --repo DIR (or set "repo:" in pkg2os.config.yaml).' });
  const codename = flags.codename ?? config.codename;
  // Suites are named after codenames, which only targets that have one carry.
  const suiteTargets = targets.filter((t) => t.codename);
  const codenames: Record<string, string> = Object.fromEntries(Object.values(TARGETS).filter((t) => t.codename).map((t) => [t.name, t.codename!]));
  if (codename !== undefined) {
    if (!/^[a-z0-9][a-z0-9.+-]*$/.test(codename)) throw new ConfigError('USAGE', `"${codename}" is not a usable apt codename.`);
    if (suiteTargets.length !== 1) throw new ConfigError('USAGE', `--codename names one suite, and ${suiteTargets.length === 0 ? 'no target with a codename (a Debian-family target) was given' : `${suiteTargets.length} such targets were given (${suiteTargets.map((t) => t.name).join(', ')})`}.`, { hint: 'Give --codename with exactly one --target of the Debian family, or leave it out: each target has its own suite.' });
    codenames[suiteTargets[0]!.name] = codename;
  }
  const architectures = flags.arch ? flags.arch.split(',').map((a) => a.trim()).filter(Boolean) : (config.architectures ?? []);
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
    ...templatesDirOf(flags, config),
    channel: checkChannel(flags.channel ?? config.channel),
    keepSnapshots: keepSnapshots(flags, config),
  };
}


/** The user's templates directory (`--templates-dir`, `templates-dir:`), which must be a directory. */
export function templatesDirOf(flags: { templatesDir?: string }, config: FileConfig): { templatesDir?: string } {
  const given = flags.templatesDir ?? config['templates-dir'];
  if (!given) return {};
  const dir = resolve(given);
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new ConfigError('USAGE', `The templates directory ${dir} does not exist.`, { hint: 'Give --templates-dir (or templates-dir:) a directory laid out like pkg2os\'s templates/ (deb/control.hbs, rpm/package.spec.hbs, repo/…); each file there overrides pkg2os\'s.' });
  }
  return { templatesDir: dir };
}
