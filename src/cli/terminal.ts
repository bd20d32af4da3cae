/** The only way the CLI writes to stdout and stderr: every text made visible (src/text.ts), every JSON document escaped. */
import { safeJson, visible } from '../text.js';

/** Write text for a person on stdout. */
export function out(text: string): void {
  process.stdout.write(visible(text));
}

/** Write text for a person on stderr. */
export function err(text: string): void {
  process.stderr.write(visible(text));
}

/** Write one JSON document on stdout. */
export function outJson(value: unknown): void {
  process.stdout.write(`${safeJson(value)}\n`);
}
