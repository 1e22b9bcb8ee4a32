"""Fixtures of the stories, entities and map browser tests (issue 17): an API over the hand-made explore
corpus (``tests/integration/explore_corpus.py``) on a unique alias, a page on it with the CSP on, and a
small PNG reader for screenshot checks. The browser, the server thread, the page and the screenshots are
the conftest's (``browser``, ``serve``, ``open_page``, ``screenshot``). Test modules import the fixtures by
name (kept out of a conftest so parallel work on the search page's fixtures does not collide with these).
"""

from __future__ import annotations

import struct
import zlib

import pytest

from tests.browser.conftest import open_page, serve
from tests.integration.explore_corpus import explore_app


@pytest.fixture(scope="module")
def explore_server(es_client):
    with explore_app(es_client, "texplore-web-") as app, serve(app) as url:
        yield url


@pytest.fixture
def explore_page(browser, explore_server):
    """A page with the CSP on (the pages must work under it) at 1280x800, Arabic first."""
    with open_page(browser, explore_server, bypass_csp=False) as pg:
        yield pg


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
