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

/** Every member of the archive. Throws when the archive or a member name is malformed (yauzl's own checks: absolute paths, "..", "\"). */
export async function listZip(path: string): Promise<ZipMember[]> {
  const zip = await yauzl.openPromise(path, { lazyEntries: true, decodeStrings: true, validateEntrySizes: true });
  try {
    const members: ZipMember[] = [];
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (entry: yauzl.Entry) => {
        const mode = (entry.externalFileAttributes >>> 16) & 0o177777;
        members.push({
          name: entry.fileName,
          compressedSize: entry.compressedSize,
          uncompressedSize: entry.uncompressedSize,
          directory: entry.fileName.endsWith('/'),
          symlink: (mode & 0o170000) === 0o120000,
          mode,
        });
        zip.readEntry();
      });
      zip.once('end', resolve);
      zip.once('error', reject);
      zip.readEntry();
    });
    return members;
  } finally {
    zip.close();
  }
}

/** The bytes of members whose names `wanted` accepts, each at most `maxBytes` long. */
export async function readZipMembers(path: string, wanted: (name: string) => boolean, maxBytes = 16 * 1024 * 1024): Promise<Map<string, Buffer>> {
  const zip = await yauzl.openPromise(path, { lazyEntries: true, decodeStrings: true, validateEntrySizes: true });
  const out = new Map<string, Buffer>();
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (entry: yauzl.Entry) => {
        if (!wanted(entry.fileName) || entry.fileName.endsWith('/')) return zip.readEntry();
        if (entry.uncompressedSize > maxBytes) return reject(new Error(`${entry.fileName} is larger than ${maxBytes} bytes`));
        zip.openReadStream(entry, (error, stream) => {
          if (error) return reject(error);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.once('error', reject);
          stream.once('end', () => {
            out.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.once('end', resolve);
      zip.once('error', reject);
      zip.readEntry();
    });
    return out;
  } finally {
    zip.close();
  }
}
