"""Benchmark scripts and the labelled corpus they generate (never imported by the product)."""
