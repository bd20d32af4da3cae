"""Core metadata of an unpacked sdist, through PEP 517's prepare_metadata_for_build_wheel.

Run by pkg2os with the distribution's Python, offline: prepare-metadata.py SOURCE_DIR OUT_DIR
Prints the .dist-info directory. Exit 3 with "Missing dependencies:" and one
requirement per line when the build backend or its requirements are missing.
"""
import sys

from build import BuildBackendException, ProjectBuilder


def main() -> int:
    source, out = sys.argv[1], sys.argv[2]
    builder = ProjectBuilder(source)
    try:
        missing = builder.check_dependencies("wheel")
        if missing:
            print("Missing dependencies:", file=sys.stderr)
            for chain in sorted(missing):
                print("\t" + " -> ".join(chain), file=sys.stderr)
            return 3
        print(builder.metadata_path(out))
    except BuildBackendException as error:
        # The backend's own output, printed above, says what went wrong.
        print(f"ERROR {error}", file=sys.stderr)
        return 4
    return 0


if __name__ == "__main__":
    sys.exit(main())
