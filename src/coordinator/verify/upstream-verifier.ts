/**
 * The one door for every verdict on an upstream file, whether it comes from
 * the bytes just downloaded or from a cache entry written when they were
 * verified before: the signature policy and pinned keys of the project, the
 * `.asc` as the index publishes it now, and the lockfile.
 */
import type { LoadedRecipe, ProvenancePolicy, SignaturePolicy } from '../../config/recipes.js';
import { sha256Hex } from '../../digest.js';
import type { DownloadedFile, IndexClient } from '../index/index-client.js';
import type { SdistCandidate } from '../../pep/index.types.js';
import { redactUrl } from '../../url-policy.js';
import type { Check } from './checks.js';
import type { LockOptions, Lockfile } from './lockfile.js';
import { type PublishedSignature, shouldFetchSignature } from './signature.js';
import type { PublishedProvenance } from './provenance.js';
import { formatPublisher } from './publishers.js';
import { type TrustedRootFile, loadTrustedRoot } from './trusted-root.js';
import type { PinnedKeys, PinnedPublishers, TrustStore } from './trust-store.js';
import type { VerifiedArtifact } from './verified-artifact.js';
import { lockEntry, verifyArtifact } from './verify-artifact.js';

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
  /** The global PEP 740 provenance policy; a recipe's `provenance:` wins for its project. */
  provenancePolicy?: ProvenancePolicy;
  lockOptions: LockOptions;
}

export class UpstreamVerifier {
  constructor(private readonly options: VerifierOptions) {}

  policyFor(recipe: LoadedRecipe): SignaturePolicy {
    return recipe.signature ?? this.options.policy;
  }

  provenancePolicyFor(recipe: LoadedRecipe): ProvenancePolicy {
    return recipe.provenance ?? this.options.provenancePolicy ?? 'if-available';
  }

  /** The Trusted Publishers pinned for a project now (none under "ignore"). */
  async publishers(project: string, recipe: LoadedRecipe): Promise<PinnedPublishers> {
    return this.provenancePolicyFor(recipe) === 'ignore' ? { publishers: [], sources: [] } : this.options.trust.publishersFor(project, recipe);
  }

  /** The Sigstore trusted root provenance is checked against. */
  trustedRoot(): Promise<TrustedRootFile> {
    return loadTrustedRoot(this.options.trust.dir);
  }

  /** The provenance object the index publishes for the file, when the policy asks for it; undefined when there is none. */
  private async provenance(candidate: SdistCandidate, recipe: LoadedRecipe): Promise<PublishedProvenance | undefined> {
    if (this.provenancePolicyFor(recipe) === 'ignore' || !candidate.file.provenance) return undefined;
    const bytes = await this.options.client.fetchSmall(candidate.file.provenance, `the provenance of ${candidate.file.filename}`, 4 * 1024 * 1024, candidate.file.url);
    return bytes ? { url: redactUrl(candidate.file.provenance), bytes } : undefined;
  }

  /**
   * Everything a cached verdict on a project's file depends on besides its
   * bytes: both policies, the keys and publishers pinned now, and the
   * trusted root provenance is checked against.
   */
  async trustKey(project: string, recipe: LoadedRecipe): Promise<Record<string, unknown>> {
    const provenancePolicy = this.provenancePolicyFor(recipe);
    return {
      policy: this.policyFor(recipe),
      pinned: (await this.pinned(project, recipe)).keys.map((k) => k.getFingerprint()).sort(),
      provenancePolicy,
      publishers: (await this.publishers(project, recipe)).publishers.map(formatPublisher).sort(),
      trustedRoot: provenancePolicy === 'ignore' ? null : (await this.trustedRoot()).sha256,
    };
  }

  /** The keys pinned for a project now (none under "ignore"). */
  async pinned(project: string, recipe: LoadedRecipe): Promise<PinnedKeys> {
    return this.policyFor(recipe) === 'ignore' ? { keys: [], sources: [] } : this.options.trust.keysFor(project, recipe);
  }

  /** Fetch `<sdist>.asc` when the policy and the index call for it; undefined when none is published. */
  private async signature(candidate: SdistCandidate, recipe: LoadedRecipe): Promise<PublishedSignature | undefined> {
    if (!shouldFetchSignature(candidate, this.policyFor(recipe))) return undefined;
    const url = `${candidate.file.url}.asc`;
    const bytes = await this.options.client.fetchSmall(url, `${candidate.file.filename}.asc`, 1024 * 1024, candidate.file.url);
    return bytes ? { url: redactUrl(url), bytes } : undefined;
  }

  /** Verify downloaded bytes: hash, signature, lockfile. On any failure the file is deleted unopened. */
  async fromBytes(candidate: SdistCandidate, download: DownloadedFile, recipe: LoadedRecipe, role?: 'build'): Promise<VerifiedArtifact> {
    return verifyArtifact(candidate, download, {
      role,
      policy: this.policyFor(recipe),
      pinned: await this.pinned(candidate.project, recipe),
      signature: await this.signature(candidate, recipe),
      provenancePolicy: this.provenancePolicyFor(recipe),
      provenance: await this.provenance(candidate, recipe),
      publishers: await this.publishers(candidate.project, recipe),
      trustedRoot: () => this.trustedRoot(),
      lockfile: this.options.lockfile,
      lockOptions: this.options.lockOptions,
    });
  }

  /**
   * A verdict recorded when the same bytes (the sha256 the index publishes
   * now) were verified before. It stands only if the signature the index
   * publishes now is the one verified then, and so is the provenance object
   * (verified then against the trusted root and publishers the cache key
   * names); the lockfile is checked again.
   * Undefined: verify the bytes again.
   */
  async fromCache(candidate: SdistCandidate, cached: Verdict, recipe: LoadedRecipe, role?: 'build'): Promise<Verdict | undefined> {
    const sha256 = candidate.file.hashes.sha256;
    if (!sha256 || sha256 !== cached.sha256) return undefined;
    const signature = await this.signature(candidate, recipe);
    const verified = cached.checks.find((c) => c.kind === 'signature');
    const then = verified?.result === 'pass' ? verified.detail.signatureSha256 : undefined;
    if (then !== (signature ? sha256Hex(signature.bytes) : undefined)) return undefined;
    const provenance = await this.provenance(candidate, recipe);
    const attested = cached.checks.find((c) => c.kind === 'provenance');
    const thenProvenance = attested?.result === 'pass' ? attested.detail.provenanceSha256 : undefined;
    if (thenProvenance !== (provenance ? sha256Hex(provenance.bytes) : undefined)) return undefined;
    if (!provenance && this.provenancePolicyFor(recipe) === 'required') return undefined;
    const checks: Check[] = cached.checks.filter((c) => c.kind !== 'lockfile' && c.kind !== 'hash');
    checks.unshift({ kind: 'hash', result: 'pass', detail: { source: 'cache', note: 'verified when first built; the index still publishes this sha256', sha256 } });
    if (this.options.lockfile) checks.push(this.options.lockfile.check(candidate.project, lockEntry(candidate, sha256, checks, role), this.options.lockOptions));
    return { sha256, size: cached.size, checks };
  }
}
