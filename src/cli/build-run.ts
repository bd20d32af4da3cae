/** What `pkg2os build` and `pkg2os rebuild` do (their options are in build-command.ts). */
import { err, out, outJson } from './terminal.js';
import { join } from 'node:path';
import { type BuildFlags, buildRequestFrom } from './build-options.js';
import { loadConfig, manifestRequirements } from '../config/config.js';
import type { Logger } from '../log.js';
import { buildPackages, planPackages } from '../coordinator/pipeline/build-packages.js';
import { exitCodeOf, rootCause } from '../coordinator/pipeline/failures.js';
import { recordTexts, recordsFromReport } from '../coordinator/pipeline/records.js';
import { publishRepository } from '../coordinator/repositories/publish.js';
import { ReleaseLedger } from '../coordinator/publish/release-ledger.js';
import { projectRoot } from '../paths.js';
import { reportError, stderrLogger } from './output.js';
import { canShowProgress, progressView } from './progress-view.js';
import { checkSigningKeyFile, loadSigner } from './repo-signer.js';
import { formatPlan, formatSummary, reportOutcome } from './summary.js';

export async function runRebuild(flags: Partial<BuildFlags> & { config: string; cache: boolean }): Promise<number> {
  try {
    const config = await loadConfig(flags.config);
    const requirements = await manifestRequirements(config, flags.config);
    return await runBuild(requirements, { ...flags, release: '1', deps: true, lockfile: config.lockfile ?? 'pkg2os.lock', jobs: flags.jobs ?? (config.jobs ? String(config.jobs) : undefined) });
  } catch (error) {
    return reportError(error);
  }
}

export async function runBuild(requirementTexts: string[], flags: BuildFlags): Promise<number> {
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
  // pkg2os's own places, hidden from every sandbox of this run even where they lie in a tree it sees.
  request.hidden = [keyFile, request.keysDir, request.cacheDir, request.outDir, request.lockfile, repo?.root, flags.config, process.env.PKG2OS_KEY_PASSPHRASE_FILE, projectRoot].filter((p): p is string => Boolean(p));
  if (repo) request.releases = await ReleaseLedger.load(repo.root);
  if (flags.dryRun) {
    const plan = await planPackages(request);
    if (flags.json) outJson(plan);
    else out(formatPlan(plan));
    if (plan.failures.length === 0) return 0;
    // A plan that would fail fails as the build would: the same message, the same exit code.
    const own = plan.failures.filter((f) => f.code !== 'DEPENDENCY_FAILED');
    for (const f of own.length ? own : plan.failures) err(`pkg2os: error: ${f.project}${f.version ? ` ${f.version}` : ''} (${f.target}): ${f.message}\n`);
    return (own[0] ?? plan.failures[0]!).exitCode as number;
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
      files,
      logger,
      replaceKey: flags.replaceKey,
      releases: report.packages.flatMap((p) => p.packages.map((f) => ({ target: f.target, format: f.format, package: f.name, version: f.upstreamVersion, release: f.release, inputs: f.inputs }))),
      records: await recordTexts(recordsFromReport(report, request.outDir, new Date())),
    });
    logger.progress?.end('repository');
  }
  stopView();
  // --json prints the report whatever happened, failures included; nothing else goes to stdout.
  if (flags.json) outJson(report);
  const nothingBuilt = report.packages.length === 0 && failures.length > 0;
  if (nothingBuilt) {
    // The failure that stopped everything, as one error; its dependents as warnings.
    if (!flags.json) for (const f of report.failures.filter((r) => r.code === 'DEPENDENCY_FAILED')) logger.warn(`${f.project} (${f.target}): ${f.message}`);
    const first = rootCause(failures.find((f) => f.error) ?? failures[0]!);
    reportError(first.error, `nothing but build logs was written to ${request.outDir}${first.log ? ` (this one: ${join(request.outDir, first.log)})` : ''}`, { json: false });
    return exitCodeOf(failures);
  }
  if (!flags.json) {
    reportOutcome(report, request.outDir, logger);
    err(formatSummary(report, request.outDir, repo, repo ? (await import('../coordinator/repositories/registry.js')).REPOSITORY_KINDS : []));
  }
  if (failures.length === 0) return 0;
  logger.warn(`${failures.length} package(s) failed; ${report.packages.length} built${repo ? ' and published' : ''}.`);
  return exitCodeOf(failures);
}
