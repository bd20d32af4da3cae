/** What `pkg2os verify <file>` does: the `gpg --verify` that nobody runs on what pip downloads, done right. */
import { out, outJson } from './terminal.js';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { loadRecipe, recipeDirs } from '../config/recipes.js';
import { ConfigError, ExitCode } from '../errors.js';
import { normalizeName } from '../pep/names.js';
import { readPublicKeys } from '../coordinator/verify/openpgp-keys.js';
import { verifyDetached } from '../coordinator/verify/openpgp-signature.js';
import { defaultKeysDir } from '../config/default-dirs.js';
import { TrustStore } from '../coordinator/verify/trust-store.js';
import { reportError } from './output.js';

export interface VerifyFlags {
  signature?: string;
  key?: string;
  project?: string;
  keysDir?: string;
  recipesDir?: string[];
  json?: boolean;
}

export async function readInput(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new ConfigError('USAGE', `Cannot read ${what} ${path}: ${(error as Error).message}.`, { cause: error });
  }
}

/** The project an sdist file name belongs to: the part before the first "-<digit>". */
export function projectFromFilename(filename: string): string | undefined {
  const match = /^(.+?)-\d/.exec(filename);
  try {
    return match ? normalizeName(match[1]!) : undefined;
  } catch {
    return undefined;
  }
}

export async function runVerify(file: string, flags: VerifyFlags): Promise<number> {
  try {
    if (flags.key && flags.project) throw new ConfigError('USAGE', 'Give --key or --project, not both.');
    const data = await readInput(file, 'the file');
    const signaturePath = flags.signature ?? `${file}.asc`;
    const signature = await readInput(signaturePath, 'the signature');
    let keys;
    let trusted: string;
    let project: string | undefined;
    if (flags.key) {
      keys = await readPublicKeys(await readInput(flags.key, 'the key file'), flags.key);
      trusted = flags.key;
    } else {
      project = flags.project ? normalizeName(flags.project) : projectFromFilename(basename(file));
      if (!project) throw new ConfigError('USAGE', `Cannot tell which project ${basename(file)} belongs to.`, { hint: 'Give --project NAME or --key KEY.asc.' });
      const dirs = recipeDirs(flags.recipesDir ?? []);
      const store = new TrustStore(flags.keysDir ?? defaultKeysDir(), dirs);
      const pinned = await store.keysFor(project, await loadRecipe(project, dirs));
      if (pinned.keys.length === 0) {
        throw new ConfigError('USAGE', `No key is pinned for ${project} in ${store.dir}.`, { hint: `Pin one with: pkg2os keys add ${project} KEY.asc, or give --key KEY.asc.` });
      }
      keys = pinned.keys;
      trusted = `keys pinned for ${project}`;
    }
    const verdict = await verifyDetached(data, signature, keys, {
      subject: basename(file),
      pinHint: project ? `pkg2os keys add ${project} KEY.asc` : 'pass the right key with --key',
    });
    const result = {
      verdict: 'good',
      file,
      signature: signaturePath,
      signer: verdict.signer,
      signingKey: verdict.signingKey,
      userId: verdict.userId ?? null,
      signatureTime: verdict.created.toISOString(),
      keyExpires: verdict.keyExpires?.toISOString() ?? null,
      trusted,
      warnings: verdict.warnings,
    };
    if (flags.json) {
      outJson(result);
    } else {
      const lines = [
        `file:        ${file}`,
        `signed by:   ${verdict.userId ?? '(no user ID)'}`,
        `fingerprint: ${verdict.signer}${verdict.signingKey !== verdict.signer ? ` (subkey ${verdict.signingKey})` : ''}`,
        `signed on:   ${verdict.created.toISOString()}`,
        `key expires: ${verdict.keyExpires?.toISOString() ?? 'never'}`,
        ...verdict.warnings.map((w) => `warning:     ${w}`),
        `verdict:     GOOD signature from a trusted key (${trusted})`,
      ];
      out(`${lines.join('\n')}\n`);
    }
    return ExitCode.ok;
  } catch (error) {
    if (flags.json && error instanceof Error && 'code' in error) {
      outJson({ verdict: 'bad', file, code: (error as { code: string }).code, message: error.message });
    } else {
      out(`verdict:     BAD (${(error as { code?: string }).code ?? 'error'})\n`);
    }
    // Its own verdict document is the --json output.
    return reportError(error, undefined, { json: false });
  }
}
