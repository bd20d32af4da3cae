/**
 * Unprivileged uids for sandboxes, when pkg2os runs as root: each running
 * sandbox gets a uid no other running sandbox has, so that one build cannot
 * signal, trace or write into another even if it left its namespaces. The
 * range lies far above the ones Debian gives to users and services; the
 * offset by process id keeps two pkg2os processes on one machine apart.
 */

/** The first uid of the range (2,100,000,000) and its size. */
export const UID_BASE = 2_100_000_000;
const RANGE = 1_000_000;
const SLOTS_PER_PROCESS = 256;

const free: number[] = [];
let next = 0;

export interface UidLease {
  uid: number;
  release(): void;
}

/** A uid for one sandboxed run; released when it ends. */
export async function leaseUid(): Promise<UidLease> {
  const slot = free.pop() ?? next++;
  if (slot >= SLOTS_PER_PROCESS) throw new Error('more than 256 sandboxes at once');
  const uid = UID_BASE + ((process.pid * SLOTS_PER_PROCESS + slot) % RANGE);
  let released = false;
  return {
    uid,
    release() {
      if (released) return;
      released = true;
      free.push(slot);
    },
  };
}
