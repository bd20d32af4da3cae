/**
 * The build pipeline for explicitly named requirements:
 * index → verify → build → package, per requirement and target.
 * Work happens in a private directory; `<out>` receives packages and
 * report.json only when everything succeeded, so a failure leaves it untouched.
 */
import { mkdtemp, mkdir, readdir, readFile, rename, rm, stat, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { SYSTEM_PYTHON, buildWheel } from '../build/build-wheel.js';
import { requireTools } from '../exec.js';
import { stageWheel } from '../build/stage.js';
import { unpackSdist } from '../build/unpack.js';
import type { PackageFormat, TargetProfile } from '../config/targets.js';
import { ConfigError, IntegrityError, LockfileError, Pkg2osError } from '../errors.js';
import { IndexClient } from '../index/index-client.js';
import type { ProjectPage, SdistCandidate } from '../index/index.types.js';
import { selectSdist } from '../index/select.js';
import { redactUrl } from '../index/url-policy.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { makePackageInfo } from '../package/package-info.js';
import { PACKAGERS } from '../package/registry.js';
import type { Requirement } from '../pep/requirement.js';
import { type VerifyContext, verifyArtifact } from '../verify/verify-artifact.js';
import { type SignaturePolicy, loadRecipe, recipeDirs } from '../config/recipes.js';
import { Lockfile } from '../verify/lockfile.js';
import { type PublishedSignature, shouldFetchSignature } from '../verify/signature.js';
import { TrustStore } from '../verify/trust-store.js';
import type { VerifiedArtifact } from '../verify/verified-artifact.js';
import type { BuildReport, PackageReport } from './report.js';
import { PKG2OS_VERSION } from '../version.js';

export interface BuildRequest {
  requirements: Requirement[];
  indexUrl: string;
  allowInsecureIndex: boolean;
  targets: TargetProfile[];
  formats: PackageFormat[];
  outDir: string;
  maintainer: string;
  release: number;
  pre: boolean;
  maxDownloadBytes?: number;
  keepWork?: boolean;
  logger?: Logger;
  /** Global signature policy; a recipe's `signature:` wins for its project. */
  signaturePolicy: SignaturePolicy;
  keysDir: string;
  /** The user's recipe directories (pkg2os's own recipes/ is always searched last). */
  recipeDirs?: string[];
  /** Lockfile path; undefined disables the lockfile. */
  lockfile?: string;
  frozen?: boolean;
  acceptNewSigner?: boolean;
}

/** Thrown after a failure, carrying where the logs were kept. */
export class PipelineFailure extends Error {
  constructor(readonly error: Pkg2osError, readonly workDir?: string) {
    super(error.message);
  }
}

/** The sdist's release time, for SOURCE_DATE_EPOCH: PKG-INFO's mtime, else the newest file's. */
async function sourceDateEpoch(sourceDir: string): Promise<number> {
  const pkgInfo = await stat(join(sourceDir, 'PKG-INFO')).catch(() => undefined);
  if (pkgInfo) return Math.floor(pkgInfo.mtimeMs / 1000);
  let newest = 0;
  for (const name of await readdir(sourceDir)) newest = Math.max(newest, (await stat(join(sourceDir, name))).mtimeMs);
  return Math.floor(newest / 1000) || 315532800;
}

/** License files from the .dist-info directory (License-File metadata, or the licenses/ folder). */
async function readLicenseTexts(root: string, distInfo: string, licenseFiles: string[]): Promise<{ name: string; text: string }[]> {
  const dir = join(root, distInfo);
  const names = new Set<string>();
  for (const f of licenseFiles) names.add(join('licenses', f)).add(f);
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else names.add(relative(dir, p));
    }
  };
  await walk(join(dir, 'licenses'));
  for (const e of await readdir(dir)) if (/^(LICEN[CS]E|COPYING|NOTICE|AUTHORS)/i.test(e)) names.add(e);
  const texts: { name: string; text: string }[] = [];
  const seen = new Set<string>();
  for (const name of [...names].sort()) {
    const text = await readFile(join(dir, name), 'utf8').catch(() => undefined);
    if (text === undefined || seen.has(text)) continue;
    seen.add(text);
    texts.push({ name: basename(name), text });
  }
  return texts;
}

