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
import { Pkg2osError } from '../errors.js';
import { redactUrl } from '../index/url-policy.js';
import type { Logger } from '../log.js';
import { BuildRoots } from '../sandbox/build-roots.js';
import { makeWorkDir } from '../sandbox/work-dir.js';
import { FileStore } from './artifact-store.js';
import { buildJobSchema, bullmq, connect, queueName } from './jobs.js';
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
  logger: Logger;
  /** Resolves when the worker should stop (SIGINT/SIGTERM). */
  stopped: Promise<void>;
}

export async function runWorker(options: WorkerOptions): Promise<void> {
  const { Worker, UnrecoverableError } = await bullmq();
  for (const t of options.targets) getTarget(t);
  const connection = await connect(options.queue);
  const store = new FileStore(options.store);
  const roots = new BuildRoots({ dir: options.rootsDir, settings: options.roots, logger: options.logger });
  const id = `${hostname()}:${process.pid}`;
  const limits = options.limits ?? DEFAULT_BUILD_LIMITS;
  const workers = options.targets.map(
    (target) =>
      new Worker(
        queueName(target, options.arch),
        async (job) => {
          const data = buildJobSchema.parse(job.data);
          options.logger.info(`${data.project} ${data.version} for ${data.target}: building (job ${job.id}, attempt ${job.attemptsMade + 1})`);
          const workDir = await makeWorkDir();
          try {
            const result = await buildFromJob(data, { store, roots, limits, work: join(workDir.path, 'job'), worker: id, logger: options.logger });
            options.logger.info(`${data.project} ${data.version} for ${data.target}: built ${result.wheel.filename}`);
            return result;
          } catch (error) {
            const log = (error as { logSha256?: string }).logSha256;
            const message = JSON.stringify({ message: (error as Error).message, code: (error as Pkg2osError).code ?? 'INTERNAL', detail: (error as Pkg2osError).detail, log });
            options.logger.warn(`${data.project} ${data.version} for ${data.target}: ${(error as Error).message}`);
            // What the sdist is does not change on another try; a worker's trouble might.
            if (error instanceof Pkg2osError && error.exitCode === 4) throw new UnrecoverableError(message);
            throw new Error(message);
          } finally {
            await removeWork(workDir.path);
            workDir.release();
          }
        },
        { connection, concurrency: options.concurrency, lockDuration: options.lockSeconds * 1000, stalledInterval: Math.max(1000, (options.lockSeconds * 1000) / 2), maxStalledCount: 2 },
      ),
  );
  options.logger.info(`worker ${id}: serving ${options.targets.map((t) => queueName(t, options.arch)).join(', ')} on ${redactUrl(options.queue)}, store ${store.description}`);
  await options.stopped;
  await Promise.all(workers.map((w) => w.close()));
  connection.disconnect();
}
