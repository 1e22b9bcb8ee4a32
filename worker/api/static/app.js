/* The search page. Vanilla JS, no build step, no CDN.
 *
 * Security: article titles, bodies, entity names and quotes come from feeds and are untrusted. The DOM is
 * built with createElement/textContent only; the one piece of server HTML, the highlighted snippet, is
 * escaped by the server except for <mark>…</mark>, and is *parsed* here (split on the mark tags, entities
 * decoded) into text nodes and <mark> elements rather than assigned to innerHTML.
 */
"use strict";

/* Labels come from NW strings (Arabic, with English for the toggle): "event.<type>", "casualty.<kind>",
 * "entity.<TYPE>", "facet.<name>". An unknown key shows as itself. */
function label(group, key) {
  const k = `${group}.${key}`;
  const s = NW.t(k);
  return s === k ? key : s;
}

// shell.js's DOM helpers under this script's global names (kept as functions, as other scripts may call them)
const $ = NW.$;
function el(tag, text, cls) { return NW.el(tag, text, cls); }
function safeUrl(url) { return NW.safeUrl(url); }
function quoteValue(v) { return NW.quoteValue(v); }

const ENTITY_DECODE = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#x27;": "'", "&#39;": "'" };

function decodeEntities(s) {
  return s.replace(/&(?:amp|lt|gt|quot|#x27|#39);/g, (m) => ENTITY_DECODE[m]);
}

/* Turn "escaped text <mark>escaped</mark> text" into DOM nodes without innerHTML. */
function markedFragment(html) {
  const frag = document.createDocumentFragment();
  const parts = String(html || "").split(/(<mark>|<\/mark>)/);
  let inMark = false;
  for (const part of parts) {
    if (part === "<mark>") { inMark = true; continue; }
    if (part === "</mark>") { inMark = false; continue; }
    if (!part) continue;
    const text = decodeEntities(part);
    frag.appendChild(inMark ? el("mark", text) : document.createTextNode(text));
  }
  return frag;
}

// every page's one rule for dates (shell.js NW.date: the page's digits, UTC, said so) (qa5c-12)
function formatDate(iso) {
  return NW.date(iso, true);
}

// ----------------------------------------------------------------------------------------------- state

const state = { q: "", from: "", to: "", sort: "relevance", source: [], page: 1, size: 20 };

/* The index serves pages only within its first 10,000 results (Elasticsearch's result window; /search
 * answers a page beyond it with a 400). The page says so where its pager stops, and points to narrowing
 * the search or to Export, which returns every result (qa7b-8). */
const BROWSE_LIMIT = 10000;
const lastBrowsablePage = () => Math.max(1, Math.floor(BROWSE_LIMIT / state.size));

function readUrl() {
  const p = new URLSearchParams(window.location.search);
  state.q = p.get("q") || "";
  state.from = p.get("from") || "";
  state.to = p.get("to") || "";
  state.sort = p.get("sort") === "date" ? "date" : "relevance";
  state.source = (p.get("source") || "").split(",").filter(Boolean);
  state.page = Math.max(1, parseInt(p.get("page") || "1", 10) || 1);
}

function params() {
  const p = new URLSearchParams();
  if (state.q) p.set("q", state.q);
  if (state.from) p.set("from", state.from);
  if (state.to) p.set("to", state.to);
  if (state.sort !== "relevance") p.set("sort", state.sort);
  if (state.source.length) p.set("source", state.source.join(","));
  if (state.page > 1) p.set("page", String(state.page));
  return p;
}

function syncForm() {
  $("q").value = state.q;
  $("from").value = state.from;
  $("to").value = state.to;
  $("sort").value = state.sort;
}

function addClause(clause) {
  state.q = state.q.trim() ? `${state.q.trim()} AND ${clause}` : clause;
  state.page = 1;
  run(true);
}

// ----------------------------------------------------------------------------------------------- fetch

/* Reads go through NW.read, so they carry the key when the server closes reads: a 401 opens the key
 * dialog and the read is retried with each key entered there until one is right or the dialog is closed. */
async function getJson(url) {
  try {
    return await NW.read(url);
  } catch (err) {
    err.position = err.body && err.body.position;
    throw err;
  }
}

let lastData = null; // the last search answer and article, re-rendered when the language changes
let lastDoc = null;

let requestSeq = 0;

/* The error under the search box, through the pages' shared presenter (NW.showError), which re-words it on
 * the language toggle: the page's own words switch, the server's detail stays as the server wrote it. */
function showError(err, article) {
  NW.showError($("error"), err, (e) => {
    if (article) return NW.t("search.article_error", { detail: NW.errorText(e) });
    if (e.status === 400) {
      const pos = Number.isInteger(e.position) ? NW.t("search.position", { n: e.position }) : "";
      return NW.t("search.query_error", { detail: e.message, pos });
    }
    return NW.errorText(e);
  });
}

function hideError() {
  NW.hideError($("error"));
}

async function run(push) {
  const refocus = focusMark(); // before the panels go inert: a bar, a chip, a facet pressed to get here
  syncForm();
  // A page past the browsable results (a shared or bookmarked ?page=501) is not a query error: it shows
  // the last browsable page, with the notice that says why, and the address says which page it is.
  const clamped = state.page > lastBrowsablePage();
  if (clamped) state.page = lastBrowsablePage();
  const qs = params();
  if (push) window.history.pushState(null, "", qs.toString() ? `?${qs}` : window.location.pathname);
  else if (clamped) window.history.replaceState(null, "", `?${qs}`);
  qs.set("size", String(state.size));
  const seq = ++requestSeq;
  NW.holdAgain("search");
  $("status").textContent = NW.t("search.searching");
  updateSaveButton();
  hideError();
  markStale();
  let data;
  try {
    data = await getJson(`/search?${qs}`);
  } catch (err) {
    if (seq !== requestSeq) return;
    $("status").textContent = "";
    showError(err, false);
    NW.readAgain("search", () => run(false), err, $("error"));
    clearResults();
    restoreFocus(refocus);
    return;
  }
  if (seq !== requestSeq) return; // a newer search finished first
  NW.readAgain("search");
  lastData = data;
  render(data);
  restoreFocus(refocus);
}

/* The search a control of the answer started (a histogram bar, a map dot, a facet, an entity, a chip)
 * redraws that control's panel, and the focus fell to <body>: a keyboard user started again from the top
 * (QA4 re-test N4). focusMark notes which control it was; restoreFocus puts the focus back on the same
 * control when the new answer has it (the day's bar, by its label or its day), else on the status line,
 * which says what the new search found. */
const FOCUS_PANELS = ["results", "facets", "histogram", "map", "chips"];

function focusMark() {
  const a = document.activeElement;
  const panel = a && a !== document.body ? FOCUS_PANELS.find((id) => $(id).contains(a)) : null;
  if (!panel) return null;
  const label = a.getAttribute("aria-label") || a.textContent || "";
  return { panel, label, key: label.split(": ")[0] };
}

function restoreFocus(mark) {
  const a = document.activeElement;
  if (!mark || (a && a !== document.body)) return; // the user has moved on meanwhile
  const controls = [...$(mark.panel).querySelectorAll("button, a[href], [tabindex='0']")];
  const name = (n) => n.getAttribute("aria-label") || n.textContent || "";
  const same = controls.find((n) => name(n) === mark.label) || controls.find((n) => name(n).split(": ")[0] === mark.key);
  (same || $("status")).focus();
}

// ---------------------------------------------------------------------------------------------- render

/* Every panel that shows a search's answer (hits, facets, histogram, map, pager), emptied when a search
 * fails: none may keep the previous search's counts next to the error, and the language toggle must not
 * bring them back (lastData). The chips stay: they are the query's filters, which the user may remove. */
const PANELS = ["results", "facets", "histogram", "map", "pageinfo"];

function clearResults() {
  unmarkStale();
  lastData = null;
  for (const id of PANELS) $(id).replaceChildren();
  $("prev").disabled = true;
  $("next").disabled = true;
  $("pagelimit").hidden = true;
}

/* While a search is pending, the previous answer is not this query's: its panels are dimmed, busy for
 * screen readers and inert (a click there would filter the old answer), and emptied when the answer is
 * slow to come (a stalled Elasticsearch), so nobody reads the old hits under the new query. A quick search
 * only dims them for a moment, without the flicker of emptying. */
const STALE_CLEAR_MS = 800;
let staleTimer = null;

function markStale() {
  clearTimeout(staleTimer);
  lastData = null; // the language toggle must not redraw the old answer as if it were this query's
  for (const id of PANELS) {
    const box = $(id);
    box.classList.add("stale");
    box.setAttribute("aria-busy", "true");
    box.inert = true;
  }
  staleTimer = setTimeout(() => { for (const id of PANELS) $(id).replaceChildren(); }, STALE_CLEAR_MS);
}

function unmarkStale() {
  clearTimeout(staleTimer);
  staleTimer = null;
  for (const id of PANELS) {
    const box = $(id);
    box.classList.remove("stale");
    box.removeAttribute("aria-busy");
    box.inert = false;
  }
}

function render(data) {
  unmarkStale();
  $("status").textContent = NW.t("search.status", { n: data.total, ms: data.took_ms });
  renderChips();
  renderResults(data.hits || []);
  renderFacets(data.facets || {});
  drawHistogram($("histogram"), (data.facets || {}).date || [], (b) => {
    state.from = b.key; state.to = b.key; state.page = 1; run(true);
  });
  drawMap($("map"), mapPoints(data.hits || [], (data.facets || {}).geo), {
    onClick: (p) => { if (p.place) addClause(`place:${quoteValue(p.place)}`); },
  });
  const pages = Math.ceil(data.total / state.size);
  $("pageinfo").textContent = data.total ? NW.t("search.page", { page: state.page, pages }) : "";
  $("prev").disabled = state.page <= 1;
  const walled = pages > lastBrowsablePage() && state.page >= lastBrowsablePage();
  $("next").disabled = state.page >= pages || walled;
  // said where the pager stops short of the results, not as an error: the query is fine
  $("pagelimit").textContent = walled ? NW.t("search.page_limit", { limit: BROWSE_LIMIT, n: data.total }) : "";
  $("pagelimit").hidden = !walled;
}

/* Map dots: the geohash cells of *all* matching articles (facet "geo") when the server sent them, named
 * after the nearest place mentioned on this page; otherwise the places of this page's hits.
 *
 * Every dot carries the ids of the articles on this page that it counts, and for a cell also how many more
 * it counts that are not on this page (extra): drawMap then counts distinct articles in a cluster, so an
 * article naming a city and its prison (two places, or two neighbouring cells) counts once. The articles
 * beyond this page are unknown by id and still add up; all of them on one page gives the exact count. */
function mapPoints(hits, geo) {
  const named = new Map();
  for (const h of hits) {
    for (const p of h.places || []) {
      const cur = named.get(p.name);
      if (cur) { if (!cur.ids.includes(h.id)) { cur.ids.push(h.id); cur.count += 1; } }
      else named.set(p.name, { name: p.name, place: p.name, lat: p.lat, lon: p.lon, count: 1, ids: [h.id] });
    }
  }
  if (!geo || !geo.length) return [...named.values()];
  // which of this page's articles fall in each cell (the facet's cells are geohashes of the key's length)
  const inCell = new Map();
  for (const h of hits) {
    for (const p of h.places || []) {
      if (!Number.isFinite(p.lat) || !Number.isFinite(p.lon)) continue;
      for (const b of geo) {
        if (typeof b.key !== "string" || geohash(p.lat, p.lon, b.key.length) !== b.key) continue;
        if (!inCell.has(b.key)) inCell.set(b.key, new Set());
        inCell.get(b.key).add(h.id);
      }
    }
  }
  return geo.filter((b) => Number.isFinite(b.lat) && Number.isFinite(b.lon)).map((b) => {
    let best = null, bestD = 0.6; // degrees: a geohash-4 cell is about 0.35 x 0.18
    for (const p of named.values()) {
      const d = Math.hypot(p.lat - b.lat, p.lon - b.lon);
      if (d < bestD) { best = p; bestD = d; }
    }
    const count = NW.t("search.articles", { n: b.count });
    const ids = [...(inCell.get(b.key) || [])].slice(0, b.count);
    return { name: best ? `${best.name} — ${count}` : count, place: best ? best.name : null, lat: b.lat, lon: b.lon,
      count: b.count, ids, extra: b.count - ids.length };
  });
}

const GEOHASH32 = "0123456789bcdefghjkmnpqrstuvwxyz";

/* The geohash of a point at `length` characters (Elasticsearch's geohash_grid keys). */
function geohash(lat, lon, length) {
  let out = "", bits = 0, ch = 0, even = true;
  let latLo = -90, latHi = 90, lonLo = -180, lonHi = 180;
  while (out.length < length) {
    if (even) {
      const mid = (lonLo + lonHi) / 2;
      if (lon >= mid) { ch = ch * 2 + 1; lonLo = mid; } else { ch *= 2; lonHi = mid; }
    } else {
      const mid = (latLo + latHi) / 2;
      if (lat >= mid) { ch = ch * 2 + 1; latLo = mid; } else { ch *= 2; latHi = mid; }
    }
    even = !even;
    if (++bits === 5) { out += GEOHASH32[ch]; bits = 0; ch = 0; }
  }
  return out;
}

function renderChips() {
  const box = $("chips");
  box.replaceChildren();
  const chip = (label, onRemove) => {
    const b = el("button", `${label} ×`, "chip");
    b.type = "button";
    b.addEventListener("click", onRemove);
    box.appendChild(b);
  };
  for (const s of state.source) {
    chip(NW.t("search.chip_source", { v: s }), () => { state.source = state.source.filter((x) => x !== s); state.page = 1; run(true); });
  }
  if (state.from || state.to) {
    chip(NW.t("search.chip_date", { from: state.from || "…", to: state.to || "…" }), () => { state.from = ""; state.to = ""; state.page = 1; run(true); });
  }
}

function renderResults(hits) {
  const list = $("results");
  list.replaceChildren();
  if (!hits.length) {
    list.appendChild(el("li", NW.t("search.no_results"), "empty"));
    return;
  }
  for (const h of hits) {
    const li = el("li", null, "hit");
    li.dataset.id = h.id;
    const title = el("a", null, "title");
    title.href = articleHref(h.id); // a new tab or a copied link opens the same search with this article
    title.appendChild(markedFragment(h.title_html || ""));
    if (!title.textContent) title.textContent = NW.t("search.untitled");
    title.addEventListener("click", (ev) => { ev.preventDefault(); openArticle(h.id); });
    li.appendChild(el("h2")).appendChild(title);
    const meta = el("p", null, "meta");
    meta.appendChild(el("span", h.source || "", "source"));
    meta.appendChild(el("time", formatDate(h.published)));
    for (const t of h.events || []) meta.appendChild(el("span", label("event", t), "tag event"));
    for (const [k, v] of Object.entries(h.casualties || {})) meta.appendChild(el("span", `${label("casualty", k)}: ${v}`, "tag casualty"));
    // the same event reported elsewhere (qa5c-2): the story page lists them all, by outlet and time
    if (h.story_id && h.story_articles > 1) meta.appendChild(NW.link(storyHref(h.story_id), NW.t("search.other_reports", { n: h.story_articles - 1 }), "story-link"));
    li.appendChild(meta);
    const snip = el("p", null, "snippet");
    snip.appendChild(markedFragment(h.snippet || ""));
    li.appendChild(snip);
    const ents = el("p", null, "entities");
    for (const e of (h.entities || []).slice(0, 8)) {
      const b = el("button", e.canonical, `ent ent-${e.type}`);
      b.type = "button";
      b.title = label("entity", e.type);
      b.addEventListener("click", () => addClause(`entity:${quoteValue(e.canonical)}`));
      ents.appendChild(b);
    }
    li.appendChild(ents);
    list.appendChild(li);
  }
}

/* A facet click filters on the exact value the facet counted, so the count clicked is the count got
 * (qa7b-11): the source filter (source=, source:) also takes the names holding it as a run of words ("BBC
 * Arabic" for BBC), place: the gazetteer's other names and longer names holding it. */
function facetClick(name, key) {
  if (name === "source") {
    addClause(`sourcename:${quoteValue(key)}`);
  } else if (name === "event") {
    addClause(`event:${quoteValue(key)}`);
  } else if (name === "place" || name === "entity_LOC" || name === "entity_FAC") {
    addClause(`placename:${quoteValue(key)}`);
  } else if (name === "country") {
    addClause(`country:${quoteValue(key)}`);
  } else if (name.startsWith("entity_")) {
    addClause(`name:${quoteValue(key)}`);  // the facet counts exact canonical names: name: finds those
  }
}

function facetTitle(name) {
  if (name.startsWith("entity_")) return label("entity", name.slice(7));
  return label("facet", name);
}

/* The entity facet "places" (entity_LOC) repeats the place facet when it names no place that one lacks
 * (qa5c-12: the same list twice); both filter by place:, so it is shown once, as the place facet. */
function repeatsPlaces(name, buckets, facets) {
  if (name !== "entity_LOC" || !facets.place || !facets.place.length) return false;
  const places = new Set(facets.place.map((b) => String(b.key)));
  return buckets.every((b) => places.has(String(b.key)));
}

/* A facet's buckets are one stop in the tab order (qa5c-8: 138 Tabs from the search button to the first
 * result, most of them facet buckets): a vertical toolbar whose arrow keys, Home and End move between its
 * buttons, the last one focused keeping the group's stop. */
function facetToolbar(ul, title) {
  ul.setAttribute("role", "toolbar");
  ul.setAttribute("aria-orientation", "vertical");
  ul.setAttribute("aria-label", title);
  const buttons = () => [...ul.querySelectorAll("button")];
  ul.addEventListener("focusin", (ev) => {
    for (const b of buttons()) b.tabIndex = b === ev.target ? 0 : -1;
  });
  ul.addEventListener("keydown", (ev) => {
    const all = buttons();
    const at = all.indexOf(document.activeElement);
    const to = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: all.length - 1 }[ev.key];
    if (to === undefined || at < 0) return;
    ev.preventDefault();
    all[Math.max(0, Math.min(all.length - 1, to))].focus();
  });
}

function renderFacets(facets) {
  const box = $("facets");
  box.replaceChildren();
  for (const [name, buckets] of Object.entries(facets)) {
    if (name === "date" || name === "geo" || !buckets || !buckets.length) continue;
    if (repeatsPlaces(name, buckets, facets)) continue;
    const sec = el("section", null, "facet");
    sec.dataset.facet = name;
    sec.appendChild(el("h3", facetTitle(name)));
    const ul = el("ul");
    facetToolbar(ul, facetTitle(name));
    for (const b of buckets) {
      const li = el("li");
      li.setAttribute("role", "none");
      const btn = el("button", null, "bucket");
      btn.type = "button";
      btn.tabIndex = ul.children.length ? -1 : 0;
      btn.appendChild(el("span", name === "event" ? label("event", b.key) : b.key, "key"));
      btn.appendChild(el("span", b.count, "count"));
      btn.addEventListener("click", () => facetClick(name, String(b.key)));
      li.appendChild(btn);
      ul.appendChild(li);
    }
    sec.appendChild(ul);
    box.appendChild(sec);
  }
}

// --------------------------------------------------------------------------------------------- article

function storyHref(storyId) {
  return `/stories?id=${encodeURIComponent(storyId)}`;
}

let lastStory = null; // the open article's story (GET /stories/{id}), or an error, redrawn on the language toggle
let articleSeq = 0;

/* Open an article in the dialog; `focusTitle` when it replaces the one shown (a link of its "other reports"
 * list, which the redraw removes): the focus goes to the new title, not to <body> behind the dialog. */
async function openArticle(id, focusTitle) {
  const seq = ++articleSeq;
  let doc;
  try {
    doc = await getJson(`/articles/${encodeURIComponent(id)}`);
  } catch (err) {
    showError(err, true);
    return;
  }
  if (seq !== articleSeq) return; // another article was asked for meanwhile
  lastDoc = doc;
  lastStory = null;
  renderArticle(doc);
  const dlg = $("article");
  articleInUrl(id);
  if (typeof dlg.showModal === "function" && !dlg.open) dlg.showModal();
  else dlg.setAttribute("open", "");
  dlg.scrollTop = 0;
  if (focusTitle) $("article-title").focus();
  if (doc.story_id) loadStory(doc, seq);
}

/* The article's story (qa5c-2): how many reports from how many outlets, linked to the story page, and the
 * other reports themselves (outlet, time, title), each opening in this dialog. One read of GET
 * /stories/{id} (at most its 200 oldest articles) once the article shows. */
async function loadStory(doc, seq) {
  let story;
  try {
    story = await getJson(`/stories/${encodeURIComponent(doc.story_id)}`);
  } catch (err) {
    story = { error: err };
  }
  if (seq !== articleSeq) return;
  lastStory = story;
  renderStory(doc, story);
}

const OTHER_REPORTS_SHOWN = 10;

function renderStory(doc, story) {
  const box = $("article-story");
  box.replaceChildren();
  box.hidden = !story;
  if (!story) return;
  if (story.error) {
    box.appendChild(el("p", NW.t("article.story_error", { detail: NW.errorText(story.error) }), "muted"));
    return;
  }
  const head = el("p", null, "story-head");
  head.appendChild(NW.link(storyHref(story.story_id), NW.t("article.story", {
    reports: NW.t("article.reports", { n: story.total }), outlets: NW.t("article.outlets", { n: story.sources.length }),
  }), "story-link"));
  box.appendChild(head);
  const others = (story.articles || []).filter((a) => a.id !== doc.id);
  if (!others.length) return;
  box.appendChild(el("h3", NW.t("article.other_reports")));
  const list = el("ul", null, "other-reports");
  for (const a of others.slice(0, OTHER_REPORTS_SHOWN)) {
    const li = el("li");
    li.dataset.id = a.id;
    li.appendChild(el("span", a.source || "", "tag source"));
    const time = el("time", formatDate(a.published));
    if (a.published) time.dateTime = a.published;
    li.appendChild(time);
    const open = el("a", a.title || NW.t("search.untitled"), "title");
    open.dir = "auto"; // a title in another script keeps its own direction
    open.href = `#article/${encodeURIComponent(a.id)}`;
    open.addEventListener("click", (ev) => { ev.preventDefault(); openArticle(a.id, true); });
    li.appendChild(open);
    list.appendChild(li);
  }
  box.appendChild(list);
  if (others.length > OTHER_REPORTS_SHOWN) {
    box.appendChild(NW.link(storyHref(story.story_id), NW.t("article.all_reports", { n: story.total }), "more"));
  }
}

function renderArticle(doc) {
  $("article-title").textContent = doc.title || NW.t("search.untitled");
  renderStory(doc, lastStory);
  const meta = $("article-meta");
  meta.replaceChildren(el("span", doc.source || "", "source"), el("time", formatDate(doc.published)));
  const href = safeUrl(doc.url);
  if (href) {
    const a = el("a", NW.t("article.original"));
    a.href = href;
    a.rel = "noopener noreferrer nofollow";
    a.target = "_blank";
    meta.appendChild(a);
  }

  const events = $("article-events");
  events.replaceChildren();
  for (const e of doc.events || []) {
    const li = el("li");
    li.appendChild(el("strong", label("event", e.type)));
    li.appendChild(el("q", e.evidence || ""));
    events.appendChild(li);
  }
  if (!events.children.length) events.appendChild(el("li", "—"));

  const cas = $("article-casualties");
  cas.replaceChildren();
  for (const c of doc.casualties || []) {
    const tr = el("tr");
    tr.appendChild(el("th", label("casualty", c.kind)));
    tr.appendChild(el("td", (c.approximate ? "~" : "") + c.count));
    tr.appendChild(el("td", c.text || ""));
    cas.appendChild(tr);
  }

  const ents = $("article-entities");
  ents.replaceChildren();
  const byType = {};
  for (const e of doc.entities || []) {
    const key = e.canonical || e.text;
    if (!byType[e.type]) byType[e.type] = new Map();
    byType[e.type].set(key, (byType[e.type].get(key) || 0) + 1);
  }
  for (const [type, names] of Object.entries(byType)) {
    const p = el("p");
    p.appendChild(el("strong", `${label("entity", type)}: `));
    for (const [name, n] of names) p.appendChild(el("span", n > 1 ? `${name} (${n})` : name, `ent ent-${type}`));
    ents.appendChild(p);
  }

  const quotes = $("article-quotes");
  quotes.replaceChildren();
  for (const qt of doc.quotes || []) {
    const li = el("li");
    if (qt.speaker) li.appendChild(el("strong", `${qt.speaker}: `));
    li.appendChild(el("q", qt.text || ""));
    quotes.appendChild(li);
  }

  const dates = $("article-dates");
  dates.replaceChildren();
  for (const d of doc.dates || []) dates.appendChild(el("li", `${d.text} ← ${d.date}`));

  const places = new Map();
  for (const e of doc.entities || []) {
    const pl = e.place;
    if (pl && Number.isFinite(pl.lat) && Number.isFinite(pl.lon)) {
      const name = e.canonical || e.text;
      const cur = places.get(name);
      if (cur) cur.count += 1; else places.set(name, { name, lat: pl.lat, lon: pl.lon, count: 1 });
    }
  }
  drawMap($("article-map"), [...places.values()], { labels: true, width: 360 });
  $("article-body").textContent = doc.body || "";
}

// ------------------------------------------------------------------------------- the article's URL

/* An opened article is in the address (qa5c-12, qa5c-10): /?<the search>&article=<id> can be bookmarked
 * and shared, and the alerts page links to /?article=<id>. Opening one pushes an entry, so Back closes it
 * (it left the dialog open over the previous search); another article opened in the dialog replaces that
 * entry; closing it goes back to the search's own entry, or drops the parameter when the page was opened
 * on an article. */
function articleParam() {
  return new URLSearchParams(window.location.search).get("article");
}

function articleHref(id) {
  const p = params();
  p.set("article", id);
  return `?${p}`;
}

function articleInUrl(id) {
  if (articleParam() === id) return;
  if (articleParam()) window.history.replaceState(window.history.state, "", articleHref(id));
  else window.history.pushState({ article: true }, "", articleHref(id));
}

function articleClosed() {
  if (!articleParam()) return; // closed by Back: the address already has no article
  if (window.history.state && window.history.state.article) { window.history.back(); return; }
  const qs = params().toString();
  window.history.replaceState(null, "", qs ? `?${qs}` : window.location.pathname);
}

/* The dialog as the address says: open on its article (a load, Forward), closed without one (Back). The
 * older deep link, #article/<id> (Atom feeds written before ?article=), becomes the new one. */
function syncArticle() {
  const m = window.location.hash.match(/^#article\/(.+)$/);
  if (m) window.history.replaceState(null, "", articleHref(decodeURIComponent(m[1])));
  const id = articleParam();
  const dlg = $("article");
  if (id && !(dlg.open && lastDoc && lastDoc.id === id)) openArticle(id);
  else if (!id && dlg.open) dlg.close();
}

/* The skip links under the search form (qa5c-8): the results' heading, the facets. They move the focus
 * themselves: a #fragment would be a navigation the popstate handler reads. */
function wireSkipLinks() {
  for (const [link, target] of [["skip-results", "results-title"], ["skip-facets", "facets"]]) {
    $(link).addEventListener("click", (ev) => { ev.preventDefault(); $(target).focus(); });
  }
}

// ------------------------------------------------------------------------------- save as an alert

/* "Save this search as an alert": the alerts page opens with this query (and source filter) in its form.
 * Appended to #search-actions, which other scripts (export buttons) share. */
function addSaveButton() {
  const b = el("button", NW.t("search.save_alert"), "save-alert");
  b.type = "button";
  b.id = "save-alert";
  b.dataset.i18n = "search.save_alert";
  b.addEventListener("click", () => {
    const p = new URLSearchParams({ q: state.q });
    if (state.source.length) p.set("source", state.source.join(","));
    window.location.href = `/alerts?${p}`;
  });
  $("search-actions").appendChild(b);
  updateSaveButton();
}

function updateSaveButton() {
  const b = $("save-alert");
  if (!b) return;
  b.disabled = !state.q.trim();
  b.title = b.disabled ? NW.t("search.save_alert_empty") : "";
}

// ------------------------------------------------------------------------------------------------ wire

function init() {
  readUrl();
  syncForm();
  $("search-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    state.q = $("q").value.trim();
    state.from = $("from").value;
    state.to = $("to").value;
    state.sort = $("sort").value;
    state.page = 1;
    run(true);
  });
  $("sort").addEventListener("change", () => { state.sort = $("sort").value; state.page = 1; run(true); });
  $("prev").addEventListener("click", () => { state.page = Math.max(1, state.page - 1); run(true); });
  $("next").addEventListener("click", () => { state.page += 1; run(true); });
  // Back/Forward: a search only when the search changed (not when an article opened or closed over it)
  window.addEventListener("popstate", () => {
    const before = params().toString();
    readUrl();
    if (params().toString() !== before) run(false);
    syncArticle();
  });
  $("article").addEventListener("close", articleClosed);
  wireSkipLinks();
  addSaveButton();
  NW.onLang(() => {
    updateSaveButton();
    if (lastData) render(lastData);
    if (lastDoc && $("article").open) renderArticle(lastDoc);
  });
  syncArticle();
  run(false);
}

NW.addStrings({
  ar: {
    "search.doctitle": "newsworker — البحث في الأخبار", "search.sub": "بحث في الأخبار العربية",
    "search.placeholder": 'مثال: "سجن غويران" AND place:الحسكة NOT source:bbc', "search.q": "نص البحث",
    "search.from": "من", "search.to": "إلى", "search.sort": "الترتيب", "search.relevance": "الأكثر صلة",
    "search.newest": "الأحدث", "search.go": "بحث", "search.filters": "المرشحات", "search.facets": "التصنيفات",
    "search.by_day": "التوزيع حسب اليوم", "search.places": "الأماكن المذكورة", "search.prev": "السابق",
    "search.next": "التالي", "search.close": "إغلاق", "search.searching": "جارٍ البحث…",
    "search.query_error": "خطأ في الاستعلام: {detail}{pos}", "search.position": " (الموضع {n})",
    "search.status": { zero: "لا نتائج — {ms} م.ث", one: "نتيجة واحدة — {ms} م.ث", two: "نتيجتان — {ms} م.ث",
      few: "{n} نتائج — {ms} م.ث", many: "{n} نتيجة — {ms} م.ث", other: "{n} نتيجة — {ms} م.ث" },
    "search.page": "صفحة {page} من {pages}",
    "search.page_limit": "لا يمكن تصفّح أكثر من أول {limit} نتيجة صفحةً صفحة. ضيّق البحث (بنطاق تاريخ أو مصدر) أو استخدم التصدير للحصول على النتائج كلها ({n}).",
    "search.articles": { zero: "لا مقالات", one: "مقال واحد", two: "مقالان", few: "{n} مقالات", many: "{n} مقالًا", other: "{n} مقال" },
    "search.chip_source": "المصدر: {v}", "search.chip_date": "التاريخ: {from} — {to}", "search.no_results": "لا نتائج",
    "search.untitled": "(بلا عنوان)", "search.article_error": "تعذّر فتح المقال: {detail}",
    "search.save_alert": "احفظ هذا البحث تنبيهًا", "search.save_alert_empty": "اكتب استعلامًا أولًا",
    "article.events": "الأحداث", "article.casualties": "الضحايا", "article.entities": "الكيانات",
    "article.quotes": "الاقتباسات", "article.dates": "التواريخ", "article.map": "الخريطة", "article.text": "النص",
    "article.original": "المصدر الأصلي",
    "article.story": "القصة: {reports} من {outlets}", "article.other_reports": "تقارير أخرى عن الحدث نفسه",
    "article.reports": { zero: "لا تقارير", one: "تقرير واحد", two: "تقريران", few: "{n} تقارير", many: "{n} تقريرًا", other: "{n} تقرير" },
    "article.outlets": { zero: "لا مصادر", one: "مصدر واحد", two: "مصدرين", few: "{n} مصادر", many: "{n} مصدرًا", other: "{n} مصدر" },
    "article.all_reports": "كل تقارير القصة ({n})", "article.story_error": "تعذّر جلب القصة: {detail}",
    "search.other_reports": { one: "تقرير آخر عن الحدث", two: "تقريران آخران عن الحدث", few: "{n} تقارير أخرى عن الحدث",
      many: "{n} تقريرًا آخر عن الحدث", other: "{n} تقرير آخر عن الحدث" },
    "event.armed_clash": "اشتباك مسلح", "event.airstrike": "غارة جوية", "event.shelling": "قصف", "event.bombing": "تفجير",
    "event.armed_attack": "هجوم مسلح", "event.prison_attack": "هجوم على سجن", "event.kidnapping": "اختطاف",
    "event.arrest": "اعتقال", "event.sentencing": "حكم قضائي", "event.assassination": "اغتيال", "event.protest": "احتجاج",
    "event.curfew": "حظر تجول", "event.ceasefire": "وقف إطلاق النار", "event.security_sweep": "حملة أمنية",
    "event.displacement": "نزوح", "event.disaster": "كارثة",
    "casualty.killed": "قتلى", "casualty.injured": "جرحى", "casualty.arrested": "معتقلون", "casualty.kidnapped": "مختطفون",
    "casualty.missing": "مفقودون", "casualty.escaped": "فارّون",
    "entity.PER": "أشخاص", "entity.ORG": "منظمات", "entity.LOC": "أماكن", "entity.FAC": "منشآت", "entity.ALL": "كيانات",
    "facet.source": "المصدر", "facet.event": "نوع الحدث", "facet.place": "المكان", "facet.country": "البلد",
  },
  en: {
    "search.doctitle": "newsworker — news search", "search.sub": "Arabic news search",
    "search.placeholder": 'e.g. "سجن غويران" AND place:الحسكة NOT source:bbc', "search.q": "Search text",
    "search.from": "From", "search.to": "To", "search.sort": "Sort", "search.relevance": "Most relevant",
    "search.newest": "Newest", "search.go": "Search", "search.filters": "Filters", "search.facets": "Facets",
    "search.by_day": "Articles per day", "search.places": "Places mentioned", "search.prev": "Previous",
    "search.next": "Next", "search.close": "Close", "search.searching": "Searching…",
    "search.query_error": "Query error: {detail}{pos}", "search.position": " (at {n})",
    "search.status": { one: "{n} result — {ms} ms", other: "{n} results — {ms} ms" }, "search.page": "Page {page} of {pages}",
    "search.page_limit": "Only the first {limit} results can be browsed page by page. Narrow the search (a date range or a source) or use Export to get all {n} results.",
    "search.articles": { one: "{n} article", other: "{n} articles" },
    "search.chip_source": "Source: {v}", "search.chip_date": "Date: {from} — {to}", "search.no_results": "No results",
    "search.untitled": "(untitled)", "search.article_error": "Could not open the article: {detail}",
    "search.save_alert": "Save this search as an alert", "search.save_alert_empty": "Type a query first",
    "article.events": "Events", "article.casualties": "Casualties", "article.entities": "Entities",
    "article.quotes": "Quotes", "article.dates": "Dates", "article.map": "Map", "article.text": "Text",
    "article.original": "Original article",
    "article.story": "Story: {reports} from {outlets}", "article.other_reports": "Other reports of the same event",
    "article.reports": { one: "{n} report", other: "{n} reports" }, "article.outlets": { one: "{n} outlet", other: "{n} outlets" },
    "article.all_reports": "All the story's reports ({n})", "article.story_error": "Could not load the story: {detail}",
    "search.other_reports": { one: "+{n} other report", other: "+{n} other reports" },
    "event.armed_clash": "armed clash", "event.airstrike": "airstrike", "event.shelling": "shelling", "event.bombing": "bombing",
    "event.armed_attack": "armed attack", "event.prison_attack": "prison attack", "event.kidnapping": "kidnapping",
    "event.arrest": "arrest", "event.sentencing": "sentencing", "event.assassination": "assassination", "event.protest": "protest",
    "event.curfew": "curfew", "event.ceasefire": "ceasefire", "event.security_sweep": "security sweep",
    "event.displacement": "displacement", "event.disaster": "disaster",
    "casualty.killed": "killed", "casualty.injured": "injured", "casualty.arrested": "arrested", "casualty.kidnapped": "kidnapped",
    "casualty.missing": "missing", "casualty.escaped": "escaped",
    "entity.PER": "People", "entity.ORG": "Organisations", "entity.LOC": "Places", "entity.FAC": "Facilities", "entity.ALL": "Entities",
    "facet.source": "Source", "facet.event": "Event type", "facet.place": "Place", "facet.country": "Country",
  },
});

NW.addStrings({
  ar: { "search.skip_results": "إلى النتائج", "search.skip_facets": "إلى التصنيفات", "search.results": "النتائج" },
  en: { "search.skip_results": "Skip to the results", "search.skip_facets": "Skip to the facets", "search.results": "Results" },
});

document.addEventListener("DOMContentLoaded", init);
