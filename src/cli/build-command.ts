/** `pkg2os build <requirement>...` */
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE, DEFAULT_MAINTAINER, MAINTAINER, loadConfig, manifestRequirements } from '../config/config.js';
import { DEFAULT_TARGET, PACKAGE_FORMATS, type PackageFormat, getTarget } from '../config/targets.js';
import { ConfigError } from '../errors.js';
import { DEFAULT_MAX_DOWNLOAD_BYTES } from '../index/index-client.js';
import { parseRequirement } from '../pep/requirement.js';
import { SIGNATURE_POLICIES, type SignaturePolicy } from '../config/recipes.js';
import { defaultKeysDir } from '../verify/trust-store.js';
import { defaultCacheDir } from '../cache/content-cache.js';
import { type BuildRequest, PipelineFailure, buildPackages, planPackages } from '../pipeline/build-packages.js';
import type { BuildReport, PlanReport } from '../pipeline/report.js';
import type { RepoSettings } from '../publish/repo.types.js';
import { reportError, stderrLogger } from './output.js';
import { canShowProgress, progressView } from './progress-view.js';
import type { Logger } from '../log.js';
import { type RepoFlags, addRepoOptions, loadSigner, repoSettings } from './repo-options.js';
import { publishRepository } from '../publish/publish.js';
import { ReleaseLedger } from '../publish/release-ledger.js';

export const DEFAULT_INDEX_URL = 'https://pypi.org/simple/';

interface BuildFlags extends RepoFlags {
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
  keysDir?: string;
  recipesDir?: string[];
  lockfile: string | false;
  frozen?: boolean;
  acceptNewSigner?: boolean;
  dryRun?: boolean;
  jobs?: string;
  cacheDir?: string;
  cache: boolean;
  progress?: boolean;
}

/** An environment variable, with empty meaning unset. */
function env(name: string): string | undefined {
  return process.env[name] || undefined;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}

function parseFormats(text: string): PackageFormat[] {
  const formats = text.split(',').map((f) => f.trim()).filter(Boolean);
  for (const f of formats) {
    if (!PACKAGE_FORMATS.includes(f as PackageFormat)) {
      throw new ConfigError('USAGE', `Unknown package format "${f}".`, { hint: `Use --format with ${PACKAGE_FORMATS.join(', ')} (comma-separated).` });
    }
  }
  return [...new Set(formats)] as PackageFormat[];
}

function parsePolicy(text: string): SignaturePolicy {
  if (!(SIGNATURE_POLICIES as readonly string[]).includes(text)) {
    throw new ConfigError('USAGE', `Unknown signature policy "${text}".`, { hint: `Use one of ${SIGNATURE_POLICIES.join(', ')}.` });
  }
  return text as SignaturePolicy;
}

