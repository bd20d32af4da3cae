/**
 * One PEP 740 attestation, verified offline as Sigstore defines it, with
 * `@sigstore/verify` (loaded only when provenance is checked): the Fulcio
 * certificate chains to the trusted root and carries a valid SCT; the Rekor
 * entry's signed timestamp (and inclusion proof, where given) verifies and
 * matches the envelope; the certificate was valid when the entry was logged;
 * the signature covers the DSSE envelope. Then the in-toto statement: its
 * type, its predicate (PyPI's publish attestation, or SLSA provenance), and a
 * subject naming the file with the sha256 pkg2os computed. The certificate's
 * identity (issuer, source repository, ref, commit, workflow) is returned for
 * the publisher check.
 */
import { SignatureError } from '../../errors.js';
import { type Attestation, toBundleJson } from './provenance-object.js';
import type { TrustedRootFile } from './trusted-root.js';

export const PREDICATES: Record<string, 'pypi-publish' | 'slsa-provenance'> = {
  'https://docs.pypi.org/attestations/publish/v1': 'pypi-publish',
  'https://slsa.dev/provenance/v1': 'slsa-provenance',
};

/** What a Fulcio certificate says of the workload that signed. */
export interface CertificateIdentity {
  issuer: string;
  subjectAlternativeName: string;
  sourceRepository?: string;
  sourceRef?: string;
  sourceDigest?: string;
  buildConfig?: string;
  runInvocation?: string;
}

export interface VerifiedAttestation {
  identity: CertificateIdentity;
  predicateType: string;
  kind: 'pypi-publish' | 'slsa-provenance';
  logIndex: string;
  integratedTime: string;
}

// Fulcio's certificate extensions (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md).
const FULCIO = '1.3.6.1.4.1.57264.1';
const OIDS = { issuerV1: `${FULCIO}.1`, issuer: `${FULCIO}.8`, buildConfig: `${FULCIO}.18`, sourceRepository: `${FULCIO}.12`, sourceDigest: `${FULCIO}.13`, sourceRef: `${FULCIO}.14`, runInvocation: `${FULCIO}.21` };

type Sigstore = {
  bundleFromJSON: (json: unknown) => unknown;
  Verifier: new (trust: unknown, options: Record<string, number>) => { verify(entity: unknown): { identity?: { subjectAlternativeName?: string; extensions?: { issuer?: string }; oids?: Array<{ oid?: { id: number[] }; value: Uint8Array }> } } };
  toSignedEntity: (bundle: unknown) => unknown;
  toTrustMaterial: (root: unknown) => unknown;
  TrustedRoot: { fromJSON(json: unknown): unknown };
};

let sigstore: Promise<Sigstore> | undefined;

/** The Sigstore libraries, loaded on first use (most commands never need them). */
function libraries(): Promise<Sigstore> {
  sigstore ??= (async () => {
    const [bundle, verify, specs] = await Promise.all([import('@sigstore/bundle'), import('@sigstore/verify'), import('@sigstore/protobuf-specs')]);
    const pick = <T>(mod: Record<string, unknown>, name: string): T => (mod[name] ?? (mod.default as Record<string, unknown>)[name]) as T;
    return {
      bundleFromJSON: pick(bundle, 'bundleFromJSON'),
      Verifier: pick(verify, 'Verifier'),
      toSignedEntity: pick(verify, 'toSignedEntity'),
      toTrustMaterial: pick(verify, 'toTrustMaterial'),
      TrustedRoot: pick(specs, 'TrustedRoot'),
    };
  })();
  return sigstore;
}

const trustMaterials = new Map<string, Promise<unknown>>();

async function trustMaterial(root: TrustedRootFile): Promise<unknown> {
  let material = trustMaterials.get(root.sha256);
  if (!material) {
    material = libraries().then((lib) => lib.toTrustMaterial(lib.TrustedRoot.fromJSON(root.json)));
    trustMaterials.set(root.sha256, material);
  }
  return material;
}

