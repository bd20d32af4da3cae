/**
 * The trust store for upstream keys: keys pinned per project, as armored
 * public keys in `<keys dir>/<project>/*.asc`, or as fingerprints in the
 * project's recipe (`upstream-keys:`) whose key material lies anywhere in the
 * keys directory or in a recipes directory's `keys/` folder.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { writeAtomic } from '../../fs-atomic.js';
import { join } from 'node:path';
import { ConfigError } from '../../errors.js';
import type { Recipe } from '../../config/recipes.js';
import { type Publisher, formatPublisher, parsePublisher } from './publishers.js';
import { type KeyDescription, type PublicKey, describeKey, fingerprintOf, normalizeFingerprint, readPublicKeys } from './openpgp-keys.js';

const KEY_FILE = /\.(asc|gpg|pgp)$/;

async function keyFiles(dir: string, recursive: boolean): Promise<string[]> {
  const found: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory() && recursive) found.push(...(await keyFiles(path, true)));
    else if (e.isFile() && KEY_FILE.test(e.name)) found.push(path);
  }
  return found.sort();
}

const PUBLISHERS_FILE = 'publishers';

export interface PinnedPublishers {
  publishers: Publisher[];
  /** Where they came from, for reports and messages. */
  sources: string[];
}

export interface PinnedKeys {
  keys: PublicKey[];
  /** Where they came from, for reports and messages. */
  sources: string[];
}

export class TrustStore {
  constructor(
    readonly dir: string,
    private readonly recipeDirs: readonly string[] = [],
  ) {}

  /** Keys pinned for `project` (normalized name), from its key folder and its recipe's fingerprints. */
  async keysFor(project: string, recipe: Recipe & { file?: string }): Promise<PinnedKeys> {
    const keys = new Map<string, PublicKey>();
    const sources: string[] = [];
    for (const file of await keyFiles(join(this.dir, project), false)) {
      for (const key of await readPublicKeys(await readFile(file), file)) keys.set(fingerprintOf(key), key);
      sources.push(file);
    }
    const pinned = (recipe['upstream-keys'] ?? []).map(normalizeFingerprint);
    if (pinned.length > 0) {
      const pool = await this.pool();
      for (const fpr of pinned) {
        const match = pool.find(({ key }) => fingerprintOf(key) === fpr || key.getSubkeys().some((s) => fingerprintOf(s) === fpr));
        if (!match) {
          throw new ConfigError('INVALID_KEY', `The recipe ${recipe.file ?? `for ${project}`} pins key ${fpr}, but no key with that fingerprint is in ${this.dir} or in a recipes keys/ folder.`, {
            hint: `Add the public key: pkg2os keys add ${project} KEY.asc (check that its fingerprint is ${fpr}).`,
          });
        }
        keys.set(fingerprintOf(match.key), match.key);
        sources.push(`${recipe.file ?? 'recipe'} (${fpr}, from ${match.file})`);
      }
    }
    return { keys: [...keys.values()], sources };
  }

  /** Every key in the keys directory and in the recipes' keys/ folders. */
  private async pool(): Promise<Array<{ key: PublicKey; file: string }>> {
    const files = [...(await keyFiles(this.dir, true))];
    for (const dir of this.recipeDirs) files.push(...(await keyFiles(join(dir, 'keys'), true)));
    const pool: Array<{ key: PublicKey; file: string }> = [];
    for (const file of files) for (const key of await readPublicKeys(await readFile(file), file)) pool.push({ key, file });
    return pool;
  }

  /** Pin the public key(s) in `file` for `project`; returns what was pinned. */
  async add(project: string, file: string): Promise<KeyDescription[]> {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (error) {
      throw new ConfigError('INVALID_KEY', `Cannot read the key file ${file}: ${(error as Error).message}.`, { cause: error });
    }
    const keys = await readPublicKeys(bytes, file);
    if (keys.length === 0) throw new ConfigError('INVALID_KEY', `${file} holds no key.`);
    const dir = join(this.dir, project);
    await mkdir(dir, { recursive: true, mode: 0o755 });
    const described: KeyDescription[] = [];
    for (const key of keys) {
      const description = await describeKey(key);
      if (description.revoked) {
        throw new ConfigError('INVALID_KEY', `Key ${description.fingerprint} in ${file} is revoked; pinning it would make every signature it made fail.`, {
          hint: 'Ask upstream which key replaces it.',
        });
      }
      await writeAtomic(join(dir, `${description.fingerprint}.asc`), key.armor());
      described.push(description);
    }
    return described;
  }

  /** The Trusted Publishers pinned for `project`: `<keys dir>/<project>/publishers` (one per line) and its recipe's `trusted-publishers`. */
  async publishersFor(project: string, recipe: Recipe & { file?: string }): Promise<PinnedPublishers> {
    const file = join(this.dir, project, PUBLISHERS_FILE);
    const lines = (await readFile(file, 'utf8').catch(() => '')).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const publishers = new Map<string, Publisher>();
    const sources: string[] = [];
    for (const spec of lines) publishers.set(formatPublisher(parsePublisher(spec)), parsePublisher(spec));
    if (lines.length) sources.push(file);
    for (const spec of recipe['trusted-publishers'] ?? []) publishers.set(formatPublisher(parsePublisher(spec)), parsePublisher(spec));
    if (recipe['trusted-publishers']?.length) sources.push(recipe.file ?? `recipes/${project}.yaml`);
    return { publishers: [...publishers.values()], sources };
  }

  /** Pin a Trusted Publisher for `project` (`pkg2os trust add`); returns it as pkg2os writes it. */
  async addPublisher(project: string, spec: string): Promise<string> {
    const publisher = formatPublisher(parsePublisher(spec));
    const file = join(this.dir, project, PUBLISHERS_FILE);
    const lines = (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);
    if (!lines.includes(publisher)) await writeAtomic(file, `${[...lines, publisher].join('\n')}\n`);
    return publisher;
  }

  /** Every pinned publisher, by project. */
  async listPublishers(): Promise<Array<{ project: string; publisher: string }>> {
    const out: Array<{ project: string; publisher: string }> = [];
    for (const project of (await readdir(this.dir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort()) {
      const text = await readFile(join(this.dir, project, PUBLISHERS_FILE), 'utf8').catch(() => '');
      for (const line of text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) out.push({ project, publisher: line });
    }
    return out;
  }

  /** Every pinned key, by project. */
  async list(): Promise<Array<{ project: string; file: string; key: KeyDescription }>> {
    const out: Array<{ project: string; file: string; key: KeyDescription }> = [];
    const projects = (await readdir(this.dir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    for (const project of projects) {
      for (const file of await keyFiles(join(this.dir, project), false)) {
        for (const key of await readPublicKeys(await readFile(file), file)) out.push({ project, file, key: await describeKey(key) });
      }
    }
    return out;
  }
}
