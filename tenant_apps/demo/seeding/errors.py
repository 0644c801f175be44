"""The seed's one error: a reason it will not run (a command prints it, exit code 2)."""

from __future__ import annotations


class SeedError(Exception):
    pass
