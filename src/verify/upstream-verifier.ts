/**
 * The one door for every verdict on an upstream file, whether it comes from
 * the bytes just downloaded or from a cache entry written when they were
 * verified before: the signature policy and pinned keys of the project, the
 * `.asc` as the index publishes it now, and the lockfile.
 */
import type { LoadedRecipe, SignaturePolicy } from '../config/recipes.js';
import { sha256Hex } from '../digest.js';
import type { DownloadedFile, IndexClient } from '../index/index-client.js';
import type { SdistCandidate } from '../index/index.types.js';
import { redactUrl } from '../index/url-policy.js';
import type { Check } from './checks.js';
import type { LockOptions, Lockfile } from './lockfile.js';
import { type PublishedSignature, shouldFetchSignature } from './signature.js';
import type { PinnedKeys, TrustStore } from './trust-store.js';
import type { VerifiedArtifact } from './verified-artifact.js';
import { verifyArtifact } from './verify-artifact.js';

/** What was verified about one upstream file: its digest, its size and the evidence. */
export interface Verdict {
  sha256: string;
  size: number;
  checks: Check[];
}

export interface VerifierOptions {
  client: IndexClient;
  trust: TrustStore;
  lockfile?: Lockfile;
  /** The global policy; a recipe's `signature:` wins for its project. */
  policy: SignaturePolicy;
  lockOptions: LockOptions;
}

export class UpstreamVerifier {
  constructor(private readonly options: VerifierOptions) {}

  policyFor(recipe: LoadedRecipe): SignaturePolicy {
    return recipe.signature ?? this.options.policy;
  }

  /** The keys pinned for a project now (none under "ignore"). */
  async pinned(project: string, recipe: LoadedRecipe): Promise<PinnedKeys> {
    return this.policyFor(recipe) === 'ignore' ? { keys: [], sources: [] } : this.options.trust.keysFor(project, recipe);
  }

  /** Fetch `<sdist>.asc` when the policy and the index call for it; undefined when none is published. */
  private async signature(candidate: SdistCandidate, recipe: LoadedRecipe): Promise<PublishedSignature | undefined> {
    if (!shouldFetchSignature(candidate, this.policyFor(recipe))) return undefined;
    const url = `${candidate.file.url}.asc`;
    const bytes = await this.options.client.fetchSmall(url, `${candidate.file.filename}.asc`);
    return bytes ? { url: redactUrl(url), bytes } : undefined;
  }

  /** Verify downloaded bytes: hash, signature, lockfile. On any failure the file is deleted unopened. */
  async fromBytes(candidate: SdistCandidate, download: DownloadedFile, recipe: LoadedRecipe, role?: 'build'): Promise<VerifiedArtifact> {
    return verifyArtifact(candidate, download, {
      role,
      policy: this.policyFor(recipe),
      pinned: await this.pinned(candidate.project, recipe),
      signature: await this.signature(candidate, recipe),
      lockfile: this.options.lockfile,
      lockOptions: this.options.lockOptions,
    });
  }

  /**
   * A verdict recorded when the same bytes (the sha256 the index publishes
   * now) were verified before. It stands only if the signature the index
   * publishes now is the one verified then; the lockfile is checked again.
   * Undefined: verify the bytes again.
   */
  async fromCache(candidate: SdistCandidate, cached: Verdict, recipe: LoadedRecipe, role?: 'build'): Promise<Verdict | undefined> {
    const sha256 = candidate.file.hashes.sha256;
    if (!sha256 || sha256 !== cached.sha256) return undefined;
    const signature = await this.signature(candidate, recipe);
    const verified = cached.checks.find((c) => c.kind === 'signature');
    const then = verified?.result === 'pass' ? verified.detail.signatureSha256 : undefined;
    if (then !== (signature ? sha256Hex(signature.bytes) : undefined)) return undefined;
    const checks: Check[] = cached.checks.filter((c) => c.kind !== 'lockfile' && c.kind !== 'hash');
    checks.unshift({ kind: 'hash', result: 'pass', detail: { source: 'cache', note: 'verified when first built; the index still publishes this sha256', sha256 } });
    if (this.options.lockfile) {
      const signer = verified?.result === 'pass' ? verified.detail.signer : null;
      checks.push(this.options.lockfile.check(candidate.project, { version: candidate.version, filename: candidate.file.filename, sha256, signer, ...(role ? { for: role } : {}) }, this.options.lockOptions));
    }
    return { sha256, size: cached.size, checks };
  }
}
