"""Install a wheel into a staging tree with explicit scheme paths.

Run by pkg2os with the target root's Python:
    stage-wheel.py SCHEME_JSON WHEEL DESTDIR compile|no-compile
SCHEME_JSON maps purelib/platlib/headers/scripts/data to absolute paths on the
target system; files land under DESTDIR. Scripts get "#!/usr/bin/python3".
With "compile" the modules are byte-compiled afterwards, in the same run, as
the family's layout wants it (RPM: at build time, checked-hash pycs, PEP 552);
a module another Python's syntax is left uncompiled, as Fedora's brp script does.
"""
import compileall
import json
import os
import py_compile
import sys

from installer import install
from installer.destinations import SchemeDictionaryDestination
from installer.sources import WheelFile


def main() -> None:
    scheme = json.loads(sys.argv[1])
    wheel, destdir = sys.argv[2], sys.argv[3]
    destination = SchemeDictionaryDestination(
        scheme,
        interpreter="/usr/bin/python3",
        script_kind="posix",
        bytecode_optimization_levels=(),
        destdir=destdir,
    )
    with WheelFile.open(wheel) as source:
        install(source, destination, additional_metadata={"INSTALLER": b"pkg2os\n"})
    if sys.argv[4] == "compile":
        for lib in sorted({scheme["purelib"], scheme["platlib"]}):
            path = destdir + lib
            if os.path.isdir(path):
                compileall.compile_dir(
                    path,
                    quiet=1,
                    force=True,
                    optimize=[0, 1],
                    invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH,
                    stripdir=destdir,
                    prependdir="/",
                )


if __name__ == "__main__":
    main()
