/**
 * Durations on the command line and in configuration files: a whole number and
 * one unit, s m h d w or y, as `ms` (https://github.com/vercel/ms) reads them.
 * "m" is minutes. What is ambiguous is refused: a bare number, months, mixed
 * or spelled-out units.
 */
import ms from 'ms';
import { ConfigError } from '../errors.js';

const FORM = /^(\d+)(s|m|h|d|w|y)$/;

/** Parse "30s", "15m", "12h", "2d", "3w", "2y" into seconds; `what` names the option for the error. */
export function parseDuration(text: string, what = 'duration'): number {
  const trimmed = text.trim();
  const match = FORM.exec(trimmed);
  if (!match) {
    const months = /^\d+\s*(mo|months?|M)$/.test(trimmed);
    throw new ConfigError('USAGE', `${what} "${text}" is not a duration pkg2os reads${months ? ': months have no fixed length' : ''}.`, {
      hint: 'Write a whole number and one unit: s (seconds), m (minutes), h (hours), d (days), w (weeks) or y (years), e.g. 30m, 12h, 14d, 2y.',
    });
  }
  return Math.round(ms(trimmed as ms.StringValue) / 1000);
}
