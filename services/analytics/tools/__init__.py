"""Command-line tools of the analytics service, for operators: run with `python -m`, never
imported by the running service."""
