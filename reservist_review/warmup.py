"""Pre-render the evidence of the open cases, off the request path.

A case page opened for the first time after the pipeline wrote costs ~50 ms of CPU (the
evidence queries, word diffs and rendering, ``reservist_review.caseview``); twenty reviewers
opening theirs at once queue behind each other on a small machine. The open cases are the
pages reviewers are about to open, so when the desk starts, and whenever the shared instance
reopens on a file another process changed (a new ``generation``: a pipeline pass), one
background thread renders their evidence in the default view and language into the page
cache, one case per short lease (a pipeline waiting for the file gets it between two cases).
Pages in another language or with "show all" are still built when asked.

The warm-up gives way to requests: before each case it waits until no request came for
``QUIET_S`` (at most ``MAX_YIELD_S``, so it still progresses under a steady load). On two
cores, twenty reviewers' requests queued behind it while it held the interpreter (issue 9's
desk benchmark: p95 of the case page 1.1 s during a warm-up).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from reservist_review import casepage, caseview
from reservist_review.i18n import DEFAULT_LANGUAGE
from vigie.store import shared
from vigie.store.review import casefile, cases

log = logging.getLogger(__name__)

MAX_CASES = 500  # bounded work per generation
QUIET_S = 0.2  # no request for this long: the desk is free for a case
MAX_YIELD_S = 2.0  # wait at most this long per case


class Warmer:
    def __init__(self, state: Any) -> None:
        self.state = state  # the app's state: db (shared instance), case_cache
        self.warmed_generation: int | None = None
        self.last: dict[str, float] = {}  # what the last warm-up did (cases, seconds)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._last_request = 0.0

    def poke(self, request: bool = True) -> None:
        """Start a warm-up if the store changed since the last one (cheap when it did not);
        ``request``: called for a request (the warm-up gives way to them)."""
        if request:
            self._last_request = time.monotonic()
        generation = self.state.db.generation
        if generation == self.warmed_generation:
            return
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._thread = threading.Thread(target=self._run, name="vigie-case-warmup",
                                            daemon=True)
            self._thread.start()

    def join(self, timeout: float | None = None) -> None:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _give_way(self) -> None:
        """Wait for a pause in the requests (bounded)."""
        deadline = time.monotonic() + MAX_YIELD_S
        while time.monotonic() < deadline and time.monotonic() - self._last_request < QUIET_S:
            time.sleep(0.02)

    def _run(self) -> None:
        start = time.perf_counter()
        shown = casepage.limits({})
        done = 0
        try:
            with self.state.db.lease() as con:
                self.warmed_generation = self.state.db.generation  # what this pass covers
                ids = [r["narrative_id"] for r in cases.queue(con)][:MAX_CASES]
            for narrative_id in ids:
                self._give_way()
                with self.state.db.lease() as con:
                    narrative = casefile.narrative(con, narrative_id)
                    if narrative is not None:
                        caseview.evidence(self.state, con, narrative, shown, DEFAULT_LANGUAGE)
                        done += 1
        except Exception:  # a warm-up is an optimisation: never a failure
            if not shared.exiting():  # cut short by the exit: nothing to report
                log.exception("warming the open cases failed")
        self.last = {"cases": done, "seconds": round(time.perf_counter() - start, 3)}
        log.info("warmed %d open case pages in %.2f s", done, self.last["seconds"])
