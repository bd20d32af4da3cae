/**
 * The coordinator's side of the build farm: the run's build jobs go into the
 * queue as BullMQ flows (a job's dependencies are its children, so a
 * dependent waits for them; a DAG is submitted as a spanning forest, and the
 * pipeline's own job graph keeps the other edges), and their results are
 * awaited by polling each job. A job that vanished (Redis restarted without
 * its data), a queue nobody serves for longer than the wait, or Redis itself
 * gone, ends the run with a FarmError; a build that failed is the build's
 * failure, with the worker's message and log. Cancelling removes the jobs.
 */
import { randomBytes } from 'node:crypto';
import type { FarmSettings } from '../../config/build-request.js';
import { BuildError, FarmError } from '../../errors.js';
import { redactUrl } from '../../url-policy.js';
import type { Logger } from '../../log.js';
import { type ArtifactStore, FileStore } from '../../farm/artifact-store.js';
import { type BuildJob, buildResultSchema, bullmq, connect, decodeFailure, queueName } from '../../farm/jobs.js';

export type { FarmSettings } from '../../config/build-request.js';

/** A result the coordinator accepted: the wheel, the workers that vouch for it, and their logs. */
export interface AcceptedResult {
  wheel: { filename: string; sha256: string };
  workers: string[];
  logs: Array<{ worker: string; sha256: string }>;
}

/** A job this run submitted: its queue, its id, the target it builds for. */
interface SubmittedJob {
  queue: string;
  id: string;
  target: string;
  /** Since when it waits with no worker taking it. */
  waiting?: number;
  result?: Promise<AcceptedResult>;
}

export interface FarmItem {
  key: string;
  job: BuildJob;
  /** Keys of the items it depends on (in the same submission). */
  dependencies: string[];
}

type Queue = import('bullmq').Queue;

export class FarmCoordinator {
  readonly run = randomBytes(8).toString('hex');
  private readonly jobs = new Map<string, SubmittedJob>();
  private readonly queues = new Map<string, Queue>();

  private constructor(
    readonly store: ArtifactStore,
    private readonly settings: FarmSettings,
    private readonly connection: import('ioredis').Redis,
    private readonly logger: Logger,
  ) {}

  static async open(settings: FarmSettings, logger: Logger): Promise<FarmCoordinator> {
    const connection = await connect(settings.queue);
    // The coordinator's commands give up instead of waiting for a Redis that is gone.
    connection.options.maxRetriesPerRequest = 2;
    connection.options.commandTimeout = 10_000;
    return new FarmCoordinator(new FileStore(settings.store), settings, connection, logger);
  }

