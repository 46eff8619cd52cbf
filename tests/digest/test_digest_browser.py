"""The HTML digest rendered in headless Chromium: readable, no script runs, charts optional."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.digest import write_digest


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_digest_renders_in_chromium(sample, chromium, artifacts, lang):
    settings, facts = sample
    out = write_digest(settings, facts["day"], lang)
    page = chromium.new_page(viewport={"width": 700, "height": 900})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(Path(out["path"]).as_uri())
    text = page.inner_text("body")
    assert facts["hostile"].split(" ")[0] in text  # the hostile title shown as text
    assert not dialogs  # ...and none of its script or handlers ran
    assert not [u for u in requests if u.startswith("http")]  # self-contained: no fetch at all
    sizes = page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth)")
    assert len(sizes) == 2 and all(w > 0 for w in sizes)
    page.screenshot(path=str(artifacts / f"digest_{lang}.png"), full_page=True)
    page.close()


@pytest.mark.browser
def test_digest_reads_fine_without_images(sample, chromium, artifacts):
    settings, facts = sample
    out = write_digest(settings, facts["day"], "fr")
    context = chromium.new_context(viewport={"width": 700, "height": 900})
    page = context.new_page()
    page.goto(Path(out["path"]).as_uri())
    # like a mail client that blocks images: charts gone, alt text included
    page.evaluate("document.querySelectorAll('img').forEach(i => i.remove())")
    text = page.inner_text("body")
    # the numbers behind each chart are in the text
    assert text.count("Articles par jour, 14 derniers jours") == 2
    assert "0 · 0 · 0 · 0 · 0 · 0 · 0 · 0 · 0 · 0 · 0 · 0 · 6 · 4" in text
    assert "Ouvrir le dossier et ses preuves" in text
    page.screenshot(path=str(artifacts / "digest_fr_no_images.png"), full_page=True)
    context.close()
