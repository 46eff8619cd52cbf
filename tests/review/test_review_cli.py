"""``vigie reservists ...`` and ``vigie review`` as a user runs them; the shipped DISARM lists."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from reservist_review import disarm
from vigie.cli.main import app
from vigie.cli.review import ensure_admin
from vigie.store.review import people

ROSTER = """
reservists:
  - {id: awa, name: Awa Diallo, email: awa@example.org, role: reservist,
     languages: [fr, en], regions: [Sahel], skills: [OSINT], capacity: 2, available: true}
  - {id: carla, name: Carla Martin, role: coordinator, languages: [fr], capacity: 5}
"""


def run(settings, *args: str):
    result = CliRunner().invoke(app, ["--data-dir", str(settings.data_dir), *args])
    return result.exit_code, " ".join(result.output.split())  # rich wraps long lines


def test_reservists_commands(settings, tmp_path):
    roster = tmp_path / "roster.yaml"
    roster.write_text(ROSTER, encoding="utf-8")
    code, out = run(settings, "reservists", "import", str(roster))
    assert code == 0 and "2 added, 0 updated" in out
    code, out = run(settings, "reservists", "import", str(roster))
    assert code == 0 and "0 added, 2 updated" in out
    code, out = run(settings, "reservists", "add", "root", "--name", "Root", "--role", "admin")
    assert code == 0 and "Added root (admin)" in out
    assert re.search(r"Password \(shown once\): \S{12,}", out)
    code, out = run(settings, "reservists", "list")
    assert code == 0 and "Diallo" in out and "Sahel" in out and "0/2" in out
    code, out = run(settings, "reservists", "deactivate", "awa")
    assert code == 0
    code, out = run(settings, "reservists", "password", "carla")
    assert code == 0 and "New password for carla" in out
    with settings.store().connect() as con:
        rows = {r["reservist_id"]: r for r in people.list_reservists(con)}
    assert not rows["awa"]["active"] and rows["carla"]["can_log_in"]
    code, out = run(settings, "reservists", "deactivate", "nobody")
    assert code == 1 and "no reservist" in out
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,role\nxx,X,boss\n", encoding="utf-8")
    code, out = run(settings, "reservists", "import", str(bad))
    assert code == 1 and "role 'boss'" in out
    code, out = run(settings, "reservists", "add", "zed", "--name", "Z", "--languages", "french")
    assert code == 1 and "ISO 639" in out


def test_first_admin_is_created_once(settings):
    first = ensure_admin(settings)
    assert first is not None and first.startswith("admin\x1f")
    assert ensure_admin(settings) is None
    with settings.store().connect() as con:
        assert people.count_admins(con) == 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_vigie_review_starts_and_prints_how_to_log_in(settings):
    port = _free_port()
    env = {**os.environ, "VIGIE_DATA_DIR": str(settings.data_dir)}
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "vigie"), "review", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if "Review desk on" in line or proc.poll() is not None:
                break
        text = "".join(lines)
        flat = " ".join(text.split())
        assert f"Open http://127.0.0.1:{port}/login and log in as admin with the password" in flat
        password = re.search(r"with the password (\S+)", flat).group(1)
        for _ in range(100):
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/login", timeout=5)
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        assert r.status_code == 200 and "csrf_token" in r.text
        assert len(password) >= 12
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)


def test_disarm_lists_are_shipped_with_their_licence():
    techniques = disarm.technique_ids()
    assert len(techniques) > 300 and {"T0086", "T0023.001"} <= techniques
    assert [r.id for r in disarm.response_types()] == [f"D0{i}" for i in range(1, 8)]
    assert disarm.name_of("D03") == "Disrupt" and disarm.name_of("debunk") == "Debunk"
    found = disarm.search_techniques("fake expert")
    assert found and all("fake" in e.name.lower() for e in found)
    assert disarm.search_techniques("t0086")[0].id == "T0086"
    licence = (Path(disarm.__file__).parent / "data" / "DISARM-LICENSE.md").read_text()
    assert "CC BY-SA 4.0" in licence and "DISARM Foundation" in licence
    assert "Attribution-ShareAlike 4.0 International" in licence