  private async queue(name: string): Promise<Queue> {
    let queue = this.queues.get(name);
    if (!queue) {
      const { Queue } = await bullmq();
      queue = new Queue(name, { connection: this.connection });
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Submit the items as flows: each item's first dependent (in the order given) is its parent. */
  async submit(items: FarmItem[]): Promise<void> {
    const { FlowProducer } = await bullmq();
    const byKey = new Map(items.map((i) => [i.key, i]));
    const parentOf = new Map<string, string>();
    for (const item of items) for (const dep of item.dependencies) if (byKey.has(dep) && !parentOf.has(dep) && dep !== item.key && !isAncestor(dep, item.key, parentOf)) parentOf.set(dep, item.key);
    const id = (key: string) => `${this.run}-${Buffer.from(key).toString('base64url')}`;
    const node = (item: FarmItem): import('bullmq').FlowJob => {
      const name = queueName(item.job.target, item.job.arch);
      this.jobs.set(item.key, { queue: name, id: id(item.key), target: item.job.target });
      const children = items.filter((c) => parentOf.get(c.key) === item.key).map(node);
      return {
        name: `${item.job.project} ${item.job.version}`,
        queueName: name,
        data: item.job,
        opts: { jobId: id(item.key), attempts: this.settings.attempts ?? 3, backoff: { type: 'fixed', delay: 1000 }, failParentOnFailure: true, removeOnComplete: false, removeOnFail: false },
        ...(children.length ? { children } : {}),
      } as import('bullmq').FlowJob;
    };
    const producer = new FlowProducer({ connection: this.connection });
    try {
      for (const root of items.filter((i) => !parentOf.has(i.key))) await producer.add(node(root));
    } catch (error) {
      throw new FarmError('QUEUE_UNREACHABLE', `Could not submit the build jobs to ${redactUrl(this.settings.queue)}: ${(error as Error).message}.`, { cause: error });
    } finally {
      await producer.close();
    }
    this.logger.info(`build farm: ${items.length} job(s) submitted to ${[...new Set([...this.jobs.values()].map((j) => j.queue))].join(', ')} (run ${this.run})`);
  }

  /** The result of an item's job, once its worker returned it. */
  result(key: string): Promise<AcceptedResult> {
    const job = this.jobs.get(key);
    if (!job) return Promise.reject(new FarmError('JOB_LOST', `No build job was submitted for ${key}.`));
    job.result ??= this.await(key, job);
    return job.result;
  }

  private async await(key: string, job: SubmittedJob): Promise<AcceptedResult> {
    const { Job } = await bullmq();
    const queue = await this.queue(job.queue);
    let unreachableSince: number | undefined;
    for (;;) {
      let state: string;
      let found: import('bullmq').Job | undefined;
      try {
        found = await Job.fromId(queue, job.id);
        state = found ? await found.getState() : 'missing';
        unreachableSince = undefined;
      } catch (error) {
        unreachableSince ??= Date.now();
        if (Date.now() - unreachableSince > 30_000) throw new FarmError('QUEUE_UNREACHABLE', `Lost the build queue ${redactUrl(this.settings.queue)} while waiting for ${key}: ${(error as Error).message}.`, { hint: 'Nothing was published. Start Redis again and run again: what was built is in the cache and the store.', cause: error });
        await sleep(500);
        continue;
      }
      if (state === 'missing' || state === 'unknown') {
        throw new FarmError('JOB_LOST', `The build queue lost the job of ${key} (Redis restarted without its data?).`, { hint: 'Nothing was published. Run again; give Redis persistence (appendonly yes) for long runs.' });
      }
      if (state === 'completed') return this.completed(key, found!.returnvalue);
      if (state === 'failed') throw failedBuild(key, found!.failedReason);
      if (state === 'waiting' || state === 'prioritized') {
        job.waiting ??= Date.now();
        if (Date.now() - job.waiting > this.settings.waitForWorkerMs && (await queue.getWorkersCount().catch(() => 0)) === 0) {
          throw new FarmError('NO_WORKER', `No worker serves ${job.queue}: the job of ${key} waited ${Math.round((Date.now() - job.waiting) / 1000)} s.`, {
            hint: `Start one: pkg2os worker --queue ${redactUrl(this.settings.queue)} --target ${job.target} --store ${this.store.description}`,
          });
        }
      } else job.waiting = undefined;
      await sleep(250);
    }
  }

  private completed(key: string, value: unknown): AcceptedResult {
    const parsed = buildResultSchema.safeParse(value);
    if (!parsed.success) throw new FarmError('ARTIFACT_TAMPERED', `The worker's result for ${key} is not a build result: ${parsed.error.issues[0]?.message}.`);
    const r = parsed.data;
    return { wheel: r.wheel, workers: [r.worker], logs: [{ worker: r.worker, sha256: r.log }] };
  }

  /** Remove this run's jobs (a cancelled run). */
  async cancel(): Promise<void> {
    for (const job of this.jobs.values()) {
      const queue = await this.queue(job.queue).catch(() => undefined);
      await queue?.remove(job.id, { removeChildren: true }).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    for (const queue of this.queues.values()) await queue.close().catch(() => undefined);
    this.connection.disconnect();
  }
}

function isAncestor(candidate: string, of: string, parentOf: ReadonlyMap<string, string>): boolean {
  for (let at: string | undefined = of; at; at = parentOf.get(at)) if (at === candidate) return true;
  return false;
}

/** A worker's failure, as the build failure it reports (message, output, log). */
function failedBuild(key: string, reason: string | undefined): BuildError {
  const failure = decodeFailure(reason);
  const error = new BuildError('REMOTE_BUILD_FAILED', `The build farm could not build ${key}: ${failure.message}`, {
    detail: failure.detail,
    hint: 'The worker\'s build log is kept with the run\'s logs.',
  });
  (error as { logSha256?: string }).logSha256 = failure.log;
  return error;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
