"""Fixtures of the stories, entities and map browser tests (issue 17): an API over the hand-made explore
corpus (``tests/integration/explore_corpus.py``) on a unique alias, Debian's headless Chromium, a page
that records script errors and any request leaving the server, and a small PNG reader for screenshot
checks. Test modules import the fixtures by name (kept out of a conftest so parallel work on the search
page's fixtures does not collide with these).
"""

from __future__ import annotations

import os
import socket
import struct
import threading
import time
import uuid
import zlib
from pathlib import Path

import pytest

from tests.conftest import required_missing
from tests.integration.explore_corpus import explore_documents
from worker.store import elastic
from worker.store.fields import forget

CHROMIUM = Path(os.environ.get("NEWSWORKER_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def explore_server(es_client):
    import uvicorn

    from worker.api.app import create_app
    from worker.api.routes.search import SearchTarget, search_target

    alias = "texplore-web-" + uuid.uuid4().hex[:8]
    elastic.ensure_index(es_client, alias)
    docs = explore_documents()
    assert elastic.index_documents(es_client, docs, alias=alias, refresh="wait_for").indexed == len(docs)
    app = create_app()
    app.dependency_overrides[search_target] = lambda: SearchTarget(es_client, alias)
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)
    elastic.drop_alias_and_indices(es_client, alias)
    forget(alias)


@pytest.fixture(scope="module")
def explore_browser():
    if not CHROMIUM.exists():
        required_missing(f"{CHROMIUM} missing: apt-get install -y chromium (scripts/install-browser.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def explore_page(explore_browser, explore_server):
    """A page with the CSP on (the pages must work under it) at 1280x800, Arabic first."""
    ctx = explore_browser.new_context(locale="ar", viewport=VIEWPORT)
    pg = ctx.new_page()
    pg.set_default_timeout(15_000)
    pg.errors = []  # type: ignore[attr-defined]
    pg.outside = []  # type: ignore[attr-defined]
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("request", lambda r: None if r.url.startswith(explore_server) else pg.outside.append(r.url))
    yield pg
    ctx.close()


def save_screenshot(page, name: str, **kwargs) -> bytes:
    """Write docs/screenshots/NAME.png (the README shows them) and return the PNG bytes."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), **kwargs)


def png_pixels(data: bytes) -> tuple[int, int, list[tuple[int, int, int]]]:
    """(width, height, RGB pixels) of an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    height = channels = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, chunk = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
            assert depth == 8 and color in (2, 6) and not interlace, (depth, color, interlace)
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytearray] = []
    prev = bytearray(stride)
    for y in range(height):
        ftype, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], prev[i - channels] if i >= channels else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    pixels = [(r[i], r[i + 1], r[i + 2]) for r in rows for i in range(0, stride, channels)]
    return width, height, pixels


def count_near(pixels: list[tuple[int, int, int]], rgb: tuple[int, int, int], tol: int = 18) -> int:
    return sum(1 for p in pixels if all(abs(p[k] - rgb[k]) <= tol for k in range(3)))
