/**
 * One interface for every kind of repository (apt, yum): `prepare` makes and
 * checks a new state beside the live one; `switchOver` puts it live in the
 * order clients need; `discard` throws it away, leaving the live state as it was.
 */
import type { ScratchDir } from '../../stop-registry.js';
import type { Clock } from '../../clock.js';

/** The repository's public key, for the self-checks: armored (rpmkeys) and binary (a gpgv keyring). */
export interface PublicKeyFiles {
  armored: string;
  binary: string;
}

export interface PrepareOptions {
  /** Sign everything again even when nothing changed (a new key). */
  force: boolean;
  clock: Clock;
}

/** A publication that has made and checked everything, and waits to be switched live. */
export interface StagedPublication<S> {
  switchOver(): Promise<S>;
  discard(): Promise<void>;
}

export interface RepoPublisher<S> {
  readonly kind: 'apt' | 'yum';
  prepare(files: readonly string[], keys: PublicKeyFiles, options: PrepareOptions): Promise<StagedPublication<S>>;
}

/**
 * A staged publication whose switch-over runs `goLive` and then removes the
 * staging directory, whatever happened; `summary` says what it did.
 */
export function stagedPublication<S>(staging: ScratchDir, goLive: () => Promise<void>, summary: () => Promise<S>, discard: () => Promise<void>): StagedPublication<S> {
  return {
    discard,
    async switchOver() {
      try {
        await goLive();
      } finally {
        await staging.remove();
      }
      return summary();
    },
  };
}
