"""Command-line tools of the work service, for operators: run with `python -m`, never
imported by the running service."""
