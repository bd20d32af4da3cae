/**
 * A Sigstore of the tests' own, from @sigstore/mock's certificate authority,
 * CT log and Rekor log (used directly, without its HTTP mocks): a trusted
 * root that names them, and PEP 740 attestations made the way PyPI's are (a
 * Fulcio certificate for a GitHub workflow identity with an SCT, a DSSE
 * envelope over an in-toto statement, a Rekor dsse entry with its signed
 * timestamp and inclusion proof). Options make each kind of bad attestation.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { initializeCA, initializeCTLog, initializeTLog } from '@sigstore/mock';

type KeyPair = { publicKey: KeyObject; privateKey: KeyObject };
const p256 = (): KeyPair => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const b64 = (data: ArrayBufferView | string) => (typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength)).toString('base64');
const spki = (key: KeyObject) => key.export({ format: 'der', type: 'spki' }) as Buffer;

export interface AttestOptions {
  /** The GitHub repository and workflow file that "published" (default: the fixture's own). */
  repository?: string;
  workflow?: string;
  ref?: string;
  commit?: string;
  /** When the certificate was issued (it is valid for 10 minutes); default now. */
  issuedAt?: Date;
  /** The statement's subject (default: the file's name and sha256) and predicate. */
  subjectName?: string;
  subjectSha256?: string;
  predicateType?: string;
}

export class TestSigstore {
  private constructor(
    private readonly ca: Awaited<ReturnType<typeof initializeCA>>,
    private readonly ctlog: Awaited<ReturnType<typeof initializeCTLog>>,
    private readonly tlog: Awaited<ReturnType<typeof initializeTLog>>,
    private readonly keys: { ca: KeyPair; ct: KeyPair; tlog: KeyPair },
  ) {}

  static async create(): Promise<TestSigstore> {
    const keys = { ca: p256(), ct: p256(), tlog: p256() };
    const ctlog = await initializeCTLog(keys.ct);
    const ca = await initializeCA(keys.ca, ctlog);
    const tlog = await initializeTLog('https://rekor.pkg2os.test', keys.tlog);
    return new TestSigstore(ca, ctlog, tlog, keys);
  }

  /** The trusted root (protobuf JSON, as Sigstore's TUF repository serves it) naming this CA and these logs. */
  trustedRoot(): Record<string, unknown> {
    const validFor = { start: '2000-01-01T00:00:00Z' };
    const key = (k: KeyObject) => ({ rawBytes: b64(spki(k)), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor });
    return {
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: [{ baseUrl: 'https://rekor.pkg2os.test', hashAlgorithm: 'SHA2_256', publicKey: key(this.keys.tlog.publicKey), logId: { keyId: b64(createHash('sha256').update(spki(this.keys.tlog.publicKey)).digest()) } }],
      certificateAuthorities: [{ subject: { organization: 'sigstore.mock', commonName: 'sigstore' }, uri: 'https://fulcio.pkg2os.test', certChain: { certificates: [{ rawBytes: b64(this.ca.rootCertificate) }] }, validFor }],
      ctlogs: [{ baseUrl: 'https://ctfe.pkg2os.test', hashAlgorithm: 'SHA2_256', publicKey: key(this.keys.ct.publicKey), logId: { keyId: b64(Buffer.from(this.ctlog.logID.buffer, this.ctlog.logID.byteOffset, this.ctlog.logID.byteLength)) } }],
      timestampAuthorities: [],
    };
  }

