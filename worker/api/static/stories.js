/* The stories page. Without ?id=: the top stories of a window (GET /stories/top), most sources first.
 * With ?id=STORY: that story's articles across sources on a timeline (GET /stories/{id}), one lane per
 * source, then the list of articles oldest first and a map of the places they name.
 * The window, anchor and sort live in the URL, so a reload or a shared link shows the same list.
 */
"use strict";

(function () {
  const { el, link, windowNote, articleItem, eventLabel } = EX;
  const { $ } = NW;
  NW.addStrings({
    ar: {
      "st.doctitle": "newsworker — القصص",
      "st.heading": "القصص: المقالات نفسها عبر المصادر", "st.back": "→ أهم القصص", "st.timeline": "الخط الزمني حسب المصدر",
      "st.places": "الأماكن المذكورة", "st.search": "كل مقالاتها في البحث", "st.sort.sources": "الأكثر مصادر", "st.sort.articles": "الأكثر مقالات",
      "st.none": "لا قصص في هذه الفترة.", "st.none.now": "لا قصص في هذه الفترة. جرّب «حتى أحدث مقال مفهرس»: البيانات المفهرسة أقدم من الساعة الحالية.",
      "st.meta": "{articles} · {sources} · من {first} إلى {last}",
    },
    en: {
      "st.doctitle": "newsworker — Stories",
      "st.heading": "Stories: the same news across sources", "st.back": "← Top stories", "st.timeline": "Timeline by source",
      "st.places": "Places named", "st.search": "All its articles in search", "st.sort.sources": "Most sources", "st.sort.articles": "Most articles",
      "st.none": "No stories in this window.", "st.none.now": "No stories in this window. Try \"up to the newest indexed article\": the indexed data is older than the clock.",
      "st.meta": "{articles} · {sources} · from {first} to {last}",
    },
  });

  const params = () => new URLSearchParams(window.location.search);

  function counts(articles, sources) {
    return { articles: EX.count("articles", articles), sources: EX.count("sources", sources) };
  }

  // ------------------------------------------------------------------------------------------ top list

  async function loadTop() {
    EX.fromUrl(["window", "anchor", "sort"]);
    $("top-view").hidden = false;
    $("window-note").textContent = NW.t("ex.loading");
    const q = new URLSearchParams({ window: $("window").value, anchor: $("anchor").value, sort: $("sort").value });
    await EX.view("/stories/top?" + q, renderTop, { loading: $("window-note") });
  }

  function renderTop(data) {
    $("window-note").textContent = windowNote(data);
    const list = $("top-stories");
    list.replaceChildren();
    if (!data.stories.length) {
      list.append(el("li", NW.t(data.anchor === "now" ? "st.none.now" : "st.none"), "empty"));
      return;
    }
    for (const s of data.stories) {
      const li = el("li", null, "story");
      li.dataset.story = s.story_id;
      const title = el("h2", null, "title");
      title.append(link("/stories?id=" + encodeURIComponent(s.story_id), s.title || s.story_id));
      const badges = el("p", null, "meta");
      const c = counts(s.articles, s.sources);
      badges.append(el("span", c.sources, "badge sources"), el("span", c.articles, "badge articles"),
        el("time", `${NW.date(s.first, true)} – ${NW.date(s.last, true)}`));
      const tags = el("p", null, "meta");
      for (const name of s.source_names) tags.append(el("span", name, "tag source"));
      for (const e of s.events) tags.append(el("span", eventLabel(e), "tag event"));
      for (const pl of s.places) tags.append(link("/entities?name=" + encodeURIComponent(pl), pl, "tag place"));
      li.append(title, badges, tags);
      list.append(li);
    }
  }

  function onControls() {
    const q = new URLSearchParams({ window: $("window").value, anchor: $("anchor").value, sort: $("sort").value });
    history.replaceState(null, "", "/stories?" + q);
    loadTop();
  }

  // --------------------------------------------------------------------------------------------- story

  async function loadStory(id) {
    $("story-view").hidden = false;
    await EX.view("/stories/" + encodeURIComponent(id), renderStory);
  }

  function renderStory(data) {
    $("story-title").textContent = data.title;
    delete document.querySelector("title").dataset.i18n; // the story's title, not the page's, in either language
    document.title = `newsworker — ${data.title}`;
    const c = counts(data.total, data.sources.length);
    $("story-meta").textContent = NW.t("st.meta", {
      articles: c.articles, sources: c.sources, first: NW.date(data.first, true), last: NW.date(data.last, true),
    });
    $("story-search").href = "/?q=" + encodeURIComponent(`story:${data.story_id}`) + "&sort=date";
    drawTimeline($("timeline"), data);
    drawMap($("story-map"), EX.placePoints(data.articles), {
      onPlace: (name) => { window.location.href = "/?q=" + encodeURIComponent(`place:${EX.quoteValue(name)}`); },
    });
    const list = $("story-articles");
    list.replaceChildren(...data.articles.map(articleItem));
  }

  /* One lane per source, time left to right; a dot per article, linked to its entry in the list. */
  function drawTimeline(box, data) {
    const lanes = data.sources.map((s) => s.name);
    const width = 620, lane = 28, left = 110, right = 16, top = 8;
    const height = top + lanes.length * lane + 24;
    // a date more than a day ahead of the clock is a feed's typo (2030): it would squash every real dot to
    // one edge, so it gets no dot (the article stays in the list below)
    const latest = Date.now() + 86400000;
    const when = (a) => { const t = Date.parse(a.published); return Number.isFinite(t) && t <= latest ? t : NaN; };
    const times = data.articles.map(when).filter(Number.isFinite);
    const t0 = times.length ? Math.min(...times) : 0, t1 = times.length ? Math.max(...times) : 0;
    const span = Math.max(t1 - t0, 60000);
    const x = (t) => left + (t - t0) / span * (width - left - right);
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, width, height, class: "timesvg", direction: "ltr", role: "group" });
    lanes.forEach((name, i) => {
      const cy = top + i * lane + lane / 2;
      svg.append(svgEl("line", { x1: left, x2: width - right, y1: cy, y2: cy, class: "lane" }));
      const label = svgEl("text", { x: left - 6, y: cy + 4, "text-anchor": "end", class: "lanelabel" });
      label.textContent = name;
      svg.append(label);
    });
    for (const a of data.articles) {
      const t = when(a);
      // one lane per outlet whatever the case of its name (the API merges "bbc" and "BBC")
      const i = lanes.findIndex((n) => n.toLowerCase() === String(a.source || "").toLowerCase());
      if (!Number.isFinite(t) || i < 0) continue;
      const dot = svgEl("circle", { cx: x(t), cy: top + i * lane + lane / 2, r: 6, class: "tdot" });
      const tip = svgEl("title");
      tip.textContent = `${NW.date(a.published, true)} — ${a.source}: ${a.title}`;
      dot.append(tip);
      asButton(dot, tip.textContent, () => { // map.js: Enter and Space too, not only the mouse
        const item = document.getElementById("article-" + a.id);
        if (item) { item.scrollIntoView({ block: "center" }); item.classList.add("flash"); }
      });
      svg.append(dot);
    }
    for (const [t, anchor, xpos] of [[t0, "start", left], [t1, "end", width - right]]) {
      const label = svgEl("text", { x: xpos, y: height - 6, "text-anchor": anchor, class: "axis" });
      label.textContent = NW.date(new Date(t).toISOString(), true);
      svg.append(label);
    }
    box.replaceChildren(svg);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const id = params().get("id");
    if (id) loadStory(id);
    else {
      for (const sel of ["window", "anchor", "sort"]) $(sel).addEventListener("change", onControls);
      loadTop();
    }
  });
})();
