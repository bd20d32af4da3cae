/**
 * PEP 740's objects, read strictly enough to be sure of what they say and no
 * more: a provenance object (`version`, `attestation_bundles[]`, each with the
 * index's `publisher` and its `attestations[]`), or a bare Attestation
 * (`version`, `verification_material.{certificate, transparency_entries}`,
 * `envelope.{statement, signature}`), and the conversion of an Attestation to
 * the Sigstore bundle (v0.3, a DSSE envelope of in-toto JSON) it stands for.
 */
import { z } from 'zod';
import { SignatureError } from '../../errors.js';

const base64 = z.string().regex(/^[A-Za-z0-9+/=_-]+$/, 'base64');

export const attestationSchema = z
  .object({
    version: z.literal(1),
    verification_material: z.object({ certificate: base64, transparency_entries: z.array(z.record(z.string(), z.unknown())).min(1) }).passthrough(),
    envelope: z.object({ statement: base64, signature: base64 }).passthrough(),
  })
  .passthrough();

const provenanceSchema = z
  .object({
    version: z.literal(1),
    attestation_bundles: z
      .array(
        z
          .object({
            publisher: z.object({ kind: z.string() }).passthrough(),
            attestations: z.array(attestationSchema).min(1),
          })
          .passthrough(),
      )
      .min(1),
  })
  .passthrough();

export type Attestation = z.infer<typeof attestationSchema>;

/** The attestations of a provenance object (or the one bare Attestation), with what the index said of each one's publisher. */
export interface ProvenanceObject {
  bundles: Array<{ publisher?: Record<string, unknown>; attestations: Attestation[] }>;
}

/** Parse a provenance object or a bare Attestation; anything else is refused, saying what it lacked. */
export function parseProvenance(bytes: Uint8Array, source: string): ProvenanceObject {
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw invalid(source, 'it is not JSON');
  }
  const bare = attestationSchema.safeParse(data);
  if (bare.success && !(data as Record<string, unknown>).attestation_bundles) return { bundles: [{ attestations: [bare.data] }] };
  const parsed = provenanceSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalid(source, `${issue.path.join('.') || 'the document'}: ${issue.message}`);
  }
  return { bundles: parsed.data.attestation_bundles.map((b) => ({ publisher: b.publisher, attestations: b.attestations })) };
}

function invalid(source: string, why: string): SignatureError {
  return new SignatureError('PROVENANCE_INVALID', `${source} is not a PEP 740 provenance object or attestation: ${why}.`, {
    hint: 'The index serves something else than PyPI\'s Integrity API does; treat the file as unverified and ask the index operator.',
  });
}

/** The Sigstore bundle (JSON, v0.3) an Attestation stands for. */
export function toBundleJson(attestation: Attestation): Record<string, unknown> {
  return {
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: {
      certificate: { rawBytes: attestation.verification_material.certificate },
      tlogEntries: attestation.verification_material.transparency_entries,
    },
    dsseEnvelope: {
      payload: attestation.envelope.statement,
      payloadType: 'application/vnd.in-toto+json',
      signatures: [{ sig: attestation.envelope.signature, keyid: '' }],
    },
  };
}
