"""pyinstrument profile of the review desk on a large store (one user, in-process).

The analysis stages are profiled where they run (``bench.perf.stage --profile``, used by
``scale`` and ``incremental``); this module profiles the desk's three hot requests (queue,
case page, decision post) on a copy of an analysed store, in-process through httpx's ASGI
transport, and times them one at a time (no concurrency: the cost of the request itself).
The case page is timed twice: first view (its evidence cache emptied, as after a pipeline
pass, without the desk's pre-rendering) and a repeated view.
pyinstrument samples one thread, so for this profile only the worker-thread hand-off of
sync routes (``anyio.to_thread.run_sync``) is replaced by an inline call.

    python -m bench.perf.profiles --store DIR [--requests 20] [--out bench/results/profiles]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from bench.perf.review_load import _CASE, _CSRF, PASSWORD, seeded_copy
from bench.perf.stage import profiled

RESULTS = Path(__file__).resolve().parents[1] / "results"


async def _inline(func, *args, **_):  # noqa: ANN001, ANN002, ANN003, ANN202
    return func(*args)


def profile_desk(store: Path, out: Path, requests: int = 20) -> dict:
    import asyncio

    import anyio.to_thread

    anyio.to_thread.run_sync = _inline  # this benchmark process only
    return asyncio.run(_profile_desk(store, out, requests))


async def _profile_desk(store: Path, out: Path, requests: int) -> dict:
    import httpx

    from reservist_review.app import create_app
    from reservist_review.casecache import RenderCache

    with seeded_copy(store, 2, "vigie-perf-desk-") as copy:
        settings, rid = copy.settings, copy.seeded["reviewers"][0]
        settings.review.cookie_secure = False
        app = create_app(settings, warm_cases=False)  # no background thread in the profile
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                   base_url="http://127.0.0.1")
        token = _CSRF.search((await client.get("/login")).text).group(1)
        await client.post("/login", data={"login": rid, "password": PASSWORD,
                                          "csrf_token": token})
        times: dict[str, list[float]] = {"queue": [], "case_first_view": [], "case": [],
                                         "decision": []}

        async def timed(kind: str, method: str, url: str, **kw) -> httpx.Response:
            start = time.perf_counter()
            r = await client.request(method, url, **kw)
            times[kind].append((time.perf_counter() - start) * 1000)
            return r

        with profiled(out):
            for _ in range(requests):
                nid = _CASE.findall((await timed("queue", "GET", "/cases/mine")).text)[0]
                app.state.case_cache = RenderCache()  # as if the pipeline had just written
                await timed("case_first_view", "GET", f"/cases/{nid}")
                page = (await timed("case", "GET", f"/cases/{nid}")).text
                await timed("decision", "POST", f"/cases/{nid}/decisions",
                            data={"verdict": "needs_info", "summary": "profile",
                                  "confidence": "50", "csrf_token": _CSRF.search(page).group(1)})
        await client.aclose()
    return {"requests_each": requests, "profile": _shown(out.with_suffix(".txt")),
            "serial_ms": {k: {"p50": round(float(np.percentile(v, 50)), 1),
                              "p95": round(float(np.percentile(v, 95)), 1)}
                          for k, v in times.items()}}


def _shown(path: Path) -> str:
    """``path`` from the repository's root when inside it (results do not name the checkout)."""
    root = RESULTS.parents[1]
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--out", type=Path, default=RESULTS / "profiles")
    args = parser.parse_args(argv)
    result = profile_desk(args.store, args.out / "review-desk", args.requests)
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
