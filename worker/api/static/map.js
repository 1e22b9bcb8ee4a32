/* Offline SVG maps and charts: no tile server, no external library.
 *
 * drawMap: an equirectangular map of places (lat/lon), framed on the Middle East and widened to fit every
 * point, over a real base map: Natural Earth country outlines shipped with the package
 * (/static/geo/countries.json, built by scripts/build_geo.py; 1:50m for the region, 1:110m beyond it).
 * Land is filled, coastlines and borders are stroked apart. Nearby places are clustered, the number of
 * articles written in the circle. drawHistogram: one bar per day (or week, month).
 * Every label is set with textContent, so place names from articles are never parsed as markup.
 *
 * drawMap(container, points, opts): points are {name, lat, lon, count?, place?, ids?, extra?}; with ids (the
 * articles naming the place) on every member, a cluster counts distinct articles (plus each member's extra:
 * articles it counts whose ids the page does not know), else it sums the counts. opts:
 *   width, maxHeight  size in px (420 x 320 by default)
 *   labels            write each place's name beside it (the article view); implies cluster: 0
 *   cluster           clustering radius in px (16 by default; 0 draws every point)
 *   onClick(p)        a dot or cluster was clicked; for a cluster, p is its largest member (with the
 *                     cluster's total in p.total and every member in p.members)
 *   onPlace(name)     the same click, as the place name to filter on (p.place, else p.name)
 */
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";
const GEO_URL = "/static/geo/countries.json";

function svgEl(name, attrs) {
  const el = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  return el;
}

function mapT(key, fallback) {
  return window.NW ? window.NW.t(key) : fallback;
}

if (window.NW) {
  window.NW.addStrings({
    ar: { "map.none": "لا أماكن معروفة الإحداثيات", "map.nodata": "لا بيانات", "map.more": "و{n} غيرها" },
    en: { "map.none": "No places with known coordinates", "map.nodata": "No data", "map.more": "and {n} more" },
  });
}

const MIDDLE_EAST = { west: 25, east: 60, south: 12, north: 42 };

function fitBox(points) {
  const box = { ...MIDDLE_EAST };
  for (const p of points) {
    box.west = Math.min(box.west, p.lon - 2);
    box.east = Math.max(box.east, p.lon + 2);
    box.south = Math.min(box.south, p.lat - 2);
    box.north = Math.max(box.north, p.lat + 2);
  }
  box.west = Math.max(-180, box.west); box.east = Math.min(180, box.east);
  box.south = Math.max(-90, box.south); box.north = Math.min(90, box.north);
  return box;
}

// ------------------------------------------------------------------------------------------ base map

let geoPromise = null;

/* The outlines, fetched once per page and decoded once: every line becomes a Float32Array of lon, lat
 * pairs with its bounding box, so a redraw only projects the lines that meet the view. */
function loadGeo() {
  if (!geoPromise) {
    geoPromise = fetch(GEO_URL)
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`geo ${r.status}`))))
      .then((raw) => {
        const layers = {};
        for (const [name, layer] of Object.entries(raw.layers || {})) {
          layers[name] = { bbox: layer.bbox };
          for (const kind of ["land", "coast", "borders"]) {
            layers[name][kind] = (layer[kind] || []).map((enc) => decodeLine(enc, raw.scale || 100));
          }
        }
        return layers;
      })
      .catch((err) => { geoPromise = null; throw err; });
  }
  return geoPromise;
}

function decodeLine(enc, scale) {
  const pts = new Float32Array(enc.length);
  let x = 0, y = 0, w = 180, e = -180, s = 90, n = -90;
  for (let i = 0; i + 1 < enc.length; i += 2) {
    x += enc[i]; y += enc[i + 1];
    const lon = x / scale, lat = y / scale;
    pts[i] = lon; pts[i + 1] = lat;
    if (lon < w) w = lon; if (lon > e) e = lon; if (lat < s) s = lat; if (lat > n) n = lat;
  }
  return { pts, w, e, s, n };
}

/* The detailed regional layer when the view lies inside it, the world layer otherwise. */
function pickLayer(layers, box) {
  const mena = layers.mena;
  if (mena) {
    const [w, s, e, n] = mena.bbox;
    if (box.west >= w && box.east <= e && box.south >= s && box.north <= n) return mena;
  }
  return layers.world || mena;
}

