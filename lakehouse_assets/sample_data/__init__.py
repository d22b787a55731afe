"""Deterministic sample-data generators for local runs, demos and tests.

Run one with `python -m lakehouse_assets.sample_data <generator> --help`. Each generator is a
module exposing `add_arguments(parser)` and `run(args)`, registered in `__main__.GENERATORS`.
Generators use the standard library only and never read the wall clock for data, so the same
arguments always produce the same bytes.
"""
