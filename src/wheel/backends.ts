/**
 * Build backends and build-time requirements, mapped to the Debian packages
 * that provide them, so that a missing one is an error that says what to install.
 */

const PROVIDERS: Record<string, string> = {
  setuptools: 'python3-setuptools',
  wheel: 'python3-wheel',
  'setuptools-scm': 'python3-setuptools-scm',
  hatchling: 'python3-hatchling',
  'hatch-vcs': 'python3-hatch-vcs',
  'hatch-fancy-pypi-readme': 'python3-hatch-fancy-pypi-readme',
  'flit-core': 'flit',
  'flit-scm': 'python3-flit-scm',
  'poetry-core': 'python3-poetry-core',
  'pdm-pep517': 'python3-pdm-pep517',
  'pdm-backend': 'python3-pdm-backend',
  cython: 'cython3',
  'scikit-build': 'python3-skbuild',
  'scikit-build-core': 'python3-scikit-build-core',
  maturin: 'python3-maturin',
  'setuptools-rust': 'python3-setuptools-rust',
  cffi: 'python3-cffi',
  pybind11: 'pybind11-dev',
  numpy: 'python3-numpy',
  'meson-python': 'python3-mesonpy',
  packaging: 'python3-packaging',
  toml: 'python3-toml',
  tomli: 'python3-tomli',
  'pbr': 'python3-pbr',
  'versioneer': 'python3-versioneer',
  'incremental': 'python3-incremental',
  'setuptools-git-versioning': 'python3-setuptools-git-versioning',
};

/** The Debian package providing a build requirement; `python3-<name>` is the usual convention. */
export function debianPackageFor(requirementName: string): string {
  const name = requirementName.toLowerCase().replace(/[-_.]+/g, '-');
  return PROVIDERS[name] ?? `python3-${name}`;
}

/**
 * Parse `python -m build`'s "Missing dependencies:" report into requirement strings.
 * build 0.9 prints "ERROR Missing dependencies:" then one indented requirement per line.
 */
export function parseMissingDependencies(output: string): string[] {
  const lines = output.split('\n');
  const start = lines.findIndex((l) => /Missing dependencies:/.test(l));
  if (start < 0) return [];
  const missing: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!/^\s+\S/.test(line)) break;
    // Nested lines ("	setuptools>=40 -> wheel") name the chain; keep the leaf.
    const leaf = line.trim().split('->').pop()!.trim();
    if (leaf) missing.push(leaf);
  }
  return missing;
}
