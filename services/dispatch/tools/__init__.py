"""Command-line tools of the dispatch service, for operators: run with `python -m`, never
imported by the running service."""
