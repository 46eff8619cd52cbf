"""Performance benchmarks of Vigie (issue 9): ``python -m bench.perf [--quick]``.

- ``floor``: analysis throughput against a bare encode of the same texts.
- ``incremental``: a run with nothing new, 1% and 10% new on a 100k store.
- ``scale``: 10k / 100k / 1M items, wall time and peak memory per stage, log-log slopes.
- ``review_load``: 20 concurrent reviewers on loopback against a 100k store.
- ``options``: embedding options (int8 dynamic quantisation, torch threads, batch by length).
- ``profiles``: pyinstrument profiles of the analysis pass and the review desk.

Stores are built from the real texts in ``../shared/data`` (``corpus``); each stage runs in
its own process (``measure``, ``stage``) so its peak memory is its own.
"""
