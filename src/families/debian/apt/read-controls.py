"""Read the control files and digests of many .deb packages in one process (python3-apt's apt_inst).

Paths arrive one per line on stdin; a JSON object path -> {control, sha256, sha512, size} goes to stdout.
One process for a thousand packages, instead of a thousand dpkg-deb runs and
a thousand hashings in the caller.
"""
import hashlib
import json
import sys

import apt_inst


def main() -> None:
    out = {}
    for line in sys.stdin:
        path = line.rstrip("\n")
        if not path:
            continue
        with open(path, "rb") as f:
            data = f.read()
        control = apt_inst.DebFile(path).control.extractdata("control").decode("utf-8")
        out[path] = {"control": control, "sha256": hashlib.sha256(data).hexdigest(), "sha512": hashlib.sha512(data).hexdigest(), "size": len(data)}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
