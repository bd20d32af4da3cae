/**
 * The evidence each verification step records, as zod schemas (report.json
 * publishes them; `make schema`) and the TypeScript types inferred from them:
 * a tagged union on `kind` and `result`, so that no reader casts a detail.
 */
import { z } from 'zod';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const hashCheckSchema = z
  .object({
    kind: z.literal('hash'),
    result: z.literal('pass'),
    detail: z
      .object({
        /** `index`: the bytes were hashed now; `cache`: verified when first built, and the index still publishes this sha256. */
        source: z.enum(['index', 'cache']),
        algorithm: z.enum(['sha256', 'sha384', 'sha512']).optional(),
        expected: z.string().optional(),
        sha256,
        note: z.string().optional(),
      })
      .strict(),
  })
  .strict();

export const signaturePassSchema = z
  .object({
    kind: z.literal('signature'),
    result: z.literal('pass'),
    detail: z
      .object({
        policy: z.enum(['required', 'if-available', 'ignore']),
        signatureUrl: z.string(),
        signatureSha256: sha256,
        signer: z.string().describe('fingerprint of the signer\'s primary key'),
        signingKey: z.string(),
        userId: z.string().optional(),
        signatureTime: z.string(),
        keyExpires: z.string().nullable(),
        warnings: z.array(z.string()),
        keySources: z.array(z.string()),
      })
      .strict(),
  })
  .strict();

export const signatureSkippedSchema = z
  .object({
    kind: z.literal('signature'),
    result: z.literal('skipped'),
    detail: z.object({ policy: z.enum(['required', 'if-available', 'ignore']), reason: z.string() }).strict(),
  })
  .strict();

export const provenancePassSchema = z
  .object({
    kind: z.literal('provenance'),
    result: z.literal('pass'),
    detail: z
      .object({
        policy: z.enum(['required', 'if-available', 'ignore']),
        provenanceUrl: z.string(),
        provenanceSha256: sha256,
        publisher: z.string().describe('the pinned Trusted Publisher the certificate matched, e.g. github:django/django:release.yml'),
        predicateType: z.string(),
        issuer: z.string(),
        identity: z.string().describe('the certificate\'s subject alternative name'),
        repository: z.string().nullable(),
        ref: z.string().nullable(),
        commit: z.string().nullable(),
        workflow: z.string().nullable().describe('the Build Config URI: the workflow that ran'),
        logIndex: z.string(),
        integratedTime: z.string(),
        attestations: z.number().int().positive(),
        trustedRoot: z.object({ sha256, source: z.string() }).strict(),
        publisherSources: z.array(z.string()),
      })
      .strict(),
  })
  .strict();

export const provenanceSkippedSchema = z
  .object({
    kind: z.literal('provenance'),
    result: z.literal('skipped'),
    detail: z.object({ policy: z.enum(['required', 'if-available', 'ignore']), reason: z.string() }).strict(),
  })
  .strict();

export const lockfileCheckSchema = z
  .object({
    kind: z.literal('lockfile'),
    result: z.literal('pass'),
    detail: z.object({ path: z.string(), frozen: z.boolean(), status: z.enum(['recorded', 'matched', 'signer-added', 'signer-accepted', 'publisher-added', 'publisher-accepted']) }).strict(),
  })
  .strict();

export const checkSchema = z.union([hashCheckSchema, signaturePassSchema, signatureSkippedSchema, provenancePassSchema, provenanceSkippedSchema, lockfileCheckSchema]).describe('one piece of evidence that was checked');

export type HashCheck = z.infer<typeof hashCheckSchema>;
export type SignatureCheck = z.infer<typeof signaturePassSchema> | z.infer<typeof signatureSkippedSchema>;
export type ProvenanceCheck = z.infer<typeof provenancePassSchema> | z.infer<typeof provenanceSkippedSchema>;
export type LockfileCheck = z.infer<typeof lockfileCheckSchema>;
export type Check = z.infer<typeof checkSchema>;

/** The publisher (and its source) a provenance check names, or null when none was verified. */
export function publisherOfChecks(checks: readonly Check[]): { publisher: string; repository: string | null; ref: string | null; commit: string | null } | null {
  const p = checks.find((c): c is z.infer<typeof provenancePassSchema> => c.kind === 'provenance' && c.result === 'pass');
  return p ? { publisher: p.detail.publisher, repository: p.detail.repository, ref: p.detail.ref, commit: p.detail.commit } : null;
}

/** The signer a signature check names, or null when none was verified. */
export function signerOf(checks: readonly Check[]): string | null {
  const signature = checks.find((c): c is z.infer<typeof signaturePassSchema> => c.kind === 'signature' && c.result === 'pass');
  return signature?.detail.signer ?? null;
}
