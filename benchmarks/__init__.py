"""Performance benchmarks, outside the test suite: `python -m benchmarks [NAME ...]`."""
