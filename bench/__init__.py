"""Benchmarks: the `generate_bench_data` command and the scripts that measure the API against raw baselines."""