function pathData(lines, box, x, y, closed) {
  const parts = [];
  for (const l of lines) {
    if (l.e < box.west || l.w > box.east || l.n < box.south || l.s > box.north) continue;
    let d = "";
    for (let i = 0; i + 1 < l.pts.length; i += 2) {
      d += (i ? "L" : "M") + x(l.pts[i]).toFixed(1) + "," + y(l.pts[i + 1]).toFixed(1);
    }
    parts.push(closed ? d + "Z" : d);
  }
  return parts.join("");
}

function drawBasemap(group, box, x, y) {
  loadGeo().then((layers) => {
    const layer = pickLayer(layers, box);
    if (!layer) return;
    group.replaceChildren(
      svgEl("path", { d: pathData(layer.land, box, x, y, true), class: "land", "fill-rule": "evenodd" }),
      svgEl("path", { d: pathData(layer.borders, box, x, y, false), class: "border" }),
      svgEl("path", { d: pathData(layer.coast, box, x, y, false), class: "coast" }),
    );
    group.closest("svg")?.classList.add("has-basemap");
  }).catch(() => { /* no outlines: the graticule still frames the dots */ });
}

/* An SVG shape that acts (a map cluster, a histogram bar, a timeline dot) as a button for keyboards and
 * screen readers too, not only for the mouse: focusable in the tab order, named, and run by Enter or Space. */
function asButton(node, label, action) {
  node.setAttribute("tabindex", "0");
  node.setAttribute("role", "button");
  node.setAttribute("aria-label", label);
  node.addEventListener("click", action);
  node.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); action(); }
  });
}

// -------------------------------------------------------------------------------------------- clusters

/* Greedy clustering in screen space: heaviest places first, each joins the first cluster whose centre
 * is within `radius` px. The centre stays on the heaviest member, so a cluster sits on a real place. */
function clusterPoints(pts, x, y, radius) {
  const sorted = [...pts].sort((a, b) => (b.count || 1) - (a.count || 1));
  const clusters = [];
  for (const p of sorted) {
    const px = x(p.lon), py = y(p.lat);
    const hit = radius > 0 ? clusters.find((c) => Math.hypot(c.x - px, c.y - py) <= radius) : null;
    if (hit) { hit.members.push(p); hit.total += p.count || 1; }
    else clusters.push({ x: px, y: py, members: [p], total: p.count || 1 });
  }
  // One article naming two places of a cluster is one article: count distinct ids when they are known
  // (articles a member counts without their ids, its extra, are added as they are).
  for (const c of clusters) {
    if (c.members.length > 1 && c.members.every((p) => Array.isArray(p.ids))) {
      c.total = new Set(c.members.flatMap((p) => p.ids)).size + c.members.reduce((n, p) => n + (p.extra || 0), 0);
    }
  }
  return clusters;
}

function clusterTitle(c) {
  const head = c.members.slice(0, 8).map((p) => (
    p.count && !String(p.name).includes(String(p.count)) ? `${p.name} (${p.count})` : String(p.name)));
  if (c.members.length > 8) head.push(mapT("map.more", "…").replace("{n}", c.members.length - 8));
  return head.join("\n");
}

// ---------------------------------------------------------------------------------------------- drawMap

