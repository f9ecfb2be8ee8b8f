"""Benchmark tooling (make bench): beside the product, never inside portal/."""
