"""The case page of a big narrative lists a bounded part, says how much exists, links to all."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from review_helpers import T0

from vigie.config import Settings

ITEMS = 61
COPY_PAIRS = 25  # more than the 20 shown per kind
REWORD_PAIRS = 3


@pytest.fixture
def big(seeded: Settings) -> str:
    nid = "N-big"
    with seeded.store().transaction() as con:
        con.execute("INSERT INTO narratives (narrative_id, label, size, first_seen_at, "
                    "last_seen_at) VALUES (?, 'Big', ?, ?, ?)", [nid, ITEMS, T0, T0])
        for k in range(ITEMS):
            iid, at = f"big{k:03d}", T0 + timedelta(minutes=k)
            con.execute("INSERT INTO items (item_id, source_id, title, text, language, "
                        "published_at, first_seen_at, content_hash) "
                        "VALUES (?, 's1', ?, ?, 'fr', ?, ?, ?)",
                        [iid, f"Titre {k:03d}", f"texte numero {k}", at, at, f"h-{iid}"])
            con.execute("INSERT INTO narrative_members VALUES (?, ?, 0.9, ?, 'r0')",
                        [iid, nid, at])
        pairs = [("copy_paste", k) for k in range(COPY_PAIRS)]
        pairs += [("rewording", k) for k in range(REWORD_PAIRS)]
        for kind, k in pairs:
            # the weakest copy_paste pairs name the newest items (beyond the first 50)
            con.execute("INSERT INTO evidence VALUES (?, ?, ?, ?, ?, ?)",
                        [nid, kind, f"big{k:03d}", f"big{ITEMS - 1 - k:03d}", 1 - k / 100,
                         json.dumps({"k": k})])
    return nid


def _rows(page: str) -> list[str]:
    return re.findall(r'<tr id="item-(big\d+)"', page)


def test_big_case_shows_50_items_and_links_to_all(client_for, big: str) -> None:
    carla = client_for("coordinator")
    page = carla.get(f"/cases/{big}").text
    assert _rows(page) == [f"big{k:03d}" for k in range(50)]  # the oldest 50, in time order
    assert f"50 sur {ITEMS} affichés" in page  # French, the default interface
    assert 'href="?items=all#items"' in page
    everything = carla.get(f"/cases/{big}?items=all").text
    assert _rows(everything) == [f"big{k:03d}" for k in range(ITEMS)]
    assert 'id="items-all"' not in everything
    # every item listed still carries its evidence kinds, also past the first 50
    row = everything[everything.index('id="item-big060"'):]
    assert "<span class=\"tag\">" in row[:row.index("</tr>")]


def test_cut_pairs_are_counted_and_reachable(client_for, big: str) -> None:
    carla = client_for("coordinator")
    page = carla.get(f"/cases/{big}").text
    assert page.count('class="pair"') == 20 + REWORD_PAIRS
    assert f'data-kind="copy_paste" data-shown="20" data-total="{COPY_PAIRS}"' in page
    assert (f'data-kind="rewording" data-shown="{REWORD_PAIRS}" '
            f'data-total="{REWORD_PAIRS}"') in page
    assert 'href="?pairs=all#pairs"' in page
    # the strongest are shown: k=0..19, never the weakest (k=24 pairs big024 with big036)
    assert "k: 19" in page and "k: 24" not in page
    everything = carla.get(f"/cases/{big}?pairs=all").text
    assert everything.count('class="pair"') == COPY_PAIRS + REWORD_PAIRS
    assert f'data-shown="{COPY_PAIRS}" data-total="{COPY_PAIRS}"' in everything
    assert 'id="pairs-all"' not in everything


def test_small_case_has_no_show_all_links(client_for) -> None:
    page = client_for("coordinator").get("/cases/N-camp1").text
    assert 'id="items-all"' not in page and 'id="pairs-all"' not in page