export function registerBuild(program: Command): void {
  const command = program
    .command('build')
    .description('fetch, verify, build and package Python projects from an index as .deb and .rpm')
    .argument('<requirement...>', 'PEP 508 requirements, e.g. django or "django>=3.2,<4"')
    .option('--index-url <url>', `PEP 503/691 index (env PKG2OS_INDEX_URL, else PIP_INDEX_URL; default ${DEFAULT_INDEX_URL})`)
    .option('--allow-insecure-index', 'allow plain http for a non-loopback index')
    .option('--out <dir>', 'output directory for packages and report.json (default ./out)')
    .option('--target <name>', 'target profile, repeatable or comma-separated (default debian-12)', collect)
    .option('--format <list>', 'package formats, comma-separated (default deb,rpm)')
    .option('--maintainer <"Name <email>">', `maintainer of the packages (env PKG2OS_MAINTAINER, else DEBFULLNAME/DEBEMAIL; default "${DEFAULT_MAINTAINER}")`)
    .option('--release <n>', 'Debian revision / RPM release number', '1')
    .option('--pre', 'allow pre-releases')
    .option('--no-deps', 'build only the named requirements, not their dependencies')
    .option('--dry-run', 'print the plan (what would be built, from which file, for which target) and build nothing')
    .option('--jobs <n>', 'parallel builds (default: the number of cores)')
    .option('--cache-dir <dir>', 'content-addressed cache of verified metadata and built packages (env PKG2OS_CACHE_DIR; default ~/.cache/pkg2os)')
    .option('--no-cache', 'neither read nor write the cache')
    .option('--json', 'print report.json on stdout at the end, nothing else')
    .option('--no-progress', 'plain log lines instead of the live view on a terminal (the default in CI and on pipes)')
    .option('--max-download-size <MiB>', `largest sdist accepted, in MiB (default ${DEFAULT_MAX_DOWNLOAD_BYTES / 1024 / 1024})`)
    .option('--keep-work', 'keep the temporary work directory')
    .option('--config <file>', 'configuration file (default ./pkg2os.config.yaml if present)')
    .option('--signature-policy <policy>', 'upstream signatures: required, if-available (default) or ignore; a recipe wins for its project')
    .option('--keys-dir <dir>', 'pinned upstream keys (env PKG2OS_KEYS_DIR; default ~/.config/pkg2os/keys)')
    .option('--recipes-dir <dir>', 'a directory of recipes searched before pkg2os\'s own, repeatable', collect)
    .option('--lockfile <file>', 'lockfile (default ./pkg2os.lock)')
    .option('--no-lockfile', 'neither check nor write a lockfile')
    .option('--frozen', 'build only what the lockfile holds, exactly, and never write it')
    .option('--accept-new-signer', 'accept and record a signer that differs from the locked one')
    .option('-v, --verbose', 'more log lines');
  addRepoOptions(command, false)
    .action(async (requirementTexts: string[], flags: BuildFlags) => {
      process.exitCode = await runBuild(requirementTexts, flags);
    });
}

/** `pkg2os rebuild`: the nightly job. Everything comes from pkg2os.config.yaml; flags may override. */
export function registerRebuild(program: Command): void {
  const command = program
    .command('rebuild')
    .description('build what pkg2os.config.yaml names (new or changed only, through the cache) and publish once')
    .option('--config <file>', 'configuration file', DEFAULT_CONFIG_FILE)
    .option('--out <dir>', 'output directory (default: the config\'s, else ./out)')
    .option('--json', 'print the report on stdout at the end, nothing else')
    .option('--no-progress', 'plain log lines instead of the live view on a terminal (the default in CI and on pipes)')
    .option('--no-cache', 'neither read nor write the cache')
    .option('--frozen', 'build exactly what the lockfile holds')
    .option('--jobs <n>', 'parallel builds (default: the config\'s, else the number of cores)')
    .option('-v, --verbose', 'more log lines');
  command.action(async (flags: Partial<BuildFlags> & { config: string; cache: boolean }) => {
    try {
      const config = await loadConfig(flags.config);
      const requirements = await manifestRequirements(config, flags.config);
      process.exitCode = await runBuild(requirements, {
        ...flags,
        release: '1',
        deps: true,
        lockfile: config.lockfile ?? 'pkg2os.lock',
        jobs: flags.jobs ?? (config.jobs ? String(config.jobs) : undefined),
      } as BuildFlags);
    } catch (error) {
      process.exitCode = reportError(error);
    }
  });
}

async function runBuild(requirementTexts: string[], flags: BuildFlags): Promise<number> {
  // A live view on a terminal; plain lines in CI, on a pipe, with --no-progress, and for --dry-run.
  const view = flags.progress !== false && !flags.dryRun && canShowProgress() ? progressView(flags.verbose ?? false) : undefined;
  const plain = stderrLogger(flags.verbose ?? false);
  const logger = view ?? plain;
  try {
    return await buildAndReport(requirementTexts, flags, logger, () => view?.stop());
  } finally {
    view?.stop();
  }
}

