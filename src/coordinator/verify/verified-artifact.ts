/**
 * `VerifiedArtifact` is the only form in which an sdist a coordinator fetched
 * reaches its builds. Its constructor takes a token that never leaves this
 * module; `issueVerifiedArtifact` is the verify stage's own (the layers test
 * fails if any other module, or a test, makes one), so no code path can build
 * bytes that were not checked (DESIGN.md).
 */
import type { SdistCandidate } from '../../pep/index.types.js';
import type { Check } from './checks.js';

export type { Check } from './checks.js';

const token = Symbol('verified');

export class VerifiedArtifact {
  readonly candidate: SdistCandidate;
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
  readonly checks: readonly Check[];

  constructor(key: typeof token, fields: { candidate: SdistCandidate; path: string; sha256: string; size: number; checks: Check[] }) {
    if (key !== token) throw new Error('VerifiedArtifact can only be made by the verify stage');
    this.candidate = fields.candidate;
    this.path = fields.path;
    this.sha256 = fields.sha256;
    this.size = fields.size;
    this.checks = Object.freeze([...fields.checks]);
  }
}

/** Make a VerifiedArtifact: for the verify stage alone (verify-artifact.ts), after every check passed. */
export function issueVerifiedArtifact(fields: { candidate: SdistCandidate; path: string; sha256: string; size: number; checks: Check[] }): VerifiedArtifact {
  return new VerifiedArtifact(token, fields);
}
