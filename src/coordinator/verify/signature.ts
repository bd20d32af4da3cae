/**
 * The upstream-signature step: applies the signature policy
 * (required | if-available | ignore) and checks a published `.asc` against
 * the keys pinned for the project, over the exact bytes that were hashed.
 */
import { createHash } from 'node:crypto';
import type { SignaturePolicy } from '../../config/recipes.js';
import { SignatureError } from '../../errors.js';
import type { SdistCandidate } from '../../pep/index.types.js';
import { readDetachedSignature, verifyDetached } from './openpgp-signature.js';
import type { PinnedKeys } from './trust-store.js';
import type { SignatureCheck } from './checks.js';

/** The signature as fetched, or undefined when none is published. */
export interface PublishedSignature {
  url: string;
  bytes: Uint8Array;
}

/** Whether the index says a signature exists, and so whether to fetch `<url>.asc` under `policy`. */
export function shouldFetchSignature(candidate: SdistCandidate, policy: SignaturePolicy): boolean {
  if (policy === 'ignore') return false;
  if (candidate.file.gpgSig === true) return true;
  // Under "required", look even when the index does not say (PEP 691 makes gpg-sig optional).
  return policy === 'required' && candidate.file.gpgSig !== false;
}

export interface SignatureStepInput {
  candidate: SdistCandidate;
  data: Uint8Array;
  policy: SignaturePolicy;
  signature?: PublishedSignature;
  pinned: PinnedKeys;
  now?: Date;
}

/** Run the step: a `Check` (pass or skipped with the reason), or a `SignatureError`. */
export async function verifySignatureStep(input: SignatureStepInput): Promise<SignatureCheck> {
  const { candidate, policy, signature, pinned } = input;
  const filename = candidate.file.filename;
  const project = candidate.project;
  if (policy === 'ignore') return { kind: 'signature', result: 'skipped', detail: { policy, reason: 'signature policy is "ignore"' } };
  if (!signature) {
    if (policy === 'required') {
      throw new SignatureError('SIGNATURE_MISSING', `No signature is published for ${filename}, and the signature policy for ${project} is "required".`, {
        hint: `Ask upstream to publish ${filename}.asc, or lower the policy for ${project} in recipes/${project}.yaml ("signature: if-available") if you accept unsigned releases.`,
      });
    }
    return { kind: 'signature', result: 'skipped', detail: { policy, reason: 'the index publishes no signature for this file' } };
  }
  const pinHint = `pkg2os keys add ${project} KEY.asc`;
  if (pinned.keys.length === 0) {
    const parsed = await readDetachedSignature(signature.bytes, filename);
    const ids = parsed.getSigningKeyIDs().map((id) => id.toHex().toUpperCase());
    throw new SignatureError('NO_PINNED_KEY', `${filename} is signed by key ID ${ids.join(', ')}, but no key is pinned for ${project}, so the signature cannot be checked.`, {
      hint: `Get the key from upstream, compare its full fingerprint through a channel you trust, then pin it: ${pinHint}. (Or set "signature: ignore" for ${project} to build it unverified.)`,
    });
  }
  const verdict = await verifyDetached(input.data, signature.bytes, pinned.keys, { subject: filename, pinHint, now: input.now });
  return {
    kind: 'signature',
    result: 'pass',
    detail: {
      policy,
      signatureUrl: signature.url,
      signatureSha256: createHash('sha256').update(signature.bytes).digest('hex'),
      signer: verdict.signer,
      signingKey: verdict.signingKey,
      ...(verdict.userId !== undefined ? { userId: verdict.userId } : {}),
      signatureTime: verdict.created.toISOString(),
      keyExpires: verdict.keyExpires?.toISOString() ?? null,
      warnings: verdict.warnings,
      keySources: pinned.sources,
    },
  };
}
