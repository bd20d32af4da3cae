"""Install a wheel into a staging tree with explicit scheme paths.

Run by pkg2os with the distribution's Python: stage-wheel.py SCHEME_JSON WHEEL DESTDIR
SCHEME_JSON maps purelib/platlib/headers/scripts/data to absolute paths on the
target system; files land under DESTDIR. Scripts get "#!/usr/bin/python3".
No bytecode is written here (pkg2os decides that per target).
"""
import json
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


if __name__ == "__main__":
    main()
