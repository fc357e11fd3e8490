"""Command-line tools of the SLA service, for operators: run with `python -m`, never
imported by the running service."""
