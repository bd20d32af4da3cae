/**
 * What the coordinator accepts from a worker: a result that parses, signed
 * by a worker pinned now, over the statement of the job the coordinator
 * itself submitted (its id, this run, the inputs' digest, target and
 * architecture) and of the wheel and log the result names. Anything else is
 * refused with the reason. And when independent workers were asked for the
 * same wheel (--agree), what differs between their wheels, file by file.
 */
import { join } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { IntegrityError } from '../../errors.js';
import type { ArtifactStore } from '../../farm/artifact-store.js';
import { type ResultStatement, inputsDigest, verifyStatement } from '../../farm/identity.js';
import { type BuildJob, buildResultSchema } from '../../farm/jobs.js';
import { memberDigests } from '../../zip-archive.js';
import type { WorkerPins } from './worker-pins.js';

/** A worker that vouches for a wheel: its pinned name, its key's fingerprint, where it ran (as it says). */
export interface Vouch {
  worker: string;
  key: string;
  host: string;
}

export interface AcceptedCopy {
  wheel: { filename: string; sha256: string };
  log: string;
  vouch: Vouch;
}

export type Verdict = { accepted: AcceptedCopy } | { refused: string };

/** Check a worker's answer to the job `jobId` (one copy of `job`) of run `run`. */
export async function checkResult(value: unknown, job: BuildJob, jobId: string, run: string, pins: WorkerPins): Promise<Verdict> {
  const parsed = buildResultSchema.safeParse(value);
  if (!parsed.success) return { refused: `it is not a signed build result (${parsed.error.issues[0]?.path.join('.') || 'the result'}: ${parsed.error.issues[0]?.message})` };
  const r = parsed.data;
  const pinned = await pins.find(r.worker);
  if (!pinned) return { refused: `it is signed by a worker that is not pinned (key ${r.worker.slice(0, 16)}…, at ${r.host}); pin a worker with pkg2os farm trust add` };
  const statement: ResultStatement = { job: jobId, run, inputs: inputsDigest(job), target: job.target, arch: job.arch, wheel: r.wheel, log: r.log, worker: r.worker };
  if (!verifyStatement(pinned.key, statement, r.signature)) {
    return { refused: `${pinned.name}'s signature does not cover this job (${jobId}), its inputs, target and architecture with this wheel and log: a result made for another job, or altered on the way` };
  }
  return { accepted: { wheel: r.wheel, log: r.log, vouch: { worker: pinned.name, key: r.worker, host: r.host } } };
}

/** The error for workers that built different wheels from the same inputs, naming the digests and the files that differ. */
export async function disagreement(label: string, copies: readonly AcceptedCopy[], store: ArtifactStore): Promise<IntegrityError> {
  const [first, other] = [copies[0]!, copies.find((c) => c.wheel.sha256 !== copies[0]!.wheel.sha256)!];
  const dir = await mkdtemp(join(tmpdir(), 'pkg2os-agree-'));
  let differing: string[] = [];
  try {
    const [a, b] = (await Promise.all(
      [first, other].map(async (copy, k) => {
        const path = join(dir, String(k), copy.wheel.filename);
        await store.get(copy.wheel.sha256, path);
        return memberDigests(path);
      }),
    )) as [Map<string, string>, Map<string, string>];
    differing = [...new Set([...a.keys(), ...b.keys()])].filter((name) => a.get(name) !== b.get(name)).sort();
  } catch (error) {
    differing = [`(the wheels could not be compared: ${(error as Error).message})`];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const shown = differing.slice(0, 20).join(', ') + (differing.length > 20 ? `, and ${differing.length - 20} more` : '');
  return new IntegrityError('BUILDS_DISAGREE', `Independent builds of ${label} disagree: ${first.vouch.worker} built a wheel with sha256 ${first.wheel.sha256}, ${other.vouch.worker} one with sha256 ${other.wheel.sha256}, from the same inputs; the files that differ: ${shown || 'none (only the archive itself)'}. Nothing of it is published.`, {
    hint: 'One of the builders is compromised or its build root differs (compare their build logs, kept with the run\'s). Rebuild the project on workers you trust and compare again.',
  });
}
