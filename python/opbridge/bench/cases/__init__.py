"""Benchmark cases, one module per op family. Each module defines
`cases(tf, rng, scale) -> list[Case]`; `scale` > 1 shrinks sizes for smoke runs."""
