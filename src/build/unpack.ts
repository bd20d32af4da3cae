/**
 * Defensive unpacking of an untrusted sdist: .tar.gz/.tgz, .tar.bz2 and .tar.xz
 * (unpack-tar) or .zip (unpack-zip), each inspected entry by entry before
 * anything is written; then every link is checked once more against the real
 * file system, and the source tree is found.
 */
import { lstat, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { IntegrityError } from '../errors.js';
import type { SourceArtifact } from './source-artifact.js';
import { DEFAULT_UNPACK_LIMITS, type UnpackLimits, unsafe } from './unpack-rules.js';
import { unpackTar } from './unpack-tar.js';
import { unpackZip } from './unpack-zip.js';

export { DEFAULT_UNPACK_LIMITS, type UnpackLimits } from './unpack-rules.js';

/** After extraction: every symbolic link must resolve inside `root`. */
async function checkLinks(root: string, filename: string): Promise<void> {
  const realRoot = await realpath(root);
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isSymbolicLink()) {
        let resolved: string;
        try {
          resolved = await realpath(full);
        } catch {
          throw unsafe(filename, `the link "${relative(root, full)}" -> "${await readlink(full)}" points at nothing`);
        }
        if (resolved !== realRoot && !resolved.startsWith(realRoot + sep)) {
          throw unsafe(filename, `the link "${relative(root, full)}" resolves outside the tree`);
        }
      } else if (entry.isDirectory()) {
        await walk(full);
      }
    }
  };
  await walk(root);
}

/**
 * Unpack a verified sdist into `dest` (an empty directory) and return the
 * source tree: the single top-level directory holding pyproject.toml or setup.py.
 */
export async function unpackSdist(artifact: SourceArtifact, dest: string, limits: UnpackLimits = DEFAULT_UNPACK_LIMITS): Promise<string> {
  const filename = artifact.candidate.file.filename;
  if (/\.zip$/i.test(filename)) await unpackZip(artifact.path, filename, dest, limits);
  else if (/\.(tar\.gz|tgz|tar\.bz2|tar\.xz)$/i.test(filename)) await unpackTar(artifact.path, filename, dest, limits, `${artifact.path}.tar`);
  else {
    throw new IntegrityError('UNSUPPORTED_ARCHIVE', `${filename} is neither a .tar.gz, .tar.bz2, .tar.xz nor a .zip archive, the formats sdists come in.`, {
      hint: 'Pin a version of the project that publishes a .tar.gz sdist.',
    });
  }
  await checkLinks(dest, filename);
  const tops = (await readdir(dest)).filter((name) => !name.startsWith('.'));
  for (const top of tops) {
    const dir = join(dest, top);
    if (!(await lstat(dir)).isDirectory()) continue;
    for (const marker of ['pyproject.toml', 'setup.py']) {
      const found = await stat(join(dir, marker)).catch(() => undefined);
      if (found?.isFile()) return dir;
    }
  }
  throw new IntegrityError('UNSUPPORTED_ARCHIVE', `${filename} is not a Python source distribution: no top-level directory holds a pyproject.toml or setup.py.`, {
    hint: 'Check that the index serves the project\'s sdist and not some other archive.',
  });
}
