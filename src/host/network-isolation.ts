/** Running a program without network: `unshare --net` as root, with a user namespace otherwise. */
import { BuildError, ToolError } from '../errors.js';
import { run } from '../exec.js';

let isolation: Promise<string[]> | undefined;

/** The command prefix that runs a program in a network namespace of its own (no network at all). */
export function networkIsolation(): Promise<string[]> {
  isolation ??= (async () => {
    const prefix = process.getuid?.() === 0 ? ['unshare', '--net', '--'] : ['unshare', '--map-root-user', '--net', '--'];
    try {
      await run(prefix[0]!, [...prefix.slice(1), 'true'], { purpose: 'isolating builds from the network' });
    } catch (error) {
      if (error instanceof ToolError) {
        throw new BuildError('BUILD_FAILED', 'pkg2os cannot run builds without network: `unshare --net` is not permitted here, and untrusted build code must not reach the network.', {
          hint: 'Run pkg2os as root, or enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1).',
          cause: error,
        });
      }
      throw error;
    }
    return prefix;
  })();
  return isolation;
}
