/**
 * Library code never writes to the console: it reports through a `Logger`
 * that the CLI injects (plain lines, or nothing with --json).
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

/** A logger that drops everything (library default, tests). */
export const silentLogger: Logger = {
  info() {},
  warn() {},
  debug() {},
};
