"""The web app while another process writes to the store (like an ingest run): no lock error
ever reaches the user; requests wait for the store helper's retries instead."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

from review_helpers import csrf_of

from flows.route import route

WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from vigie.store import Store
    store = Store(sys.argv[1])
    stop = Path(sys.argv[2])
    started = Path(sys.argv[3])
    end = time.monotonic() + 60
    batches = 0
    while time.monotonic() < end and not stop.exists():
        with store.transaction() as con:   # one batch, holding the file like an ingest write
            con.execute("CREATE TABLE IF NOT EXISTS writer_probe (n INT, written_at TIMESTAMPTZ)")
            con.execute("INSERT INTO writer_probe SELECT range, now() FROM range(2000)")
            time.sleep(0.3)  # the file stays locked for the whole batch
        batches += 1
        started.touch()
        time.sleep(0.2)  # fetching / embedding between batches holds no connection
    print(batches)
""")


def test_pages_and_decisions_survive_a_concurrent_writer(seeded, client_for, tmp_path):
    route(seeded, "r1")
    awa = client_for("reservist")
    carla = client_for("coordinator")
    csrf = csrf_of(awa)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(seeded.db_path), str(tmp_path / "stop"),
         str(tmp_path / "started")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    statuses, texts = [], []
    try:
        # the writer is running (its start-up time varies with the machine's load)
        deadline = time.monotonic() + 60
        while not (tmp_path / "started").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        n = 0
        overlapped = 0
        start = time.monotonic()
        # at least 3 rounds, spanning at least 1.2 s: two more of the writer's 0.5-s cycles,
        # however fast the desk answers
        while n < 3 or (time.monotonic() - start < 1.2 and n < 30):
            overlapped += writer.poll() is None
            for client, path in ((awa, "/cases/N-camp1"), (carla, "/cases"),
                                 (awa, "/cases/mine")):
                r = client.get(path)
                statuses.append(r.status_code)
                texts.append(r.text)
            r = awa.post("/cases/N-camp1/decisions",
                         data={"verdict": "needs_info", "summary": f"pass {n}",
                               "csrf_token": csrf}, follow_redirects=False)
            statuses.append(r.status_code)
            n += 1
    finally:
        (tmp_path / "stop").touch()
        out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err
    assert int(out.strip()) >= 2, "the writer must really have been writing meanwhile"
    assert overlapped == n, "the requests must run while the writer writes"
    assert len(statuses) == 4 * n
    assert set(statuses) <= {200, 303}, statuses
    assert not any("lock" in t.lower() for t in texts)
    with seeded.store().connect() as con:
        decided = con.execute("SELECT count(*) FROM decisions").fetchall()[0][0]
        probes = con.execute("SELECT count(*) FROM writer_probe").fetchall()[0][0]
    assert decided == n and probes == int(out.strip()) * 2000
