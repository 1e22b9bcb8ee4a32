/* The entities page. Without ?name=: the most mentioned people, organisations, places and facilities of a
 * window (GET /entities/top). With ?name=NAME[&type=T]: that entity's mentions over time, the entities
 * named in the same articles, the places of its latest articles and the articles (GET /entities/{name}).
 * Every name links to its own view, so the page is walked like a graph.
 */
"use strict";

(function () {
  const { el, link, windowNote, articleItem, quoteValue } = EX;
  const { $ } = NW;
  const TYPES = ["PER", "ORG", "LOC", "FAC"];
  NW.addStrings({
    ar: {
      "en.doctitle": "newsworker — الكيانات",
      "en.heading": "الكيانات: الأشخاص والمنظمات والأماكن في الأخبار", "en.back": "→ أبرز الكيانات",
      "en.search": "ابحث عن مقالاته", "en.mentions": "الذكر عبر الزمن", "en.map": "الأماكن في مقالاته الأخيرة",
      "en.related": "كيانات تُذكر معه", "en.articles": "أحدث المقالات", "en.none": "لا شيء",
      "en.meta": "{type} · {articles} · من {first} إلى {last}", "en.unit.day": "يوميا", "en.unit.week": "أسبوعيا",
      "en.unit.month": "شهريا",
    },
    en: {
      "en.doctitle": "newsworker — Entities",
      "en.heading": "Entities: people, organisations and places in the news", "en.back": "← Top entities",
      "en.search": "Search its articles", "en.mentions": "Mentions over time", "en.map": "Places in its latest articles",
      "en.related": "Named alongside", "en.articles": "Latest articles", "en.none": "none",
      "en.meta": "{type} · {articles} · from {first} to {last}", "en.unit.day": "per day", "en.unit.week": "per week",
      "en.unit.month": "per month",
    },
  });

  const params = () => new URLSearchParams(window.location.search);
  const entityHref = (name, type) =>
    "/entities?" + new URLSearchParams(type ? { name, type } : { name });

  /* Four columns, one per type: names with their article counts, each a link to its view. */
  function columns(box, byType) {
    box.replaceChildren();
    for (const t of TYPES) {
      if (!(t in byType)) continue;
      const col = el("section", null, "entity-col");
      col.dataset.type = t;
      col.append(el("h3", NW.t(`type.${t}`)));
      const ul = el("ul");
      for (const item of byType[t]) {
        const li = el("li", null, "entity-row");
        li.append(link(entityHref(item.name, t), item.name, `ent ent-${t}`), el("span", String(item.count), "count"));
        ul.append(li);
      }
      if (!byType[t].length) ul.append(el("li", NW.t("en.none"), "empty"));
      col.append(ul);
      box.append(col);
    }
  }

  async function loadTop() {
    EX.fromUrl(["window", "anchor"]);
    $("top-view").hidden = false;
    $("window-note").textContent = NW.t("ex.loading");
    await EX.view("/entities/top?" + new URLSearchParams({ window: $("window").value, anchor: $("anchor").value }), (data) => {
      $("window-note").textContent = windowNote(data);
      columns($("top-entities"), data.types);
    }, { loading: $("window-note") });
  }

  function onControls() {
    history.replaceState(null, "", "/entities?" + new URLSearchParams({ window: $("window").value, anchor: $("anchor").value }));
    loadTop();
  }

  async function loadEntity(name, type) {
    $("entity-view").hidden = false;
    const q = type ? "?" + new URLSearchParams({ type }) : "";
    await EX.view("/entities/" + encodeURIComponent(name) + q, renderEntity);
  }

  function renderEntity(data) {
    $("entity-name").textContent = data.name;
    delete document.querySelector("title").dataset.i18n; // the entity's name, not the page's, in either language
    document.title = `newsworker — ${data.name}`;
    $("entity-meta").textContent = NW.t("en.meta", {
      type: data.type ? NW.t(`type.${data.type}`) : "", articles: EX.count("articles", data.total),
      first: NW.date(data.first), last: NW.date(data.last),
    }) + ` (${NW.t(`en.unit.${data.unit}`)})`;
    const tags = $("entity-tags");
    tags.replaceChildren();
    for (const src of data.sources) tags.append(el("span", `${src.name} ${src.count}`, "tag source"));
    for (const ev of data.events) tags.append(el("span", `${EX.eventLabel(ev.name)} ${ev.count}`, "tag event"));
    // name: is the exact canonical name this page counts; entity: would also find longer names holding it
    $("entity-search").href = "/?q=" + encodeURIComponent(`name:${quoteValue(data.name)}`);
    drawHistogram($("entity-histogram"), data.histogram, null, { unit: data.unit });
    columns($("cooccurring"), data.cooccurring);
    drawMap($("entity-map"), EX.placePoints(data.articles), {
      onPlace: (place) => { window.location.href = entityHref(place); },
    });
    $("entity-articles").replaceChildren(...data.articles.map(articleItem));
  }

  document.addEventListener("DOMContentLoaded", () => {
    const p = params();
    if (p.get("name")) loadEntity(p.get("name"), p.get("type"));
    else {
      for (const sel of ["window", "anchor"]) $(sel).addEventListener("change", onControls);
      loadTop();
    }
  });
})();