  /** A PEP 740 attestation of `file` by a GitHub workflow, logged in this Rekor. */
  async attest(file: { filename: string; sha256: string }, options: AttestOptions = {}): Promise<Record<string, unknown>> {
    const repository = options.repository ?? 'pkg2os-fixtures/project';
    const workflow = options.workflow ?? 'release.yml';
    const ref = options.ref ?? 'refs/tags/v1.0';
    const commit = options.commit ?? 'a'.repeat(40);
    const config = `https://github.com/${repository}/.github/workflows/${workflow}@${ref}`;
    const signer = p256();
    const ca = options.issuedAt ? await initializeCA(this.keys.ca, this.ctlog, options.issuedAt) : this.ca;
    // A CA made again from the same key and the same root name chains to the same trusted root.
    const FULCIO = '1.3.6.1.4.1.57264.1';
    const certificate = await (options.issuedAt ? reissue(ca, this.ca) : ca).issueCertificate({
      publicKey: new Uint8Array(spki(signer.publicKey)),
      subjectAltName: config,
      extensions: [
        { oid: `${FULCIO}.8`, value: 'https://token.actions.githubusercontent.com' },
        { oid: `${FULCIO}.12`, value: `https://github.com/${repository}` },
        { oid: `${FULCIO}.13`, value: commit },
        { oid: `${FULCIO}.14`, value: ref },
        { oid: `${FULCIO}.18`, value: config },
      ],
    });
    const statement = Buffer.from(
      JSON.stringify({
        _type: 'https://in-toto.io/Statement/v1',
        subject: [{ name: options.subjectName ?? file.filename, digest: { sha256: options.subjectSha256 ?? file.sha256 } }],
        predicateType: options.predicateType ?? 'https://docs.pypi.org/attestations/publish/v1',
        predicate: null,
      }),
    );
    const payloadType = 'application/vnd.in-toto+json';
    const pae = Buffer.concat([Buffer.from(`DSSEv1 ${payloadType.length} ${payloadType} ${statement.length} `), statement]);
    const signature = sign('sha256', pae, signer.privateKey);
    const pem = `-----BEGIN CERTIFICATE-----\n${b64(certificate).replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
    const logged = await this.tlog.log({
      apiVersion: '0.0.1',
      kind: 'dsse',
      spec: {
        envelopeHash: { algorithm: 'sha256', value: createHash('sha256').update(JSON.stringify({ payload: b64(statement), payloadType, signatures: [{ sig: b64(signature) }] })).digest('hex') },
        payloadHash: { algorithm: 'sha256', value: createHash('sha256').update(statement).digest('hex') },
        signatures: [{ signature: b64(signature), verifier: b64(pem) }],
      },
    });
    const entry = Object.values(logged)[0] as { body: string; integratedTime: number; logID: string; logIndex: number; verification: { signedEntryTimestamp: string; inclusionProof: { logIndex: number; rootHash: string; treeSize: number; hashes: string[]; checkpoint: string } } };
    const proof = entry.verification.inclusionProof;
    return {
      version: 1,
      verification_material: {
        certificate: b64(certificate),
        transparency_entries: [
          {
            logIndex: String(entry.logIndex),
            logId: { keyId: b64(Buffer.from(entry.logID, 'hex')) },
            kindVersion: { kind: 'dsse', version: '0.0.1' },
            integratedTime: String(entry.integratedTime),
            inclusionPromise: { signedEntryTimestamp: entry.verification.signedEntryTimestamp },
            inclusionProof: { logIndex: String(proof.logIndex), rootHash: b64(Buffer.from(proof.rootHash, 'hex')), treeSize: String(proof.treeSize), hashes: proof.hashes, checkpoint: { envelope: proof.checkpoint } },
            canonicalizedBody: entry.body,
          },
        ],
      },
      envelope: { statement: b64(statement), signature: b64(signature) },
    };
  }
}

/** A provenance object (PyPI's Integrity API form) holding `attestations` by a GitHub publisher. */
export function provenanceObject(attestations: Array<Record<string, unknown>>, repository = 'pkg2os-fixtures/project', workflow = 'release.yml'): Record<string, unknown> {
  return { version: 1, attestation_bundles: [{ publisher: { kind: 'GitHub', repository, workflow, environment: null }, attestations }] };
}

/** The CA `issued` (its clock set back) signs with the same root certificate as `original`. */
function reissue(issued: Awaited<ReturnType<typeof initializeCA>>, original: Awaited<ReturnType<typeof initializeCA>>): Awaited<ReturnType<typeof initializeCA>> {
  (issued as unknown as { root: unknown }).root = (original as unknown as { root: unknown }).root;
  (issued as unknown as { keyPair: unknown }).keyPair = (original as unknown as { keyPair: unknown }).keyPair;
  return issued;
}
