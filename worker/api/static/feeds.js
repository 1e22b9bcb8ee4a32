/* The feeds page: every registered feed with its polling state (status, last success, last error,
 * interval, next poll), add, remove (asked twice in place) and "poll now" (the feed goes to the front of
 * the schedule; the beat claims it within seconds). The list refreshes every 30 s. Feed names, URLs and
 * errors are untrusted: textContent.
 */
"use strict";

(function () {
  const { $, el, button } = NW;
  const ui = { data: null };
  let refreshTimer = null;

  const show = (text, kind) => NW.flash($("msg"), text, kind);

  const fail = (err) => show(NW.errorText(err), "error");

  /* Unix seconds -> "in 3 minutes" / "5 minutes ago" in the page's language, with the date as a tooltip. */
  function when(ts) {
    const span = el("span", "—", "when");
    if (ts === null || ts === undefined) return span;
    const secs = ts - Date.now() / 1000;
    const abs = Math.abs(secs);
    const [n, unit] = abs < 60 ? [secs, "second"] : abs < 3600 ? [secs / 60, "minute"] : abs < 86400 ? [secs / 3600, "hour"] : [secs / 86400, "day"];
    span.textContent = new Intl.RelativeTimeFormat(NW.lang === "ar" ? "ar" : "en", { numeric: "auto" }).format(Math.round(n), unit);
    span.title = NW.date(new Date(ts * 1000).toISOString(), true);
    return span;
  }

  function duration(secs) {
    if (!secs) return NW.t("feeds.auto");
    return secs >= 3600 ? NW.t("feeds.hours", { n: +(secs / 3600).toFixed(1) }) : NW.t("feeds.minutes", { n: Math.round(secs / 60) });
  }

  function render() {
    const d = ui.data;
    if (!d) return;
    $("counts").textContent = Object.entries(d.by_status || {}).map(([k, v]) => `${NW.t("feeds.st_" + k)}: ${v}`).join("، ");
    const body = $("feeds").tBodies[0];
    body.replaceChildren();
    for (const f of d.feeds || []) {
      const tr = el("tr");
      tr.dataset.feed = f.id;
      const name = el("td");
      name.append(el("strong", f.name || f.id, "name"), el("span", f.url, "url muted"));
      name.lastChild.dir = "ltr";
      const status = el("td");
      status.append(el("span", NW.t("feeds.st_" + f.status), `badge fs-${f.status}`));
      if (f.enabled === false) status.append(el("span", NW.t("feeds.disabled"), "muted"));
      const err = el("td", null, "last-error");
      if (f.last_error) {
        err.append(el("span", f.last_error), el("br"), when(f.last_error_at));
      } else err.textContent = "—";
      const interval = el("td", duration(f.current_interval || f.interval));
      if (f.interval) interval.title = NW.t("feeds.configured", { v: duration(f.interval) });
      const actions = el("td", null, "actions");
      actions.append(button("feeds.poll", () => pollNow(f.id), "act-poll"),
        button("feeds.remove", (ev) => remove(f.id, ev.currentTarget), "act-remove danger"));
      tr.append(name, status, el("td").appendChild(when(f.last_success)).parentNode, err, interval,
        el("td").appendChild(when(f.next_poll)).parentNode, actions);
      body.append(tr);
    }
    if (!body.children.length) {
      NW.emptyRow(body, NW.t("feeds.none"), 7);
    }
  }

  async function load() {
    try { ui.data = await NW.withKey(() => NW.api("/feeds")); } catch (err) { fail(err); return; }
    render();
  }

  async function add(ev) {
    ev.preventDefault();
    const interval = $("f-interval").value.trim();
    const body = {
      url: $("f-url").value.trim(),
      name: $("f-name").value.trim(),
      source: $("f-source").value.trim(),
      tags: $("f-tags").value.split(",").map((s) => s.trim()).filter(Boolean),
    };
    if ($("f-id").value.trim()) body.id = $("f-id").value.trim();
    if (interval) body.interval = parseInt(interval, 10);
    let feed;
    try {
      feed = await NW.withKey(() => NW.api("/feeds", { method: "POST", json: body }));
    } catch (err) { fail(err); return; }
    show(NW.t("feeds.added", { id: feed.id }));
    $("feed-form").reset();
    await load();
  }

  async function remove(id, btn) {
    if (btn.dataset.armed !== "1") {
      btn.dataset.armed = "1";
      btn.dataset.i18n = "feeds.confirm_remove";
      btn.textContent = NW.t("feeds.confirm_remove");
      return;
    }
    try {
      await NW.withKey(() => NW.api(`/feeds/${encodeURIComponent(id)}`, { method: "DELETE" }));
    } catch (err) { fail(err); return; }
    show(NW.t("feeds.removed", { id }));
    await load();
  }

  async function pollNow(id) {
    let res;
    try {
      res = await NW.withKey(() => NW.api(`/feeds/${encodeURIComponent(id)}/poll`, { method: "POST" }));
    } catch (err) { fail(err); return; }
    show(NW.t("feeds.polling", { id, n: Math.ceil(res.within_seconds || 5) }));
    await load();
    // Show the poll's outcome when the beat and a worker have had time to run it.
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(load, ((res.within_seconds || 5) + 5) * 1000);
  }

  function init() {
    $("feed-form").addEventListener("submit", add);
    $("refresh").addEventListener("click", load);
    NW.onLang(render);
    load();
    // Keep status and "next poll" current while the tab is shown (not after a failed load: with reads
    // closed and no key that would reopen the key dialog every half minute).
    setInterval(() => { if (ui.data && document.visibilityState === "visible") load(); }, 30_000);
  }

  NW.addStrings({
    ar: {
      "feeds.doctitle": "newsworker — المصادر", "feeds.title": "المصادر (خلاصات RSS/Atom)", "feeds.add": "إضافة مصدر",
      "feeds.url": "رابط الخلاصة", "feeds.id": "المعرّف (اختياري)", "feeds.id_hint": "من الاسم أو الرابط",
      "feeds.name": "الاسم", "feeds.source": "المصدر على الأخبار", "feeds.interval": "الفاصل (ثانية، 60–21600)",
      "feeds.interval_hint": "تلقائي", "feeds.tags": "الوسوم (مفصولة بفواصل)", "feeds.add_button": "إضافة",
      "feeds.list": "المصادر المسجلة", "feeds.refresh": "تحديث", "feeds.feed": "المصدر", "feeds.status": "الحالة",
      "feeds.last_success": "آخر نجاح", "feeds.last_error": "آخر خطأ", "feeds.interval_col": "الفاصل",
      "feeds.next_poll": "الجلب التالي", "feeds.poll": "اجلب الآن", "feeds.remove": "حذف", "feeds.confirm_remove": "تأكيد الحذف",
      "feeds.none": "لا مصادر مسجلة. أضف خلاصة أعلاه أو استخدم newsworker feeds load.",
      "feeds.added": "أُضيف المصدر {id}؛ سيُجلب خلال ثوانٍ.", "feeds.removed": "حُذف المصدر {id}.",
      "feeds.polling": "سيُجلب {id} خلال {n} ثوانٍ تقريبًا (يلزم تشغيل العامل والمجدول).",
      "feeds.st_new": "جديد", "feeds.st_ok": "يعمل", "feeds.st_failing": "متعثر", "feeds.st_dead": "متوقف",
      "feeds.disabled": "معطّل", "feeds.auto": "تلقائي", "feeds.minutes": "{n} دقيقة", "feeds.hours": "{n} ساعة",
      "feeds.configured": "المضبوط: {v}",
    },
    en: {
      "feeds.doctitle": "newsworker — Feeds", "feeds.title": "Feeds (RSS/Atom)", "feeds.add": "Add a feed",
      "feeds.url": "Feed URL", "feeds.id": "Id (optional)", "feeds.id_hint": "from the name or URL",
      "feeds.name": "Name", "feeds.source": "Source shown on articles", "feeds.interval": "Interval (s, 60–21600)",
      "feeds.interval_hint": "adaptive", "feeds.tags": "Tags (comma-separated)", "feeds.add_button": "Add",
      "feeds.list": "Registered feeds", "feeds.refresh": "Refresh", "feeds.feed": "Feed", "feeds.status": "Status",
      "feeds.last_success": "Last success", "feeds.last_error": "Last error", "feeds.interval_col": "Interval",
      "feeds.next_poll": "Next poll", "feeds.poll": "Poll now", "feeds.remove": "Remove", "feeds.confirm_remove": "Confirm remove",
      "feeds.none": "No feeds registered. Add one above or use newsworker feeds load.",
      "feeds.added": "Feed {id} added; it is polled within seconds.", "feeds.removed": "Feed {id} removed.",
      "feeds.polling": "{id} will be polled in about {n} s (needs the worker and beat running).",
      "feeds.st_new": "new", "feeds.st_ok": "ok", "feeds.st_failing": "failing", "feeds.st_dead": "dead",
      "feeds.disabled": "disabled", "feeds.auto": "adaptive", "feeds.minutes": "{n} min", "feeds.hours": "{n} h",
      "feeds.configured": "configured: {v}",
    },
  });

  document.addEventListener("DOMContentLoaded", init);
})();
