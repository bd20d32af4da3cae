/** The environment upstream code runs in: nothing inherited but what a build needs. */

/** Variables for a build, its metadata hooks and its staging; `extra` comes from the project's recipe. */
export function buildEnvironment(home: string, sourceDateEpoch: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    TZ: 'UTC',
    SOURCE_DATE_EPOCH: String(sourceDateEpoch),
    PYTHONNOUSERSITE: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONHASHSEED: '0',
    PIP_NO_INDEX: '1',
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    DEB_PYTHON_INSTALL_LAYOUT: 'deb_system',
    ...extra,
  };
}
