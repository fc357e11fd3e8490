"""Command-line tools of the intake service, for operators: run with `python -m`, never
imported by the running service."""
