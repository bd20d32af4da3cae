/**
 * The build pipeline: plan → fetch/verify → build → package, for the
 * dependency closure of the requirements on every target.
 *
 * 1. Discovery and planning: the pure resolver (src/plan) asks for project
 *    pages and core metadata; each sdist it asks about is downloaded,
 *    verified (hash, signature, lockfile) and unpacked here before any of its
 *    code runs to produce that metadata.
 * 2. Builds run in parallel (p-queue, --jobs); each (project, version) wheel
 *    is built once and packaged per target and format. A dependency's failure
 *    fails its dependents with the cause; unrelated packages still build.
 * 3. `<out>` receives the packages that succeeded and report.json (which also
 *    lists every failure); a run in which nothing succeeded writes nothing.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import PQueue from 'p-queue';
import { SYSTEM_PYTHON, buildWheel, sourceRequirements } from '../build/build-wheel.js';
import { hostPythonVersion, stageWheel } from '../build/stage.js';
import { parseCoreMetadata } from '../build/metadata.js';
import { unpackSdist } from '../build/unpack.js';
import { ContentCache, cacheKey } from '../cache/content-cache.js';
import { type LoadedRecipe, type SignaturePolicy, isProvided, loadRecipe, packageNameFor, recipeDirs } from '../config/recipes.js';
import type { PackageFormat, TargetProfile } from '../config/targets.js';
import { BuildError, ConfigError, IntegrityError, LockfileError, Pkg2osError, SignatureError } from '../errors.js';
import { requireTools, run } from '../exec.js';
import { IndexClient } from '../index/index-client.js';
import type { ProjectPage, SdistCandidate } from '../index/index.types.js';
import { redactUrl } from '../index/url-policy.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { makePackageInfo } from '../package/package-info.js';
import { shipped } from '../paths.js';
import { PACKAGERS } from '../package/registry.js';
import type { Requirement } from '../pep/requirement.js';
import type { PlanItem, ResolvedPlan } from '../plan/plan.types.js';
import { resolve } from '../plan/resolve.js';
import { copyAtomic, writeAtomic } from '../fs-atomic.js';
import type { ReleaseLedger } from '../publish/release-ledger.js';
import { Lockfile } from '../verify/lockfile.js';
import { type PublishedSignature, shouldFetchSignature } from '../verify/signature.js';
import { TrustStore } from '../verify/trust-store.js';
import { type VerifyContext, verifyArtifact } from '../verify/verify-artifact.js';
import type { Check, VerifiedArtifact } from '../verify/verified-artifact.js';
import { PKG2OS_VERSION } from '../version.js';
import type { BuildReport, FailureReport, PackageFileReport, PackageReport, PlanReport, ProvidedReport } from './report.js';

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
  /** Build only the named requirements. */
  noDeps?: boolean;
  /** Parallel builds (default: the number of cores). */
  jobs?: number;
  /** Content-addressed cache of metadata and built packages; undefined: none. */
  cacheDir?: string;
  /** The target repository's releases: a changed build of a published version gets the next release. */
  releases?: ReleaseLedger;
}

/** Thrown when a run cannot even start (or nothing succeeded), carrying where the logs were kept. */
export class PipelineFailure extends Error {
  constructor(readonly error: Pkg2osError, readonly workDir?: string, readonly report?: BuildReport) {
    super(error.message);
  }
}

/** A verified, unpacked sdist and its runtime requirements. */
interface Prepared {
  artifact: VerifiedArtifact;
  sourceDir: string;
  sourceDateEpoch: number;
  dir: string;
  logFile: string;
  requiresDist: string[];
  wheel?: Promise<string>;
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

const key = (target: string, project: string) => `${target}\u0000${project}`;
const jobLabel = (item: PlanItem) => (item.candidate ? `${item.candidate.project} ${item.candidate.version}` : item.project);

class Pipeline {
  /** The error behind each failure, to report it with its hint. */
  readonly errors = new WeakMap<FailureReport, Pkg2osError>();
  private readonly logger: Logger;
  private readonly client: IndexClient;
  get pagesNotModified(): number {
    return this.client.notModified;
  }
  private readonly dirs: string[];
  private readonly trust: TrustStore;
  private readonly recipes = new Map<string, LoadedRecipe>();
  private readonly pages = new Map<string, ProjectPage>();
  private readonly failedPages = new Map<string, Pkg2osError>();
  private readonly metadata = new Map<string, string[] | Pkg2osError>();
  private readonly prepared = new Map<string, Promise<Prepared>>();
  /** What was verified about each sdist, by URL: from this run, or from the cache. */
  private readonly verified = new Map<string, { sha256: string; size: number; checks: Check[] }>();
  readonly cache?: ContentCache;
  /** Counts for the summary: packages reused from the cache, and packages built. */
  readonly stats = { reused: 0, built: 0, metadataReused: 0 };
  private environment?: Promise<Record<string, string>>;
  /** Discovery verifies, unpacks and (when building) builds wheels in parallel too. */
  private readonly discovery: PQueue;

