"""python -m proof.inapp <module> <function> ['<json>']: see proof/inapp/__init__.py.

The keyword arguments are a JSON object: the third argument, or else stdin (no length limit;
the XSS check's payloads are long)."""

import importlib
import json
import sys


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    module = importlib.import_module(f"proof.inapp.{argv[0]}")
    arguments = json.loads(argv[2] if len(argv) == 3 else sys.stdin.read() or "{}")
    print(json.dumps(getattr(module, argv[1])(**arguments)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
