/* Export buttons for the current search (issue 17): CSV, JSONL, GeoJSON downloads and an Atom link, in
 * the page's #search-actions placeholder. The search page keeps its state in the URL, so the current
 * search is read from location.search at click time (app.js is not touched and need not know about us).
 *
 * Without an API key a download is a plain link (the browser streams the file to disk). With a key
 * (needed when the server closes reads) the file is fetched with X-API-Key and saved through a Blob: a
 * link cannot carry the header, and the key never goes into a URL. The Atom link is for feed readers,
 * which cannot send the key either: it works where reads are open.
 */
"use strict";

(function () {
  const NW = window.NW;
  const FORMATS = [["csv", "csv"], ["jsonl", "jsonl"], ["geojson", "geojson"]];

  NW.addStrings({
    ar: {
      "export.label": "تصدير النتائج:", "export.csv": "CSV", "export.jsonl": "JSONL", "export.geojson": "GeoJSON",
      "export.atom": "خلاصة Atom", "export.busy": "جارٍ التصدير…", "export.failed": "تعذّر التصدير: {msg}",
      "export.title": "تنزيل كل نتائج هذا البحث ({fmt})", "export.atomTitle": "تابع هذا البحث في قارئ الخلاصات",
    },
    en: {
      "export.label": "Export results:", "export.csv": "CSV", "export.jsonl": "JSONL", "export.geojson": "GeoJSON",
      "export.atom": "Atom feed", "export.busy": "Exporting…", "export.failed": "Export failed: {msg}",
      "export.title": "Download every result of this search ({fmt})", "export.atomTitle": "Follow this search in a feed reader",
    },
  });

  /* The search of the page, as /export and /search.atom take it. */
  function searchParams() {
    const page = new URLSearchParams(window.location.search);
    const out = new URLSearchParams();
    for (const name of ["q", "source", "from", "to"]) {
      const v = page.get(name);
      if (v) out.set(name, v);
    }
    return out;
  }

  function exportUrl(fmt) {
    const p = searchParams();
    const page = new URLSearchParams(window.location.search);
    p.set("format", fmt);
    p.set("sort", page.get("sort") === "date" ? "date" : "relevance");
    return `/export?${p}`;
  }

  function atomUrl() {
    const p = searchParams().toString();
    return p ? `/search.atom?${p}` : "/search.atom";
  }

  function filename(resp, fmt) {
    const m = /filename="([^"]+)"/.exec(resp.headers.get("Content-Disposition") || "");
    return m ? m[1] : `newsworker.${fmt}`;
  }

  async function downloadWithKey(fmt, status) {
    status.textContent = NW.t("export.busy");
    try {
      const key = NW.apiKey();
      const resp = await fetch(exportUrl(fmt), { headers: { "X-API-Key": key } });
      if (!resp.ok) {
        if (resp.status === 401 || resp.status === 403) NW.refused(key); // a wrong key must not stick
        let msg = resp.statusText;
        try { const body = await resp.json(); if (body && typeof body.detail === "string") msg = body.detail; } catch (_e) { /* not JSON */ }
        if (resp.status === 401) NW.askKey(msg);
        throw new Error(msg);
      }
      const blob = await resp.blob();
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = filename(resp, fmt);
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
      status.textContent = "";
    } catch (err) {
      status.textContent = NW.t("export.failed", { msg: err.message });
    }
  }

  /* Our own group inside #search-actions: other scripts add their buttons to the same box (the search
   * page's "save as an alert"), so we re-render only what is ours. */
  function group() {
    let g = document.getElementById("export-actions");
    if (!g) {
      g = document.createElement("span");
      g.id = "export-actions";
      g.className = "actions export-actions";
      document.getElementById("search-actions").append(g);
    }
    return g;
  }

  function render(box) {
    box.replaceChildren();
    const label = document.createElement("span");
    label.className = "export-label";
    label.textContent = NW.t("export.label");
    box.append(label);
    const status = document.createElement("span");
    status.className = "export-status";
    status.setAttribute("role", "status");
    for (const [fmt, id] of FORMATS) {
      const a = document.createElement("a");
      a.id = `export-${id}`;
      a.className = "export";
      a.textContent = NW.t(`export.${fmt}`);
      a.title = NW.t("export.title", { fmt: fmt.toUpperCase() });
      a.href = exportUrl(fmt);
      a.setAttribute("download", "");
      const refresh = () => { a.href = exportUrl(fmt); };
      a.addEventListener("mouseenter", refresh);
      a.addEventListener("focus", refresh);
      a.addEventListener("click", (ev) => {
        refresh();
        if (NW.apiKey()) {  // a link cannot send the key: fetch it and save the Blob instead
          ev.preventDefault();
          downloadWithKey(fmt, status);
        }
      });
      box.append(a);
    }
    const atom = document.createElement("a");
    atom.id = "export-atom";
    atom.className = "export atom";
    atom.type = "application/atom+xml";
    atom.textContent = NW.t("export.atom");
    atom.title = NW.t("export.atomTitle");
    atom.href = atomUrl();
    for (const ev of ["mouseenter", "focus", "click", "contextmenu"]) {
      atom.addEventListener(ev, () => { atom.href = atomUrl(); });
    }
    box.append(atom, status);
  }

  /* Keep the links' href on the current search, so "copy link" and a middle click get it too. app.js moves
   * the state with history.pushState, which fires no event: a cheap check of location.search catches it. */
  function syncLinks() {
    for (const [fmt, id] of FORMATS) {
      const a = document.getElementById(`export-${id}`);
      if (a) a.href = exportUrl(fmt);
    }
    const atom = document.getElementById("export-atom");
    if (atom) atom.href = atomUrl();
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (!document.getElementById("search-actions")) return;
    const box = group();
    render(box);
    NW.onLang(() => render(box));
    let seen = window.location.search;
    window.addEventListener("popstate", syncLinks);
    setInterval(() => {
      if (window.location.search !== seen) { seen = window.location.search; syncLinks(); }
    }, 300);
  });
})();