  constructor(
    private readonly request: BuildRequest,
    private readonly work: string,
    private readonly lockfile: Lockfile | undefined,
    /** When packages will be built, the wheel is built during discovery and its METADATA read: one Python run less. */
    private readonly building: boolean,
  ) {
    this.logger = request.logger ?? silentLogger;
    if (request.cacheDir) this.cache = new ContentCache(request.cacheDir);
    this.client = new IndexClient({ indexUrl: request.indexUrl, allowInsecure: request.allowInsecureIndex, logger: this.logger, maxDownloadBytes: request.maxDownloadBytes, cache: this.cache });
    this.dirs = recipeDirs(request.recipeDirs);
    this.trust = new TrustStore(request.keysDir, this.dirs);
    this.discovery = new PQueue({ concurrency: Math.max(1, request.jobs ?? cpus().length) });
  }

  /**
   * Everything besides the sdist and the recipe that shapes a built package:
   * pkg2os's version, its templates, and the build environment (the system
   * Python and the versions of the Debian packages that build and package).
   */
  private buildEnvironmentIdentity(): Promise<Record<string, string>> {
    this.environment ??= (async () => {
      const identity: Record<string, string> = { pkg2os: PKG2OS_VERSION, ...(await this.installedVersions()) };
      identity.templates = await treeDigest(shipped('templates'));
      identity.helpers = await treeDigest(shipped('src', 'build'), /\.py$/);
      return identity;
    })();
    return this.environment;
  }

  /**
   * The system Python's version and the versions of the Debian packages that
   * build and package. Asking costs two processes per run, so the answer is
   * kept in the cache directory for as long as dpkg's status file (which
   * every package installation or upgrade rewrites) stays the same.
   */
  private async installedVersions(): Promise<Record<string, string>> {
    const status = await stat('/var/lib/dpkg/status').catch(() => undefined);
    const key = status && this.cache ? cacheKey({ kind: 'environment', size: status.size, mtimeMs: status.mtimeMs, python: SYSTEM_PYTHON }) : undefined;
    const hit = key ? await this.cache!.get<Record<string, string>>('environment', key) : undefined;
    if (hit) return hit.meta;
    const versions: Record<string, string> = { python: await hostPythonVersion() };
    const packages = ['python3-build', 'python3-installer', 'python3-setuptools', 'python3-wheel', 'python3-hatchling', 'python3-poetry-core', 'flit', 'dpkg', 'rpm'];
    const { stdout } = await run('dpkg-query', ['-W', '-f=${Package} ${Version}\n', ...packages], { purpose: 'identifying the build environment' }).catch((e: { stdout?: string }) => ({ stdout: String(e.stdout ?? '') }));
    for (const line of stdout.split('\n').filter(Boolean)) {
      const [name, version] = line.split(' ');
      versions[name!] = version ?? '';
    }
    if (key) await this.cache!.put('environment', key, versions);
    return versions;
  }

  /** A job's next step: a log line, and the live view's phase. */
  private step(job: string, phase: string): void {
    if (this.logger.progress) this.logger.progress.phase(job, phase);
    else this.logger.info(`${job}: ${phase}`);
  }

  private async recipe(project: string): Promise<LoadedRecipe> {
    let recipe = this.recipes.get(project);
    if (!recipe) {
      recipe = await loadRecipe(project, this.dirs);
      this.recipes.set(project, recipe);
    }
    return recipe;
  }

