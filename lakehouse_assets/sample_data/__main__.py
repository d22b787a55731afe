"""Command line for the sample-data generators: `python -m lakehouse_assets.sample_data <name> ...`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# name -> module exposing `add_arguments(parser)` and `run(args) -> int | None`.
# Every module is imported to build the parser, so keep heavy imports inside `run`.
GENERATORS: dict[str, str] = {
    "events": "lakehouse_assets.sample_data.events",
    "images": "lakehouse_assets.sample_data.images",
    "banner": "lakehouse_assets.sample_data.banner",
    "weather": "lakehouse_assets.sample_data.weather",
}


def build_parser() -> argparse.ArgumentParser:
    """One subcommand per registered generator."""
    parser = argparse.ArgumentParser(
        prog="python -m lakehouse_assets.sample_data",
        description="Write deterministic sample data into a landing zone or a database.",
    )
    subparsers = parser.add_subparsers(dest="generator", required=True, metavar="GENERATOR")
    for name, module_name in GENERATORS.items():
        module = importlib.import_module(module_name)
        summary = (module.__doc__ or name).strip().splitlines()[0]
        subparser = subparsers.add_parser(name, help=summary, description=summary)
        module.add_arguments(subparser)
        subparser.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse `argv` and run the chosen generator; returns the process exit code."""
    args = build_parser().parse_args(argv)
    return args.run(args) or 0


if __name__ == "__main__":
    sys.exit(main())
