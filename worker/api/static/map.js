/* Offline SVG maps and charts: no tile server, no external library.
 *
 * drawMap: equirectangular dot plot of places (lat/lon) over a graticule and a few reference capitals,
 * framed on the Middle East and widened to fit every point. drawHistogram: one bar per day.
 * Every label is set with textContent, so place names from articles are never parsed as markup.
 */
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";

function svgEl(name, attrs) {
  const el = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  return el;
}

// Reference points drawn faintly so the dots have a frame of reference without map tiles.
const REFERENCE_CITIES = [
  ["القاهرة", 30.04, 31.24], ["دمشق", 33.51, 36.29], ["بغداد", 33.31, 44.36], ["الرياض", 24.69, 46.72],
  ["طهران", 35.69, 51.39], ["أنقرة", 39.93, 32.86], ["بيروت", 33.89, 35.5], ["عمّان", 31.95, 35.93],
  ["صنعاء", 15.37, 44.19], ["طرابلس", 32.89, 13.19], ["الخرطوم", 15.5, 32.56], ["أبوظبي", 24.45, 54.38],
  ["القدس", 31.78, 35.22], ["الدوحة", 25.29, 51.53], ["تونس", 36.81, 10.18], ["الجزائر", 36.75, 3.06],
];
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

function drawMap(container, points, opts) {
  const options = opts || {};
  let width = options.width || 420;
  const maxHeight = options.maxHeight || 320;
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

  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", class: "mapsvg" });
  svg.appendChild(svgEl("rect", { x: 0, y: 0, width, height, class: "sea" }));
  const step = (box.east - box.west) > 60 ? 20 : 5;
  for (let lon = Math.ceil(box.west / step) * step; lon <= box.east; lon += step) {
    svg.appendChild(svgEl("line", { x1: x(lon), x2: x(lon), y1: 0, y2: height, class: "grid" }));
  }
  for (let lat = Math.ceil(box.south / step) * step; lat <= box.north; lat += step) {
    svg.appendChild(svgEl("line", { x1: 0, x2: width, y1: y(lat), y2: y(lat), class: "grid" }));
  }
  for (const [name, lat, lon] of REFERENCE_CITIES) {
    if (lon < box.west || lon > box.east || lat < box.south || lat > box.north) continue;
    svg.appendChild(svgEl("circle", { cx: x(lon), cy: y(lat), r: 1.5, class: "ref" }));
    const label = svgEl("text", { x: x(lon) + 3, y: y(lat) - 2, class: "reflabel" });
    label.textContent = name;
    svg.appendChild(label);
  }
  const maxCount = Math.max(1, ...pts.map((p) => p.count || 1));
  for (const p of pts) {
    const r = 3 + 6 * Math.sqrt((p.count || 1) / maxCount);
    const dot = svgEl("circle", { cx: x(p.lon), cy: y(p.lat), r, class: "place" });
    const tip = svgEl("title");
    tip.textContent = p.count && !String(p.name).includes(String(p.count)) ? `${p.name} (${p.count})` : p.name;
    dot.appendChild(tip);
    if (options.onClick) dot.addEventListener("click", () => options.onClick(p));
    svg.appendChild(dot);
    if (options.labels) {
      const label = svgEl("text", { x: x(p.lon) + r + 2, y: y(p.lat) + 3, class: "placelabel" });
      label.textContent = p.name;
      svg.appendChild(label);
    }
  }
  container.replaceChildren(svg);
  if (!pts.length) {
    const note = document.createElement("p");
    note.className = "empty";
    note.textContent = "لا أماكن معروفة الإحداثيات";
    container.appendChild(note);
  }
}

function drawHistogram(container, buckets, onClick) {
  const data = buckets || [];
  if (!data.length) {
    const note = document.createElement("p");
    note.className = "empty";
    note.textContent = "لا بيانات";
    container.replaceChildren(note);
    return;
  }
  const width = 420, height = 110, pad = 16;
  const first = Date.parse(data[0].key), last = Date.parse(data[data.length - 1].key);
  const days = Math.max(1, Math.round((last - first) / 86400000) + 1);
  const bw = Math.max(1, (width - 2) / days);
  const max = Math.max(...data.map((b) => b.count));
  // Time runs left to right even on an RTL page, as on every axis readers know.
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", class: "histsvg", direction: "ltr" });
  for (const b of data) {
    const i = Math.round((Date.parse(b.key) - first) / 86400000);
    const h = Math.max(1, (height - pad) * b.count / max);
    const bar = svgEl("rect", { x: 1 + i * bw, y: height - pad - h, width: Math.max(1, bw - 1), height: h, class: "bar" });
    const tip = svgEl("title");
    tip.textContent = `${b.key}: ${b.count}`;
    bar.appendChild(tip);
    if (onClick) bar.addEventListener("click", () => onClick(b));
    svg.appendChild(bar);
  }
  for (const [text, anchor, xpos] of [[data[0].key, "start", 1], [data[data.length - 1].key, "end", width - 1]]) {
    const label = svgEl("text", { x: xpos, y: height - 3, "text-anchor": anchor, class: "axis" });
    label.textContent = text;
    svg.appendChild(label);
  }
  container.replaceChildren(svg);
}