  /** Plan each target: call the pure resolver, fetch what it asks for, until it has a plan. */
  async plan(): Promise<ResolvedPlan[]> {
    for (const req of this.request.requirements) await this.recipe(req.project);
    const plans: ResolvedPlan[] = [];
    for (const target of this.request.targets) {
      for (;;) {
        const result = resolve({
          roots: this.request.requirements,
          target,
          formats: this.request.formats,
          pages: this.pages,
          failedPages: this.failedPages,
          metadata: this.metadata,
          recipes: this.recipes,
          noDeps: this.request.noDeps ?? false,
          pre: this.request.pre,
        });
        if (result.kind === 'plan') {
          plans.push(result);
          break;
        }
        await Promise.all(result.pages.map((project) => this.fetchPage(project)));
        await Promise.all(result.metadata.map((candidate) => this.discovery.add(() => this.discover(candidate))));
      }
    }
    return plans;
  }

  private async fetchPage(project: string): Promise<void> {
    const recipe = await this.recipe(project);
    if (this.request.formats.every((f) => isProvided(recipe, f))) return;
    try {
      let page = await this.client.projectPage(project);
      this.logger.debug(`${project}: ${page.files.length} file(s) on the index (${page.format})`);
      if (this.request.frozen && this.lockfile) page = lockedOnly(page, this.lockfile);
      this.pages.set(project, page);
    } catch (error) {
      if (!(error instanceof Pkg2osError)) throw error;
      // A root that cannot be found ends the run; a dependency fails its dependents.
      if (this.request.requirements.some((r) => r.project === project)) throw error;
      this.failedPages.set(project, error);
    }
  }

  /** What a cached verification depends on: the bytes, the recipe, the policy and the keys trusted now. */
  private async metadataKey(candidate: SdistCandidate, sha256: string): Promise<string> {
    const recipe = await this.recipe(candidate.project);
    const policy = recipe.signature ?? this.request.signaturePolicy;
    const pinned = policy === 'ignore' ? [] : (await this.trust.keysFor(candidate.project, recipe)).keys.map((k) => k.getFingerprint()).sort();
    return cacheKey({ kind: 'requires-dist', sha256, recipe, policy, pinned, environment: await this.buildEnvironmentIdentity() });
  }

  /**
   * A candidate whose sha256 (published by the index) was verified and read
   * before needs neither a download nor Python: its requirements and its
   * verification record come from the cache. The lockfile is still checked.
   */
  private async fromCache(candidate: SdistCandidate): Promise<boolean> {
    const sha256 = candidate.file.hashes.sha256;
    if (!this.cache || !sha256) return false;
    const hit = await this.cache.get<{ requiresDist: string[]; size: number; checks: Check[] }>('metadata', await this.metadataKey(candidate, sha256));
    if (!hit) return false;
    // The signature as published now must be the one verified then (a new .asc means a new verification).
    const recipe = await this.recipe(candidate.project);
    const signature = await fetchSignature(this.client, candidate, recipe.signature ?? this.request.signaturePolicy);
    const cachedSignature = hit.meta.checks.find((c) => c.kind === 'signature');
    const publishedSha = signature ? createHash('sha256').update(signature.bytes).digest('hex') : undefined;
    if ((cachedSignature?.result === 'pass' ? cachedSignature.detail.signatureSha256 : undefined) !== publishedSha) return false;
    const checks = hit.meta.checks.filter((c) => c.kind !== 'lockfile');
    if (this.lockfile) {
      const signer = cachedSignature?.result === 'pass' ? (cachedSignature.detail.signer as string) : null;
      checks.push(this.lockfile.check(candidate.project, { version: candidate.version, filename: candidate.file.filename, sha256, signer }, { frozen: this.request.frozen ?? false, acceptNewSigner: this.request.acceptNewSigner ?? false }));
    }
    checks.push({ kind: 'hash', result: 'pass', detail: { source: 'cache', note: 'verified when first built; the index still publishes this sha256', sha256 } });
    this.verified.set(candidate.file.url, { sha256, size: hit.meta.size, checks });
    this.metadata.set(candidate.file.url, hit.meta.requiresDist);
    this.stats.metadataReused++;
    this.logger.debug(`${candidate.project} ${candidate.version}: verified and read before (cache)`);
    return true;
  }

