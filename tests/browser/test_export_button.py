"""The export buttons of the search page (``static/export.js``) in Debian's headless Chromium: a click on
CSV downloads the current search's results; with reads closed, the key from the session goes in the
X-API-Key header and the file arrives through a Blob.

CI needs ``/usr/bin/chromium`` (``scripts/install-browser.sh``); skipped locally without it, failed under
``CI=true``.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import open_page, serve
from tests.integration.test_search_es import controlled_documents
from worker.store import elastic
from worker.store.fields import forget

pytestmark = [pytest.mark.integration, pytest.mark.browser]

KEY = "export-browser-key"


@pytest.fixture(scope="module")
def server(es_client):
    from worker.api.app import create_app
    from worker.api.routes.search import SearchTarget, search_target

    alias = "texport-web-" + uuid.uuid4().hex[:8]
    elastic.ensure_index(es_client, alias)
    docs = controlled_documents()
    assert elastic.index_documents(es_client, docs, alias=alias, refresh="wait_for").indexed == len(docs)
    app = create_app()
    app.dependency_overrides[search_target] = lambda: SearchTarget(es_client, alias)
    try:
        with serve(app) as url:  # the browser fixture is the shared one of conftest.py
            yield url
    finally:
        elastic.drop_alias_and_indices(es_client, alias)
        forget(alias)


@pytest.fixture
def page(browser, server):
    with open_page(browser, server, bypass_csp=False) as pg:  # the CSP on: export.js must work under it
        yield pg


def _csv_rows(download) -> list[dict]:  # noqa: ANN001
    raw = Path(download.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_export_csv_button_downloads_the_current_search(page, server):
    page.goto(server + "/?q=" + "سجن")
    page.wait_for_selector(".hit")
    page.fill("#q", "سجن AND source:bbc")  # the page's state moves to the URL; the button reads it there
    page.press("#q", "Enter")
    # Waits through locators, not wait_for_function: its string predicate is an eval, which the page's
    # Content-Security-Policy (script-src 'self') refuses, and the CSP stays on so export.js is tested under it.
    page.wait_for_url(lambda u: "source" in u)
    total = httpx.get(server + "/search", params={"q": "سجن AND source:bbc", "size": 0}).json()["total"]
    expect(page.locator(".hit")).to_have_count(total)  # the new results are in
    assert page.inner_text("#export-csv") == "CSV"
    with page.expect_download() as info:
        page.click("#export-csv")
    download = info.value
    assert download.suggested_filename.startswith("newsworker-") and download.suggested_filename.endswith(".csv")
    rows = _csv_rows(download)
    assert len(rows) == total >= 1 and all(r["source"] == "bbc" for r in rows)
    expect(page.locator("#export-atom")).to_have_attribute("href", re.compile("bbc"))
    assert page.get_attribute("#export-atom", "href").startswith("/search.atom?q=")
    # the box is shared (the search page's own buttons go there too): a language switch re-renders ours only
    page.evaluate("document.getElementById('search-actions').append(Object.assign("
                  "document.createElement('button'), {id: 'someone-else'}))")
    page.click("#nav-lang")
    assert page.inner_text("#export-atom") == "Atom feed"
    assert page.locator("#search-actions #someone-else").count() == 1
    assert page.locator("#search-actions #export-actions #export-csv").count() == 1
    assert not page.errors


def test_export_with_closed_reads_sends_the_key_and_saves_a_blob(page, server, monkeypatch):
    from worker.settings import get_settings

    monkeypatch.setattr(get_settings(), "api_key", KEY)
    monkeypatch.setattr(get_settings(), "api_read_open", False)
    page.goto(server + "/")
    page.evaluate(f"sessionStorage.setItem('nw.apikey', '{KEY}')")
    page.goto(server + "/?q=" + "سجن")  # app.js's own searches need the key too; ours is what is tested
    page.wait_for_selector("#export-jsonl")
    with page.expect_download() as info:
        page.click("#export-csv")
    download = info.value
    assert download.url.startswith("blob:")
    assert len(_csv_rows(download)) == 4  # the four controlled articles that mention a prison
    assert not page.errors


def test_export_errors_are_shown_on_the_page(page, server):
    """QA4 web D4: without a key the export was a plain link; a refusal (malformed query, Elasticsearch down)
    became a failed "export.json" download and the page said nothing. The status line says it now, in the
    page's language, and nothing is downloaded."""
    downloads = []
    page.on("download", lambda d: downloads.append(d))
    page.goto(server + "/?q=" + '"سجن')  # an unbalanced quote: a 400
    expect(page.locator("#error")).to_be_visible()
    page.click("#export-csv")
    status = page.locator("#export-actions .export-status")
    expect(status).to_contain_text("تعذّر التصدير: خطأ في الاستعلام:")
    page.route("**/export?*", lambda route: route.fulfill(status=503, json={"detail": "search backend unavailable"}))
    page.goto(server + "/?q=" + "سجن")
    expect(page.locator(".hit").first).to_be_visible()
    page.click("#export-csv")
    expect(status).to_have_text("تعذّر التصدير: Redis أو Elasticsearch غير متاح الآن.")
    page.click("#nav-lang")
    expect(status).to_have_text("Export failed: Redis or Elasticsearch is unavailable right now.")
    page.click("#nav-lang")
    page.wait_for_timeout(200)  # room for a download that should not start
    assert downloads == []
    assert not page.errors


def test_export_refused_for_want_of_a_key_asks_for_it_and_downloads(page, server):
    """Reads closed for the export only (the search answered): the 401 opens the key dialog, and the key
    entered there retries the export (through the Blob, with the key)."""
    page.goto(server + "/?q=" + "سجن")
    expect(page.locator(".hit").first).to_be_visible()
    refused = []

    def first_refused(route):
        if not refused:
            refused.append(route.request.url)
            route.fulfill(status=401, json={"detail": "missing or wrong X-API-Key"})
        else:
            route.continue_()

    page.route("**/export?*", first_refused)
    with page.expect_download() as info:
        page.click("#export-csv")
        expect(page.locator("#nw-key-dialog")).to_be_visible()
        page.fill("#nw-key-input", KEY)
        page.press("#nw-key-input", "Enter")
    assert info.value.url.startswith("blob:") and len(_csv_rows(info.value)) == 4
    assert refused and not page.errors
