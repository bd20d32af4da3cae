/**
 * The build-farm workers the coordinator accepts results from, pinned by
 * their public keys: `pkg2os farm trust add NAME FILE` keeps a copy in
 * `<keys-dir>/farm-workers/NAME.pub`, and `farm-workers:` in
 * pkg2os.config.yaml names more. They are read again for every result, so
 * that a worker removed in the middle of a run is refused from then on.
 */
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { ConfigError } from '../../errors.js';
import { fingerprintOf, parsePublicKey } from '../../farm/identity.js';

export interface PinnedWorker {
  name: string;
  fingerprint: string;
  key: KeyObject;
  /** Where it is pinned: the keys directory's file, or the configuration. */
  source: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export class WorkerPins {
  constructor(
    /** `<keys-dir>/farm-workers` */
    readonly dir: string,
    /** `farm-workers:` of the configuration: name → public key file. */
    private readonly configured: Readonly<Record<string, string>> = {},
  ) {}

  static forKeysDir(keysDir: string, configured?: Readonly<Record<string, string>>): WorkerPins {
    return new WorkerPins(join(keysDir, 'farm-workers'), configured);
  }

  /** Pin the worker whose worker.pub is `file` as `name`; returns its fingerprint. */
  async add(name: string, file: string): Promise<string> {
    if (!NAME.test(name)) throw new ConfigError('USAGE', `"${name}" is not a worker name: letters, digits, ".", "_" and "-", at most 64.`);
    const key = await readKeyFile(file);
    const fingerprint = fingerprintOf(key);
    const existing = (await this.list()).find((w) => w.name === name || w.fingerprint === fingerprint);
    if (existing && (existing.name !== name || existing.fingerprint !== fingerprint)) {
      throw new ConfigError('USAGE', existing.name === name ? `A worker named ${name} is pinned already, with another key (${existing.fingerprint.slice(0, 16)}…).` : `That key is pinned already, as ${existing.name}.`, {
        hint: existing.name === name ? `Remove it first (pkg2os farm trust remove ${name}) if the worker's key really changed.` : 'One key, one name: a worker that builds twice is still one vote.',
      });
    }
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFile(join(this.dir, `${name}.pub`), key.export({ type: 'spki', format: 'pem' }) as string, { mode: 0o644 });
    return fingerprint;
  }

  /** Unpin `name`; false when it was not pinned here (a pin of the configuration stays until the configuration drops it). */
  async remove(name: string): Promise<boolean> {
    if (!NAME.test(name)) return false;
    const path = join(this.dir, `${name}.pub`);
    const there = await readFile(path).then(() => true, () => false);
    await rm(path, { force: true });
    return there;
  }

  /** Every pinned worker: those of the keys directory, then those of the configuration. */
  async list(): Promise<PinnedWorker[]> {
    const out: PinnedWorker[] = [];
    for (const file of (await readdir(this.dir).catch(() => [] as string[])).filter((f) => f.endsWith('.pub')).sort()) {
      const path = join(this.dir, file);
      const key = parsePublicKey(await readFile(path, 'utf8').catch(() => ''));
      if (key) out.push({ name: file.slice(0, -4), fingerprint: fingerprintOf(key), key, source: path });
    }
    for (const [name, file] of Object.entries(this.configured)) {
      const key = await readKeyFile(resolve(file));
      out.push({ name, fingerprint: fingerprintOf(key), key, source: `farm-workers: ${name} (${file})` });
    }
    return out;
  }

  /** The pinned worker with this fingerprint, read now. */
  async find(fingerprint: string): Promise<PinnedWorker | undefined> {
    return (await this.list()).find((w) => w.fingerprint === fingerprint);
  }
}

async function readKeyFile(file: string): Promise<KeyObject> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError('USAGE', `Cannot read the worker's public key ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}.`, { hint: 'Give the worker.pub its --identity directory holds.', cause: error });
  }
  const key = parsePublicKey(text);
  if (!key) throw new ConfigError('USAGE', `${file} is not a worker's public key (an Ed25519 key in PEM, as worker.pub holds).`, { hint: 'Give the worker.pub its --identity directory holds.' });
  return key;
}
