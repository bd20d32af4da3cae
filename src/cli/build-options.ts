/**
 * From what a user gave (flags, environment, pkg2os.config.yaml) to a build
 * request: flags win over the environment, which wins over the file, and
 * defaults are applied here, in one place.
 */
import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { type Logger } from '../log.js';
import { parseRequirement } from '../pep/requirement.js';
import { buildLimitsFrom } from '../config/build-limits.js';
import type { BuildRequest } from '../config/build-request.js';
import { parseDuration } from '../config/duration.js';
import { defaultCacheDir, defaultKeysDir, defaultStateDir } from '../config/default-dirs.js';
import { DEFAULT_MAINTAINER, type FileConfig } from '../config/config.js';
import { MAINTAINER } from '../config/config-schema.js';
import { SIGNATURE_POLICIES, type SignaturePolicy } from '../config/recipes.js';
import type { RepoFlags, RepoSettings } from '../config/repo-settings.js';
import { DEFAULT_TARGET, getTarget } from '../config/targets.js';
import { formatsFor, parseFormats } from '../families/registry.js';
import { repoSettings, templatesDirOf } from './repo-settings.js';

import { DEFAULT_INDEX_URL } from '../config/defaults.js';

export { DEFAULT_INDEX_URL };

/** The flags of `pkg2os build` (and those `rebuild` passes on). */
export interface BuildFlags extends RepoFlags {
  indexUrl?: string;
  allowInsecureIndex?: boolean;
  out?: string;
  target?: string[];
  format?: string;
  maintainer?: string;
  release: string;
  pre?: boolean;
  deps: boolean;
  json?: boolean;
  verbose?: boolean;
  keepWork?: boolean;
  maxDownloadSize?: string;
  config?: string;
  signaturePolicy?: string;
  provenancePolicy?: string;
  keysDir?: string;
  recipesDir?: string[];
  lockfile: string | false;
  frozen?: boolean;
  acceptNewSigner?: boolean;
  acceptNewPublisher?: boolean;
  dryRun?: boolean;
  jobs?: string;
  cacheDir?: string;
  cache: boolean;
  progress?: boolean;
  queue?: string;
  store?: string;
  agree?: string;
  allowOpenQueue?: boolean;
  hostPython?: string[];
  retries?: string;
}

/** An environment variable, with empty meaning unset. */
function env(name: string): string | undefined {
  return process.env[name] || undefined;
}

/** The build farm, when --queue (or queue: in the config) names one; it needs a store both sides see. */
function farmSettings(flags: BuildFlags, config: FileConfig): { farm?: BuildRequest['farm'] } {
  const queue = flags.queue ?? config.queue;
  if (!queue) return {};
  const store = flags.store ?? config.store;
  if (!store) throw new ConfigError('USAGE', '--queue needs --store: the artifact store the coordinator and the workers share.', { hint: 'Give --store DIR (a directory every worker sees too), or store: in pkg2os.config.yaml.' });
  const agree = flags.agree !== undefined ? Number(flags.agree) : (config['farm-agree'] ?? 1);
  if (!Number.isInteger(agree) || agree < 1 || agree > 16) throw new ConfigError('USAGE', `--agree must be a whole number from 1 to 16, not "${flags.agree}".`);
  return {
    farm: {
      queue,
      store: resolve(store),
      waitForWorkerMs: parseDuration(config['farm-wait'] ?? '10m', 'farm-wait') * 1000,
      keysDir: resolve(flags.keysDir ?? config['keys-dir'] ?? defaultKeysDir()),
      ...(config['farm-workers'] ? { workers: config['farm-workers'] } : {}),
      agree,
      allowOpenQueue: flags.allowOpenQueue ?? config['allow-open-queue'] ?? false,
    },
  };
}

function parsePolicy(text: string, what = 'signature'): SignaturePolicy {
  if (!(SIGNATURE_POLICIES as readonly string[]).includes(text)) {
    throw new ConfigError('USAGE', `Unknown ${what} policy "${text}".`, { hint: `Use one of ${SIGNATURE_POLICIES.join(', ')}.` });
  }
  return text as SignaturePolicy;
}

function positiveInteger(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError('USAGE', `${flag} must be a whole number of at least 1, not "${text}".`);
  return n;
}

/** The maintainer: flag, PKG2OS_MAINTAINER, the config file, DEBFULLNAME/DEBEMAIL, else a placeholder (with a warning). */
function maintainerOf(flags: BuildFlags, config: FileConfig, logger: Logger): string {
  const debian = env('DEBEMAIL') ? `${env('DEBFULLNAME') ?? 'pkg2os'} <${env('DEBEMAIL')}>` : undefined;
  const maintainer = flags.maintainer ?? env('PKG2OS_MAINTAINER') ?? config.maintainer ?? debian ?? DEFAULT_MAINTAINER;
  if (maintainer === DEFAULT_MAINTAINER) logger.warn(`no maintainer is set; the packages say "${DEFAULT_MAINTAINER}". Set --maintainer, PKG2OS_MAINTAINER, "maintainer:" in pkg2os.config.yaml, or DEBFULLNAME/DEBEMAIL.`);
  if (!MAINTAINER.test(maintainer)) {
    throw new ConfigError('USAGE', `The maintainer "${maintainer}" is not of the form "Name <email>".`, { hint: 'For example --maintainer "Ops Team <ops@example.org>".' });
  }
  return maintainer;
}

