/**
 * Who built a wheel, said so that it can be checked: every build-farm worker
 * has an Ed25519 key pair of its own (`pkg2os worker --identity DIR`: the
 * private part in DIR/worker.key, mode 0600, encrypted with
 * PKG2OS_WORKER_PASSPHRASE when one is given; the public part in
 * DIR/worker.pub, to be pinned on the coordinator), and signs each result
 * over everything that makes it *this* job's answer (resultStatement). The
 * coordinator accepts a result only when a worker it pinned signed exactly
 * that statement for the job it submitted: a process that can write to the
 * queue, but holds no pinned key, can answer jobs and be refused.
 */
import { type KeyObject, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson } from '../digest.js';
import { ConfigError } from '../errors.js';
import type { BuildJob } from './jobs.js';

export interface WorkerIdentity {
  /** sha256 of the public key (SubjectPublicKeyInfo, DER), hex: the worker's id in results and pins. */
  fingerprint: string;
  publicPem: string;
  /** Where its public part is, to be pinned. */
  publicFile: string;
  /** Made by this call (the first use of DIR). */
  created: boolean;
  signStatement(statement: ResultStatement): string;
}

/** What a worker's signature covers: the job (its id, run and inputs), where it was built, and what came out. */
export interface ResultStatement {
  job: string;
  run: string;
  /** sha256 of the job's inputs (inputsDigest): a result for other inputs does not verify. */
  inputs: string;
  target: string;
  arch: string;
  wheel: { filename: string; sha256: string };
  log: string;
  /** The fingerprint of the worker that signs. */
  worker: string;
}

const PURPOSE = 'pkg2os build-farm result, version 1';

/** The bytes a worker signs: the statement as canonical JSON, under a purpose no other signature of pkg2os shares. */
export function statementBytes(statement: ResultStatement): Buffer {
  return Buffer.from(canonicalJson({ purpose: PURPOSE, ...statement }));
}

/** The digest of what a job builds from: everything in it but the bookkeeping of agreement copies. */
export function inputsDigest(job: BuildJob): string {
  const { agreement: _copy, ...inputs } = job;
  return createHash('sha256').update(canonicalJson(inputs)).digest('hex');
}

export function fingerprintOf(key: KeyObject): string {
  return createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex');
}

/** A worker's public key from its worker.pub text; undefined when it is not an Ed25519 public key. */
export function parsePublicKey(pem: string): KeyObject | undefined {
  try {
    const key = createPublicKey(pem);
    return key.asymmetricKeyType === 'ed25519' ? key : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `signature` (base64) is `key`'s over `statement`. */
export function verifyStatement(key: KeyObject, statement: ResultStatement, signature: string): boolean {
  try {
    return verify(null, statementBytes(statement), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** The identity in `dir`: loaded, or made on first use. `passphrase` encrypts (and unlocks) the private part. */
export async function loadOrCreateIdentity(dir: string, passphrase?: string): Promise<WorkerIdentity> {
  const privateFile = join(dir, 'worker.key');
  const publicFile = join(dir, 'worker.pub');
  let created = false;
  if (!(await stat(privateFile).catch(() => undefined))) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    const pair = generateKeyPairSync('ed25519');
    const privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem', ...(passphrase ? { cipher: 'aes-256-cbc', passphrase } : {}) }) as string;
    await writeFile(privateFile, privatePem, { mode: 0o600, flag: 'wx' });
    await writeFile(publicFile, pair.publicKey.export({ type: 'spki', format: 'pem' }) as string, { mode: 0o644 });
    created = true;
  }
  const st = await stat(privateFile);
  if ((st.mode & 0o077) !== 0) {
    throw new ConfigError('WORKER_IDENTITY', `The worker's private key ${privateFile} can be read by others (mode ${(st.mode & 0o777).toString(8)}).`, { hint: `chmod 600 ${privateFile} if nobody else read it; otherwise make a new identity (remove ${dir}) and pin the new worker.pub.` });
  }
  const text = await readFile(privateFile, 'utf8');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: text, format: 'pem', ...(passphrase ? { passphrase } : {}) });
  } catch {
    throw new ConfigError('WORKER_IDENTITY', /ENCRYPTED/.test(text) ? `The worker's private key ${privateFile} is encrypted, and ${passphrase ? 'the passphrase given does not unlock it' : 'no passphrase was given'}.` : `${privateFile} is not a worker's private key.`, {
      hint: 'Set PKG2OS_WORKER_PASSPHRASE or PKG2OS_WORKER_PASSPHRASE_FILE, or make a new identity in an empty directory and pin its worker.pub.',
    });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new ConfigError('WORKER_IDENTITY', `${privateFile} is not an Ed25519 key.`, { hint: 'Make a new identity in an empty directory and pin its worker.pub.' });
  const publicKey = createPublicKey(privateKey);
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const fingerprint = fingerprintOf(publicKey);
  return {
    fingerprint,
    publicPem,
    publicFile,
    created,
    signStatement: (statement) => sign(null, statementBytes(statement), privateKey).toString('base64'),
  };
}
