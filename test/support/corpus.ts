/** The shared corpus of real upstream sdists, beside the project root, when present. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/paths.js';

export const CORPUS = process.env.PKG2OS_CORPUS ?? join(projectRoot, '..', 'shared', 'corpus');

/** Why corpus tests cannot run, or false when they can. Passed as `skip` so the runner reports the reason. */
export const corpusMissing: string | false = existsSync(join(CORPUS, 'MANIFEST.tsv')) ? false : `the real-sdist corpus is not at ${CORPUS} (set PKG2OS_CORPUS to use another place)`;

export interface CorpusEntry {
  name: string;
  version: string;
  filename: string;
  sha256: string;
  size: number;
  signed: boolean;
  signer: string;
  buildBackend: string;
  requiresDist: string;
}

export function corpusManifest(): CorpusEntry[] {
  const [, ...rows] = readFileSync(join(CORPUS, 'MANIFEST.tsv'), 'utf8').trim().split('\n');
  return rows.map((row) => {
    const [name, version, filename, sha256, size, signed, signer, buildBackend, requiresDist] = row.split('\t');
    return { name: name!, version: version!, filename: filename!, sha256: sha256!, size: Number(size), signed: signed === 'yes', signer: signer ?? '', buildBackend: buildBackend ?? '', requiresDist: requiresDist ?? '' };
  });
}
