/**
 * The pkg2os command line. Only this layer prints; it maps errors to exit codes
 * (README.md, "Exit codes").
 */
import { err } from './terminal.js';
import { Command, CommanderError } from 'commander';
import { ExitCode } from '../errors.js';
import { installStopHandlers, useRunTempDir } from '../host/cleanup.js';
import { PKG2OS_VERSION } from '../version.js';
import { registerBuild, registerRebuild } from './build-command.js';
import { registerCache } from './cache-command.js';
import { registerKeys } from './keys-command.js';
import { registerVerify } from './verify-command.js';
import { registerPublish } from './publish-command.js';
import { registerRoots } from './roots-command.js';
import { registerTrust } from './trust-command.js';
import { registerExplain } from './explain-command.js';
import { registerWorker } from './worker-command.js';
import { registerFarm } from './farm-command.js';
import { registerVerifyBuild } from './verify-build-command.js';
import { registerChannels } from './channel-commands.js';
import { printErrorDocument, reportError, setJsonOutput } from './output.js';

/** The whole command line, every command registered (its actions load their code on use): run by `main`, read by docs/reference.md's generator. */
export function makeProgram(): Command {
  const program = new Command();
  program
    .name('pkg2os')
    .description('Turn Python packages from a PyPI-compatible index into signed .deb and .rpm packages.')
    .version(PKG2OS_VERSION)
    .exitOverride()
    // Usage errors look like every other error (subcommands inherit this when they are made).
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'pkg2os: error: ')) })
    .showHelpAfterError('(run pkg2os --help for usage)');
  registerBuild(program);
  registerRebuild(program);
  registerCache(program);
  registerVerify(program);
  registerPublish(program);
  registerExplain(program);
  registerWorker(program);
  registerFarm(program);
  registerVerifyBuild(program);
  registerChannels(program);
  registerKeys(program);
  registerRoots(program);
  registerTrust(program);
  // Every command, however deep: a usage error is an exit code here, not a process.exit inside commander.
  const override = (command: Command): void => {
    command.exitOverride();
    for (const sub of command.commands) override(sub);
  };
  override(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  // Stopped with Ctrl-C or SIGTERM: every sandbox dies with its children, and work directories go.
  installStopHandlers((signal) => err(`pkg2os: stopped by ${signal}; killing the builds and removing their work directories\n`));
  // With --json every outcome is one JSON document on stdout, a failure before any report too.
  setJsonOutput(argv.slice(2).includes('--json'));
  const program = makeProgram();
  let removeRunTemp = () => {};
  try {
    removeRunTemp = useRunTempDir();
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with exit code 0; usage errors were already printed by commander.
      if (error.exitCode === 0) return 0;
      printErrorDocument(undefined, { message: error.message.replace(/^error: /, '') });
      return ExitCode.usage;
    }
    return reportError(error);
  } finally {
    removeRunTemp();
  }
}
