"""Core metadata of an unpacked sdist, through PEP 517's prepare_metadata_for_build_wheel.

Run by pkg2os in the build sandbox, offline: prepare-metadata.py SOURCE_DIR OUT_DIR
Leaves one .dist-info directory in OUT_DIR. Exit 3 with "Missing dependencies:"
and one requirement per line when the build backend or its requirements are missing.
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
        builder.metadata_path(out)
    except BuildBackendException as error:
        # The backend's own output, printed above, says what went wrong.
        print(f"ERROR {error}", file=sys.stderr)
        return 4
    return 0


if __name__ == "__main__":
    sys.exit(main())
