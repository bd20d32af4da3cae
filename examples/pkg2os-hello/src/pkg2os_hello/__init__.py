"""The example package of pkg2os's demo."""

__version__ = "1.0.0"


def greeting() -> str:
    return f"hello from pkg2os-hello {__version__}, installed from a signed package"


def main() -> None:
    print(greeting())
