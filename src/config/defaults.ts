/**
 * pkg2os's defaults, in a module that loads nothing else: the command line
 * shows them in --help without loading the modules that use them.
 */
export const DEFAULT_INDEX_URL = 'https://pypi.org/simple/';
export const DEFAULT_CONFIG_FILE = 'pkg2os.config.yaml';
export const DEFAULT_MAINTAINER = 'pkg2os <pkg2os@localhost>';
export const DEFAULT_MAX_DOWNLOAD_BYTES = 512 * 1024 * 1024;
export const DEFAULT_KEEP_VERSIONS = 3;
/** Snapshots kept per channel (retention by snapshot: the pool keeps every file they name). */
export const DEFAULT_KEEP_SNAPSHOTS = 10;
export const SIGSTORE_TUF_URL = 'https://tuf-repo-cdn.sigstore.dev';
