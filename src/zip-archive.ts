/**
 * Reading zip archives (wheels, .zip sdists) in process with yauzl: the
 * central directory's entries, and small members read into memory with a
 * bound. Nothing here writes to disk.
 */
import yauzl from 'yauzl';

/** One member of a zip archive, as its central directory describes it. */
export interface ZipMember {
  name: string;
  compressedSize: number;
  uncompressedSize: number;
  directory: boolean;
  /** A Unix symbolic link (external attributes 0o120000). */
  symlink: boolean;
  /** Unix mode bits, when the archive records them. */
  mode: number;
}

/**
 * Visit every entry of the archive in order; `visit` resolves before the next
 * entry is read. Throws when the archive or a member name is malformed
 * (yauzl's own checks: absolute paths, "..", "\").
 */
async function eachEntry(path: string, visit: (entry: yauzl.Entry, zip: yauzl.ZipFile) => Promise<void> | void): Promise<void> {
  const zip = await yauzl.openPromise(path, { lazyEntries: true, decodeStrings: true, validateEntrySizes: true });
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (entry: yauzl.Entry) => {
        Promise.resolve(visit(entry, zip)).then(() => zip.readEntry(), reject);
      });
      zip.once('end', resolve);
      zip.once('error', reject);
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}

/** Every member of the archive. */
export async function listZip(path: string): Promise<ZipMember[]> {
  const members: ZipMember[] = [];
  await eachEntry(path, (entry) => {
    const mode = (entry.externalFileAttributes >>> 16) & 0o177777;
    members.push({ name: entry.fileName, compressedSize: entry.compressedSize, uncompressedSize: entry.uncompressedSize, directory: entry.fileName.endsWith('/'), symlink: (mode & 0o170000) === 0o120000, mode });
  });
  return members;
}

/** The bytes of members whose names `wanted` accepts, each at most `maxBytes` long. */
export async function readZipMembers(path: string, wanted: (name: string) => boolean, maxBytes = 16 * 1024 * 1024): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  await eachEntry(path, async (entry, zip) => {
    if (!wanted(entry.fileName) || entry.fileName.endsWith('/')) return;
    if (entry.uncompressedSize > maxBytes) throw new Error(`${entry.fileName} is larger than ${maxBytes} bytes`);
    const stream = await zip.openReadStreamPromise(entry);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    out.set(entry.fileName, Buffer.concat(chunks));
  });
  return out;
}

/** The sha256 of every file member, by name (streamed: nothing is held whole). */
export async function memberDigests(path: string): Promise<Map<string, string>> {
  const { createHash } = await import('node:crypto');
  const out = new Map<string, string>();
  await eachEntry(path, async (entry, zip) => {
    if (entry.fileName.endsWith('/')) return;
    const hash = createHash('sha256');
    for await (const chunk of await zip.openReadStreamPromise(entry)) hash.update(chunk as Buffer);
    out.set(entry.fileName, hash.digest('hex'));
  });
  return out;
}
