/**
 * The Sigstore trusted root provenance is checked against: the one pkg2os's
 * `pkg2os trust update` fetched through TUF (`<keys dir>/.sigstore/
 * trusted_root.json`), else the one `@sigstore/tuf` ships (its seeds.json,
 * from Sigstore's TUF repository when that package was released). Its sha256
 * is part of every provenance verdict, of the cache key and of the report.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ConfigError, IndexError } from '../../errors.js';
import { writeAtomic } from '../../fs-atomic.js';

import { SIGSTORE_TUF_URL } from '../../config/defaults.js';

export { SIGSTORE_TUF_URL };

export interface TrustedRootFile {
  json: unknown;
  sha256: string;
  /** Where it came from, for reports. */
  source: string;
}

const memo = new Map<string, Promise<TrustedRootFile>>();

export function trustedRootPath(keysDir: string): string {
  return join(keysDir, '.sigstore', 'trusted_root.json');
}

/** The trusted root in use for `keysDir`. */
export function loadTrustedRoot(keysDir: string): Promise<TrustedRootFile> {
  let root = memo.get(keysDir);
  if (!root) {
    root = read(keysDir);
    memo.set(keysDir, root);
  }
  return root;
}

async function read(keysDir: string): Promise<TrustedRootFile> {
  const path = trustedRootPath(keysDir);
  const own = await readFile(path).catch(() => undefined);
  if (own) return parse(own, path);
  const require = createRequire(import.meta.url);
  const seedsPath = require.resolve('@sigstore/tuf/seeds.json');
  const seeds = JSON.parse(await readFile(seedsPath, 'utf8')) as Record<string, { targets: Record<string, string> }>;
  const b64 = seeds[SIGSTORE_TUF_URL]?.targets['trusted_root.json'];
  if (!b64) throw new ConfigError('INVALID_CONFIG', `${seedsPath} holds no trusted root for ${SIGSTORE_TUF_URL}.`, { hint: 'Reinstall pkg2os\'s npm packages (make setup), or run pkg2os trust update.' });
  const version = JSON.parse(await readFile(require.resolve('@sigstore/tuf/package.json'), 'utf8')).version as string;
  return parse(Buffer.from(b64, 'base64'), `the trusted root shipped with @sigstore/tuf ${version}`);
}

function parse(bytes: Buffer, source: string): TrustedRootFile {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ConfigError('INVALID_CONFIG', `The Sigstore trusted root ${source} is not JSON.`, { hint: 'Run pkg2os trust update to fetch it again.' });
  }
  return { json, sha256: createHash('sha256').update(bytes).digest('hex'), source };
}

/** `pkg2os trust update`: fetch the trusted root through TUF (verified from the root of trust @sigstore/tuf ships) and keep it. */
export async function updateTrustedRoot(keysDir: string, mirrorUrl = SIGSTORE_TUF_URL): Promise<TrustedRootFile> {
  const tuf = await import('@sigstore/tuf');
  const getTrustedRoot = (tuf.getTrustedRoot ?? (tuf as unknown as { default: typeof tuf }).default.getTrustedRoot) as typeof tuf.getTrustedRoot;
  const specs = await import('@sigstore/protobuf-specs');
  const TrustedRoot = (specs.TrustedRoot ?? (specs as unknown as { default: typeof specs }).default.TrustedRoot) as typeof specs.TrustedRoot;
  const dir = join(keysDir, '.sigstore');
  await mkdir(dir, { recursive: true });
  let root: Awaited<ReturnType<typeof getTrustedRoot>>;
  try {
    root = await getTrustedRoot({ mirrorURL: mirrorUrl, cachePath: join(dir, 'tuf-cache'), force: true });
  } catch (error) {
    const cause = (error as { cause?: Error }).cause;
    throw new IndexError('INDEX_UNREACHABLE', `Could not refresh the Sigstore trusted root from ${mirrorUrl}: ${(error as Error).message}${cause ? ` (${cause.message})` : ''}.`, {
      hint: `Check that ${mirrorUrl} is reachable. Until then pkg2os keeps checking provenance against the trusted root it has (pkg2os trust list shows which).`,
      cause: error,
    });
  }
  const bytes = Buffer.from(`${JSON.stringify(TrustedRoot.toJSON(root), null, 2)}\n`);
  await writeAtomic(trustedRootPath(keysDir), bytes);
  memo.delete(keysDir);
  return parse(bytes, trustedRootPath(keysDir));
}
