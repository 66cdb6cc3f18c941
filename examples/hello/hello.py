"""The smallest app: greets, shows its arguments, and exits with the code it is asked for."""
import sys


def main() -> int:
    print("Hello from a bundled Python", sys.version.split()[0])
    print("argv:", sys.argv[1:])
    for arg in sys.argv[1:]:
        if arg.startswith("--exit="):
            return int(arg.split("=", 1)[1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
