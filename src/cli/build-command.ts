/** `pkg2os build <requirement>...` and `pkg2os rebuild` (the nightly job, from pkg2os.config.yaml). */
import { join } from 'node:path';
import type { Command } from 'commander';
import { type BuildFlags, DEFAULT_INDEX_URL, buildRequestFrom } from '../config/build-options.js';
import { DEFAULT_CONFIG_FILE, DEFAULT_MAINTAINER, loadConfig, manifestRequirements } from '../config/config.js';
import { TARGETS } from '../config/targets.js';
import { DEFAULT_MAX_DOWNLOAD_BYTES } from '../index/index-client.js';
import type { Logger } from '../log.js';
import { buildPackages, planPackages } from '../pipeline/build-packages.js';
import { exitCodeOf, rootCause } from '../pipeline/failures.js';
import { publishRepository } from '../publish/publish.js';
import { recordTexts, recordsFromReport } from '../pipeline/records.js';
import { ReleaseLedger } from '../publish/release-ledger.js';
import { hideFromSandboxes } from '../sandbox/sandbox.js';
import { projectRoot } from '../paths.js';
import { reportError, stderrLogger } from './output.js';
import { canShowProgress, progressView } from './progress-view.js';
import { addRepoOptions, checkSigningKeyFile, loadSigner } from './repo-options.js';
import { formatPlan, formatSummary, reportOutcome } from './summary.js';

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}

export function registerBuild(program: Command): void {
  const command = program
    .command('build')
    .description('fetch, verify, build and package Python projects from an index as .deb and .rpm')
    .argument('<requirement...>', 'PEP 508 requirements, e.g. django or "django>=3.2,<4"')
    .option('--index-url <url>', `PEP 503/691 index (env PKG2OS_INDEX_URL, else PIP_INDEX_URL; default ${DEFAULT_INDEX_URL})`)
    .option('--allow-insecure-index', 'allow plain http for a non-loopback index')
    .option('--out <dir>', 'output directory for packages and report.json (default ./out)')
    .option('--target <name>', `distribution release to build for, repeatable or comma-separated: ${Object.keys(TARGETS).join(', ')} (default debian-12)`, collect)
    .option('--format <list>', 'only these package formats, comma-separated (default: each target\'s own: deb for Debian and Ubuntu, rpm for EL and Fedora)')
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
    .option('--provenance-policy <policy>', 'PEP 740 provenance: required, if-available (default) or ignore; a recipe wins for its project')
    .option('--keys-dir <dir>', 'pinned upstream keys and Trusted Publishers (env PKG2OS_KEYS_DIR; default ~/.config/pkg2os/keys)')
    .option('--recipes-dir <dir>', 'a directory of recipes searched before pkg2os\'s own, repeatable', collect)
    .option('--lockfile <file>', 'lockfile (default ./pkg2os.lock)')
    .option('--no-lockfile', 'neither check nor write a lockfile')
    .option('--frozen', 'build only what the lockfile holds, exactly, and never write it')
    .option('--accept-new-signer', 'accept and record a signer that differs from the locked one')
    .option('--accept-new-publisher', 'accept and record a Trusted Publisher that differs from the locked one')
    .option('-v, --verbose', 'more log lines');
  addRepoOptions(command, false).action(async (requirementTexts: string[], flags: BuildFlags) => {
    process.exitCode = await runBuild(requirementTexts, flags);
  });
}

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
      process.exitCode = await runBuild(requirements, { ...flags, release: '1', deps: true, lockfile: config.lockfile ?? 'pkg2os.lock', jobs: flags.jobs ?? (config.jobs ? String(config.jobs) : undefined) });
    } catch (error) {
      process.exitCode = reportError(error);
    }
  });
}

async function runBuild(requirementTexts: string[], flags: BuildFlags): Promise<number> {
  // A live view on a terminal; plain lines in CI, on a pipe, with --no-progress, and for --dry-run.
  const view = flags.progress !== false && !flags.dryRun && canShowProgress() ? progressView(flags.verbose ?? false) : undefined;
  const logger = view ?? stderrLogger(flags.verbose ?? false);
  try {
    return await buildAndReport(requirementTexts, flags, logger, () => view?.stop());
  } catch (error) {
    view?.stop();
    return reportError(error);
  } finally {
    view?.stop();
  }
}

async function buildAndReport(requirementTexts: string[], flags: BuildFlags, logger: Logger, stopView: () => void): Promise<number> {
  const config = await loadConfig(flags.config);
  const { request, repo } = buildRequestFrom(requirementTexts, flags, config, logger);
  // Checked before any work: a build that cannot be published should not start. The key itself is
  // read and unlocked only after every build has ended: no process that runs or waits on upstream code holds it.
  const keyFile = repo ? await checkSigningKeyFile(flags, config) : undefined;
  hideFromSandboxes([keyFile, request.keysDir, request.cacheDir, request.outDir, request.lockfile, repo?.root, flags.config, process.env.PKG2OS_KEY_PASSPHRASE_FILE, projectRoot]);
  if (repo) request.releases = await ReleaseLedger.load(repo.root);
  if (flags.dryRun) {
    const plan = await planPackages(request);
    process.stdout.write(flags.json ? `${JSON.stringify(plan, null, 2)}\n` : formatPlan(plan));
    return 0;
  }
  const { report, failures } = await buildPackages(request);
  if (repo && keyFile && report.packages.length > 0) {
    const signer = await loadSigner({ key: keyFile }, config);
    logger.progress?.step('repository', { phase: 'publish', subject: repo.root });
    // Published once, with everything that succeeded.
    const files = report.packages.flatMap((p) => p.packages.map((f) => join(request.outDir, f.file)));
    report.published = await publishRepository({
      settings: repo,
      signer,
      debs: files.filter((f) => f.endsWith('.deb')),
      rpms: files.filter((f) => f.endsWith('.rpm')),
      logger,
      replaceKey: flags.replaceKey,
      releases: report.packages.flatMap((p) => p.packages.map((f) => ({ target: f.target, format: f.format, package: f.name, version: f.upstreamVersion, release: f.release, inputs: f.inputs }))),
      records: await recordTexts(recordsFromReport(report, request.outDir, new Date())),
    });
    logger.progress?.end('repository');
  }
  stopView();
  // --json prints the report whatever happened, failures included; nothing else goes to stdout.
  if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  const nothingBuilt = report.packages.length === 0 && failures.length > 0;
  if (nothingBuilt) {
    // The failure that stopped everything, as one error; its dependents as warnings.
    if (!flags.json) for (const f of report.failures.filter((r) => r.code === 'DEPENDENCY_FAILED')) logger.warn(`${f.project} (${f.target}): ${f.message}`);
    const first = rootCause(failures.find((f) => f.error) ?? failures[0]!);
    reportError(first.error, `nothing but build logs was written to ${request.outDir}${first.log ? ` (this one: ${join(request.outDir, first.log)})` : ''}`);
    return exitCodeOf(failures);
  }
  if (!flags.json) {
    reportOutcome(report, request.outDir, logger);
    process.stderr.write(formatSummary(report, request.outDir, repo));
  }
  if (failures.length === 0) return 0;
  logger.warn(`${failures.length} package(s) failed; ${report.packages.length} built${repo ? ' and published' : ''}.`);
  return exitCodeOf(failures);
}
