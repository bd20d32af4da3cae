"""Read the control files of many .deb packages in one process (python3-apt's apt_inst).

Paths arrive one per line on stdin; a JSON object path -> control text goes to stdout.
One process for a thousand packages instead of a thousand dpkg-deb runs.
"""
import json
import sys

import apt_inst


def main() -> None:
    out = {}
    for line in sys.stdin:
        path = line.rstrip("\n")
        if path:
            out[path] = apt_inst.DebFile(path).control.extractdata("control").decode("utf-8")
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
