/* What the stories and entities pages share: their strings, the window line, the list of articles and the
 * fetch-and-draw of a view (the DOM helpers are shell.js's, re-exported). Titles, names and sources come
 * from feeds and are untrusted: everything is set with textContent, and only http(s) URLs become links.
 */
"use strict";

const EX = (function () {
  const EVENTS = {
    armed_clash: ["اشتباك مسلح", "armed clash"], airstrike: ["غارة جوية", "airstrike"], shelling: ["قصف", "shelling"],
    bombing: ["تفجير", "bombing"], armed_attack: ["هجوم مسلح", "armed attack"], prison_attack: ["هجوم على سجن", "prison attack"],
    kidnapping: ["اختطاف", "kidnapping"], arrest: ["اعتقال", "arrest"], sentencing: ["حكم قضائي", "sentencing"],
    assassination: ["اغتيال", "assassination"], protest: ["احتجاج", "protest"], curfew: ["حظر تجول", "curfew"],
    ceasefire: ["وقف إطلاق النار", "ceasefire"], security_sweep: ["حملة أمنية", "security sweep"],
    displacement: ["نزوح", "displacement"], disaster: ["كارثة", "disaster"],
  };
  const ar = {
    "ex.window.24h": "آخر 24 ساعة", "ex.window.7d": "آخر 7 أيام", "ex.window.30d": "آخر 30 يوما", "ex.window.all": "كل الفترة",
    "ex.anchor.latest": "حتى أحدث مقال مفهرس", "ex.anchor.now": "حتى الآن",
    "ex.note.latest": "من {since} إلى {until} (أحدث مقال مفهرس، لا الساعة الحالية: في أرشيف يعاد بثه تكون آخر 24 ساعة هي آخر يوم فيه)",
    "ex.note.now": "من {since} إلى {until} (حتى الآن)", "ex.note.until": "من {since} إلى {until}",
    "ex.note.all": "كل المقالات حتى {until}", "ex.note.newest": "أحدث مقال مفهرس: {newest}",
    "ex.source": "المصدر", "ex.open.search": "في البحث", "ex.open.original": "الأصل", "ex.loading": "جارٍ التحميل…",
    // Arabic counts agree with the number: 1, 2, 3-10, 11-99, 100+ (plural forms: shell.js's NW.t)
    "ex.articles": { zero: "لا مقالات", one: "مقال واحد", two: "مقالان", few: "{n} مقالات", many: "{n} مقالًا", other: "{n} مقال" },
    "ex.sources": { zero: "لا مصادر", one: "مصدر واحد", two: "مصدران", few: "{n} مصادر", many: "{n} مصدرًا", other: "{n} مصدر" },
    "type.PER": "أشخاص", "type.ORG": "منظمات", "type.LOC": "أماكن", "type.FAC": "منشآت",
  };
  const en = {
    "ex.window.24h": "Last 24 hours", "ex.window.7d": "Last 7 days", "ex.window.30d": "Last 30 days", "ex.window.all": "All time",
    "ex.anchor.latest": "up to the newest indexed article", "ex.anchor.now": "up to now",
    "ex.note.latest": "From {since} to {until} (the newest indexed article, not the clock: in a replayed archive the last 24 hours are its last day)",
    "ex.note.now": "From {since} to {until} (now)", "ex.note.until": "From {since} to {until}",
    "ex.note.all": "Every article up to {until}", "ex.note.newest": "Newest indexed article: {newest}",
    "ex.source": "Source", "ex.open.search": "in search", "ex.open.original": "original", "ex.loading": "Loading…",
    "ex.articles": { one: "{n} article", other: "{n} articles" }, "ex.sources": { one: "{n} source", other: "{n} sources" },
    "type.PER": "People", "type.ORG": "Organisations", "type.LOC": "Places", "type.FAC": "Facilities",
  };
  for (const [k, [a, e]] of Object.entries(EVENTS)) { ar[`ex.event.${k}`] = a; en[`ex.event.${k}`] = e; }
  NW.addStrings({ ar, en });

  const { el, link, safeUrl, quoteValue } = NW;

  function eventLabel(type) { return NW.t(`ex.event.${type}`); }

  /* "{n} articles" with the plural form the language needs (Arabic has six); Western digits, as in the search
   * page's counts. */
  function count(kind, n) {
    return NW.t(`ex.${kind}`, { n });
  }

  function windowNote(w) {
    const since = w.since ? NW.date(w.since, true) : "";
    const until = NW.date(w.until, true);
    let text = w.since ? NW.t(`ex.note.${w.anchor}`, { since, until }) : NW.t("ex.note.all", { until });
    if (w.anchor !== "latest" && w.newest) text += " — " + NW.t("ex.note.newest", { newest: NW.date(w.newest, true) });
    return text;
  }

  /* One article of a timeline or an entity page: time, source, title (to the original), events, and a
   * link that opens it in the search page. */
  function articleItem(a) {
    const li = el("li", null, "ex-article");
    li.id = "article-" + a.id;
    const meta = el("p", null, "meta");
    const time = el("time", NW.date(a.published, true));
    if (a.published) time.dateTime = a.published;
    meta.append(time, el("span", a.source || "", "tag source"));
    for (const e of a.events || []) meta.append(el("span", eventLabel(e), "tag event"));
    const title = el("h3", null, "title");
    const url = safeUrl(a.url);
    if (url) {
      const ext = link(url, a.title || a.id);
      ext.rel = "noopener noreferrer"; ext.target = "_blank";
      title.append(ext);
    } else {
      title.textContent = a.title || a.id;
    }
    const more = link("/?q=" + encodeURIComponent(`id:${a.id}`), NW.t("ex.open.search"), "more");
    li.append(meta, title, more);
    return li;
  }

  /* The map's points of a list of articles: one per place name, with how many of the articles name it and
   * their ids (drawMap counts distinct articles in a cluster). */
  function placePoints(articles) {
    const places = new Map();
    for (const a of articles) {
      for (const p of a.places || []) {
        const cur = places.get(p.name);
        if (cur) { cur.count += 1; cur.ids.push(a.id); }
        else places.set(p.name, { name: p.name, place: p.name, lat: p.lat, lon: p.lon, count: 1, ids: [a.id] });
      }
    }
    return [...places.values()];
  }

  /* The error line: the pages' shared presenter (shell.js), in the page's language like the search page's. */
  function showError(box, err) {
    NW.showError(box, err);
  }

  let drawn = null; // the view drawn last, drawn again when the language changes
  let latest = 0; // the newest view asked for: an older answer arriving after it is dropped
  NW.onLang(() => { if (drawn) drawn(); });

  /* Controls from the URL (a shared link): a value the select offers is chosen, any other leaves the
   * select at its default, so the page never sends the API a value it refuses (a select given an unknown
   * value has none, and "" is no window). */
  function fromUrl(ids) {
    const p = new URLSearchParams(window.location.search);
    for (const id of ids) {
      const sel = document.getElementById(id);
      const v = p.get(id);
      if (v !== null && [...sel.options].some((o) => o.value === v)) sel.value = v;
    }
  }

  /* GET url and draw its data with render(data), again on every language change; a failure (of the call
   * or of the drawing) is shown in #error, and the "loading" line (opts.loading) is emptied. With reads
   * closed, the key dialog's key retries the read (NW.read). Two quick changes (window, then sort) send two
   * requests whose answers may arrive in either order: only the last one asked for is drawn. */
  async function view(url, render, opts) {
    const mine = ++latest;
    const box = document.getElementById("error");
    NW.holdAgain("view");
    try {
      const data = await NW.read(url);
      if (mine !== latest) return;
      NW.readAgain("view");
      NW.hideError(box);
      drawn = () => render(data);
      drawn();
    } catch (err) {
      if (mine !== latest) return;
      drawn = null;
      if (opts && opts.loading) opts.loading.textContent = "";
      showError(box, err);
      NW.readAgain("view", () => view(url, render, opts), err, box);
    }
  }

  return { el, link, safeUrl, quoteValue, eventLabel, count, windowNote, articleItem, placePoints, showError, view, fromUrl };
})();
