"""Prefect flows: orchestration only. Each flow reads like a table of contents and calls services;
one task per *batch*, not per case (a task run costs milliseconds of bookkeeping, a rule microseconds).
The services they call (`services/`) are plain functions that the CLI and the web page call too."""


def batches(items: list, size: int) -> list[list]:
    """`items` in consecutive slices of at most `size`."""
    return [items[i : i + size] for i in range(0, len(items), size)]
