"""Small helpers over sequences shared by the apps."""

from collections.abc import Iterator, Sequence


def chunks(values: Sequence, size: int) -> Iterator[Sequence]:
    """`values` in consecutive slices of at most `size` items (bounded `IN (...)` lists, batched writes)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