async function buildAndReport(requirementTexts: string[], flags: BuildFlags, logger: Logger, stopView: () => void): Promise<number> {
  try {
    const config = await loadConfig(flags.config);
    const requirements = requirementTexts.map(parseRequirement);
    const indexUrl = flags.indexUrl ?? env('PKG2OS_INDEX_URL') ?? config['index-url'] ?? env('PIP_INDEX_URL') ?? DEFAULT_INDEX_URL;
    const debian = env('DEBEMAIL') ? `${env('DEBFULLNAME') ?? 'pkg2os'} <${env('DEBEMAIL')}>` : undefined;
    const maintainer = flags.maintainer ?? env('PKG2OS_MAINTAINER') ?? config.maintainer ?? debian ?? DEFAULT_MAINTAINER;
    if (maintainer === DEFAULT_MAINTAINER) logger.warn(`no maintainer is set; the packages say "${DEFAULT_MAINTAINER}". Set --maintainer, PKG2OS_MAINTAINER, "maintainer:" in pkg2os.config.yaml, or DEBFULLNAME/DEBEMAIL.`);
    if (!MAINTAINER.test(maintainer)) {
      throw new ConfigError('USAGE', `The maintainer "${maintainer}" is not of the form "Name <email>".`, { hint: 'For example --maintainer "Ops Team <ops@example.org>".' });
    }
    const release = Number(flags.release);
    if (!Number.isInteger(release) || release < 1) throw new ConfigError('USAGE', `--release must be a whole number of at least 1, not "${flags.release}".`);
    let maxDownloadBytes: number | undefined;
    if (flags.maxDownloadSize !== undefined) {
      const mib = Number(flags.maxDownloadSize);
      if (!(mib > 0)) throw new ConfigError('USAGE', `--max-download-size must be a positive number of MiB, not "${flags.maxDownloadSize}".`);
      maxDownloadBytes = Math.floor(mib * 1024 * 1024);
    }
    const targets = [...new Set(flags.target ?? config.targets ?? [DEFAULT_TARGET])].map(getTarget);
    const formats = flags.format ? parseFormats(flags.format) : ((config.formats as PackageFormat[] | undefined) ?? ['deb', 'rpm']);
    const outDir = resolve(flags.out ?? config.out ?? 'out');
    // Checked before any work: a build that cannot be published should not start.
    const repo = (flags.repo ?? config.repo) ? { settings: repoSettings(flags, config, targets[0]), signer: await loadSigner(flags, config) } : undefined;
    const releases = repo ? await ReleaseLedger.load(repo.settings.root) : undefined;
    const signaturePolicy = parsePolicy(flags.signaturePolicy ?? config.signature ?? 'if-available');
    const lockfile = flags.lockfile === false ? undefined : resolve(flags.lockfile ?? config.lockfile ?? 'pkg2os.lock');
    if (flags.frozen && !lockfile) throw new ConfigError('USAGE', '--frozen and --no-lockfile contradict each other.');
    let jobs: number | undefined;
    if (flags.jobs !== undefined) {
      jobs = Number(flags.jobs);
      if (!Number.isInteger(jobs) || jobs < 1) throw new ConfigError('USAGE', `--jobs must be a whole number of at least 1, not "${flags.jobs}".`);
    }
    const request: BuildRequest = {
      requirements,
      indexUrl,
      allowInsecureIndex: flags.allowInsecureIndex ?? config['allow-insecure-index'] ?? false,
      targets,
      formats,
      outDir,
      maintainer,
      release,
      pre: flags.pre ?? false,
      maxDownloadBytes,
      keepWork: flags.keepWork,
      logger,
      signaturePolicy,
      keysDir: flags.keysDir ?? config['keys-dir'] ?? defaultKeysDir(),
      recipeDirs: flags.recipesDir ?? (config['recipes-dir'] ? [config['recipes-dir']] : []),
      lockfile,
      frozen: flags.frozen ?? false,
      acceptNewSigner: flags.acceptNewSigner ?? false,
      noDeps: !flags.deps,
      jobs,
      cacheDir: flags.cache ? resolve(flags.cacheDir ?? config['cache-dir'] ?? defaultCacheDir()) : undefined,
      releases,
    };
    if (flags.dryRun) {
      const plan = await planPackages(request);
      if (flags.json) process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
      else process.stdout.write(formatPlan(plan));
      return 0;
    }
    const report = await buildPackages(request);
    if (repo && report.packages.length > 0) {
      logger.progress?.phase('repository', `publishing to ${repo.settings.root}`);
      // Published once, with everything that succeeded.
      const files = report.packages.flatMap((p) => p.packages.map((f) => join(outDir, f.file)));
      const summary = await publishRepository({
        settings: repo.settings,
        signer: repo.signer,
        debs: files.filter((f) => f.endsWith('.deb')),
        rpms: files.filter((f) => f.endsWith('.rpm')),
        logger,
        replaceKey: flags.replaceKey,
        releases: report.packages.flatMap((p) => p.packages.map((f) => ({ target: f.target, format: f.format, package: f.name, version: f.upstreamVersion, release: f.release, inputs: f.inputs }))),
      });
      report.published = summary;
      logger.progress?.end('repository');
    }
    stopView();
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      for (const p of report.packages) for (const f of p.packages) logger.info(`${f.format}: ${outDir}/${f.file}`);
      for (const p of report.provided) logger.info(`${p.project} (${p.target}, ${p.format}): provided by the distribution's ${p.package}`);
      for (const f of report.failures) {
        const label = `FAILED ${f.project}${f.version ? ` ${f.version}` : ''} (${f.target})`;
        if (f.code === 'DEPENDENCY_FAILED') logger.warn(`${label}: ${f.message}`);
        // The tool's last lines, and where the whole log is.
        else logger.warn(`${label}: ${f.message}${f.log && !f.message.includes(join(outDir, f.log)) ? `\nFull log: ${join(outDir, f.log)}` : ''}`);
      }
      process.stderr.write(formatSummary(report, outDir, repo?.settings));
    }
    if (report.failures.length > 0) {
      logger.warn(`${report.failures.length} package(s) failed; ${report.packages.length} built${repo ? ' and published' : ''}.`);
      return (report.failures.find((f) => f.code !== 'DEPENDENCY_FAILED') ?? report.failures[0]!).exitCode;
    }
    return 0;
  } catch (error) {
    stopView();
    if (error instanceof PipelineFailure) {
      for (const f of error.report?.failures ?? []) if (f.code === 'DEPENDENCY_FAILED') logger.warn(`${f.project} (${f.target}): ${f.message}`);
      return reportError(error.error, error.workDir ? `logs and work files were kept in ${error.workDir}` : 'nothing was written to the output directory');
    }
    return reportError(error);
  }
}

