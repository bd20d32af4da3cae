/** `pkg2os cache prune`: drop cache entries not used for a while. */
import { out } from './terminal.js';
import type { Command } from 'commander';
import { defaultCacheDir } from '../config/default-dirs.js';
import { parseDuration } from '../config/duration.js';
import { reporting } from './output.js';

export function registerCache(program: Command): Command {
  const cache = program.command('cache').description('the content-addressed cache of verified metadata and built packages');
  cache
    .command('prune')
    .description('remove entries not used for a while')
    .option('--cache-dir <dir>', 'the cache (env PKG2OS_CACHE_DIR; default ~/.cache/pkg2os)')
    .option('--older-than <duration>', 'unused for this long', '30d')
    .action(
      reporting(async (flags: { cacheDir?: string; olderThan: string }) => {
        const { ContentCache } = await import('../coordinator/cache/content-cache.js');
        const store = new ContentCache(flags.cacheDir ?? defaultCacheDir());
        const removed = await store.prune(parseDuration(flags.olderThan, '--older-than'));
        out(`removed ${removed} cache entr${removed === 1 ? 'y' : 'ies'} from ${store.dir}\n`);
      }),
    );
  return cache;
}
