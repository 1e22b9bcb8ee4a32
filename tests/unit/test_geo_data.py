"""The shipped base map (worker/api/static/geo/countries.json) and the script that builds it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GEO = ROOT / "worker" / "api" / "static" / "geo" / "countries.json"
sys.path.insert(0, str(ROOT / "scripts"))

import build_geo  # noqa: E402


def _decode(enc: list[int], scale: int) -> list[tuple[float, float]]:
    x = y = 0
    out = []
    for i in range(0, len(enc), 2):
        x, y = x + enc[i], y + enc[i + 1]
        out.append((x / scale, y / scale))
    return out


def test_shipped_file_is_small_attributed_and_covers_the_default_view():
    raw = GEO.read_bytes()
    assert len(raw) < 300_000
    geo = json.loads(raw)
    assert geo["format"] == "newsworker-geo/1"
    assert "Natural Earth" in geo["source"] and "public domain" in geo["licence"] and "ISC" in geo["licence"]
    assert set(geo["layers"]) == {"world", "mena"}
    for layer in geo["layers"].values():
        assert len(layer["land"]) > 50 and len(layer["coast"]) > 50 and len(layer["borders"]) > 50
    west, south, east, north = geo["layers"]["mena"]["bbox"]
    # map.js frames the Middle East at 25-60 E, 12-42 N by default: the detailed layer must cover it
    assert west <= 25 and east >= 60 and south <= 12 and north >= 42
    # the Nile delta coast is there, in degrees
    pts = [p for line in geo["layers"]["mena"]["coast"] for p in _decode(line, geo["scale"])]
    assert any(29.5 < lon < 32.5 and 30.8 < lat < 31.7 for lon, lat in pts)


def test_simplify_keeps_endpoints_and_drops_collinear_points():
    line = [(0.0, 0.0), (1.0, 0.001), (2.0, 0.0), (3.0, 1.0)]
    assert build_geo.simplify(line, 0.01) == [(0.0, 0.0), (2.0, 0.0), (3.0, 1.0)]
    assert build_geo.simplify(line[:2], 10) == line[:2]


def test_encode_is_delta_integers_and_clip_keeps_the_runs_inside():
    assert build_geo.encode([(1.0, 2.0), (1.5, 2.25), (1.5, 2.25)]) == [100, 200, 50, 25]
    box = (0.0, 0.0, 10.0, 10.0)
    line = [(-5.0, 5.0), (5.0, 5.0), (15.0, 5.0), (20.0, 5.0), (25.0, 5.0), (5.0, 6.0)]
    runs = build_geo.clip_line(line, box)
    assert runs == [[(-5.0, 5.0), (5.0, 5.0), (15.0, 5.0)], [(25.0, 5.0), (5.0, 6.0)]]
    ring = build_geo.clip_ring([(-5.0, -5.0), (5.0, -5.0), (5.0, 5.0), (-5.0, 5.0)], box)
    assert sorted(ring) == [(0.0, 0.0), (0.0, 5.0), (5.0, 0.0), (5.0, 5.0)]
