"""Post imports (CSV, JSONL, Parquet) with line-numbered rejections, and OPML source lists."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from vigie.cli.main import app
from vigie.importers import import_posts, parse_mapping

MAP = "id=post_id,text=body,source=account,published_at=when,url=link,lang=lang"

CSV = (
    "post_id,body,account,when,link,lang\n"
    'p1,"Le port est fermé, dit le préfet.",acc_a,2024-03-01T10:00:00Z,https://x.org/1?utm_source=t,fr\n'
    'p2,"Multi-line\ntext, quoted",acc_a,2024-03-01 11:00:00,,en\n'
    "p3,,acc_b,2024-03-01T12:00:00Z,,en\n"  # line 5: empty text
    "p4,Some text,,2024-03-01T12:00:00Z,,en\n"  # line 6: empty source
    "p5,Some text,acc_b,yesterday-ish,,en\n"  # line 7: bad date
    "p6,Too,many,fields,here,x,y\n"  # line 8
    ",No id here,acc_b,2024-03-01T12:00:00Z,,en\n"  # line 9
    'p7,"<script>alert(1)</script>Clean <b>me</b> before it is stored",acc_b,1709290800,'
    "javascript:alert(1),\n"
    'p1,"Le port est fermé, dit le préfet.",acc_a,2024-03-01T10:00:00Z,,fr\n'  # 11: repeat
    "p8,From the future,acc_b,2999-01-01T00:00:00Z,,en\n"  # line 12
)


def _items(settings):
    with settings.store().connect() as con:
        cur = con.execute("SELECT external_id, source_id, text, url, language, published_at "
                          "FROM items ORDER BY external_id")
        return {r[0]: r[1:] for r in cur.fetchall()}


def test_parse_mapping_validates():
    assert parse_mapping(MAP)["published_at"] == "when"
    with pytest.raises(ValueError, match="required"):
        parse_mapping("id=a,text=b")
    with pytest.raises(ValueError, match="unknown"):
        parse_mapping("id=a,text=b,source=c,published_at=d,colour=e")
    with pytest.raises(ValueError, match="KEY=COLUMN"):
        parse_mapping("id=a,text")


def test_csv_import_reports_bad_rows_by_line(settings, tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text(CSV, encoding="utf-8")
    report = import_posts(settings, path, parse_mapping(MAP))
    rejected = dict(report.rejected)
    assert set(rejected) == {5, 6, 7, 8, 9, 12}
    assert rejected[5] == "empty text" and rejected[6] == "empty source"
    assert "published_at" in rejected[7] and "fields" in rejected[8]
    assert rejected[9] == "empty id" and "future" in rejected[12]
    assert report.rows == 10 and report.stored == 3 and report.duplicates == 1
    items = _items(settings)
    assert set(items) == {"p1", "p2", "p7"}
    assert items["p1"][0] == "import:acc_a" and items["p1"][2] == "https://x.org/1?utm_source=t"
    assert items["p2"][1] == "Multi-line text, quoted" and items["p2"][3] == "en"
    assert items["p7"][1] == "Clean me before it is stored" and items["p7"][2] is None
    assert items["p7"][3] == "en"  # no language given: detected
    with settings.store().connect() as con:
        assert con.execute("SELECT source_id, kind, name FROM sources ORDER BY 1").fetchall() == [
            ("import:acc_a", "import", "acc_a"), ("import:acc_b", "import", "acc_b")]
    again = import_posts(settings, path, parse_mapping(MAP))
    assert again.stored == 0 and again.duplicates == 4 and len(_items(settings)) == 3


def test_jsonl_and_parquet_imports(settings, tmp_path):
    lines = [
        {"post_id": 1, "body": "First post text", "account": "u1", "when": "2024-01-01T00:00:00Z"},
        "not json at all",
        {"post_id": 2, "body": None, "account": "u1", "when": "2024-01-01T00:00:00Z"},
        {"post_id": 3, "body": "Third", "account": "u2", "when": 1704067200000},
        [1, 2],
    ]
    path = tmp_path / "posts.jsonl"
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    mapping = parse_mapping("id=post_id,text=body,source=account,published_at=when")
    report = import_posts(settings, path, mapping)
    assert dict(report.rejected) == {2: dict(report.rejected)[2], 3: "empty text",
                                     5: "line is not a JSON object"}
    assert "invalid JSON" in dict(report.rejected)[2]
    assert report.stored == 2
    table = pa.table({"post_id": ["q1", "q2", "q3"], "body": ["Un texte", "", "Another"],
                      "account": ["u3", "u3", "u3"],
                      "when": pa.array([1704067200, 1704067300, None], pa.int64())})
    pq.write_table(table, tmp_path / "posts.parquet")
    report = import_posts(settings, tmp_path / "posts.parquet", mapping)
    assert report.rejected == [(2, "empty text"), (3, "empty published_at")]
    assert report.stored == 1
    assert set(_items(settings)) == {"1", "3", "q1"}


def test_import_with_toml_mapping_file(settings, tmp_path):
    (tmp_path / "posts.csv").write_text(CSV, encoding="utf-8")
    (tmp_path / "map.toml").write_text(
        '[map]\nid = "post_id"\ntext = "body"\nsource = "account"\npublished_at = "when"\n')
    report = import_posts(settings, tmp_path / "posts.csv", tmp_path / "map.toml")
    assert report.stored == 3


def test_opml_import_cli(settings, tmp_path):
    opml = tmp_path / "feeds.opml"
    opml.write_text("""<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>
      <outline text="Afrique">
        <outline text="Journal A" type="rss" xmlUrl="https://a.example/feed.xml"
                 htmlUrl="https://www.a-journal.fr/" language="fr"/>
        <outline text="Journal B" xmlUrl="http://B.example/rss?x=1"/>
      </outline>
      <outline text="Bad" xmlUrl="javascript:alert(1)"/>
      <outline text="Dup" xmlUrl="https://a.example/feed.xml"/>
    </body></opml>""")
    runner = CliRunner()
    args = ["--data-dir", str(settings.data_dir), "sources", "import-opml", str(opml)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "2 added" in result.output and "1 skipped" in result.output
    again = runner.invoke(app, args)
    assert "0 added" in again.output
    with settings.store().connect() as con:
        rows = con.execute("SELECT name, url, registered_domain, language FROM sources "
                           "ORDER BY name").fetchall()
    assert rows == [("Journal A", "https://a.example/feed.xml", "a-journal.fr", "fr"),
                    ("Journal B", "http://b.example/rss?x=1", "b.example", None)]
    bad = runner.invoke(app, ["--data-dir", str(settings.data_dir), "sources", "import-opml",
                              str(tmp_path / "missing.opml")])
    assert bad.exit_code != 0
