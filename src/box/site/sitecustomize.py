"""pkg2os's build site: read-only at /pkg2os/site, first on PYTHONPATH of every
sandboxed run of upstream Python (metadata hooks, get_requires, wheel builds).

1. A build environment's .pth files count (site.addsitedir), as they would in
   site-packages.
2. A setuptools that is not the build root's own (a wheel from the index, or
   setuptools building itself from its sdist) imports the dependencies it
   vendors (setuptools/_vendor) before the build root's copies, as it does in
   pip's isolated build environment. setuptools only appends _vendor to
   sys.path, so the root's older copies would win: setuptools >= 77 fails
   with Debian 12's packaging 23 ("Cannot import packaging.licenses").
   A module the environment or the source tree provides is left alone.
3. A distribution installed in the build root whose modules are imported from
   elsewhere (a newer copy from the index, or the source tree of a project
   building itself) is hidden from importlib.metadata: its entry points name
   the root's module layout, not the one in use. Debian 12's setuptools_scm
   7.1 makes setuptools load "setuptools_scm.integration:infer_version" into
   setuptools-scm 9 building itself, which fails.
"""
import importlib.machinery
import importlib.metadata
import os
import site
import sys

ENV = "/pkg2os/env/lib"
if os.path.isdir(ENV):
    site.addsitedir(ENV)

_ROOT = tuple(os.path.realpath(p) + os.sep for p in site.getsitepackages())


def _in_root(path):
    return os.path.realpath(path).startswith(_ROOT)


def _vendored():
    """setuptools/_vendor of the setuptools in use, when it is not the root's."""
    for name in ("setuptools", "pkg_resources"):
        origin = getattr(sys.modules.get(name), "__file__", None)
        if origin and not _in_root(origin):
            vendor = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(origin))), "setuptools", "_vendor")
            if os.path.isdir(vendor):
                return vendor
    return None


class VendoredFirst:
    """A top-level import that would come from the root's site-packages comes from setuptools' vendored copy instead."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if path is not None or name in ("setuptools", "pkg_resources", "_distutils_hack"):
            return None
        vendor = _vendored()
        if vendor is None or not (os.path.isdir(os.path.join(vendor, name)) or os.path.isfile(os.path.join(vendor, name + ".py"))):
            return None
        usual = importlib.machinery.PathFinder.find_spec(name, sys.path)
        places = [] if usual is None else list(usual.submodule_search_locations or []) or [usual.origin or ""]
        if any(place and not _in_root(place) for place in places):
            return None
        return importlib.machinery.PathFinder.find_spec(name, [vendor])


sys.meta_path.insert(0, VendoredFirst)


def _top_level(dist):
    """The import names a distribution provides: its top_level.txt, or its RECORD's top directories and modules."""
    text = dist.read_text("top_level.txt")
    if text:
        return {line.strip() for line in text.splitlines() if line.strip()}
    names = set()
    for entry in dist.files or ():
        first = entry.parts[0] if entry.parts else ""
        if not first or first.endswith((".dist-info", ".egg-info", ".data")) or first in ("..", "__pycache__"):
            continue
        names.add(first[:-3] if first.endswith(".py") else first)
    if not names and dist.metadata["Name"]:
        names.add(dist.metadata["Name"].replace("-", "_").lower())
    return names


_SEEN = {}


def _shadowed(dist):
    """A root distribution whose every module would be imported from outside the root (per sys.path, remembered)."""
    where = getattr(dist, "_path", None)
    if where is None or not _in_root(str(where)):
        return False
    key = (str(where), tuple(sys.path))
    if key not in _SEEN:
        _SEEN[key] = _imported_elsewhere(dist)
    return _SEEN[key]


def _imported_elsewhere(dist):
    names = [n for n in _top_level(dist) if n.isidentifier()]
    if not names:
        return False
    for name in names:
        spec = importlib.machinery.PathFinder.find_spec(name, sys.path)
        places = [] if spec is None else list(spec.submodule_search_locations or []) or [spec.origin or ""]
        if not places or any(not place or _in_root(place) for place in places):
            return False
    return True


class _RootMetadataFinder(importlib.metadata.MetadataPathFinder):
    """importlib.metadata's path finder, less the root's distributions that item 3 hides."""

    @classmethod
    def find_distributions(cls, context=importlib.metadata.DistributionFinder.Context()):
        return (dist for dist in super().find_distributions(context) if not _shadowed(dist))


importlib.machinery.PathFinder.find_distributions = _RootMetadataFinder.find_distributions
