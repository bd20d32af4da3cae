/**
 * `pkg2os worker`: takes build jobs from the queues of the targets (and the
 * architecture) it serves, builds each in the sandbox (buildFromJob) and
 * returns the wheel and its log through the artifact store. BullMQ does the
 * rest: a job whose worker dies is taken back after its lock expires and
 * given to another (a bounded number of times); a build that fails for what
 * the sdist is (not for what happened to the worker) is not tried again.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { type BuildLimits, DEFAULT_BUILD_LIMITS } from '../config/build-limits.js';
import type { RootSettings } from '../config/build-request.js';
import { getTarget } from '../config/targets.js';
import { BuildError, Pkg2osError, ToolError } from '../errors.js';
import { redactUrl } from '../url-policy.js';
import type { Logger } from '../log.js';
import { BuildRoots } from '../families/build-roots.js';
import { makeWorkDir } from '../box/work-dir.js';
import { FileStore } from '../farm/artifact-store.js';
import { type BuildResult, buildJobSchema, bullmq, connect, encodeFailure, queueName } from '../farm/jobs.js';
import { type ResultStatement, type WorkerIdentity, inputsDigest } from '../farm/identity.js';
import { buildFromJob, removeWork } from './remote-build.js';

export interface WorkerOptions {
  queue: string;
  targets: string[];
  arch: string;
  concurrency: number;
  store: string;
  /** How long a job's lock lasts without renewal: after it, a dead worker's job goes to another (default 30 s). */
  lockSeconds: number;
  rootsDir: string;
  roots?: Record<string, RootSettings>;
  limits?: BuildLimits;
  /** pkg2os's own places on this machine, hidden from every build. */
  hidden?: string[];
  logger: Logger;
  /** Resolves when the worker should stop (SIGINT/SIGTERM). */
  stopped: Promise<void>;
  /** Its key (identity.ts): every result is signed with it. */
  identity: WorkerIdentity;
  /** Allow a queue on another host without a password. */
  allowOpenQueue?: boolean;
  /** Targets it may build with its host's Python when it cannot make their root. */
  hostPython?: string[];
}

export async function runWorker(options: WorkerOptions): Promise<void> {
  const { Worker, UnrecoverableError, DelayedError } = await bullmq();
  for (const t of options.targets) getTarget(t);
  const connection = await connect(options.queue, { allowOpen: options.allowOpenQueue });
  const { identity } = options;
  // The agreement groups this worker took a copy of: another copy is left to another worker.
  const taken = new Set<string>();
  const store = new FileStore(options.store);
  const roots = new BuildRoots({ dir: options.rootsDir, settings: options.roots, logger: options.logger });
  const id = `${hostname()}:${process.pid}`;
  const limits = options.limits ?? DEFAULT_BUILD_LIMITS;
  const workers = options.targets.map(
    (target) =>
      new Worker(
        queueName(target, options.arch),
        async (job, token) => {
          const data = buildJobSchema.parse(job.data);
          if (data.agreement && taken.has(data.agreement.group)) {
            // Independent builds are what --agree asks for: this one is for another worker (put back, not failed).
            await job.moveToDelayed(Date.now() + 1000 + Math.floor(Math.random() * 1000), token);
            throw new DelayedError();
          }
          if (data.agreement) taken.add(data.agreement.group);
          options.logger.info(`${data.project} ${data.version} for ${data.target}: building (job ${job.id}, attempt ${job.attemptsMade + 1})`);
          const workDir = await makeWorkDir();
          try {
            const built = await buildFromJob(data, { store, roots, limits, policy: { limits: limits.sandbox, logCapBytes: limits.logCapBytes, hidden: options.hidden ?? [] }, work: join(workDir.path, 'job'), logger: options.logger, hostPython: options.hostPython ?? [] });
            options.logger.info(`${data.project} ${data.version} for ${data.target}: built ${built.wheel.filename}`);
            // Signed for this job, these inputs, this target and architecture: the answer to no other.
            const statement: ResultStatement = { job: String(job.id), run: data.run, inputs: inputsDigest(data), target: data.target, arch: data.arch, ...built, worker: identity.fingerprint };
            return { ...built, worker: identity.fingerprint, host: id, signature: identity.signStatement(statement) } satisfies BuildResult;
          } catch (error) {
            const log = (error as { logSha256?: string }).logSha256;
            // What the sdist is does not change on another try (a build failure); a worker's trouble might.
            const retry = !(error instanceof BuildError || (error instanceof ToolError && error.phase === 'build'));
            const message = encodeFailure({ message: (error as Error).message, code: error instanceof Pkg2osError ? error.code : 'INTERNAL', ...(error instanceof Pkg2osError && error.detail ? { detail: error.detail } : {}), ...(log ? { log } : {}), retry });
            options.logger.warn(`${data.project} ${data.version} for ${data.target}: ${(error as Error).message}`);
            if (!retry) throw new UnrecoverableError(message);
            throw new Error(message);
          } finally {
            await removeWork(workDir.path);
            workDir.release();
          }
        },
        { connection, concurrency: options.concurrency, lockDuration: options.lockSeconds * 1000, stalledInterval: Math.max(1000, (options.lockSeconds * 1000) / 2), maxStalledCount: 2 },
      ),
  );
  options.logger.info(`worker ${id} (key ${identity.fingerprint.slice(0, 16)}…, ${identity.publicFile}): serving ${options.targets.map((t) => queueName(t, options.arch)).join(', ')} on ${redactUrl(options.queue)}, store ${store.description}`);
  await options.stopped;
  await Promise.all(workers.map((w) => w.close()));
  connection.disconnect();
}
