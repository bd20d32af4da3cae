/** `pkg2os verify <file>`: its options (what it does is in verify-run.ts and verify-provenance.ts). */
import type { Command } from 'commander';
import type { VerifyFlags } from './verify-run.js';

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('check a file against its detached OpenPGP signature and pinned (or given) keys, or against its PEP 740 provenance')
    .argument('<file>', 'the file, e.g. an sdist')
    .option('--signature <file.asc>', 'the detached signature (default <file>.asc)')
    .option('--key <key.asc>', 'trust exactly the key(s) in this file')
    .option('--project <name>', 'trust the keys (or publishers) pinned for this project (default: from the file name)')
    .option('--provenance <file>', 'check this PEP 740 provenance object (or bare attestation) instead of an OpenPGP signature')
    .option('--publisher <spec>', 'with --provenance: the expected Trusted Publisher, e.g. github:OWNER/REPO:release.yml')
    .option('--sha256 <hex>', 'with --provenance: the file\'s sha256, when the file itself is not at hand')
    .option('--keys-dir <dir>', 'pinned upstream keys (env PKG2OS_KEYS_DIR; default ~/.config/pkg2os/keys)')
    .option('--recipes-dir <dir>', 'a directory of recipes, repeatable', (v: string, p: string[] = []) => [...p, v])
    .option('--json', 'print the verdict as JSON')
    .action(async (file: string, flags: VerifyFlags & { provenance?: string; publisher?: string; sha256?: string }) => {
      const { runVerify, projectFromFilename } = await import('./verify-run.js');
      process.exitCode = flags.provenance ? await (await import('./verify-provenance.js')).runVerifyProvenance(file, { ...flags, provenance: flags.provenance }, projectFromFilename) : await runVerify(file, flags);
    });
}