  /** Download, verify, unpack and read the requirements of a candidate; failures are recorded, not thrown. */
  private async discover(candidate: SdistCandidate): Promise<void> {
    try {
      if (await this.fromCache(candidate)) return;
      const prepared = await this.prepare(candidate);
      this.metadata.set(candidate.file.url, prepared.requiresDist);
    } catch (error) {
      if (!(error instanceof Pkg2osError)) throw error;
      const label = `${candidate.project} ${candidate.version}`;
      this.logger.debug(`${label}: ${error.message.split('\n')[0]}`);
      this.logger.progress?.file(label, 'failed');
      this.logger.progress?.end(label);
      this.metadata.set(candidate.file.url, error);
    }
  }

  /** Prepare each sdist once, even when several targets ask for it at the same time. */
  private prepare(candidate: SdistCandidate): Promise<Prepared> {
    let prepared = this.prepared.get(candidate.file.url);
    if (!prepared) {
      prepared = this.doPrepare(candidate);
      this.prepared.set(candidate.file.url, prepared);
    }
    return prepared;
  }

  private async doPrepare(candidate: SdistCandidate): Promise<Prepared> {
    const dir = join(this.work, 'projects', `${candidate.project}-${candidate.version}`);
    // Build logs are kept under <out>/logs (a plan-only run keeps them with its work files); an sdist that fails verification runs no tool and leaves none.
    const logFile = join(this.building ? this.request.outDir : this.work, logName(candidate.project, candidate.version));
    await mkdir(join(dir, 'download'), { recursive: true });
    // A log from an earlier run of the same version is replaced; the file appears when the first tool runs.
    await rm(logFile, { force: true });
    const recipe = await this.recipe(candidate.project);
    const policy = recipe.signature ?? this.request.signaturePolicy;
    this.step(`${candidate.project} ${candidate.version}`, `downloading ${candidate.file.filename}`);
    const download = await this.client.download(candidate.file, join(dir, 'download', candidate.file.filename));
    const context: VerifyContext = {
      policy,
      pinned: policy === 'ignore' ? { keys: [], sources: [] } : await this.trust.keysFor(candidate.project, recipe),
      signature: await fetchSignature(this.client, candidate, policy),
      lockfile: this.lockfile,
      lockOptions: { frozen: this.request.frozen ?? false, acceptNewSigner: this.request.acceptNewSigner ?? false },
    };
    const artifact = await verifyArtifact(candidate, download, context);
    const signature = artifact.checks.find((c) => c.kind === 'signature');
    for (const warning of (signature?.detail.warnings as string[] | undefined) ?? []) this.logger.warn(`${candidate.file.filename}: ${warning}`);
    const signed = signature?.result === 'pass' ? `, signature by ${signature.detail.signer}` : ` (signature: ${signature?.detail.reason})`;
    this.step(`${candidate.project} ${candidate.version}`, `verified sha256 ${artifact.sha256}${signed}`);
    const unpackDir = join(dir, 'src');
    await mkdir(unpackDir);
    const sourceDir = await unpackSdist(artifact, unpackDir);
    await this.applyRecipe(recipe, sourceDir, logFile, `${candidate.project} ${candidate.version}`);
    const epoch = await sourceDateEpoch(sourceDir);
    const label = `${candidate.project} ${candidate.version}`;
    let wheel: Promise<string> | undefined;
    let requiresDist: string[];
    if (this.building) {
      // The wheel is needed anyway: its METADATA is the authority on its requirements.
      this.step(label, 'building the wheel (offline)');
      const built = await buildWheel({ sourceDir, outDir: join(dir, 'wheel'), logFile, sourceDateEpoch: epoch, projectLabel: label, env: recipe.env });
      wheel = Promise.resolve(built);
      requiresDist = await wheelRequirements(built, label);
      this.logger.progress?.phase(label, 'wheel built; packaging after its dependencies');
    } else {
      requiresDist = await sourceRequirements({ sourceDir, outDir: join(dir, 'metadata'), logFile, sourceDateEpoch: epoch, projectLabel: label, env: recipe.env });
    }
    const prepared: Prepared = { artifact, sourceDir, sourceDateEpoch: epoch, dir, logFile, requiresDist, wheel };
    this.verified.set(candidate.file.url, { sha256: artifact.sha256, size: artifact.size, checks: [...artifact.checks] });
    if (this.cache) await this.cache.put('metadata', await this.metadataKey(candidate, artifact.sha256), { requiresDist, size: artifact.size, checks: artifact.checks });
    return prepared;
  }

