"""Build the offline base map of the web page (``worker/api/static/geo/countries.json``).

Input: the npm package ``world-atlas`` (Natural Earth admin-0 countries as TopoJSON; ``npm pack world-atlas``
and unpack it, no other download). Output: one small JSON file with two layers the page draws under its dots:

* ``world``: Natural Earth 1:110m, the whole globe, for views that reach beyond the region;
* ``mena``: Natural Earth 1:50m clipped to the Middle East and North Africa box, for the usual view.

Each layer has ``land`` (closed rings, filled), ``coast`` (arcs used by one country only: coastlines) and
``borders`` (arcs two countries share). Splitting the TopoJSON arcs this way is why the page can stroke
coastlines and borders differently without any topology code in the browser. Arcs are simplified once
(Douglas-Peucker, before rings are assembled, so a border and the fill on both sides of it stay identical)
and coordinates are integer hundredths of a degree, delta-encoded within each line: the file stays small
and the browser decodes it with a running sum.

Usage: python scripts/build_geo.py /path/to/world-atlas/package [--out worker/api/static/geo/countries.json]
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "worker" / "api" / "static" / "geo" / "countries.json"
SCALE = 100  # hundredths of a degree (~1 km): finer than a pixel at every size the page draws
# (layer name, world-atlas file, bbox west/south/east/north or None, simplification tolerance in degrees)
LAYERS = (
    ("world", "countries-110m.json", None, 0.12),
    ("mena", "countries-50m.json", (-18.0, 2.0, 66.0, 46.0), 0.03),
)
Point = tuple[float, float]
Line = list[Point]


def decode_arcs(topo: dict[str, Any]) -> list[Line]:
    """TopoJSON arcs (quantized, delta-encoded) to lon/lat lines."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs: list[Line] = []
    for arc in topo["arcs"]:
        x = y = 0
        line: Line = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            line.append((x * sx + tx, y * sy + ty))
        arcs.append(line)
    return arcs


def _perp(p: Point, a: Point, b: Point) -> float:
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    if dx == dy == 0:
        return math.hypot(px - ax, py - ay)
    return abs(dy * px - dx * py + bx * ay - by * ax) / math.hypot(dx, dy)


def simplify(line: Line, tol: float) -> Line:
    """Douglas-Peucker, iterative (long coastlines would overflow recursion). Endpoints always stay, so
    arcs still meet where TopoJSON joined them."""
    if len(line) < 3:
        return line
    keep = [False] * len(line)
    keep[0] = keep[-1] = True
    stack = [(0, len(line) - 1)]
    while stack:
        i, j = stack.pop()
        best, at = 0.0, -1
        for k in range(i + 1, j):
            d = _perp(line[k], line[i], line[j])
            if d > best:
                best, at = d, k
        if at >= 0 and best > tol:
            keep[at] = True
            stack += [(i, at), (at, j)]
    return [p for p, k in zip(line, keep, strict=True) if k]


def rings_of(geom: dict[str, Any]) -> list[list[int]]:
    if geom.get("type") == "Polygon":
        return list(geom["arcs"])
    if geom.get("type") == "MultiPolygon":
        return [ring for poly in geom["arcs"] for ring in poly]
    return []


def ring_points(ring: list[int], arcs: list[Line]) -> Line:
    out: Line = []
    for idx in ring:
        pts = arcs[idx] if idx >= 0 else arcs[~idx][::-1]
        out.extend(pts if not out else pts[1:])  # consecutive arcs share their joining point
    return out


def clip_ring(ring: Line, box: tuple[float, float, float, float]) -> Line:
    """Sutherland-Hodgman against the box: good enough for a fill (edges along the box are off-screen or
    at its border, and coastlines are drawn from the arcs, not from these rings)."""
    west, south, east, north = box
    edges = (
        (lambda p: p[0] >= west, lambda a, b: _at_x(a, b, west)),
        (lambda p: p[0] <= east, lambda a, b: _at_x(a, b, east)),
        (lambda p: p[1] >= south, lambda a, b: _at_y(a, b, south)),
        (lambda p: p[1] <= north, lambda a, b: _at_y(a, b, north)),
    )
    pts = ring
    for inside, cross in edges:
        if not pts:
            break
        out: Line = []
        prev = pts[-1]
        for cur in pts:
            if inside(cur):
                if not inside(prev):
                    out.append(cross(prev, cur))
                out.append(cur)
            elif inside(prev):
                out.append(cross(prev, cur))
            prev = cur
        pts = out
    return pts


