/**
 * Channels: a repository holds several per target (e.g. testing and stable;
 * the names are the user's). The default channel is the one a repository
 * had before channels: its apt suite is the target's codename, its yum
 * repository rpm/<target>/, its client files pkg2os-<target>.*. Any other
 * channel C adds "-C" to each: suite <codename>-C, rpm/<target>-C/,
 * pkg2os-<target>-C.*.
 */
import { ConfigError } from '../../errors.js';

export const DEFAULT_CHANNEL = 'default';

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** A channel name as given (--channel, channel:), checked; undefined and "default" are the default channel. */
export function checkChannel(name: string | undefined): string {
  if (name === undefined || name === DEFAULT_CHANNEL) return DEFAULT_CHANNEL;
  if (!NAME.test(name) || name.length > 32) {
    throw new ConfigError('USAGE', `"${name}" is not a channel name: lower-case letters and digits, words joined by "-", at most 32 characters (e.g. testing, stable).`);
  }
  return name;
}

/** What a channel adds to a suite, yum directory or client file name: nothing for the default channel. */
export function channelSuffix(channel: string): string {
  return channel === DEFAULT_CHANNEL ? '' : `-${channel}`;
}

/** Split "<base>[-<channel>]" where base is one of `bases` (a codename or a target name): its base and channel. */
export function splitChannel(name: string, bases: readonly string[]): { base: string; channel: string } | undefined {
  if (bases.includes(name)) return { base: name, channel: DEFAULT_CHANNEL };
  const base = [...bases].sort((a, b) => b.length - a.length).find((b) => name.startsWith(`${b}-`));
  if (!base) return undefined;
  const channel = name.slice(base.length + 1);
  return NAME.test(channel) ? { base, channel } : undefined;
}