/** Run the pipeline; resolves with the report, or rejects with a `Pkg2osError`. */
export async function buildPackages(request: BuildRequest): Promise<BuildReport> {
  const logger = request.logger ?? silentLogger;
  await requireTools([SYSTEM_PYTHON, 'unshare', ...request.formats.map((f) => PACKAGERS[f].tool)], `building ${request.formats.join(' and ')} packages`);
  const client = new IndexClient({ indexUrl: request.indexUrl, allowInsecure: request.allowInsecureIndex, logger, maxDownloadBytes: request.maxDownloadBytes });
  const dirs = recipeDirs(request.recipeDirs);
  const trust = new TrustStore(request.keysDir, dirs);
  const lockfile = request.lockfile ? await Lockfile.load(request.lockfile) : undefined;
  if (request.frozen && (!lockfile || !lockfile.existed)) {
    throw new ConfigError('USAGE', `--frozen needs a lockfile, and ${request.lockfile ?? 'none'} does not exist.`, { hint: 'Run once without --frozen to create pkg2os.lock, and commit it.' });
  }
  const work = await mkdtemp(join(tmpdir(), 'pkg2os-'));
  const staged = join(work, 'out');
  let keep = request.keepWork ?? false;
  try {
    const reports: PackageReport[] = [];
    const artifacts = new Map<string, { artifact: VerifiedArtifact; wheel: string; sourceDateEpoch: number }>();
    for (const req of request.requirements) {
      const recipe = await loadRecipe(req.project, dirs);
      let page = await client.projectPage(req.project);
      logger.debug(`${req.project}: read ${page.files.length} file(s) from ${redactUrl(page.url)} (${page.format})`);
      if (request.frozen && lockfile) page = lockedOnly(page, lockfile);
      for (const target of request.targets) {
        const candidate = selectSdist(page, req, { pythonFullVersion: target.pythonFullVersion, pre: request.pre, logger });
        const dir = join(work, 'projects', `${candidate.project}-${candidate.version}`);
        const logFile = join(dir, 'build.log');
        let prepared = artifacts.get(candidate.file.url);
        if (!prepared) {
          const policy = recipe.signature ?? request.signaturePolicy;
          const verifyContext = async (): Promise<VerifyContext> => ({
            policy,
            pinned: policy === 'ignore' ? { keys: [], sources: [] } : await trust.keysFor(candidate.project, recipe),
            signature: await fetchSignature(client, candidate, policy),
            lockfile,
            lockOptions: { frozen: request.frozen ?? false, acceptNewSigner: request.acceptNewSigner ?? false },
          });
          prepared = await fetchVerifyBuild(client, candidate, dir, logFile, logger, verifyContext);
          artifacts.set(candidate.file.url, prepared);
        }
        const { artifact, wheel } = prepared;
        const report: PackageReport = {
          requirement: req.text,
          project: candidate.project,
          version: candidate.version,
          target: target.name,
          sdist: { url: redactUrl(candidate.file.url), filename: candidate.file.filename, sha256: artifact.sha256, size: artifact.size },
          verification: { result: 'verified', checks: [...artifact.checks] },
          packages: [],
          dependencies: [],
          skippedRequirements: [],
          byteCompiled: {},
        };
        for (const format of request.formats) {
          const formatDir = join(dir, `${target.name}-${format}`);
          const root = join(formatDir, 'root');
          await mkdir(root, { recursive: true });
          logger.info(`${candidate.project} ${candidate.version}: packaging ${format} for ${target.name}`);
          const tree = await stageWheel({ wheel, format, target, project: candidate.project, root, logFile, sourceDateEpoch: prepared.sourceDateEpoch });
          const info = makePackageInfo({
            project: candidate.project,
            tree,
            target,
            maintainer: request.maintainer,
            release: request.release,
            sdist: { filename: candidate.file.filename, sha256: artifact.sha256, url: redactUrl(candidate.file.url) },
            licenseTexts: await readLicenseTexts(root, tree.distInfo, tree.metadata.licenseFiles),
            sourceDateEpoch: prepared.sourceDateEpoch,
          });
          const built = await PACKAGERS[format].build(info, formatDir, join(staged, format), logFile);
          const { path, ...rest } = built;
          report.packages.push({ ...rest, file: `${format}/${basename(path)}` });
          report.byteCompiled[format] = tree.byteCompiled;
          report.dependencies = info.dependencies.map((d) => d.source);
          report.skippedRequirements = info.skippedRequirements;
          await rm(root, { recursive: true, force: true });
        }
        reports.push(report);
      }
    }
    const result: BuildReport = { pkg2os: PKG2OS_VERSION, indexUrl: redactUrl(request.indexUrl), packages: reports };
    await publishOutput(staged, request.outDir, result);
    if (lockfile && !request.frozen && (await lockfile.save())) logger.info(`recorded what was verified in ${lockfile.path}`);
    return result;
  } catch (error) {
    // Keep the logs of a failed build for the user; never keep what failed verification.
    if (error instanceof Pkg2osError && !(error instanceof IntegrityError)) keep = true;
    throw error instanceof Pkg2osError ? new PipelineFailure(error, keep ? work : undefined) : error;
  } finally {
    if (!keep) await rm(work, { recursive: true, force: true });
  }
}

