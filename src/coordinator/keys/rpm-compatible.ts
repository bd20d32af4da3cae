/**
 * rpm 4.18's OpenPGP parser (the one Debian 12 and RHEL 9 ship) refuses a key
 * whose self-signature has a *critical* Key Expiration Time subpacket, and
 * openpgp.js always marks that subpacket critical. GnuPG never does. While
 * `fn` runs (key generation), self-signatures are made with that one bit
 * cleared, before they are signed; nothing else about them changes.
 * RFC 4880 §5.2.3.1 (subpacket lengths), §5.2.3.10 (key expiration time).
 */
import * as openpgp from 'openpgp';

const KEY_EXPIRATION_TIME = 9;

/** Clear the critical bit of Key Expiration Time in a v4 hashed-subpacket area (2-byte length first). */
export function clearCriticalKeyExpiry(area: Uint8Array): Uint8Array {
  const out = Uint8Array.from(area);
  let i = 2;
  while (i < out.length) {
    const first = out[i]!;
    let length: number;
    let header: number;
    if (first < 192) {
      length = first;
      header = 1;
    } else if (first < 255) {
      length = ((first - 192) << 8) + out[i + 1]! + 192;
      header = 2;
    } else {
      length = (out[i + 1]! << 24) | (out[i + 2]! << 16) | (out[i + 3]! << 8) | out[i + 4]!;
      header = 5;
    }
    const typeAt = i + header;
    if ((out[typeAt]! & 0x7f) === KEY_EXPIRATION_TIME) out[typeAt] = out[typeAt]! & 0x7f;
    i = typeAt + length;
  }
  return out;
}

export async function withRpmCompatibleSelfSignatures<T>(fn: () => Promise<T>): Promise<T> {
  const proto = openpgp.SignaturePacket.prototype as unknown as { writeHashedSubPackets(this: openpgp.SignaturePacket): Uint8Array; version: number };
  const original = proto.writeHashedSubPackets;
  proto.writeHashedSubPackets = function (this: openpgp.SignaturePacket) {
    const area = original.call(this);
    return (this as unknown as { version: number }).version === 4 ? clearCriticalKeyExpiry(area) : area;
  };
  try {
    return await fn();
  } finally {
    proto.writeHashedSubPackets = original;
  }
}