  /** A recipe's build dependencies must be installed; its patches are applied in order. */
  private async applyRecipe(recipe: LoadedRecipe, sourceDir: string, logFile: string, label: string): Promise<void> {
    const needed = recipe['build-depends']?.deb ?? [];
    const missing: string[] = [];
    for (const pkg of needed) {
      const status = await run('dpkg-query', ['-W', '-f=${Status}', pkg], { purpose: 'checking build dependencies' }).catch(() => ({ stdout: '' }));
      if (!status.stdout.includes('install ok installed')) missing.push(pkg);
    }
    if (missing.length) {
      throw new BuildError('MISSING_BUILD_BACKEND', `The recipe for ${label} needs ${missing.join(', ')} on the build host, and ${missing.length > 1 ? 'they are' : 'it is'} not installed.`, {
        hint: `apt-get install ${missing.join(' ')}`,
      });
    }
    for (const patch of recipe.patches ?? []) {
      const file = join(dirname(recipe.file ?? '.'), patch);
      await run('patch', ['-p1', '--batch', '--forward', '--no-backup-if-mismatch', '-d', sourceDir, '-i', file], {
        logFile,
        purpose: `applying ${patch} to ${label}`,
        hint: `The patch ${file} does not apply to this version; update the recipe.`,
      });
    }
  }

  /** Build every planned item; returns reports of successes, the provided stand-ins, and failures. */
  async build(plans: ResolvedPlan[], staged: string): Promise<{ packages: PackageReport[]; provided: ProvidedReport[]; failures: FailureReport[] }> {
    const packages: PackageReport[] = [];
    const provided: ProvidedReport[] = [];
    const failures: FailureReport[] = [];
    const outcome = new Map<string, Promise<{ ok: true } | { ok: false; reason: string }>>();
    const queue = new PQueue({ concurrency: Math.max(1, this.request.jobs ?? cpus().length) });
    const items = new Map<string, PlanItem>();
    for (const plan of plans) {
      for (const item of plan.items) items.set(key(plan.target.name, item.project), item);
      for (const f of plan.failed) {
        const failure: FailureReport = { project: f.project, version: f.version, target: plan.target.name, requiredBy: f.requiredBy, code: f.error.code, exitCode: f.error.exitCode, message: f.error.message };
        this.errors.set(failure, f.error);
        failures.push(failure);
        outcome.set(key(plan.target.name, f.project), Promise.resolve({ ok: false, reason: `${f.project} failed: ${f.error.message.split('\n')[0]}` }));
      }
    }
    // Schedule each item after its dependencies (a dependency on an item that is already waiting, a cycle, is not waited for).
    const waiting = new Set<string>();
    const start = (k: string): Promise<{ ok: true } | { ok: false; reason: string }> => {
      const existing = outcome.get(k);
      if (existing) return existing;
      const item = items.get(k)!;
      waiting.add(k);
      const deps = item.dependencies.map((d) => key(item.target.name, d.project)).filter((dk) => dk !== k && (items.has(dk) || outcome.has(dk)));
      const depOutcomes = deps.filter((dk) => !waiting.has(dk) || outcome.has(dk)).map((dk) => start(dk).then((o) => ({ dk, o })));
      const promise = (async () => {
        const results = await Promise.all(depOutcomes);
        const failedDep = results.find((r) => !r.o.ok);
        if (failedDep) {
          const reason = `dependency ${failedDep.dk.split('\u0000')[1]} failed${!failedDep.o.ok ? ` (${failedDep.o.reason.replace(/ The last lines of its output:$/, '')})` : ''}`;
          failures.push({ project: item.project, version: item.candidate?.version, target: item.target.name, requiredBy: item.requiredBy, code: 'DEPENDENCY_FAILED', exitCode: 4, message: `${item.project} was not built: ${reason}.`, becauseOf: failedDep.dk.split('\u0000')[1] });
          this.logger.progress?.file(jobLabel(item), 'failed');
          return { ok: false as const, reason };
        }
        return queue.add(async () => {
          try {
            const report = await this.buildItem(item, staged, provided);
            if (report) packages.push(report);
            return { ok: true as const };
          } catch (error) {
            this.logger.progress?.file(jobLabel(item), 'failed');
            if (!(error instanceof Pkg2osError)) throw error;
            const failure: FailureReport = { project: item.project, version: item.candidate?.version, target: item.target.name, requiredBy: item.requiredBy, code: error.code, exitCode: error.exitCode, message: error.message };
            this.errors.set(failure, error);
            failures.push(failure);
            this.logger.warn(`${item.project}${item.candidate ? ` ${item.candidate.version}` : ''} for ${item.target.name} failed: ${error.message.split('\n')[0]}`);
            return { ok: false as const, reason: error.message.split('\n')[0]! };
          } finally {
            this.logger.progress?.end(jobLabel(item));
          }
        }) as Promise<{ ok: true } | { ok: false; reason: string }>;
      })();
      outcome.set(k, promise);
      return promise;
    };
    await Promise.all([...items.keys()].map(start));
    // Items in a cycle with a failed item fail too, after the fact.
    let changed = true;
    while (changed) {
      changed = false;
      for (const [k, item] of items) {
        if (failures.some((f) => key(f.target, f.project) === k)) continue;
        const bad = item.dependencies.find((d) => failures.some((f) => f.target === item.target.name && f.project === d.project));
        if (bad) {
          failures.push({ project: item.project, version: item.candidate?.version, target: item.target.name, requiredBy: item.requiredBy, code: 'DEPENDENCY_FAILED', exitCode: 4, message: `${item.project} was not kept: its dependency ${bad.project} failed.`, becauseOf: bad.project });
          const index = packages.findIndex((p) => p.project === item.project && p.target === item.target.name);
          if (index >= 0) {
            for (const file of packages[index]!.packages) await rm(join(staged, file.file), { force: true });
            packages.splice(index, 1);
          }
          changed = true;
        }
      }
    }
    return { packages, provided, failures };
  }

