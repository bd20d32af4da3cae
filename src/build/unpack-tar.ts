/**
 * Tar sdists (.tar.gz, .tgz, .tar.bz2, .tar.xz). Every entry is inspected before
 * anything is written (node-tar, strict, in process): absolute paths, `..`,
 * links that leave the tree, entries written through a link, device files and
 * oversized archives are refused, each with a clear error. Only then is the
 * archive extracted, by GNU tar (three times faster than node-tar on an sdist
 * of 10,000 files) with options that never write outside the directory, never
 * keep ownership or special modes and never touch a path twice. A .tar.bz2 or
 * .tar.xz is decompressed first (bzip2/xz, bounded), since node-tar reads gzip only.
 */
import { rm } from 'node:fs/promises';
import { posix } from 'node:path';
import * as tar from 'tar';
import { IntegrityError, ToolError } from '../errors.js';
import { run } from '../exec.js';
import { type UnpackLimits, insidePath, tooLarge, unsafe } from './unpack-rules.js';

const ALLOWED_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink', 'Link']);

/** Inspect every entry of the archive without writing anything. */
async function inspect(path: string, filename: string, limits: UnpackLimits): Promise<void> {
  const links = new Set<string>();
  let total = 0;
  let count = 0;
  let problem: IntegrityError | undefined;
  const fail = (why: string) => {
    problem ??= unsafe(filename, why);
  };
  try {
    await tar.list({
      file: path,
      strict: true,
      onReadEntry(entry) {
        if (problem) return;
        count++;
        total += entry.size ?? 0;
        if (count > limits.maxEntries) return fail(`it has more than ${limits.maxEntries} entries`);
        if (total > limits.maxTotalBytes) {
          problem = tooLarge(filename, limits);
          return;
        }
        if (!ALLOWED_TYPES.has(entry.type)) return fail(`entry "${entry.path}" is a ${entry.type}, not a file, directory or link`);
        const path = insidePath(entry.path);
        if (path === undefined) return fail(`entry "${entry.path}" would be written outside the unpack directory`);
        for (const link of links) {
          if (path.startsWith(`${link}/`)) return fail(`entry "${entry.path}" would be written through the link "${link}"`);
        }
        if (entry.type === 'SymbolicLink') {
          const target = entry.linkpath ?? '';
          if (target.startsWith('/') || insidePath(posix.join(posix.dirname(path), target)) === undefined) {
            return fail(`the link "${entry.path}" points outside the tree, to "${target}"`);
          }
          links.add(path);
        }
        if (entry.type === 'Link' && insidePath(entry.linkpath ?? '') === undefined) {
          return fail(`the hard link "${entry.path}" points outside the tree, to "${entry.linkpath}"`);
        }
      },
    });
  } catch (error) {
    if (error instanceof IntegrityError) throw error;
    throw new IntegrityError('UNSUPPORTED_ARCHIVE', `${filename} is not a readable tar archive: ${(error as Error).message}.`, {
      hint: 'The sdist may be truncated or corrupt; check that it matches what upstream published.',
      cause: error,
    });
  }
  if (problem) throw problem;
}

/** Inspect, then extract, a tar sdist into `dest`; `scratch` is a file name pkg2os may use. */
export async function unpackTar(path: string, filename: string, dest: string, limits: UnpackLimits, scratch: string): Promise<void> {
  const corrupt = (error: unknown) =>
    new IntegrityError('UNSUPPORTED_ARCHIVE', `${filename} could not be unpacked: ${error instanceof ToolError ? error.outputTail || error.message : (error as Error).message}`, {
      hint: 'The sdist may be truncated or corrupt; check that it matches what upstream published.',
      cause: error,
    });
  let archive = path;
  const decompressor = /\.tar\.bz2$/i.test(filename) ? 'bzip2' : /\.tar\.xz$/i.test(filename) ? 'xz' : undefined;
  if (decompressor) {
    await run(decompressor, ['-dc', path], { stdoutFile: scratch, maxStdoutBytes: limits.maxTotalBytes + 64 * 1024 * 1024, purpose: `decompressing ${filename}`, capture: false }).catch((error: unknown) => {
      throw error instanceof ToolError && /wrote more than/.test(error.message) ? tooLarge(filename, limits) : corrupt(error);
    });
    archive = scratch;
  }
  try {
    await inspect(archive, filename, limits);
    // GNU tar refuses absolute and ".." members on its own as well (defence in depth).
    await run('tar', ['--extract', '--file', archive, '--directory', dest, '--no-same-owner', '--no-same-permissions', '--skip-old-files', '--warning=no-timestamp'], {
      purpose: `unpacking ${filename}`,
    }).catch((error: unknown) => {
      throw corrupt(error);
    });
  } finally {
    if (archive !== path) await rm(archive, { force: true });
  }
}
