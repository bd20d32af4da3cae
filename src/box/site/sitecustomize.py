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
"""
import importlib.machinery
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
