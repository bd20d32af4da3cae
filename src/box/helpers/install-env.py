"""Install verified build-requirement wheels into a private prefix.

Run by pkg2os in the sandbox: install-env.py PREFIX WHEEL... (python3-installer;
the wheels were validated before). Modules go to PREFIX/lib, scripts to PREFIX/bin.
"""
import sys

from installer import install
from installer.destinations import SchemeDictionaryDestination
from installer.sources import WheelFile


def main() -> None:
    prefix = sys.argv[1]
    scheme = {"purelib": prefix + "/lib", "platlib": prefix + "/lib", "headers": prefix + "/include", "scripts": prefix + "/bin", "data": prefix + "/data"}
    for wheel in sys.argv[2:]:
        destination = SchemeDictionaryDestination(scheme, interpreter="/usr/bin/python3", script_kind="posix", bytecode_optimization_levels=())
        with WheelFile.open(wheel) as source:
            install(source, destination, additional_metadata={"INSTALLER": b"pkg2os\n"})


if __name__ == "__main__":
    main()
