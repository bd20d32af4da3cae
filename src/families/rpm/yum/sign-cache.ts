/**
 * No rpm is signed twice: a signed rpm is kept, until it is live, under
 * `<yum root>/.pkg2os/signed/<sha256 of the unsigned rpm>-<key fingerprint>.rpm`,
 * so that a publish that was interrupted after signing does not sign the same
 * packages again. A kept copy is used only if its payload is the unsigned
 * rpm's (and, like every new rpm, it must then pass `rpmkeys -K`); copies of
 * rpms that went live are removed.
 */
import { existsSync } from 'node:fs';
import { copyFile, link, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileDigest } from '../../../digest.js';
import type { Signer } from '../../../coordinator/keys/signer.js';
import { queryRpms } from './rpm-query.js';
import { signRpms } from './rpm-sign.js';

export interface SignOutcome {
  signed: number;
  reused: number;
  /** Wall-clock milliseconds spent signing (not counting reused ones). */
  ms: number;
  /** Remove the kept copies of these rpms (once they are live). */
  forget(): Promise<void>;
}

/** Sign `files` in place (copies in a staging directory), reusing kept signed copies. */
export async function signWithCache(files: readonly string[], signer: Signer, cacheDir: string): Promise<SignOutcome> {
  await mkdir(cacheDir, { recursive: true });
  const keep = new Map<string, string>();
  for (const file of files) keep.set(file, join(cacheDir, `${await fileDigest(file)}-${signer.fingerprint}.rpm`));
  const unsigned = new Map((await queryRpms(files, 'the rpms to sign')).map((h, k) => [files[k]!, h.payload]));
  const kept = files.filter((f) => existsSync(keep.get(f)!));
  const keptPayloads = kept.length ? await queryRpms(kept.map((f) => keep.get(f)!), 'the kept signed rpms') : [];
  const reused = new Set<string>();
  for (const [k, file] of kept.entries()) {
    if (keptPayloads[k]!.payload !== unsigned.get(file)) continue;
    await copyFile(keep.get(file)!, file);
    reused.add(file);
  }
  const fresh = files.filter((f) => !reused.has(f));
  const started = Date.now();
  if (fresh.length) await signRpms(fresh, signer);
  const ms = Date.now() - started;
  for (const file of fresh) {
    await rm(keep.get(file)!, { force: true });
    await link(file, keep.get(file)!).catch(() => copyFile(file, keep.get(file)!));
  }
  return {
    signed: fresh.length,
    reused: reused.size,
    ms,
    forget: async () => {
      for (const path of keep.values()) await rm(path, { force: true });
    },
  };
}
