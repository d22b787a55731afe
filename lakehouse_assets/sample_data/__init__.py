"""Deterministic sample-data generators for local runs, demos and tests.

Run one with `python -m lakehouse_assets.sample_data <generator> --help`. Each generator is a
module (or package) exposing `add_arguments(parser)` and `run(args)`, registered in
`__main__.GENERATORS`. The data itself is made with the standard library; project code that a
generator writes through (SQLAlchemy and the banner tables, the landing storage, the KMA response
decoding) is imported inside the function that needs it, so building the command line stays light.
The wall clock is read only for a default range when none is given (`images --start`,
`banner --end-date`): otherwise the same arguments always produce the same bytes.
"""
