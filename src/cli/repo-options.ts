/** Options shared by `publish` and `build --repo`: where the repository is, how it is named and signed. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { FileConfig } from '../config/config.js';
import { machineArch, type TargetProfile } from '../config/targets.js';
import { ConfigError } from '../errors.js';
import { parseDuration } from '../keys/generate-key.js';
import { loadSigningKey } from '../keys/signing-key.js';
import { OpenPgpSigner, type Signer } from '../keys/signer.js';
import type { RepoSettings } from '../publish/repo.types.js';

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

export function addRepoOptions(command: Command, repoRequired: boolean): Command {
  return command
    .option('--repo <dir>', repoRequired ? 'repository root (deb/, rpm/, KEY.asc, …)' : 'publish what was built to this repository root')
    .option('--key <file>', 'the organization\'s armored private signing key (env PKG2OS_SIGNING_KEY); passphrase from PKG2OS_KEY_PASSPHRASE or PKG2OS_KEY_PASSPHRASE_FILE')
    .option('--base-url <url>', 'where clients reach the repository root; writes pkg2os.sources and pkg2os.repo')
    .option('--codename <name>', 'apt suite/codename (default: the target\'s, e.g. bookworm)')
    .option('--origin <text>', 'apt Origin (default pkg2os)')
    .option('--label <text>', 'apt Label and yum repository name (default pkg2os)')
    .option('--arch <list>', `apt architectures, comma-separated (default ${machineArch('deb')})`)
    .option('--valid-for <duration>', 'how long a Release stays valid for apt (default 14d)')
    .option('--retention <duration>', 'how long superseded by-hash indices, yum metadata and retired package files stay (default 2d)')
    .option('--keep-versions <n>', `versions of each package the indices list, newest first; 0 keeps all (default ${DEFAULT_KEEP_VERSIONS})`)
    .option('--replace-key', 'allow signing with a key other than the one the repository has');
}

export const DEFAULT_KEEP_VERSIONS = 3;

function keepVersions(flags: RepoFlags, config: FileConfig): number {
  const fromConfig = typeof config.retention === 'object' ? config.retention.versions : undefined;
  if (flags.keepVersions === undefined) return fromConfig ?? DEFAULT_KEEP_VERSIONS;
  const n = Number(flags.keepVersions);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError('USAGE', `--keep-versions must be a whole number (0 keeps every version), not "${flags.keepVersions}".`);
  return n;
}

export function repoSettings(flags: RepoFlags, config: FileConfig, target: TargetProfile | undefined): RepoSettings {
  const root = flags.repo ?? config.repo;
  if (!root) throw new ConfigError('USAGE', 'No repository root was given.', { hint: 'Pass --repo DIR (or set "repo:" in pkg2os.config.yaml).' });
  const codename = flags.codename ?? config.codename ?? target?.codename ?? 'stable';
  if (!/^[a-z0-9][a-z0-9.+-]*$/.test(codename)) throw new ConfigError('USAGE', `"${codename}" is not a usable apt codename.`);
  const architectures = flags.arch ? flags.arch.split(',').map((a) => a.trim()).filter(Boolean) : (config.architectures ?? [machineArch('deb')]);
  const baseUrl = flags.baseUrl ?? config['base-url'];
  if (baseUrl) {
    try {
      new URL(baseUrl);
    } catch {
      throw new ConfigError('USAGE', `--base-url "${baseUrl}" is not a URL.`);
    }
  }
  return {
    root: resolve(root),
    codename,
    suite: codename,
    origin: flags.origin ?? config.origin ?? 'pkg2os',
    label: flags.label ?? config.label ?? 'pkg2os',
    architectures,
    validFor: parseDuration(flags.validFor ?? config['valid-for'] ?? '14d'),
    retention: parseDuration(flags.retention ?? (typeof config.retention === 'object' ? config.retention.window : config.retention) ?? '2d'),
    keepVersions: keepVersions(flags, config),
    baseUrl,
  };
}

export async function loadSigner(flags: RepoFlags, config: FileConfig): Promise<Signer> {
  return new OpenPgpSigner(await loadSigningKey({ keyFile: flags.key ?? config['signing-key'] }));
}
