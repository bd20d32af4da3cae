/**
 * The PEP 740 provenance step: applies the provenance policy
 * (required | if-available | ignore) to the provenance object the index
 * publishes for a file. Every attestation in it must verify (Sigstore, the
 * statement, the file's name and sha256); one of them must have been made by
 * a Trusted Publisher pinned for the project. With none pinned, the build
 * stops with the publisher's identity and the command that pins it.
 */
import { createHash } from 'node:crypto';
import type { ProvenancePolicy } from '../../config/recipes.js';
import { SignatureError } from '../../errors.js';
import type { ProvenanceCheck } from './checks.js';
import { parseProvenance } from './provenance-object.js';
import { formatPublisher, matchesPublisher, publisherOf } from './publishers.js';
import { type VerifiedAttestation, verifyAttestation } from './sigstore-verify.js';
import type { TrustedRootFile } from './trusted-root.js';
import type { PinnedPublishers } from './trust-store.js';

/** The provenance object as fetched, or undefined when none is published. */
export interface PublishedProvenance {
  url: string;
  bytes: Uint8Array;
}

export interface ProvenanceStepInput {
  project: string;
  filename: string;
  sha256: string;
  policy: ProvenancePolicy;
  provenance?: PublishedProvenance;
  pinned: PinnedPublishers;
  trustedRoot: () => Promise<TrustedRootFile>;
}

/** Describe a verified attestation's workload for people: "GitHub repository django/django, workflow release.yml, ref refs/tags/5.1". */
export function describeIdentity(a: VerifiedAttestation): string {
  const p = publisherOf(a.identity);
  const what = p ? formatPublisher(p) : `${a.identity.subjectAlternativeName} (issuer ${a.identity.issuer})`;
  return `${what}${a.identity.sourceRef ? `, ref ${a.identity.sourceRef}` : ''}${a.identity.sourceDigest ? `, commit ${a.identity.sourceDigest}` : ''}`;
}

export async function verifyProvenanceStep(input: ProvenanceStepInput): Promise<ProvenanceCheck> {
  const { project, filename, policy, provenance } = input;
  if (policy === 'ignore') return { kind: 'provenance', result: 'skipped', detail: { policy, reason: 'provenance policy is "ignore"' } };
  if (!provenance) {
    if (policy === 'required') {
      throw new SignatureError('PROVENANCE_MISSING', `The index publishes no PEP 740 provenance for ${filename}, and the provenance policy for ${project} is "required".`, {
        hint: `Ask upstream to publish with a Trusted Publisher (PyPI then attests each file), or lower the policy for ${project} in recipes/${project}.yaml ("provenance: if-available").`,
      });
    }
    return { kind: 'provenance', result: 'skipped', detail: { policy, reason: 'the index publishes no provenance for this file' } };
  }
  const root = await input.trustedRoot();
  const object = parseProvenance(provenance.bytes, provenance.url);
  const verified: VerifiedAttestation[] = [];
  for (const bundle of object.bundles) {
    for (const attestation of bundle.attestations) verified.push(await verifyAttestation(attestation, { filename, sha256: input.sha256 }, root, provenance.url));
  }
  const first = verified[0]!;
  const spec = publisherOf(first.identity);
  if (input.pinned.publishers.length === 0) {
    throw new SignatureError('NO_PINNED_PUBLISHER', `${filename} is attested by ${describeIdentity(first)}, but no Trusted Publisher is pinned for ${project}, so pkg2os cannot tell whether that is the project's own.`, {
      hint: spec
        ? `Check on the project's PyPI page (or with its maintainers) that this is its Trusted Publisher, then pin it: pkg2os trust add ${project} ${formatPublisher(spec)}. (Or set "provenance: ignore" for ${project}.)`
        : `pkg2os knows no Trusted Publisher of this kind (issuer ${first.identity.issuer}); set "provenance: ignore" for ${project} to build it without provenance.`,
    });
  }
  const match = verified.map((a) => ({ a, p: input.pinned.publishers.find((p) => matchesPublisher(a.identity, p)) })).find((m) => m.p);
  if (!match) {
    throw new SignatureError('UNTRUSTED_PUBLISHER', `${filename} is attested by ${describeIdentity(first)}, which is not a Trusted Publisher pinned for ${project} (${input.pinned.publishers.map(formatPublisher).join(', ')}).`, {
      hint: `Treat this release as suspect: another repository or workflow published it. If the project really moved, check it with its maintainers and pin the new publisher: pkg2os trust add ${project} ${spec ? formatPublisher(spec) : 'SPEC'}.`,
    });
  }
  const a = match.a;
  return {
    kind: 'provenance',
    result: 'pass',
    detail: {
      policy,
      provenanceUrl: provenance.url,
      provenanceSha256: createHash('sha256').update(provenance.bytes).digest('hex'),
      publisher: formatPublisher(match.p!),
      predicateType: a.predicateType,
      issuer: a.identity.issuer,
      identity: a.identity.subjectAlternativeName,
      repository: a.identity.sourceRepository ?? null,
      ref: a.identity.sourceRef ?? null,
      commit: a.identity.sourceDigest ?? null,
      workflow: a.identity.buildConfig ?? null,
      logIndex: a.logIndex,
      integratedTime: a.integratedTime,
      attestations: verified.length,
      trustedRoot: { sha256: root.sha256, source: root.source },
      publisherSources: input.pinned.sources,
    },
  };
}
