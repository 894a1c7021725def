"""kefu's benchmarks: `make bench BENCH_ARGS="NAME --data DIR …"` or `python tests/bench/run.py`.

Each `bench_*.py` module beside this file adds a sub-command through `register(sub)`; each
writes its figures as JSON (under bench-results/ unless --out says otherwise). Datasets come
from the shared workload generator (`workload.py --tickets N --out DIR`), given with --data.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    parser = argparse.ArgumentParser(prog="bench", description=__doc__)
    sub = parser.add_subparsers(dest="bench", metavar="BENCH", required=True)
    for path in sorted(HERE.glob("bench_*.py")):
        module = importlib.import_module(f"tests.bench.{path.stem}")
        module.register(sub)
    args = parser.parse_args(argv)
    return args.run(args) or 0


if __name__ == "__main__":
    sys.exit(main())
