/**
 * The one clock of pkg2os. Publishing, retention, the cache's last-use times
 * and signature checks read the time through it, so that tests can set it.
 */
export interface Clock {
  now(): Date;
}

/** The machine's clock. */
export const systemClock: Clock = { now: () => new Date() };