/** The build request, and the repository to publish to (when --repo or "repo:" names one). */
export function buildRequestFrom(requirementTexts: string[], flags: BuildFlags, config: FileConfig, logger: Logger): { request: BuildRequest; repo?: RepoSettings } {
  const requirements = requirementTexts.map(parseRequirement);
  const release = positiveInteger(flags.release, '--release')!;
  let maxDownloadBytes: number | undefined;
  if (flags.maxDownloadSize !== undefined) {
    const mib = Number(flags.maxDownloadSize);
    if (!(mib > 0)) throw new ConfigError('USAGE', `--max-download-size must be a positive number of MiB, not "${flags.maxDownloadSize}".`);
    maxDownloadBytes = Math.floor(mib * 1024 * 1024);
  }
  const targets = [...new Set(flags.target ?? config.targets ?? [DEFAULT_TARGET])].map(getTarget);
  const lockfile = flags.lockfile === false ? undefined : resolve(flags.lockfile ?? config.lockfile ?? 'pkg2os.lock');
  if (flags.frozen && !lockfile) throw new ConfigError('USAGE', '--frozen and --no-lockfile contradict each other.');
  const request: BuildRequest = {
    requirements,
    indexUrl: flags.indexUrl ?? env('PKG2OS_INDEX_URL') ?? config['index-url'] ?? env('PIP_INDEX_URL') ?? DEFAULT_INDEX_URL,
    allowInsecureIndex: flags.allowInsecureIndex ?? config['allow-insecure-index'] ?? false,
    targets,
    formats: formatsFor(targets, flags.format ? parseFormats(flags.format) : config.formats ? parseFormats(config.formats.join(',')) : undefined),
    outDir: resolve(flags.out ?? config.out ?? 'out'),
    maintainer: maintainerOf(flags, config, logger),
    release,
    pre: flags.pre ?? false,
    maxDownloadBytes,
    index: indexLimits(flags, config),
    keepWork: flags.keepWork,
    logger,
    signaturePolicy: parsePolicy(flags.signaturePolicy ?? config.signature ?? 'if-available'),
    provenancePolicy: parsePolicy(flags.provenancePolicy ?? config.provenance ?? 'if-available', 'provenance'),
    keysDir: flags.keysDir ?? config['keys-dir'] ?? defaultKeysDir(),
    recipeDirs: flags.recipesDir ?? (config['recipes-dir'] ? [config['recipes-dir']] : []),
    lockfile,
    frozen: flags.frozen ?? false,
    acceptNewSigner: flags.acceptNewSigner ?? false,
    acceptNewPublisher: flags.acceptNewPublisher ?? false,
    noDeps: !flags.deps,
    jobs: positiveInteger(flags.jobs, '--jobs'),
    cacheDir: flags.cache ? resolve(flags.cacheDir ?? config['cache-dir'] ?? defaultCacheDir()) : undefined,
    roots: config.roots,
    stateDir: resolve(config['state-dir'] ?? defaultStateDir()),
    releaseCheck: config['release-check'] ?? 'if-available',
    // A permission: --host-python alone, else what the configuration and PKG2OS_HOST_PYTHON allow together.
    hostPython: hostPythonTargets(flags.hostPython ?? [...(config['host-python'] ?? []), ...(env('PKG2OS_HOST_PYTHON')?.split(',').map((t) => t.trim()).filter(Boolean) ?? [])]),
    buildRequirements: config['build-requirements'] ?? 'newest',
    ...templatesDirOf(flags, config),
    ...farmSettings(flags, config),
    limits: buildLimitsFrom({ ...config, 'build-timeout-seconds': config['build-timeout'] ? parseDuration(config['build-timeout'], 'build-timeout') : undefined }),
  };
  const repo = (flags.repo ?? config.repo) ? repoSettings(flags, config, targets) : undefined;
  return { request, repo };
}

/** The targets --host-python names, each a known one. */
function hostPythonTargets(names: string[]): string[] {
  for (const name of names) getTarget(name);
  return names;
}

/** Retries, timeouts and the page limit of index reads: --retries wins over index-limits: in the config. */
function indexLimits(flags: BuildFlags, config: FileConfig): NonNullable<BuildRequest['index']> {
  const limits = config['index-limits'] ?? {};
  let retries = limits.retries;
  if (flags.retries !== undefined) {
    const n = Number(flags.retries);
    if (!Number.isInteger(n) || n < 0 || n > 20) throw new ConfigError('USAGE', `--retries must be a whole number from 0 to 20, not "${flags.retries}".`);
    retries = n;
  }
  return {
    ...(retries !== undefined ? { retries } : {}),
    ...(limits['connect-timeout'] ? { connectTimeoutMs: parseDuration(limits['connect-timeout'], 'index-limits.connect-timeout') * 1000 } : {}),
    ...(limits['read-timeout'] ? { readTimeoutMs: parseDuration(limits['read-timeout'], 'index-limits.read-timeout') * 1000 } : {}),
    ...(limits['max-page-mib'] ? { maxPageBytes: limits['max-page-mib'] * 1024 * 1024 } : {}),
  };
}
