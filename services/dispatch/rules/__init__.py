"""Dispatch's declarative files (routing rules, roster); a package so that they ship with it."""
