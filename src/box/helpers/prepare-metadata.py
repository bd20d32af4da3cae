"""Core metadata of an unpacked sdist, through PEP 517's prepare_metadata_for_build_wheel.

Run by pkg2os in the build sandbox, offline: prepare-metadata.py SOURCE_DIR OUT_DIR
Leaves one .dist-info directory in OUT_DIR. The build requirements were checked
and provided by pkg2os (a build environment on PYTHONPATH) before this runs.
"""
import sys

from build import BuildBackendException, ProjectBuilder


def main() -> int:
    source, out = sys.argv[1], sys.argv[2]
    builder = ProjectBuilder(source)
    try:
        builder.metadata_path(out)
    except BuildBackendException as error:
        # The backend's own output, printed above, says what went wrong.
        print(f"ERROR {error}", file=sys.stderr)
        return 4
    return 0


if __name__ == "__main__":
    sys.exit(main())
