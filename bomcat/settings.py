"""Settings read from the environment that more than one package obeys (each one read here only)."""
from __future__ import annotations

import os

from .errors import ConfigurationError


def compute_threads() -> int | None:
    """`BOMCAT_THREADS`: how many threads one process's OCR and detection may use (unset: every core).
    Where several processes share the cores (worker pools, a busy server, the test suite), one thread
    each spends less CPU for the same work: ONNX Runtime's idle threads spin while they wait (measured:
    20 crops read with two threads on two cores, 4.7 s and 9.2 CPU-seconds; with one, 6.5 s and 6.6)."""
    value = os.environ.get("BOMCAT_THREADS", "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ConfigurationError(f"BOMCAT_THREADS={value!r}: must be a whole number of threads, 1 or more")
    return int(value)
