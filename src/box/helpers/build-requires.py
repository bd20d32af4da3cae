"""What the build backend asks for besides [build-system] requires (PEP 517 get_requires_for_build_wheel).

Run by pkg2os in the build sandbox: build-requires.py SOURCE_DIR OUT_FILE
Writes a JSON list of requirement strings to OUT_FILE.
"""
import json
import sys

from build import BuildBackendException, ProjectBuilder


def main() -> int:
    source, out = sys.argv[1], sys.argv[2]
    try:
        requires = sorted(ProjectBuilder(source).get_requires_for_build("wheel"))
    except BuildBackendException as error:
        print(f"ERROR {error}", file=sys.stderr)
        return 4
    with open(out, "w") as f:
        json.dump(requires, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