def _at_x(a: Point, b: Point, x: float) -> Point:
    t = (x - a[0]) / (b[0] - a[0])
    return (x, a[1] + t * (b[1] - a[1]))


def _at_y(a: Point, b: Point, y: float) -> Point:
    t = (y - a[1]) / (b[1] - a[1])
    return (a[0] + t * (b[0] - a[0]), y)


def clip_line(line: Line, box: tuple[float, float, float, float]) -> list[Line]:
    """The runs of a line inside the box, each with one point beyond either end so it reaches the edge
    (the SVG viewport clips the rest)."""
    west, south, east, north = box
    inside = [west <= x <= east and south <= y <= north for x, y in line]
    runs: list[Line] = []
    cur: Line = []
    for i, p in enumerate(line):
        near = inside[i] or (i > 0 and inside[i - 1]) or (i + 1 < len(line) and inside[i + 1])
        if near:
            cur.append(p)
        elif cur:
            runs.append(cur)
            cur = []
    if cur:
        runs.append(cur)
    return [r for r in runs if len(r) >= 2]


def encode(line: Line) -> list[int]:
    """Integer hundredths of a degree, first point absolute, then deltas; repeated points dropped."""
    out: list[int] = []
    px = py = 0
    for x, y in line:
        qx, qy = round(x * SCALE), round(y * SCALE)
        if out and qx == px and qy == py:
            continue
        out += [qx - px, qy - py] if out else [qx, qy]
        px, py = qx, qy
    return out


def _ring_area(ring: Line) -> float:
    return abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:] + ring[:1], strict=True))) / 2


def build_layer(topo: dict[str, Any], box: tuple[float, float, float, float] | None, tol: float,
                min_area: float) -> dict[str, Any]:
    arcs = [simplify(a, tol) for a in decode_arcs(topo)]
    geoms = topo["objects"]["countries"]["geometries"]
    uses = [0] * len(arcs)
    land: list[list[int]] = []
    for geom in geoms:
        for ring in rings_of(geom):
            for idx in ring:
                uses[idx if idx >= 0 else ~idx] += 1
            pts = ring_points(ring, arcs)
            if box:
                pts = clip_ring(pts, box)
            if len(pts) >= 3 and _ring_area(pts) >= min_area:
                land.append(encode(pts))
    coast: list[list[int]] = []
    borders: list[list[int]] = []
    for idx, line in enumerate(arcs):
        if not uses[idx]:
            continue
        parts = clip_line(line, box) if box else [line]
        # A tiny island's coast is dropped with its fill; otherwise it would float alone in the sea.
        if uses[idx] == 1 and line[0] == line[-1] and _ring_area(line) < min_area:
            continue
        for part in parts:
            enc = encode(part)
            if len(enc) >= 4:
                (coast if uses[idx] == 1 else borders).append(enc)
    west, south, east, north = box or (-180.0, -90.0, 180.0, 90.0)
    return {"bbox": [west, south, east, north], "land": land, "coast": coast, "borders": borders}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("package", type=Path, help="unpacked world-atlas npm package (the folder with countries-*.json)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    meta = json.loads((args.package / "package.json").read_text())
    out: dict[str, Any] = {
        "format": "newsworker-geo/1",
        "source": f"Natural Earth admin-0 countries (1:110m world, 1:50m Middle East and North Africa) "
                  f"from the npm package world-atlas {meta['version']}",
        # ISC asks for the notice in every copy, and this file is what the package ships.
        "licence": "Natural Earth: public domain. world-atlas: ISC licence, Copyright 2013-2019 Michael "
                   "Bostock. Permission to use, copy, modify, and/or distribute this software for any purpose "
                   "with or without fee is hereby granted, provided that the above copyright notice and this "
                   "permission notice appear in all copies.",
        "scale": SCALE,
        "encoding": "each line: x0, y0 in 1/scale degrees, then dx, dy pairs",
        "layers": {},
    }
    for name, fname, box, tol in LAYERS:
        topo = json.loads((args.package / fname).read_text())
        out["layers"][name] = {"detail": fname.split("-")[1].split(".")[0],
                               **build_layer(topo, box, tol, min_area=tol * tol * 4)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, separators=(",", ":")) + "\n")
    for name, layer in out["layers"].items():
        npts = sum(len(x) // 2 for k in ("land", "coast", "borders") for x in layer[k])
        print(f"{name}: {len(layer['land'])} rings, {len(layer['coast'])} coast lines, "
              f"{len(layer['borders'])} borders, {npts} points")
    print(f"{args.out}: {args.out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
