/**
 * What travels through the queue: one job per wheel to build, named by
 * target and architecture (a worker takes only the queues it serves), its
 * inputs by sha256 in the artifact store, and the result by sha256 too. The
 * worker checks the job it is given; the coordinator checks the result. The
 * Redis URL (it may hold a password) is never printed whole.
 */
import { z } from 'zod';
import { ConfigError, FarmError } from '../errors.js';
import { redactUrl } from '../url-policy.js';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const file = z.object({ filename: z.string().regex(/^[^/\\\0]+$/), sha256 }).strict();

export const buildJobSchema = z
  .object({
    run: z.string(),
    target: z.string(),
    arch: z.string(),
    project: z.string(),
    version: z.string(),
    sdist: file,
    /** The recipe's build settings; its patches by content. */
    recipe: z
      .object({
        env: z.record(z.string(), z.string()).optional(),
        buildTimeout: z.string().optional(),
        patches: z.array(file).optional(),
        /** Packages the build needs in the target's root (the recipe's build-depends for the target's family). */
        buildDepends: z.array(z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/)).optional(),
        optionalExtension: z.boolean().optional(),
      })
      .strict(),
    /** The build environment: the verified wheels of the build requirements, and its key. */
    environment: z.object({ key: z.string(), wheels: z.array(file.extend({ project: z.string(), version: z.string() })) }).strict(),
    /** One of the copies of a job that independent workers must build alike (--agree N): a worker builds one copy of a group at most. */
    agreement: z.object({ group: z.string(), copies: z.number().int().min(2) }).strict().optional(),
  })
  .strict();

/** A worker's answer: what it built, and its signature over the statement that binds it to the job (identity.ts). */
export const buildResultSchema = z
  .object({
    wheel: file,
    log: sha256,
    /** The fingerprint of the worker's key. */
    worker: sha256,
    /** Where it ran (host:pid), for people: nothing is decided on it. */
    host: z.string().max(300),
    /** Ed25519, base64, over the result statement. */
    signature: z.string().regex(/^[A-Za-z0-9+/]{86}==$/),
  })
  .strict();

/**
 * Why a worker could not build a job, as it crosses the queue (BullMQ's
 * failedReason): the error's code and message, its last lines of output, the
 * digest of the build log in the store, and whether another try could help
 * (a worker's trouble) or not (what the sdist is does not change).
 */
export const jobFailureSchema = z
  .object({
    code: z.string(),
    message: z.string(),
    detail: z.string().optional(),
    log: sha256.optional(),
    retry: z.boolean(),
  })
  .strict();

export type JobFailure = z.infer<typeof jobFailureSchema>;

/** A failure as the worker sends it. */
export function encodeFailure(failure: JobFailure): string {
  return JSON.stringify(jobFailureSchema.parse(failure));
}

/** A failure as the coordinator reads it: anything that is not one is reported as it came, never trusted further. */
export function decodeFailure(reason: string | undefined): JobFailure {
  try {
    const parsed = jobFailureSchema.safeParse(JSON.parse(reason ?? ''));
    if (parsed.success) return parsed.data;
  } catch {
    // not JSON
  }
  return { code: 'REMOTE_BUILD_FAILED', message: (reason ?? 'the job failed').slice(0, 2000), retry: false };
}

export type BuildJob = z.infer<typeof buildJobSchema>;
export type BuildResult = z.infer<typeof buildResultSchema>;

/** The queue of builds for a target on an architecture. */
export function queueName(target: string, arch: string): string {
  return `pkg2os-build.${target}.${arch}`;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * The Redis connection of a --queue URL: redis:// or rediss:// (TLS), with
 * its user and password if any. A queue on another host that takes no
 * password is an open door (anyone who reaches it can hold up or drop the
 * farm's jobs) and is refused unless `allowOpen`.
 */
export async function connect(url: string, options: { allowOpen?: boolean } = {}): Promise<import('ioredis').Redis> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FarmError('QUEUE_UNREACHABLE', `--queue "${redactUrl(url)}" is not a URL.`, { hint: 'Give redis://HOST:PORT, or rediss://USER:PASSWORD@HOST:PORT for TLS.' });
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new FarmError('QUEUE_UNREACHABLE', `--queue ${redactUrl(url)} is not a redis:// or rediss:// URL.`);
  if (!LOOPBACK.test(parsed.hostname) && !parsed.password && !options.allowOpen) {
    throw new ConfigError('OPEN_QUEUE', `The build queue ${redactUrl(url)} is on another host and takes no password: anyone who can reach it could hold up or drop the farm's jobs.`, {
      hint: 'Give it a user and password (a Redis ACL user: README.md, "Build farms") and TLS: rediss://USER:PASSWORD@HOST:PORT. If the network itself is closed, allow it with --allow-open-queue (allow-open-queue: true).',
    });
  }
  const ioredis = await import('ioredis');
  const Redis = (ioredis.Redis ?? (ioredis as unknown as { default: typeof ioredis.Redis }).default) as typeof ioredis.Redis;
  // BullMQ's workers block on Redis: no retry limit per command; a connection that cannot be made is reported by ping().
  const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true, connectTimeout: 5000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new FarmError('QUEUE_UNREACHABLE', `Could not reach the build queue at ${redactUrl(url)}: ${(error as Error).message}.`, { hint: 'Check that redis-server runs there and that the URL (and its password) is right.', cause: error });
  }
  return redis;
}

/** BullMQ, loaded on first use (its CommonJS exports, however the bundler hands them over). */
export async function bullmq(): Promise<typeof import('bullmq')> {
  const mod = (await import('bullmq')) as typeof import('bullmq') & { default?: typeof import('bullmq') };
  return mod.Worker ? mod : mod.default!;
}
