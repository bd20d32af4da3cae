/** Where pkg2os keeps what it keeps between runs, unless told otherwise. */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `PKG2OS_KEYS_DIR`, else `$XDG_CONFIG_HOME/pkg2os/keys`, else `~/.config/pkg2os/keys`. */
export function defaultKeysDir(): string {
  if (process.env.PKG2OS_KEYS_DIR) return process.env.PKG2OS_KEYS_DIR;
  return join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'pkg2os', 'keys');
}

/**
 * `PKG2OS_CACHE_DIR`, else `$XDG_CACHE_HOME/pkg2os`, else `~/.cache/pkg2os`;
 * as root, `/var/cache/pkg2os`: build roots live in the cache, and the
 * sandboxes' unprivileged uids cannot pass through /root (0700).
 */
export function defaultCacheDir(): string {
  if (process.env.PKG2OS_CACHE_DIR) return process.env.PKG2OS_CACHE_DIR;
  if (process.env.XDG_CACHE_HOME) return join(process.env.XDG_CACHE_HOME, 'pkg2os');
  return process.getuid?.() === 0 ? '/var/cache/pkg2os' : join(homedir(), '.cache', 'pkg2os');
}

/**
 * `PKG2OS_STATE_DIR`, else `$XDG_STATE_HOME/pkg2os`, else
 * `~/.local/state/pkg2os`; as root, `/var/lib/pkg2os`: what pkg2os learns of
 * the target releases (their packages, files and Python names), shared by
 * every run on the machine and made again by `pkg2os roots update`.
 */
export function defaultStateDir(): string {
  if (process.env.PKG2OS_STATE_DIR) return process.env.PKG2OS_STATE_DIR;
  if (process.env.XDG_STATE_HOME) return join(process.env.XDG_STATE_HOME, 'pkg2os');
  return process.getuid?.() === 0 ? '/var/lib/pkg2os' : join(homedir(), '.local', 'state', 'pkg2os');
}

/** A build-farm worker's key pair: `$XDG_CONFIG_HOME/pkg2os/worker`, else `~/.config/pkg2os/worker`; as root, `/var/lib/pkg2os/worker`. */
export function defaultWorkerIdentityDir(): string {
  if (process.env.XDG_CONFIG_HOME) return join(process.env.XDG_CONFIG_HOME, 'pkg2os', 'worker');
  return process.getuid?.() === 0 ? '/var/lib/pkg2os/worker' : join(homedir(), '.config', 'pkg2os', 'worker');
}
