/**
 * `pkg2os verify FILE --provenance FILE.provenance`: a PEP 740 provenance
 * object (or a bare attestation) checked offline against the file, the
 * Sigstore trusted root in use and the expected Trusted Publisher (given, or
 * pinned for the project).
 */
import { out, outJson } from './terminal.js';
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { loadRecipe, recipeDirs } from '../config/recipes.js';
import { ConfigError, ExitCode } from '../errors.js';
import { normalizeName } from '../pep/names.js';
import { defaultKeysDir } from '../config/default-dirs.js';
import { verifyProvenanceStep } from '../coordinator/verify/provenance.js';
import { parsePublisher } from '../coordinator/verify/publishers.js';
import { loadTrustedRoot } from '../coordinator/verify/trusted-root.js';
import { type PinnedPublishers, TrustStore } from '../coordinator/verify/trust-store.js';
import { reportError } from './output.js';
import { readInput } from './verify-run.js';

export interface ProvenanceFlags {
  provenance: string;
  publisher?: string;
  project?: string;
  /** The file's sha256, when the file itself is not at hand (its name is still FILE's). */
  sha256?: string;
  keysDir?: string;
  recipesDir?: string[];
  json?: boolean;
}


export async function runVerifyProvenance(file: string, flags: ProvenanceFlags, projectOf: (filename: string) => string | undefined): Promise<number> {
  try {
    if (flags.publisher && flags.project) throw new ConfigError('USAGE', 'Give --publisher or --project, not both.');
    if (flags.sha256 && !/^[0-9a-f]{64}$/.test(flags.sha256)) throw new ConfigError('USAGE', `--sha256 "${flags.sha256}" is not 64 lower-case hex digits.`);
    const sha256 = flags.sha256 ?? createHash('sha256').update(await readInput(file, 'the file')).digest('hex');
    const provenance = await readInput(flags.provenance, 'the provenance');
    const keysDir = flags.keysDir ?? defaultKeysDir();
    const project = flags.project ? normalizeName(flags.project) : (projectOf(basename(file)) ?? basename(file));
    let pinned: PinnedPublishers;
    if (flags.publisher) pinned = { publishers: [parsePublisher(flags.publisher)], sources: ['--publisher'] };
    else {
      const dirs = recipeDirs(flags.recipesDir ?? []);
      pinned = await new TrustStore(keysDir, dirs).publishersFor(project, await loadRecipe(project, dirs));
    }
    const check = await verifyProvenanceStep({
      project,
      filename: basename(file),
      sha256,
      policy: 'required',
      provenance: { url: flags.provenance, bytes: provenance },
      pinned,
      trustedRoot: () => loadTrustedRoot(keysDir),
    });
    if (check.result !== 'pass') throw new Error('unreachable: a required provenance check passed without a verdict');
    const d = check.detail;
    if (flags.json) outJson({ verdict: 'good', file, ...d });
    else {
      const lines = [
        `file:         ${file}`,
        `publisher:    ${d.publisher}`,
        `repository:   ${d.repository ?? '(not in the certificate)'}`,
        `ref:          ${d.ref ?? '(not in the certificate)'}`,
        `commit:       ${d.commit ?? '(not in the certificate)'}`,
        `workflow:     ${d.workflow ?? d.identity}`,
        `predicate:    ${d.predicateType}`,
        `rekor entry:  log index ${d.logIndex}, integrated ${d.integratedTime}`,
        `trusted root: ${d.trustedRoot.source} (sha256 ${d.trustedRoot.sha256})`,
        `verdict:      GOOD attestation by the expected Trusted Publisher (${flags.publisher ? '--publisher' : `pinned for ${project}`})`,
      ];
      out(`${lines.join('\n')}\n`);
    }
    return ExitCode.ok;
  } catch (error) {
    if (flags.json && error instanceof Error && 'code' in error) outJson({ verdict: 'bad', file, code: (error as { code: string }).code, message: error.message });
    else out(`verdict:      BAD (${(error as { code?: string }).code ?? 'error'})\n`);
    return reportError(error);
  }
}