/** The closing summary: what was built, reused, failed and published, and where it all is. */
export function formatSummary(report: BuildReport, outDir: string, repo: RepoSettings | undefined): string {
  const { built, reused, failed } = report.summary;
  const lines = [`pkg2os: summary: ${built} package file(s) built, ${reused} reused from the cache, ${failed} failed.`];
  for (const f of report.failures) lines.push(`pkg2os:   failed: ${f.project}${f.version ? ` ${f.version}` : ''} (${f.target}): ${f.code}${f.becauseOf ? ` (because ${f.becauseOf} failed)` : ''}`);
  lines.push(`pkg2os:   packages and report: ${outDir} (report.json, build logs in logs/)`);
  const published = report.published;
  if (published && repo) {
    const parts: string[] = [];
    if (published.apt) parts.push(`apt ${published.apt.packages} package(s), ${published.apt.added.length} added, ${published.apt.retired.length} retired`);
    if (published.yum) parts.push(`yum ${published.yum.packages} package(s), ${published.yum.added.length} added, ${published.yum.retired.length} retired`);
    lines.push(`pkg2os:   published: ${parts.join('; ')}, signed by ${published.fingerprint}`);
    lines.push(`pkg2os:   repository: ${repo.baseUrl ?? published.root} (apt: ${published.root}/deb, suite ${repo.codename}; yum: ${published.root}/rpm)`);
  }
  return `${lines.join('\n')}\n`;
}

/** The plan as a person reads it. */
export function formatPlan(plan: PlanReport): string {
  const lines = ['pkg2os plan (nothing is built with --dry-run):'];
  for (const item of plan.plan) {
    const provided = Object.entries(item.providedBy).map(([f, p]) => `${f}: provided by ${p}`);
    const what = item.file ? `${item.project} ${item.version} from ${item.file} → ${item.formats.join(', ')}` : item.project;
    lines.push(`  ${item.target}  ${what}${provided.length ? ` (${provided.join('; ')})` : ''}`);
    if (item.requiredBy.length > 1) lines.push(`      required by: ${item.requiredBy.join(' → ')}`);
  }
  for (const f of plan.failures) lines.push(`  ${f.target}  ${f.project}: FAILS: ${f.message.split('\n')[0]}`);
  return `${lines.join('\n')}\n`;
}
