/**
 * Benchmark helper: sign every rpm in a directory as \`pkg2os publish\` does
 * (rpmsign in a lane per core, the key in this process), timed by bench/publish.ts.
 * Usage: node dist/bench/sign-rpms.js KEY.asc DIR
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { OpenPgpSigner } from '../src/coordinator/keys/signer.js';
import { loadSigningKey } from '../src/coordinator/keys/signing-key.js';
import { signRpms } from '../src/families/rpm/yum/rpm-sign.js';

const [keyFile, dir] = process.argv.slice(2);
const signer = new OpenPgpSigner(await loadSigningKey({ keyFile }));
await signRpms((await readdir(dir!)).filter((f) => f.endsWith('.rpm')).map((f) => join(dir!, f)), signer);