/** Verify `attestation` for the file `filename` with sha256 `sha256`; throws PROVENANCE_INVALID saying what failed. */
export async function verifyAttestation(attestation: Attestation, file: { filename: string; sha256: string }, root: TrustedRootFile, source: string): Promise<VerifiedAttestation> {
  const lib = await libraries();
  const refuse = (why: string) =>
    new SignatureError('PROVENANCE_INVALID', `The attestation in ${source} for ${file.filename} does not verify: ${why}.`, {
      hint: 'Do not build this file: it is not what its Trusted Publisher released through Sigstore (or the trusted root is out of date: pkg2os trust update).',
    });
  let signer: ReturnType<InstanceType<Sigstore['Verifier']>['verify']>;
  try {
    const bundle = lib.bundleFromJSON(toBundleJson(attestation));
    const verifier = new lib.Verifier(await trustMaterial(root), { tlogThreshold: 1, ctlogThreshold: 1 });
    signer = verifier.verify(lib.toSignedEntity(bundle));
  } catch (error) {
    const e = error as { code?: string; message?: string };
    throw refuse(`${e.code ? `${e.code}: ` : ''}${e.message ?? String(error)}`);
  }
  const statement = parseStatement(attestation.envelope.statement, refuse);
  const kind = PREDICATES[statement.predicateType];
  if (!kind) throw refuse(`its predicate ${JSON.stringify(statement.predicateType)} is neither PyPI's publish attestation nor SLSA provenance`);
  const subject = statement.subject.find((s) => s.name === file.filename);
  if (!subject) throw refuse(`its subject names ${statement.subject.map((s) => JSON.stringify(s.name)).join(', ')}, not ${file.filename}`);
  if (subject.digest.sha256?.toLowerCase() !== file.sha256) throw refuse(`its subject's sha256 is ${subject.digest.sha256}, and the file's is ${file.sha256}`);
  const entry = attestation.verification_material.transparency_entries[0] as { logIndex?: string | number; integratedTime?: string | number };
  return {
    identity: identityOf(signer.identity),
    predicateType: statement.predicateType,
    kind,
    logIndex: String(entry.logIndex ?? ''),
    integratedTime: new Date(Number(entry.integratedTime ?? 0) * 1000).toISOString(),
  };
}

interface Statement {
  predicateType: string;
  subject: Array<{ name: string; digest: Record<string, string> }>;
}

function parseStatement(b64: string, refuse: (why: string) => SignatureError): Statement {
  let statement: Partial<Statement> & { _type?: string };
  try {
    statement = JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
  } catch {
    throw refuse('its statement is not JSON');
  }
  if (statement._type !== 'https://in-toto.io/Statement/v1') throw refuse(`its statement is of type ${JSON.stringify(statement._type)}, not an in-toto Statement v1`);
  if (typeof statement.predicateType !== 'string' || !Array.isArray(statement.subject)) throw refuse('its statement has no predicateType or subject');
  for (const s of statement.subject) if (typeof s?.name !== 'string' || typeof s?.digest !== 'object' || s.digest === null) throw refuse('a subject has no name or digest');
  return statement as Statement;
}

function identityOf(identity: { subjectAlternativeName?: string; extensions?: { issuer?: string }; oids?: Array<{ oid?: { id: number[] }; value: Uint8Array }> } | undefined): CertificateIdentity {
  const values = new Map<string, string>();
  for (const { oid, value } of identity?.oids ?? []) if (oid) values.set(oid.id.join('.'), derString(Buffer.from(value)));
  const issuer = identity?.extensions?.issuer ?? values.get(OIDS.issuer) ?? values.get(OIDS.issuerV1) ?? '';
  const pick = (oid: string) => values.get(oid) || undefined;
  return {
    issuer,
    subjectAlternativeName: identity?.subjectAlternativeName ?? '',
    sourceRepository: pick(OIDS.sourceRepository),
    sourceRef: pick(OIDS.sourceRef),
    sourceDigest: pick(OIDS.sourceDigest),
    buildConfig: pick(OIDS.buildConfig),
    runInvocation: pick(OIDS.runInvocation),
  };
}

/** Fulcio's v2 extensions are DER UTF8Strings; its legacy ones are raw bytes. */
function derString(value: Buffer): string {
  if (value[0] === 0x0c && value.length >= 2) {
    let length = value[1]!;
    let start = 2;
    if (length & 0x80) {
      const n = length & 0x7f;
      length = value.subarray(2, 2 + n).reduce((acc, b) => acc * 256 + b, 0);
      start = 2 + n;
    }
    return value.subarray(start, start + length).toString('utf8');
  }
  return value.toString('utf8');
}
