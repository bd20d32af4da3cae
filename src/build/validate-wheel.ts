/**
 * A built wheel is untrusted input: before anything installs it, every entry
 * must stay inside its scheme (no "..", no absolute path, no link, no control
 * character), script names must be plain names, License-File paths must stay
 * in the .dist-info directory, the wheel must be the sdist it was built from
 * (same name and version), and its size and compression ratio are bounded.
 * https://packaging.python.org/specifications/binary-distribution-format/
 */
import type { WheelLimits } from '../config/build-limits.js';
import { fileDigest } from '../digest.js';
import { BuildError } from '../errors.js';
import { normalizeName } from '../pep/names.js';
import { type CoreMetadata, isPureWheel } from '../pep/core-metadata.js';
import { isPep440, pep440Equal } from '../pep/pep440.js';
import { type ZipMember, listZip, readZipMembers } from '../zip-archive.js';
import { readWheelMetadata } from './wheel-metadata.js';


/** Wheel schemes (binary distribution format, "The .data directory"). */
const SCHEMES = new Set(['purelib', 'platlib', 'headers', 'scripts', 'data']);

/** A script or entry-point name: a plain file name for /usr/bin. */
export const SCRIPT_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

export interface ValidatedWheel {
  path: string;
  sha256: string;
  metadata: CoreMetadata;
  pure: boolean;
  distInfo: string;
  /** Names the wheel installs into the scripts directory: .data/scripts files and console/gui entry points. */
  scripts: string[];
}

function unsafe(label: string, why: string): BuildError {
  return new BuildError('UNSAFE_WHEEL', `The wheel built from ${label} is refused: ${why}. Nothing of it was installed.`, {
    hint: 'A genuine build backend does not make such a wheel. Do not package this release; report it upstream.',
  });
}

/** Entry-point names of a [console_scripts] or [gui_scripts] section (entry_points.txt is INI). */
function entryPointNames(text: string): string[] {
  const names: string[] = [];
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = header[1]!.trim();
    else if (section === 'console_scripts' || section === 'gui_scripts') names.push(line.split('=')[0]!.trim());
  }
  return names;
}

/** The normalized project name, or undefined for a name PEP 508 does not allow. */
function projectOf(name: string): string | undefined {
  try {
    return normalizeName(name);
  } catch {
    return undefined;
  }
}

/** Check the wheel at `path`, built from the sdist of `expected`. */
export async function validateWheel(path: string, expected: { project: string; version: string }, limits: WheelLimits, label: string): Promise<ValidatedWheel> {
  let members: ZipMember[];
  try {
    members = await listZip(path);
  } catch (error) {
    throw unsafe(label, `its archive is malformed or has an entry outside the wheel (${(error as Error).message})`);
  }
  if (members.length > limits.maxEntries) throw unsafe(label, `it has more than ${limits.maxEntries} entries`);
  let total = 0;
  for (const m of members) {
    if (/[\u0000-\u001f\u007f]/.test(m.name)) throw unsafe(label, `the entry ${JSON.stringify(m.name)} has a control character in its name`);
    // What no file system of a target takes (PATH_MAX 4096 with the install prefix, NAME_MAX 255): refused here rather than failing half-installed.
    if (Buffer.byteLength(m.name) > 3000) throw unsafe(label, `an entry's path is ${Buffer.byteLength(m.name)} bytes long, beyond what a file system takes (${JSON.stringify(m.name.slice(0, 60))}…)`);
    const long = m.name.split('/').find((part) => Buffer.byteLength(part) > 255);
    if (long) throw unsafe(label, `an entry's name is ${Buffer.byteLength(long)} bytes long, beyond the 255 a file system takes (${JSON.stringify(long.slice(0, 60))}…)`);
    if (m.symlink) throw unsafe(label, `the entry "${m.name}" is a symbolic link`);
    total += m.uncompressedSize;
    if (m.uncompressedSize > 1024 ** 2 && m.uncompressedSize > limits.maxRatio * Math.max(1, m.compressedSize)) {
      throw unsafe(label, `the entry "${m.name}" unpacks to ${m.uncompressedSize} bytes from ${m.compressedSize} (a ratio over ${limits.maxRatio}, as a compression bomb has)`);
    }
  }
  if (total > limits.maxUnpackedBytes) throw unsafe(label, `it unpacks to ${total} bytes, more than the ${limits.maxUnpackedBytes} allowed (wheel-limits in pkg2os.config.yaml)`);
  const tops = new Set(members.map((m) => m.name.split('/')[0]!));
  const distInfos = [...tops].filter((t) => t.endsWith('.dist-info'));
  if (distInfos.length !== 1) throw unsafe(label, `it has ${distInfos.length} .dist-info directories instead of one`);
  const { metadata, wheelFile, distInfo } = await readWheelMetadata(path, label);
  // The wheel is the sdist it came from: a METADATA naming another project or version is not packaged as that.
  if (projectOf(metadata.name) !== expected.project || !pep440Equal(metadata.version, expected.version)) {
    throw unsafe(label, `its metadata says it is ${metadata.name} ${metadata.version}, but it was built from the sdist of ${expected.project} ${expected.version}`);
  }
  const [dirName, dirVersion = ''] = distInfo.replace(/\.dist-info$/, '').split('-');
  const version = dirVersion.replace(/_/g, '-');
  if (!dirName || projectOf(dirName) !== expected.project || !isPep440(version) || !pep440Equal(version, expected.version)) {
    throw unsafe(label, `its ${distInfo} directory does not name ${expected.project} ${expected.version}`);
  }
  const dataDir = distInfo.replace(/\.dist-info$/, '.data');
  const scripts: string[] = [];
  for (const m of members) {
    const parts = m.name.split('/');
    if (parts[0]!.endsWith('.data')) {
      if (parts[0] !== dataDir) throw unsafe(label, `the entry "${m.name}" is in a .data directory of another distribution`);
      if (parts.length > 1 && parts[1] && !SCHEMES.has(parts[1])) throw unsafe(label, `the entry "${m.name}" is in the unknown scheme "${parts[1]}"`);
      if (parts[1] === 'scripts' && parts.length > 2 && !m.directory) {
        if (parts.length !== 3 || !SCRIPT_NAME.test(parts[2]!)) throw unsafe(label, `the script "${parts.slice(2).join('/')}" is not a plain file name for the scripts directory`);
        scripts.push(parts[2]!);
      }
    }
  }
  const entryPoints = await readZipMembers(path, (name) => name === `${distInfo}/entry_points.txt`, 1024 * 1024);
  for (const name of entryPointNames(entryPoints.get(`${distInfo}/entry_points.txt`)?.toString('utf8') ?? '')) {
    if (!SCRIPT_NAME.test(name)) throw unsafe(label, `the entry point "${name}" is not a plain file name for the scripts directory`);
    scripts.push(name);
  }
  for (const file of metadata.licenseFiles) {
    if (file.startsWith('/') || file.split(/[/\\]/).includes('..') || /[\u0000-\u001f]/.test(file)) throw unsafe(label, `its License-File "${file}" points outside the .dist-info directory`);
  }
  return { path, sha256: await fileDigest(path), metadata, pure: isPureWheel(wheelFile), distInfo, scripts: [...new Set(scripts)].sort() };
}
