/**
 * The coordinator's side of the build farm: the run's build jobs go into the
 * queue as BullMQ flows (a job's dependencies are its children, so a
 * dependent waits for them; a DAG is submitted as a spanning forest, and the
 * pipeline's own job graph keeps the other edges), and their results are
 * awaited by polling each job. A result counts only when a pinned worker
 * signed it for that job (accept.ts); a refused one is logged and its job
 * submitted again, a bounded number of times, then the run fails (exit 8).
 * With --agree N, N copies of each job go out and N distinct pinned workers
 * must return byte-identical wheels. A job that vanished (Redis restarted
 * without its data), a queue nobody serves for longer than the wait, or
 * Redis itself gone, ends the run with a FarmError; a build that failed is
 * the build's failure, with the worker's message and log. Cancelling
 * removes the jobs.
 */
import { randomBytes } from 'node:crypto';
import type { FarmSettings } from '../../config/build-request.js';
import { BuildError, FarmError } from '../../errors.js';
import { redactUrl } from '../../url-policy.js';
import type { Logger } from '../../log.js';
import { type ArtifactStore, FileStore } from '../../farm/artifact-store.js';
import { type BuildJob, bullmq, connect, decodeFailure, queueName } from '../../farm/jobs.js';
import { type AcceptedCopy, type Vouch, checkResult, disagreement } from './accept.js';
import { WorkerPins } from './worker-pins.js';

export type { FarmSettings } from '../../config/build-request.js';

/** A result the coordinator accepted: the wheel, the workers that vouch for it, and their logs. */
export interface AcceptedResult {
  wheel: { filename: string; sha256: string };
  workers: Vouch[];
  logs: Array<{ worker: string; sha256: string }>;
}

/** One job in the queue: its queue, its id, the target it builds for. */
interface QueuedJob {
  queue: string;
  id: string;
  target: string;
  /** Since when it waits with no worker taking it. */
  waiting?: number;
}

/** An item this run submitted: its job, the copies of it in the queue, and its result once awaited. */
interface SubmittedItem {
  job: BuildJob;
  copies: QueuedJob[];
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
  private readonly jobs = new Map<string, SubmittedItem>();
  private readonly queues = new Map<string, Queue>();
  private readonly pins: WorkerPins;
  private readonly agree: number;

  private constructor(
    readonly store: ArtifactStore,
    private readonly settings: FarmSettings,
    private readonly connection: import('ioredis').Redis,
    private readonly logger: Logger,
  ) {
    this.pins = WorkerPins.forKeysDir(settings.keysDir, settings.workers);
    this.agree = settings.agree ?? 1;
  }

  static async open(settings: FarmSettings, logger: Logger): Promise<FarmCoordinator> {
    await requirePinnedWorkers(settings);
    const connection = await connect(settings.queue, { allowOpen: settings.allowOpenQueue });
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
    for (const item of items) if (this.agree > 1) item.job = { ...item.job, agreement: { group: id(item.key), copies: this.agree } };
    const node = (item: FarmItem): import('bullmq').FlowJob => {
      const name = queueName(item.job.target, item.job.arch);
      this.jobs.set(item.key, { job: item.job, copies: [{ queue: name, id: id(item.key), target: item.job.target }] });
      const children = items.filter((c) => parentOf.get(c.key) === item.key).map(node);
      return {
        name: `${item.job.project} ${item.job.version}`,
        queueName: name,
        data: item.job,
        opts: { jobId: id(item.key), ...this.jobOptions(), failParentOnFailure: true },
        ...(children.length ? { children } : {}),
      } as import('bullmq').FlowJob;
    };
    const producer = new FlowProducer({ connection: this.connection });
    try {
      for (const root of items.filter((i) => !parentOf.has(i.key))) await producer.add(node(root));
      // The other copies a --agree N build needs, each for another worker.
      for (const item of items) for (let k = 1; k < this.agree; k++) await this.addCopy(item.key, `c${k}`);
    } catch (error) {
      throw new FarmError('QUEUE_UNREACHABLE', `Could not submit the build jobs to ${redactUrl(this.settings.queue)}: ${(error as Error).message}.`, { cause: error });
    } finally {
      await producer.close();
    }
    this.logger.info(`build farm: ${items.length} job(s) submitted to ${[...new Set([...this.jobs.values()].map((j) => j.copies[0]!.queue))].join(', ')} (run ${this.run})${this.agree > 1 ? `, each to be built alike by ${this.agree} distinct pinned workers` : ''}`);
  }

  private jobOptions() {
    return { attempts: this.settings.attempts ?? 3, backoff: { type: 'fixed' as const, delay: 1000 }, removeOnComplete: false, removeOnFail: false };
  }

