/**
 * Where a published repository lives, behind one interface (aptly's
 * PublishedStorage is the model): the publisher writes, links, renames and
 * removes through it, by paths relative to the repository root. The local
 * file system is the implementation; the tools that read a repository
 * (createrepo_c, gpgv) read it through `localPath`, which another storage
 * would answer with a local staging copy.
 */
import { constants } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';
import { copyAtomic, writeAtomic } from '../../fs-atomic.js';

export interface StoredFile {
  size: number;
  mtimeMs: number;
  isFile: boolean;
  isDirectory: boolean;
}

export interface RepositoryStorage {
  /** Where the repository is, for messages. */
  readonly description: string;
  /** A local path of `rel` that tools may read and write. */
  localPath(rel: string): string;
  stat(rel: string): Promise<StoredFile | undefined>;
  readFile(rel: string): Promise<Buffer | undefined>;
  list(rel: string): Promise<string[]>;
  mkdir(rel: string): Promise<void>;
  /** Write `data` at `rel` through a temporary name and a rename. */
  writeAtomic(rel: string, data: string | Uint8Array): Promise<void>;
  /** Put a local file at `rel` (a copy; an existing file there is replaced). */
  putFile(rel: string, source: string): Promise<void>;
  /** Put a local file at `rel` through a temporary name and a rename, as a hard link where the file system allows. */
  linkAtomic(source: string, rel: string): Promise<void>;
  /** Rename a local (staged) file into place at `rel`. */
  moveIn(source: string, rel: string): Promise<void>;
  remove(rel: string): Promise<void>;
  /** Set `rel`'s times (retention windows count from a file's mtime). */
  touch(rel: string, when: Date): Promise<void>;
}

/** A repository on the local file system. */
export class LocalStorage implements RepositoryStorage {
  constructor(readonly root: string) {}

  get description(): string {
    return this.root;
  }

  localPath(rel: string): string {
    const path = normalize(join(this.root, rel));
    if (path !== this.root && !path.startsWith(`${this.root}${sep}`)) throw new Error(`${rel} is outside the repository ${this.root}`);
    return path;
  }

  async stat(rel: string): Promise<StoredFile | undefined> {
    const st = await stat(this.localPath(rel)).catch(() => undefined);
    return st && { size: st.size, mtimeMs: st.mtimeMs, isFile: st.isFile(), isDirectory: st.isDirectory() };
  }

  readFile(rel: string): Promise<Buffer | undefined> {
    return readFile(this.localPath(rel)).catch(() => undefined);
  }

  list(rel: string): Promise<string[]> {
    return readdir(this.localPath(rel)).catch(() => [] as string[]);
  }

  async mkdir(rel: string): Promise<void> {
    await mkdir(this.localPath(rel), { recursive: true });
  }

  writeAtomic(rel: string, data: string | Uint8Array): Promise<void> {
    return writeAtomic(this.localPath(rel), data);
  }

  async putFile(rel: string, source: string): Promise<void> {
    await mkdir(dirname(this.localPath(rel)), { recursive: true });
    await copyFile(source, this.localPath(rel), constants.COPYFILE_FICLONE);
  }

  linkAtomic(source: string, rel: string): Promise<void> {
    return copyAtomic(source, this.localPath(rel), true);
  }

  async moveIn(source: string, rel: string): Promise<void> {
    await rename(source, this.localPath(rel));
  }

  async remove(rel: string): Promise<void> {
    await rm(this.localPath(rel), { recursive: true, force: true });
  }

  async touch(rel: string, when: Date): Promise<void> {
    await utimes(this.localPath(rel), when, when).catch(() => undefined);
  }
}