/** Under --frozen, only the files the lockfile holds are candidates. */
function lockedOnly(page: ProjectPage, lockfile: Lockfile): ProjectPage {
  const locked = new Set(lockfile.entries(page.project).map((e) => e.filename));
  if (locked.size === 0) {
    throw new LockfileError('NOT_IN_LOCKFILE', `${page.project} is not in ${lockfile.path}, and --frozen builds only what the lockfile holds.`, {
      hint: 'Run once without --frozen to lock it, and review the lockfile diff.',
    });
  }
  return { ...page, files: page.files.filter((f) => locked.has(f.filename)) };
}

/** Fetch `<sdist>.asc` when the policy and the index call for it; undefined when none is published. */
async function fetchSignature(client: IndexClient, candidate: SdistCandidate, policy: SignaturePolicy): Promise<PublishedSignature | undefined> {
  if (!shouldFetchSignature(candidate, policy)) return undefined;
  const url = `${candidate.file.url}.asc`;
  const bytes = await client.fetchSmall(url, `${candidate.file.filename}.asc`);
  return bytes ? { url: redactUrl(url), bytes } : undefined;
}

async function fetchVerifyBuild(client: IndexClient, candidate: SdistCandidate, dir: string, logFile: string, logger: Logger, context: () => Promise<VerifyContext>) {
  await mkdir(join(dir, 'download'), { recursive: true });
  logger.info(`${candidate.project} ${candidate.version}: downloading ${candidate.file.filename}`);
  const download = await client.download(candidate.file, join(dir, 'download', candidate.file.filename));
  const artifact = await verifyArtifact(candidate, download, await context());
  const signature = artifact.checks.find((c) => c.kind === 'signature');
  for (const warning of (signature?.detail.warnings as string[] | undefined) ?? []) logger.warn(`${candidate.file.filename}: ${warning}`);
  const signed = signature?.result === 'pass' ? `, signature by ${signature.detail.signer}` : ` (signature: ${signature?.detail.reason})`;
  logger.info(`${candidate.project} ${candidate.version}: verified sha256 ${artifact.sha256}${signed}`);
  const unpackDir = join(dir, 'src');
  await mkdir(unpackDir);
  const sourceDir = await unpackSdist(artifact, unpackDir);
  const epoch = await sourceDateEpoch(sourceDir);
  logger.info(`${candidate.project} ${candidate.version}: building the wheel (offline)`);
  const wheel = await buildWheel({ sourceDir, outDir: join(dir, 'wheel'), logFile, sourceDateEpoch: epoch, projectLabel: `${candidate.project} ${candidate.version}` });
  return { artifact, wheel, sourceDateEpoch: epoch };
}

/** Move the finished packages into `<out>` and write report.json last (temp + rename). */
async function publishOutput(staged: string, outDir: string, report: BuildReport): Promise<void> {
  await mkdir(outDir, { recursive: true });
  for (const format of await readdir(staged).catch(() => [] as string[])) {
    await mkdir(join(outDir, format), { recursive: true });
    for (const file of await readdir(join(staged, format))) {
      const target = join(outDir, format, file);
      const temp = join(outDir, format, `.${file}.tmp`);
      await copyFile(join(staged, format, file), temp);
      await rename(temp, target);
    }
  }
  const temp = join(outDir, '.report.json.tmp');
  await writeFile(temp, `${JSON.stringify(report, null, 2)}\n`);
  await rename(temp, join(outDir, 'report.json'));
}
