/**
 * `VerifiedArtifact` is the only form in which an sdist reaches the build
 * stage. Its constructor takes a token that only the verify stage holds, so
 * no code path can build bytes that were not checked (DESIGN.md).
 */
import type { SdistCandidate } from '../index/index.types.js';
import type { Check } from './checks.js';

export type { Check } from './checks.js';

const token = Symbol('verified');
/** @internal Only the verify stage imports this. */
export const verifiedToken: typeof token = token;

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
