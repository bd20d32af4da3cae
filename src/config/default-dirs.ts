/** Where pkg2os keeps what it keeps between runs, unless told otherwise. */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `PKG2OS_KEYS_DIR`, else `$XDG_CONFIG_HOME/pkg2os/keys`, else `~/.config/pkg2os/keys`. */
export function defaultKeysDir(): string {
  if (process.env.PKG2OS_KEYS_DIR) return process.env.PKG2OS_KEYS_DIR;
  return join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'pkg2os', 'keys');
}

/** `PKG2OS_CACHE_DIR`, else `$XDG_CACHE_HOME/pkg2os`, else `~/.cache/pkg2os`. */
export function defaultCacheDir(): string {
  if (process.env.PKG2OS_CACHE_DIR) return process.env.PKG2OS_CACHE_DIR;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'pkg2os');
}
