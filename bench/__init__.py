"""Benchmarks: run `python bench/web.py` (see bench/README.md)."""
