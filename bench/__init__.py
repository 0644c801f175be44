"""Benchmarks (not part of the product): `make bench`, see docs/performance.md."""
