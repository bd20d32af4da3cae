/**
 * `Signer`: everything pkg2os signs goes through this one interface, with
 * openpgp.js behind it: apt's InRelease (cleartext) and Release.gpg, yum's
 * repomd.xml.asc (detached, armored), and rpm headers (detached, binary).
 */
import * as openpgp from 'openpgp';
import type { SigningKey } from './signing-key.js';

export interface Signer {
  readonly fingerprint: string;
  /** The name of the key's primary user ID ("Example Org Packages"), for repository names. */
  readonly userName: string;
  readonly publicArmored: string;
  readonly publicBinary: Uint8Array;
  /** A detached signature over `data`. */
  detached(data: Uint8Array, format: 'armored' | 'binary'): Promise<Uint8Array>;
  /** A cleartext-signed document (RFC 9580 §7), as apt's InRelease. */
  cleartext(text: string): Promise<string>;
}

/** SHA-512 signatures made by the organization's key, in memory. */
export class OpenPgpSigner implements Signer {
  readonly fingerprint: string;
  readonly userName: string;
  readonly publicArmored: string;
  readonly publicBinary: Uint8Array;

  constructor(private readonly key: SigningKey) {
    this.fingerprint = key.fingerprint;
    this.userName = (key.privateKey.getUserIDs()[0] ?? 'pkg2os').replace(/\s*<[^>]*>\s*$/, '').trim() || 'pkg2os';
    this.publicArmored = key.publicArmored;
    this.publicBinary = key.publicBinary;
  }

  async detached(data: Uint8Array, format: 'armored' | 'binary'): Promise<Uint8Array> {
    const message = await openpgp.createMessage({ binary: data });
    const config = { preferredHashAlgorithm: openpgp.enums.hash.sha512 };
    if (format === 'armored') {
      return Buffer.from(await openpgp.sign({ message, signingKeys: this.key.privateKey, detached: true, format: 'armored', config }), 'utf8');
    }
    return openpgp.sign({ message, signingKeys: this.key.privateKey, detached: true, format: 'binary', config });
  }

  async cleartext(text: string): Promise<string> {
    const message = await openpgp.createCleartextMessage({ text });
    return openpgp.sign({ message, signingKeys: this.key.privateKey, config: { preferredHashAlgorithm: openpgp.enums.hash.sha512 } });
  }
}