  private async buildItem(item: PlanItem, staged: string, provided: ProvidedReport[]): Promise<PackageReport | undefined> {
    for (const format of item.providedFor) {
      provided.push({ project: item.project, target: item.target.name, format, package: packageNameFor(item.project, item.recipe, format), requiredBy: item.requiredBy });
    }
    const candidate = item.candidate;
    if (!candidate) return undefined;
    const label = `${candidate.project} ${candidate.version}`;
    let prepared: Prepared | undefined;
    const ensurePrepared = async (): Promise<Prepared> => {
      prepared ??= await this.prepare(candidate);
      prepared.wheel ??= (async () => {
        this.step(label, 'building the wheel (offline)');
        return buildWheel({ sourceDir: prepared!.sourceDir, outDir: join(prepared!.dir, 'wheel'), logFile: prepared!.logFile, sourceDateEpoch: prepared!.sourceDateEpoch, projectLabel: label, env: item.recipe.env });
      })();
      return prepared;
    };
    const report: PackageReport = {
      requirement: item.requiredBy[0]!,
      project: candidate.project,
      version: candidate.version,
      target: item.target.name,
      requiredBy: item.requiredBy,
      sdist: { url: redactUrl(candidate.file.url), filename: candidate.file.filename, sha256: '', size: 0 },
      verification: { result: 'verified', checks: [] },
      packages: [],
      dependencies: item.dependencies.map((d) => d.source),
      skippedRequirements: [],
      byteCompiled: {},
    };
    for (const format of this.request.formats) {
      if (item.providedFor.includes(format)) continue;
      const sha256 = this.verified.get(candidate.file.url)?.sha256 ?? candidate.file.hashes.sha256;
      // Everything that shapes the package besides its release; the same inputs give the same bytes.
      const inputs = cacheKey({ kind: 'package', sha256, format, target: item.target.name, recipe: item.recipe, dependencies: item.dependencies.map((d) => [d.project, d.specifier, packageNameFor(d.project, this.recipes.get(d.project), format)]), maintainer: this.request.maintainer, environment: await this.buildEnvironmentIdentity() });
      const slot = { target: item.target.name, format, package: packageNameFor(candidate.project, item.recipe, format), version: candidate.version };
      const release = this.request.releases?.releaseFor(slot, inputs, this.request.release) ?? this.request.release;
      if (release !== this.request.release) this.logger.info(`${label}: ${format} release ${release}, from the repository's release ledger`);
      const key = sha256 && this.cache ? cacheKey({ inputs, release }) : undefined;
      type Meta = { built: PackageFileReport; byteCompiled: boolean; skipped: string[] };
      const hit = key ? await this.cache!.get<Meta>('package', key) : undefined;
      if (hit) {
        const [name, path] = [...hit.files][0]!;
        await mkdir(join(staged, format), { recursive: true });
        await copyFile(path, join(staged, format, name));
        report.packages.push(hit.meta.built);
        report.byteCompiled[format] = hit.meta.byteCompiled;
        report.skippedRequirements = hit.meta.skipped;
        this.stats.reused++;
        this.step(label, `${format} for ${item.target.name} reused from the cache`);
        this.logger.progress?.file(label, 'reused');
        continue;
      }
      const p = await ensurePrepared();
      const wheel = await p.wheel!;
      const formatDir = join(p.dir, `${item.target.name}-${format}`);
      const root = join(formatDir, 'root');
      await rm(formatDir, { recursive: true, force: true });
      await mkdir(root, { recursive: true });
      this.step(label, `packaging ${format} for ${item.target.name}`);
      const tree = await stageWheel({ wheel, format, target: item.target, project: candidate.project, root, logFile: p.logFile, sourceDateEpoch: p.sourceDateEpoch });
      const info = makePackageInfo({
        project: candidate.project,
        tree,
        target: item.target,
        maintainer: this.request.maintainer,
        release,
        sdist: { filename: candidate.file.filename, sha256: p.artifact.sha256, url: redactUrl(candidate.file.url) },
        licenseTexts: await readLicenseTexts(root, tree.distInfo, tree.metadata.licenseFiles),
        sourceDateEpoch: p.sourceDateEpoch,
        recipe: item.recipe,
        planned: item.dependencies,
        nameOf: (project) => packageNameFor(project, this.recipes.get(project), format),
      });
      const built = await PACKAGERS[format].build(info, formatDir, join(staged, format), p.logFile);
      const { path, ...rest } = built;
      const entry = { ...rest, file: `${format}/${basename(path)}`, target: item.target.name, upstreamVersion: candidate.version, release, inputs };
      report.packages.push(entry);
      report.byteCompiled[format] = tree.byteCompiled;
      report.skippedRequirements = info.skippedRequirements;
      this.stats.built++;
      this.logger.progress?.file(label, 'built');
      if (key) await this.cache!.put<Meta>('package', key, { built: entry, byteCompiled: tree.byteCompiled, skipped: info.skippedRequirements }, [path]);
      await rm(root, { recursive: true, force: true });
    }
    if (prepared) report.log = relative(this.request.outDir, prepared.logFile);
    const verified = this.verified.get(candidate.file.url);
    if (verified) {
      report.sdist.sha256 = verified.sha256;
      report.sdist.size = verified.size;
      report.verification.checks = verified.checks;
    }
    return report;
  }
}

/** Where a project's build log is kept, relative to <out>. */
export function logName(project: string, version: string): string {
  return join('logs', `${project}-${version}.log`);
}

/** Requires-Dist from a built wheel's METADATA. */
async function wheelRequirements(wheel: string, label: string): Promise<string[]> {
  const script = 'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nname = next(n for n in z.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA"))\nsys.stdout.write(z.read(name).decode("utf-8"))';
  const { stdout } = await run(SYSTEM_PYTHON, ['-c', script, wheel], { env: { PYTHONNOUSERSITE: '1' }, purpose: `reading the metadata of ${label}` });
  return parseCoreMetadata(stdout, `${label} METADATA`).requiresDist;
}

/** sha256 over the files of a directory (names and contents), for cache keys. */
async function treeDigest(dir: string, filter: RegExp = /./): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (d: string): Promise<void> => {
    for (const e of (await readdir(d, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (filter.test(e.name)) hash.update(`${relative(dir, p)}\0`).update(await readFile(p));
    }
  };
  await walk(dir);
  return hash.digest('hex');
}

/** Plan only: what would be built, from which file, for which target (`--dry-run`). Nothing is built. */
export async function planPackages(request: BuildRequest): Promise<PlanReport> {
  return withPipeline(request, async (pipeline) => {
    const plans = await pipeline.plan();
    return {
      pkg2os: PKG2OS_VERSION,
      indexUrl: redactUrl(request.indexUrl),
      plan: plans.flatMap((p) =>
        p.items.map((item) => ({
          target: p.target.name,
          project: item.project,
          version: item.candidate?.version,
          file: item.candidate?.file.filename,
          url: item.candidate ? redactUrl(item.candidate.file.url) : undefined,
          formats: request.formats.filter((f) => !item.providedFor.includes(f)),
          providedBy: Object.fromEntries(item.providedFor.map((f) => [f, packageNameFor(item.project, item.recipe, f)])),
          requiredBy: item.requiredBy,
          dependencies: item.dependencies.map((d) => d.source),
        })),
      ),
      failures: plans.flatMap((p) => p.failed.map((f) => ({ project: f.project, target: p.target.name, requiredBy: f.requiredBy, code: f.error.code, exitCode: f.error.exitCode, message: f.error.message }))),
    };
  }, false);
}

/** Run the pipeline; resolves with the report (which may list failures), or rejects with a `PipelineFailure`. */
export async function buildPackages(request: BuildRequest): Promise<BuildReport> {
  return withPipeline(request, async (pipeline, work) => {
    const plans = await pipeline.plan();
    const staged = join(work, 'out');
    const { packages, provided, failures } = await pipeline.build(plans, staged);
    for (const f of failures) {
      const log = f.version && f.code !== 'DEPENDENCY_FAILED' ? logName(f.project, f.version) : undefined;
      if (log && (await stat(join(request.outDir, log)).catch(() => undefined))) f.log = log;
    }
    const report: BuildReport = {
      pkg2os: PKG2OS_VERSION,
      indexUrl: redactUrl(request.indexUrl),
      packages,
      provided,
      failures,
      summary: { built: pipeline.stats.built, reused: pipeline.stats.reused, failed: failures.length, corruptCacheEntries: pipeline.cache?.corrupt.length ?? 0, pagesNotModified: pipeline.pagesNotModified },
    };
    if (packages.length === 0 && failures.length > 0) {
      const first = failures.find((f) => f.code !== 'DEPENDENCY_FAILED') ?? failures[0]!;
      throw new PipelineFailure(pipeline.errors.get(first) ?? new BuildError('BUILD_FAILED', first.message), undefined, report);
    }
    await publishOutput(staged, request.outDir, report);
    return report;
  }, true);
}

async function withPipeline<T>(request: BuildRequest, body: (pipeline: Pipeline, work: string) => Promise<T>, building: boolean): Promise<T> {
  await requireTools([SYSTEM_PYTHON, 'unshare', 'tar', ...(building ? request.formats.map((f) => PACKAGERS[f].tool) : [])], building ? `building ${request.formats.join(' and ')} packages` : 'planning');
  const lockfile = request.lockfile ? await Lockfile.load(request.lockfile) : undefined;
  if (request.frozen && (!lockfile || !lockfile.existed)) {
    throw new ConfigError('USAGE', `--frozen needs a lockfile, and ${request.lockfile ?? 'none'} does not exist.`, { hint: 'Run once without --frozen to create pkg2os.lock, and commit it.' });
  }
  const work = await mkdtemp(join(tmpdir(), 'pkg2os-'));
  let keep = request.keepWork ?? false;
  try {
    const result = await body(new Pipeline(request, work, lockfile, building), work);
    if (building && lockfile && !request.frozen && (await lockfile.save())) (request.logger ?? silentLogger).info(`recorded what was verified in ${lockfile.path}`);
    return result;
  } catch (error) {
    // Keep the logs of a failed build for the user; never keep what failed verification.
    const inner = error instanceof PipelineFailure ? error.error : error;
    if (inner instanceof Pkg2osError && !(inner instanceof IntegrityError) && !(inner instanceof SignatureError)) keep = true;
    if (error instanceof PipelineFailure) throw new PipelineFailure(error.error, keep ? work : undefined, error.report);
    throw inner instanceof Pkg2osError ? new PipelineFailure(inner, keep ? work : undefined) : error;
  } finally {
    if (!keep) await rm(work, { recursive: true, force: true });
  }
}

/** Move the finished packages into `<out>` and write report.json last (temp + rename). */
async function publishOutput(staged: string, outDir: string, report: BuildReport): Promise<void> {
  for (const format of await readdir(staged).catch(() => [] as string[])) {
    for (const file of await readdir(join(staged, format))) await copyAtomic(join(staged, format, file), join(outDir, format, file));
  }
  await writeAtomic(join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
}
