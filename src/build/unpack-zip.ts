/**
 * .zip sdists (older releases on PyPI exist only so), with the rules .tar.gz
 * follows: every member is inspected before anything is written (no absolute
 * path, no "..", no link, no device, bounded size and count), then extracted
 * in process, each file created new (never written through something there).
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { IntegrityError } from '../errors.js';
import { listZip, type ZipMember } from '../zip-archive.js';
import { type UnpackLimits, tooLarge, unsafe } from './unpack-rules.js';

/** Inspect, then extract, a zip sdist into `dest`. */
export async function unpackZip(path: string, filename: string, dest: string, limits: UnpackLimits): Promise<void> {
  let members: ZipMember[];
  try {
    members = await listZip(path);
  } catch (error) {
    throw unsafe(filename, `an entry is outside the archive, or the archive is malformed (${(error as Error).message})`);
  }
  if (members.length > limits.maxEntries) throw unsafe(filename, `it has more than ${limits.maxEntries} entries`);
  if (members.reduce((sum, m) => sum + m.uncompressedSize, 0) > limits.maxTotalBytes) throw tooLarge(filename, limits);
  for (const m of members) {
    if (m.symlink) throw unsafe(filename, `entry "${m.name}" is a symbolic link`);
    const type = m.mode & 0o170000;
    if (type !== 0 && type !== 0o100000 && type !== 0o040000) throw unsafe(filename, `entry "${m.name}" is not a file or directory`);
  }
  const zip = await yauzl.openPromise(path, { lazyEntries: true, decodeStrings: true, validateEntrySizes: true });
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (entry: yauzl.Entry) => {
        const target = join(dest, entry.fileName);
        const write = async () => {
          if (entry.fileName.endsWith('/')) return void (await mkdir(target, { recursive: true }));
          await mkdir(dirname(target), { recursive: true });
          await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(target, { flags: 'wx', mode: 0o644 }));
        };
        write().then(() => zip.readEntry(), (error: unknown) => reject(new IntegrityError('UNSUPPORTED_ARCHIVE', `${filename} could not be unpacked: ${(error as Error).message}.`, { cause: error })));
      });
      zip.once('end', resolve);
      zip.once('error', reject);
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}