function drawMap(container, points, opts) {
  const options = opts || {};
  let width = options.width || 420;
  const maxHeight = options.maxHeight || 320;
  const radius = options.cluster !== undefined ? options.cluster : (options.labels ? 0 : 16);
  const pts = (points || []).filter(
    (p) => Number.isFinite(p.lat) && Number.isFinite(p.lon) && Math.abs(p.lat) <= 90 && Math.abs(p.lon) <= 180);
  const box = fitBox(pts);
  // Equirectangular with cos(mid-latitude) scaling so shapes are not stretched at these latitudes.
  const kx = Math.cos(((box.north + box.south) / 2) * Math.PI / 180);
  let height = Math.round(width * (box.north - box.south) / ((box.east - box.west) * kx));
  if (height > maxHeight) { // a tall frame (places far north or south): shrink it instead of stretching
    width = Math.round(width * maxHeight / height);
    height = maxHeight;
  }
  const x = (lon) => (lon - box.west) / (box.east - box.west) * width;
  const y = (lat) => (box.north - lat) / (box.north - box.south) * height;

  // an image, unless its dots are buttons: an "img" hides its children from screen readers
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, width, height, class: "mapsvg",
    role: options.onClick || options.onPlace ? "group" : "img" });
  svg.appendChild(svgEl("rect", { x: 0, y: 0, width, height, class: "sea" }));
  const step = (box.east - box.west) > 60 ? 20 : 5;
  for (let lon = Math.ceil(box.west / step) * step; lon <= box.east; lon += step) {
    svg.appendChild(svgEl("line", { x1: x(lon), x2: x(lon), y1: 0, y2: height, class: "grid" }));
  }
  for (let lat = Math.ceil(box.south / step) * step; lat <= box.north; lat += step) {
    svg.appendChild(svgEl("line", { x1: 0, x2: width, y1: y(lat), y2: y(lat), class: "grid" }));
  }
  const basemap = svgEl("g", { class: "basemap" });
  svg.appendChild(basemap);
  drawBasemap(basemap, box, x, y);
  const attrib = svgEl("text", { x: 3, y: height - 3, class: "attrib", direction: "ltr" });
  attrib.textContent = "Natural Earth";
  svg.appendChild(attrib);

  const clusters = clusterPoints(pts, x, y, radius);
  const maxCount = Math.max(1, ...clusters.map((c) => c.total));
  for (const c of clusters) {
    const best = c.members.find((p) => p.place) || c.members[0];
    const r = 4 + 8 * Math.sqrt(c.total / maxCount);
    const g = svgEl("g", { class: c.members.length > 1 ? "mark cluster" : "mark" });
    const dot = svgEl("circle", { cx: c.x, cy: c.y, r, class: c.members.length > 1 ? "place cluster" : "place" });
    dot.dataset.place = best.place || best.name;
    const tip = svgEl("title");
    tip.textContent = clusterTitle(c);
    dot.appendChild(tip);
    g.appendChild(dot);
    if (c.total > 1) {
      const n = svgEl("text", { x: c.x, y: c.y, class: "count", "text-anchor": "middle", "dominant-baseline": "central" });
      n.textContent = String(c.total);
      g.appendChild(n);
    }
    const click = () => {
      if (options.onClick) options.onClick({ ...best, total: c.total, members: c.members });
      if (options.onPlace) options.onPlace(best.place || best.name);
    };
    if (options.onClick || options.onPlace) asButton(g, tip.textContent.split("\n").join("، "), click);
    svg.appendChild(g);
    if (options.labels) {
      const label = svgEl("text", { x: c.x + r + 2, y: c.y + 3, class: "placelabel" });
      label.textContent = best.name;
      svg.appendChild(label);
    }
  }
  container.replaceChildren(svg);
  if (!pts.length) {
    const note = document.createElement("p");
    note.className = "empty";
    note.textContent = mapT("map.none", "لا أماكن معروفة الإحداثيات");
    container.appendChild(note);
  }
}

// ------------------------------------------------------------------------------------------- histogram

const UNIT_MS = { day: 86400000, week: 7 * 86400000, month: 30.436875 * 86400000, year: 365.2425 * 86400000 };

/* Bars over time. buckets: [{key: "YYYY-MM-DD", count}]; opts.unit: day (default), week, month or year. */
function drawHistogram(container, buckets, onClick, opts) {
  const data = buckets || [];
  const unit = UNIT_MS[(opts || {}).unit] || UNIT_MS.day;
  if (!data.length) {
    const note = document.createElement("p");
    note.className = "empty";
    note.textContent = mapT("map.nodata", "لا بيانات");
    container.replaceChildren(note);
    return;
  }
  const width = (opts || {}).width || 420, height = 110, pad = 16;
  const first = Date.parse(data[0].key), last = Date.parse(data[data.length - 1].key);
  const slots = Math.max(1, Math.round((last - first) / unit) + 1);
  const bw = Math.max(1, (width - 2) / slots);
  const max = Math.max(...data.map((b) => b.count));
  // Time runs left to right even on an RTL page, as on every axis readers know.
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: onClick ? "group" : "img", class: "histsvg", direction: "ltr" });
  for (const b of data) {
    const i = Math.round((Date.parse(b.key) - first) / unit);
    const h = Math.max(1, (height - pad) * b.count / max);
    const bar = svgEl("rect", { x: 1 + i * bw, y: height - pad - h, width: Math.max(1, bw - 1), height: h, class: "bar" });
    const tip = svgEl("title");
    tip.textContent = `${b.key}: ${b.count}`;
    bar.appendChild(tip);
    if (onClick) asButton(bar, tip.textContent, () => onClick(b));
    svg.appendChild(bar);
  }
  for (const [text, anchor, xpos] of [[data[0].key, "start", 1], [data[data.length - 1].key, "end", width - 1]]) {
    const label = svgEl("text", { x: xpos, y: height - 3, "text-anchor": anchor, class: "axis" });
    label.textContent = text;
    svg.appendChild(label);
  }
  container.replaceChildren(svg);
}