  /** Another copy of an item's job, outside its flow (an agreement copy, or one submitted again after a refused result). */
  private async addCopy(key: string, suffix: string): Promise<QueuedJob> {
    const item = this.jobs.get(key)!;
    const first = item.copies[0]!;
    const copy = { queue: first.queue, id: `${first.id}-${suffix}`, target: first.target };
    await (await this.queue(copy.queue)).add(`${item.job.project} ${item.job.version}`, item.job, { jobId: copy.id, ...this.jobOptions() });
    item.copies.push(copy);
    return copy;
  }

  /** The result of an item's job, once enough pinned workers returned it signed (and, with --agree N, N of them alike). */
  result(key: string): Promise<AcceptedResult> {
    const item = this.jobs.get(key);
    if (!item) return Promise.reject(new FarmError('JOB_LOST', `No build job was submitted for ${key}.`));
    item.result ??= this.collect(key, item);
    return item.result;
  }

  private async collect(key: string, item: SubmittedItem): Promise<AcceptedResult> {
    const vouched = new Map<string, AcceptedCopy>();
    const refusals: string[] = [];
    const pending = [...item.copies];
    const budget = (this.settings.attempts ?? 3) * this.agree;
    let again = 0;
    while (vouched.size < this.agree) {
      let copy = pending.shift();
      if (!copy) {
        if (item.copies.length >= budget) {
          throw new FarmError(refusals.length ? 'RESULT_REFUSED' : 'NO_AGREEMENT', refusals.length ? `No acceptable result for ${key} after ${item.copies.length} job(s): ${[...new Set(refusals)].join('; ')}. Nothing was published.` : `Only ${vouched.size} distinct pinned worker(s) built ${key}; --agree ${this.agree} needs ${this.agree}. Nothing was published.`, {
            hint: refusals.length ? 'Someone who can write to the queue answers jobs without a pinned key: check who reaches the queue (README.md, "Build farms": its ACL and TLS).' : `Start more pinned workers for ${item.copies[0]!.target}, or lower --agree.`,
          });
        }
        copy = await this.addCopy(key, `r${++again}`);
      }
      const verdict = await checkResult(await this.await(key, copy), item.job, copy.id, this.run, this.pins);
      if ('refused' in verdict) {
        refusals.push(verdict.refused);
        this.logger.warn(`build farm: refused the result of job ${copy.id} for ${key}: ${verdict.refused}`);
        continue;
      }
      if (vouched.has(verdict.accepted.vouch.key)) continue;
      vouched.set(verdict.accepted.vouch.key, verdict.accepted);
    }
    const copies = [...vouched.values()];
    if (new Set(copies.map((c) => c.wheel.sha256)).size > 1) throw await disagreement(key, copies, this.store);
    return { wheel: copies[0]!.wheel, workers: copies.map((c) => c.vouch), logs: copies.map((c) => ({ worker: c.vouch.worker, sha256: c.log })) };
  }

  /** The raw answer to one queued job (what its worker returned, unchecked). */
  private async await(key: string, job: QueuedJob): Promise<unknown> {
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
      // Read again: the job may have completed after it was read and before its state was (its return value not yet in it).
      if (state === 'completed') return ((await Job.fromId(queue, job.id)) ?? found)!.returnvalue as unknown;
      if (state === 'failed') throw failedBuild(key, found!.failedReason);
      if (state === 'waiting' || state === 'prioritized' || state === 'delayed') {
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

  /** Remove this run's jobs (a cancelled run). */
  async cancel(): Promise<void> {
    for (const job of [...this.jobs.values()].flatMap((i) => i.copies)) {
      const queue = await this.queue(job.queue).catch(() => undefined);
      await queue?.remove(job.id, { removeChildren: true }).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    for (const queue of this.queues.values()) await queue.close().catch(() => undefined);
    this.connection.disconnect();
  }
}

/** A farm build accepts results only from pinned workers (as many as --agree asks): checked before anything is fetched or queued. */
export async function requirePinnedWorkers(settings: FarmSettings): Promise<void> {
  const pinned = await WorkerPins.forKeysDir(settings.keysDir, settings.workers).list();
  if (pinned.length < (settings.agree ?? 1)) {
    throw new FarmError('NO_PINNED_WORKER', pinned.length === 0 ? 'No build-farm worker is pinned, so no result could be accepted: a farm build needs the public keys of the workers it trusts.' : `--agree ${settings.agree} needs that many distinct pinned workers, and ${pinned.length} ${pinned.length === 1 ? 'is' : 'are'} pinned (${pinned.map((w) => w.name).join(', ')}).`, {
      hint: 'On each worker, pkg2os worker --identity DIR makes DIR/worker.pub; copy it here and pin it: pkg2os farm trust add NAME worker.pub (or farm-workers: {NAME: FILE} in pkg2os.config.yaml).',
    });
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
