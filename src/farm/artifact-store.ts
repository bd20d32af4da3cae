/**
 * The build farm's artifact store: content-addressed by sha256, so that what
 * the coordinator puts in (verified sdists, build-requirement wheels, recipe
 * patches) and what workers put back (wheels, build logs) is named by its
 * digest, and whoever reads checks the bytes against the name. The
 * filesystem backend (a local or shared directory: temp file + rename) sits
 * behind an interface an S3-compatible backend can implement.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { FarmError } from '../errors.js';

export interface ArtifactStore {
  /** Put a file in; returns its sha256 (a file already there is left as it is). */
  put(path: string): Promise<string>;
  /** Copy the artifact `sha256` to `dest`, checking its bytes on the way; a mismatch deletes `dest` and throws ARTIFACT_TAMPERED. */
  get(sha256: string, dest: string): Promise<void>;
  has(sha256: string): Promise<boolean>;
  /** Where it is, for messages. */
  readonly description: string;
}

const SHA256 = /^[0-9a-f]{64}$/;

export class FileStore implements ArtifactStore {
  constructor(readonly dir: string) {}

  get description(): string {
    return this.dir;
  }

  private path(sha256: string): string {
    if (!SHA256.test(sha256)) throw new FarmError('ARTIFACT_TAMPERED', `"${sha256}" is not a sha256, so it names nothing in the artifact store.`);
    return join(this.dir, 'sha256', sha256.slice(0, 2), sha256);
  }

  async put(path: string): Promise<string> {
    const hash = createHash('sha256');
    await pipeline(createReadStream(path), async function* (source) {
      for await (const chunk of source) hash.update(chunk as Buffer);
    });
    const sha256 = hash.digest('hex');
    const dest = this.path(sha256);
    if (await this.has(sha256)) return sha256;
    await mkdir(dirname(dest), { recursive: true });
    const temp = `${dest}.${process.pid}.${Date.now()}.tmp`;
    try {
      await pipeline(createReadStream(path), createWriteStream(temp, { mode: 0o644 }));
      await rename(temp, dest);
    } finally {
      await rm(temp, { force: true });
    }
    return sha256;
  }

  async has(sha256: string): Promise<boolean> {
    return Boolean(await stat(this.path(sha256)).catch(() => undefined));
  }

  async get(sha256: string, dest: string): Promise<void> {
    const source = this.path(sha256);
    if (!(await this.has(sha256))) throw new FarmError('ARTIFACT_MISSING', `The artifact store ${this.dir} has no artifact ${sha256}.`, { hint: 'Every coordinator and worker must see the same store (a shared directory): check --store on both.' });
    await mkdir(dirname(dest), { recursive: true });
    const hash = createHash('sha256');
    await pipeline(
      createReadStream(source),
      async function* (chunks) {
        for await (const chunk of chunks) {
          hash.update(chunk as Buffer);
          yield chunk;
        }
      },
      createWriteStream(dest, { mode: 0o644 }),
    );
    const actual = hash.digest('hex');
    if (actual !== sha256) {
      await rm(dest, { force: true });
      throw new FarmError('ARTIFACT_TAMPERED', `The artifact ${sha256} in ${this.dir} has other bytes (their sha256 is ${actual}); pkg2os uses nothing it cannot check.`, {
        hint: 'Someone or something changed the store. Remove the artifact (it is made again) and find out who can write there.',
      });
    }
  }
}
