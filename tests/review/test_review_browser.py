"""The review desk in real headless Chromium (Playwright) against a live uvicorn server."""

from __future__ import annotations

import pytest
from review_helpers import PASSWORD, live_server, seed

from flows.route import route
from vigie.config import load_settings
from vigie.store.review import cases

pytestmark = pytest.mark.browser



@pytest.fixture(scope="module")
def live(tmp_path_factory):
    settings = load_settings(data_dir=tmp_path_factory.mktemp("browser") / "data")
    seed(settings)
    route(settings, "r0")  # N-camp1 -> awa, N-camp2 -> boris
    with live_server(settings) as base_url:
        yield settings, base_url


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    page.dialogs = []
    page.csp_errors = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.on("console", lambda m: page.csp_errors.append(m.text)
            if "Content Security Policy" in m.text else None)
    yield page
    context.close()


def log_in(page, base: str, user: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=login]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state()
    assert "/login" not in page.url


def test_reservist_reviews_and_decides_a_case(artifacts, live, page):
    settings, base = live
    log_in(page, base, "awa")
    page.goto(f"{base}/cases/mine")
    page.click("a[href='/cases/N-camp1']")
    page.wait_for_selector("#case-label")
    assert page.inner_text("#case-label") == "Fraude élections Mali"
    assert page.inner_text("#case-status") == "en cours d’examen"
    # evidence: reasons, look-alike source and its group, duplicate pair, watchlist, chart
    assert "imitates lemonde.fr" in page.inner_text("#reasons")
    sources = page.inner_text("#sources")
    assert "sosie: lemonde.fr" in sources and "Sahel Vérité" in sources
    assert page.locator("#pairs .pair").count() == 2
    assert page.locator("#pairs del").count() > 0 and page.locator("#pairs ins").count() > 0
    assert "EUvsDisinfo" in page.inner_text("#watchlist")
    assert page.locator("#timeline svg rect").count() == 3  # 5-minute steps
    # the hostile title is text, and nothing ran
    items = page.inner_text("#items")
    assert '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">' in items
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.dialogs == []
    assert page.locator("#items img").count() == 0
    for link in page.locator("#items a").all():
        assert link.get_attribute("rel") == "noopener noreferrer"
        assert link.get_attribute("href").startswith("https://")
    page.screenshot(path=str(artifacts / "review_case_page.png"), full_page=True)

    # DISARM picker over HTMX (served locally, CSP-compatible), then the decision
    page.fill("#technique-search", "T0086")
    page.wait_for_selector("#technique-results input[value='T0086']")
    page.check("#technique-results input[value='T0086']")
    page.fill("#techniques-text", "T0023.001")
    page.check("input[name=verdict][value=confirmed]")
    page.fill("textarea[name=summary]", "Réseau de sites sosies relayant la même fausse fraude.")
    page.check("input[name=responses][value=D02]")
    page.check("input[name=responses][value=debunk]")
    page.click("#decision-submit")
    page.wait_for_selector(".decision")
    decision = page.inner_text("#decisions .decision")
    assert "campagne confirmée" in decision and "T0086" in decision and "T0023.001" in decision
    assert "Démystifier" in decision
    assert page.inner_text("#case-status") == "campagne confirmée"
    page.screenshot(path=str(artifacts / "review_case_decided.png"), full_page=True)
    assert page.csp_errors == []

    page.click("#logout")
    page.wait_for_url(f"{base}/login")
    page.goto(f"{base}/cases/N-camp1")
    assert "/login" in page.url  # logged out for real
    with settings.store().connect() as con:
        decision = cases.latest_decision(con, "N-camp1")
    assert decision["techniques"] == ["T0086", "T0023.001"] and decision["reservist_id"] == "awa"


def test_coordinator_reassigns(live, page):
    settings, base = live
    log_in(page, base, "carla")
    page.goto(f"{base}/cases")
    page.click("a[href='/cases/N-camp2']")
    page.wait_for_selector("#reassign-form")
    assert page.inner_text("#case-assignee") == "Boris Petrov"
    page.select_option("#reassign-to", "awa")
    page.click("#reassign-submit")
    page.wait_for_load_state()
    assert page.inner_text("#case-assignee") == "Awa Diallo"
    # the reason in the page's language (French by default), stored in English too
    assert "réattribué par Carla Martin à Awa Diallo : " in page.inner_text("#history")
    with settings.store().connect() as con:
        current = cases.open_assignment(con, "N-camp2")
        assert current["reservist_id"] == "awa"
        assert current["reason"].startswith("reassigned by Carla Martin to Awa Diallo: ")
    assert page.dialogs == [] and page.csp_errors == []

