/** A built wheel's own metadata (its .dist-info/METADATA and WHEEL), read in process. */
import { BuildError } from '../errors.js';
import { type CoreMetadata, parseCoreMetadata } from '../pep/core-metadata.js';
import { readZipMembers } from '../zip-archive.js';

/** `<name>-<version>.dist-info/<file>` at the top of a wheel. */
const DIST_INFO_FILE = /^[^/]+\.dist-info\/(METADATA|WHEEL)$/;

export interface WheelMetadata {
  metadata: CoreMetadata;
  /** The text of the WHEEL file. */
  wheelFile: string;
  distInfo: string;
}

/** METADATA and WHEEL of the wheel at `path`; a wheel without them is broken metadata. */
export async function readWheelMetadata(path: string, label: string): Promise<WheelMetadata> {
  let files: Map<string, Buffer>;
  try {
    files = await readZipMembers(path, (name) => DIST_INFO_FILE.test(name), 4 * 1024 * 1024);
  } catch (error) {
    throw new BuildError('INVALID_METADATA', `The wheel built from ${label} cannot be read: ${(error as Error).message}.`, { cause: error });
  }
  const metadataName = [...files.keys()].find((n) => n.endsWith('/METADATA'));
  const wheelName = [...files.keys()].find((n) => n.endsWith('/WHEEL'));
  if (!metadataName || !wheelName || metadataName.split('/')[0] !== wheelName.split('/')[0]) {
    throw new BuildError('INVALID_METADATA', `The wheel built from ${label} has no .dist-info directory with METADATA and WHEEL.`, {
      hint: 'The build backend produced a broken wheel; report it upstream.',
    });
  }
  return {
    metadata: parseCoreMetadata(files.get(metadataName)!.toString('utf8'), `${label} METADATA`),
    wheelFile: files.get(wheelName)!.toString('utf8'),
    distInfo: metadataName.split('/')[0]!,
  };
}
