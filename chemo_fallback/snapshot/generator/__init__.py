"""Synthetic, deterministic snapshots for the demo, the tests and the benchmarks."""
