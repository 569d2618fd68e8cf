"""Runs the named benchmarks (all by default) and prints one JSON object of their figures."""

from __future__ import annotations

import argparse
import json
import sys

from benchmarks import (
    documents,
    export_bench,
    forecast_bench,
    import_bench,
    seals_bench,
    search_bench,
    validation_bench,
)

BENCHMARKS = {
    "import": import_bench.run,
    "search": search_bench.run,
    "validation": validation_bench.run,
    "documents": documents.run,
    "seals": seals_bench.run,
    "forecast": forecast_bench.run,
    "export": export_bench.run,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument(
        "names",
        nargs="*",
        choices=[*BENCHMARKS, []],
        metavar="NAME",
        help=f"among: {', '.join(BENCHMARKS)} (default: all)",
    )
    args = parser.parse_args(argv)
    figures: dict = {}
    for name in args.names or BENCHMARKS:
        print(f"benchmark {name}…", file=sys.stderr, flush=True)
        figures.update(BENCHMARKS[name]())
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
