/* The feeds page: every registered feed with its polling state (status, failures in a row, "silent", last
 * success, last new item, counts, last error, interval, next poll), its source and tags, add, edit (its own
 * module, feeds-edit.js), remove (asked twice in place), "poll now" (the feed goes to the front of
 * the schedule; the beat claims it within seconds), pause / resume and a new base interval (PATCH
 * /feeds/{id}, the polling state kept). The list refreshes every 30 s. Feed names, URLs and errors are
 * untrusted: textContent.
 */
"use strict";

(function () {
  const { $, el, button } = NW;
  // editing: the feed whose interval editor is open (kept open by a re-render, its draft with it)
  // writes: false when the server refuses every change (GET /feeds' writes_enabled, or a 403): the page says so
  // up front and its change buttons are disabled (QA5 qa5c-1)
  const ui = { data: null, editing: null, draft: "", loadFailed: false, writes: true };
  let refreshTimer = null;

  // #msg through shell.js's presenters: the language toggle words every message again (QA4 re-test N3)
  const say = (key, vars) => NW.flash($("msg"), () => NW.t(key, vars), "ok");
  const fail = (err, format) => NW.showError($("msg"), err, format);
  const feedPath = (id) => `/feeds/${encodeURIComponent(id)}`;
  const isStatus = (err, status) => err instanceof NW.ApiError && err.status === status;

  /* A change refused: its message. A feed removed meanwhile (404, another tab or the CLI) also leaves the
   * list now, with its open interval editor, rather than at the next refresh (QA4 re-test N5); the focus,
   * which was on that row, goes to the list's heading. */
  async function refused(err, format) {
    fail(err, format);
    if (isStatus(err, 403)) showWrites(false);
    if (!isStatus(err, 404)) return;
    ui.editing = null;
    await load();
    $("feeds-title").focus();
  }

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

  /* Seconds as hours, minutes and seconds, each part that is not zero (qa5c-12: 90 s was rounded to "2 min",
   * a number the user never set): "دقيقة واحدة و30 ثانية", "1 min 30 seconds". */
  function duration(secs) {
    if (!secs) return NW.t("feeds.auto");
    const total = Math.round(secs);
    const parts = [["feeds.hours", Math.floor(total / 3600)], ["feeds.minutes", Math.floor((total % 3600) / 60)],
      ["feeds.seconds", total % 60]].filter(([, n]) => n > 0).map(([key, n]) => NW.t(key, { n }));
    return parts.join(NW.lang === "ar" ? " و" : " ");
  }

  /* A poll's last error, "<kind>: <detail>" (worker/ingest/poller.py), in the page's words where it can
   * (qa5c-12: English in the Arabic page): the kind (worker/ingest/errors.py), and the two details met most,
   * an HTTP status (fetcher.py) and an HTML page (feedparse.not_a_feed_message); any other detail as the
   * server wrote it, in its own left-to-right run. */
  function lastError(text) {
    const box = el("span", null, "error-text");
    const m = /^([a-z_]+): ([\s\S]*)$/.exec(String(text));
    const kind = m && NW.t(`feeds.err_${m[1]}`) !== `feeds.err_${m[1]}` ? m[1] : null;
    let detail = kind ? m[2] : String(text);
    if (kind) box.append(NW.t(`feeds.err_${kind}`), ": ");
    const status = /^HTTP (\d{3}) from (\S+)$/.exec(detail);
    const html = /^not a feed \(HTML page; look for its RSS\/Atom link\)(?:: the page links the feed (\S+))?/.exec(detail);
    if (status) { box.append(NW.t("feeds.err_http", { code: status[1] }), " "); detail = status[2]; }
    else if (html) { box.append(NW.t(html[1] ? "feeds.err_html_link" : "feeds.err_html"), html[1] ? " " : ""); detail = html[1] || ""; }
    if (detail) { const b = el("bdi", detail); b.dir = "ltr"; box.append(b); }
    return box;
  }

  /* The base intervals the server takes: the add form's bounds (NEWSWORKER_POLL_MIN/MAX_INTERVAL's defaults;
   * a deployment with others refuses with its own, shown as the server words them). */
  function bounds() {
    return { min: Number($("f-interval").min) || 60, max: Number($("f-interval").max) || 21600 };
  }

  /* The interval cell while it is edited: seconds (empty: the deployment's default, adaptive), Save, Cancel;
   * Escape cancels too. A text field, not type=number: a number field hides what was typed when it is not a
   * number ("1e" and "abc" both read as "", which is "adaptive"), so the refusal could not show it and
   * letters were saved as the default (QA4 re-test N6). inputmode still brings up the digits keyboard. */
  function intervalEditor(f) {
    const form = el("form", null, "interval-form");
    const { min, max } = bounds();
    const input = el("input", null, "interval-input");
    Object.assign(input, { type: "text", inputMode: "numeric", autocomplete: "off", value: ui.draft, dir: "ltr" });
    input.placeholder = NW.t("feeds.auto");
    input.setAttribute("aria-label", NW.t("feeds.interval_label", { id: f.id, min, max }));
    input.addEventListener("input", () => { ui.draft = input.value; });
    const save = el("button", NW.t("feeds.interval_save"), "act-interval-save");
    save.type = "submit";
    const close = () => { ui.editing = null; render(); focusRow(f.id, "act-interval"); };
    const cancel = button("feeds.cancel", close, "act-interval-cancel");
    form.addEventListener("keydown", (ev) => { if (ev.key === "Escape") { ev.preventDefault(); close(); } });
    form.noValidate = true;
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      changeInterval(f.id, input.value.trim());
    });
    form.append(input, save, cancel);
    return form;
  }

  function focusRow(id, cls) {
    const row = $("feeds").querySelector(`tr[data-feed="${CSS.escape(id)}"]`);
    const target = row && row.querySelector("." + cls);
    if (target) target.focus();
    if (target && target.tagName === "INPUT") target.setSelectionRange(target.value.length, target.value.length);
    return Boolean(target);
  }

  /* The control of the table that has the focus, as [feed id, its class]: the table is rebuilt by every
   * load (the 30 s refresh too) and language switch, and the focus must come back to the same control of
   * the same feed, not fall to <body> (QA4 re-test N4). */
  function focusedControl(body) {
    const a = document.activeElement;
    const tr = a && body.contains(a) ? a.closest("tr[data-feed]") : null;
    const cls = tr && [...a.classList].find((c) => c.startsWith("act-") || c === "interval-input");
    return cls ? [tr.dataset.feed, cls] : null;
  }

  // ---- what a monitoring user needs of a feed's state, in its row (QA5 qa5c-11) ----

  /* Under the name: the outlet name its articles carry (the id when none was given: a hint says so), its
   * tags, and a link to its articles (source:<id> matches the feed id). */
  function feedFacts(f) {
    const out = [];
    const source = el("span", null, "feed-source muted");
    source.append(NW.t("feeds.source_is"), " ", el("bdi", f.source || f.id));
    if (!f.source || f.source === f.id) source.title = NW.t("feeds.source_is_id");
    out.push(source);
    if ((f.tags || []).length) {
      const tags = el("span", null, "feed-tags");
      for (const tag of f.tags) tags.append(el("span", tag, "badge tag"), " ");
      out.push(tags);
    }
    out.push(NW.link(`/?q=${encodeURIComponent("source:" + NW.quoteValue(f.id))}`, NW.t("feeds.articles"), "feed-articles"));
    return out;
  }

  /* After the status: "silent" when polling brought no new item for the server's rule (silent_after: 48 base
   * intervals, at least 12 hours; worker/ingest/registry.py), however "ok" its polls are. */
  function healthFacts(f) {
    if (!f.silent) return [];
    const badge = el("span", NW.t("feeds.silent"), "badge fs-silent");
    badge.title = NW.t("feeds.silent_rule", { n: Math.round((f.silent_after || 0) / 3600) });
    return [" ", badge];
  }

  /* Under the last error: the failures in a row, with the last HTTP status. */
  function failureFacts(f) {
    const out = [];
    if (f.consecutive_failures > 0) {
      const line = el("span", NW.t("feeds.failures", { n: f.consecutive_failures }), "feed-failures");
      if (f.last_http_status) line.append(` (HTTP ${f.last_http_status})`);
      out.push(line);
    }
    return out;
  }

  /* Under the last success: when polling last brought a new item (never: since when it is polled), and how
   * many new items in how many polls. */
  function newItemFacts(f) {
    const last = el("span", null, "feed-new-item muted");
    if (f.last_new_item) last.append(NW.t("feeds.last_new"), " ", when(f.last_new_item));
    else if (f.polls) last.append(NW.t("feeds.no_new_yet"));
    else last.append(NW.t("feeds.not_polled"));
    if (f.silent) last.classList.add("stale");
    const counts = el("span", NW.t("feeds.counts", { n: f.items_new || 0, polls: f.polls || 0 }), "feed-counts muted");
    return [last, counts];
  }

  /* The editor saved a feed: say so and show its new row. */
  async function edited(feed, urlChanged) {
    say(urlChanged ? "feeds.edited_url" : "feeds.edited", { id: feed.id });
    await load();
    focusRow(feed.id, "act-edit");
  }

  function render() {
    const d = ui.data;
    if (!d) return;
    const refocus = focusedControl($("feeds").tBodies[0]);
    $("counts").textContent = Object.entries(d.by_status || {}).map(([k, v]) => `${NW.t("feeds.st_" + k)}: ${v}`).join("، ");
    const body = $("feeds").tBodies[0];
    body.replaceChildren();
    for (const f of d.feeds || []) {
      const tr = el("tr");
      tr.dataset.feed = f.id;
      const name = el("td");
      name.append(el("strong", f.name || f.id, "name"), el("span", f.url, "url muted"));
      name.lastChild.dir = "ltr";
      name.append(...feedFacts(f));
      const status = el("td", null, "feed-status");
      status.append(el("span", NW.t("feeds.st_" + f.status), `badge fs-${f.status}`));
      // its own badge after a space: "متعثر موقوف مؤقتًا", not "متعثرمعطّل"
      if (f.enabled === false) status.append(" ", el("span", NW.t("feeds.disabled"), "badge paused"));
      status.append(...healthFacts(f));
      const err = el("td", null, "last-error");
      if (f.last_error) {
        err.append(lastError(f.last_error), el("br"), when(f.last_error_at));
      } else err.textContent = "—";
      err.append(...failureFacts(f));
      const interval = el("td", null, "interval");
      if (ui.editing === f.id) interval.append(intervalEditor(f));
      else {
        const change = button("feeds.change_interval", () => editInterval(f), "act-interval");
        change.setAttribute("aria-label", NW.t("feeds.change_interval_of", { id: f.id }));
        interval.append(el("span", duration(f.current_interval || f.interval), "value"), " ", change);
        if (f.interval) interval.title = NW.t("feeds.configured", { v: duration(f.interval) });
      }
      const actions = el("td", null, "actions");
      const edit = button("feeds.edit", () => NWFeedEditor.open(f, edited), "act-edit");
      edit.setAttribute("aria-label", NW.t("feeds.edit_of", { id: f.id }));
      actions.append(button("feeds.poll", () => pollNow(f.id), "act-poll"), edit,
        f.enabled === false
          ? button("feeds.resume", () => setEnabled(f.id, true), "act-toggle")
          : button("feeds.pause", () => setEnabled(f.id, false), "act-toggle"),
        button("feeds.remove", (ev) => remove(f.id, ev.currentTarget), "act-remove danger"));
      const success = el("td", null, "last-success");
      success.append(when(f.last_success), ...newItemFacts(f));
      tr.append(name, status, success, err, interval,
        el("td").appendChild(when(f.next_poll)).parentNode, actions);
      if (!ui.writes) for (const b of tr.querySelectorAll("button")) b.disabled = true; // each a change: refused
      body.append(tr);
    }
    if (!body.children.length) {
      NW.emptyRow(body, NW.t("feeds.none"), 7);
    }
    if (ui.editing && !(d.feeds || []).some((f) => f.id === ui.editing)) ui.editing = null; // removed meanwhile
    if (refocus) focusRow(...refocus);
  }

  async function load() {
    NW.holdAgain("feeds");
    try {
      ui.data = await NW.read("/feeds");
    } catch (err) {
      fail(err);
      ui.loadFailed = true;
      NW.readAgain("feeds", load, err, $("msg"));
      return;
    }
    NW.readAgain("feeds");
    if (ui.loadFailed) NW.hideError($("msg")); // the list is back: its error no longer holds
    ui.loadFailed = false;
    showWrites(ui.data.writes_enabled !== false);
    render();
  }

  /* The notice by the add form and the disabled Add (and list buttons) when the server takes no change. */
  function showWrites(enabled) {
    const changed = ui.writes !== enabled;
    ui.writes = enabled;
    NW.writesNotice($("writes-off"), enabled, [$("f-add")]);
    if (changed) render();
  }

  function editInterval(f) {
    ui.editing = f.id;
    ui.draft = f.interval ? String(f.interval) : "";
    render();
    const input = $("feeds").querySelector(".interval-input");
    if (input) { input.focus(); input.select(); }
  }

  /* Pause (enabled: false: not polled) or resume (polled on the beat's next tick) a feed. */
  async function setEnabled(id, enabled) {
    try {
      await NW.withKey(() => NW.api(feedPath(id), { method: "PATCH", json: { enabled } }));
    } catch (err) { await refused(err); return; }
    say(enabled ? "feeds.resumed" : "feeds.paused", { id });
    await load();
    focusRow(id, "act-toggle");
  }

  /* A new base interval: whole seconds within the bounds, or empty for the deployment's default. Anything
   * else (out of bounds, a fraction, "1e", letters) is refused here, in words that quote what was typed,
   * before the server's 422 would (NW.wholeNumber: Arabic-Indic digits are digits). */
  async function changeInterval(id, text) {
    const { min, max } = bounds();
    const { value, error } = NW.wholeNumber(text, min, max);
    if (error) {
      fail(null, () => NW.t("feeds.interval_bounds", { v: text, min, max }));
      const input = $("feeds").querySelector(".interval-input");
      if (input) input.focus();
      return;
    }
    let feed;
    try {
      feed = await NW.withKey(() => NW.api(feedPath(id), { method: "PATCH", json: { interval: value } }));
    } catch (err) {
      // the server's own bounds (another deployment's) or its wording of the refusal
      await refused(err, (e) => (e.status === 422 ? NW.t("feeds.interval_refused", { v: text, detail: e.message }) : NW.errorText(e)));
      return;
    }
    ui.editing = null;
    const v = feed.interval;
    NW.flash($("msg"), () => NW.t("feeds.interval_set", { id, v: duration(v) }), "ok");
    await load();
    focusRow(id, "act-interval");
  }

  // The add form's fields by the name the API gives them in a refusal's loc.
  const FIELDS = { url: "f-url", id: "f-id", name: "f-name", source: "f-source", interval: "f-interval", tags: "f-tags" };
  const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/; // FeedIn.id's pattern (worker/api/routes/feeds.py)

  /* What the page refuses before sending, as [[field, words], ...] in the page's language, each quoting what
   * was typed (QA5 qa5c-4, qa5c-5): the server's pattern messages were English inside Arabic. */
  function addProblems(fields) {
    const out = [];
    const v = (text) => NW.bdi(text);
    const url = NWFeedEditor.urlProblem(fields.url);
    if (url) out.push([$("f-url"), url]);
    if (fields.id && !ID_RE.test(fields.id)) out.push([$("f-id"), () => NW.tn("feeds.v_id", { v: v(fields.id) })]);
    const { min, max } = bounds();
    if (NW.wholeNumber(fields.interval, min, max).error) {
      out.push([$("f-interval"), () => NW.tn("feeds.interval_bounds", { v: v(fields.interval), min, max })]);
    }
    return out;
  }

  /* A refused add: a 409 is the id's (in the page's words: no HTTP verbs), a 422 goes to the fields it names
   * (the server's reason in its own <bdi>), anything else to #msg. */
  function addRefused(err, body) {
    if (isStatus(err, 409)) {
      const id = body.id || (err.body && err.body.id) || "";
      const from = body.id ? "" : body.name ? "feeds.from_name" : "feeds.from_url";
      NW.refuseFields($("msg"), [[$("f-id"), () => (from ? NW.tn("feeds.exists_derived", { id: NW.bdi(id), from: NW.t(from) })
        : NW.tn("feeds.exists", { id: NW.bdi(id) }))]]);
      return;
    }
    if (NW.refuseServerFields($("msg"), err, (loc) => { const id = FIELDS[loc.find((k) => FIELDS[k])]; return id ? $(id) : null; })) return;
    fail(err);
    if (isStatus(err, 403)) showWrites(false);
  }

  async function add(ev) {
    ev.preventDefault();
    NW.clearFieldErrors($("feed-form"));
    const fields = {
      url: $("f-url").value.trim(), id: $("f-id").value.trim(), name: $("f-name").value.trim(),
      source: $("f-source").value.trim(), interval: $("f-interval").value.trim(),
    };
    const problems = addProblems(fields);
    if (problems.length) { NW.refuseFields($("msg"), problems); return; }
    const body = {
      url: fields.url, name: fields.name, source: fields.source,
      tags: $("f-tags").value.split(",").map((s) => s.trim()).filter(Boolean),
    };
    if (fields.id) body.id = fields.id;
    const { min, max } = bounds();
    const interval = NW.wholeNumber(fields.interval, min, max).value;
    if (interval !== null) body.interval = interval;
    let feed;
    try {
      feed = await NW.withKey(() => NW.api("/feeds", { method: "POST", json: body }));
    } catch (err) { addRefused(err, body); return; }
    say("feeds.added", { id: feed.id });
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
      await NW.withKey(() => NW.api(feedPath(id), { method: "DELETE" }));
    } catch (err) { await refused(err); return; }
    say("feeds.removed", { id });
    // the focus was on the removed row's button: the next row's (the previous one's for the last row)
    const ids = ((ui.data && ui.data.feeds) || []).map((f) => f.id);
    const at = ids.indexOf(id);
    await load();
    const rest = ((ui.data && ui.data.feeds) || []).map((f) => f.id);
    const next = rest.length ? rest[Math.min(Math.max(at, 0), rest.length - 1)] : null;
    if (!(next && focusRow(next, "act-poll"))) $("feeds-title").focus();
  }

  async function pollNow(id) {
    let res;
    try {
      res = await NW.withKey(() => NW.api(`${feedPath(id)}/poll`, { method: "POST" }));
    } catch (err) {
      // 409: the feed is paused (maybe by another tool since the list was drawn): say so, and show its Resume
      // and the focus goes to that button (QA4 re-test N4: it fell to <body>)
      if (isStatus(err, 409)) {
        fail(err, () => NW.t("feeds.poll_paused", { id }));
        await load();
        focusRow(id, "act-toggle");
      } else await refused(err);
      return;
    }
    // No promise of a poll when no worker or beat runs (QA5 qa5c-13): the feed is first in line for when
    // they are back. Unknown (reads closed without a key): the promise keeps its condition.
    const state = await NW.service(true);
    if (state && !state.polling) {
      NW.flash($("msg"), () => NW.t("feeds.polling_down", { id }), "error");
      await load();
      return;
    }
    const n = Math.ceil(res.within_seconds || 5);
    NW.flash($("msg"), () => NW.t("feeds.polling", { id, within: NW.t("feeds.seconds", { n }) }), "ok");
    await load();
    // Show the poll's outcome when the beat and a worker have had time to run it.
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(load, ((res.within_seconds || 5) + 5) * 1000);
  }

  function init() {
    $("feed-form").noValidate = true; // the page checks the fields, in its own words (QA5 qa5c-5)
    $("feed-form").addEventListener("submit", add);
    $("refresh").addEventListener("click", load);
    NW.onLang(render);
    load();
    // Keep status and "next poll" current while the tab is shown (not after a failed load: with reads
    // closed and no key that would reopen the key dialog every half minute).
    // Nor while an interval is being typed: the editor survives a re-render, but not the refresh's focus loss.
    // Nor while the feed editor is open (its dialog is over the list).
    setInterval(() => {
      if (ui.data && !ui.editing && !NWFeedEditor.isOpen() && document.visibilityState === "visible") load();
    }, 30_000);
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
      "feeds.pause": "إيقاف مؤقت", "feeds.resume": "استئناف", "feeds.change_interval": "تغيير", "feeds.change_interval_of": "تغيير فاصل {id}",
      "feeds.interval_save": "حفظ", "feeds.cancel": "إلغاء",
      "feeds.interval_label": "فاصل {id} بالثواني ({min}–{max}، فارغ: تلقائي)",
      "feeds.paused": "أُوقف {id} مؤقتًا: لن يُجلب حتى تستأنفه.", "feeds.resumed": "استُؤنف {id}: سيُجلب في دورة المجدول التالية.",
      "feeds.interval_set": "فاصل {id} الآن {v}.",
      "feeds.interval_bounds": "الفاصل «{v}» مرفوض: عدد صحيح من الثواني بين {min} و{max}، أو اتركه فارغًا للفاصل التلقائي.",
      "feeds.interval_refused": "رفض الخادم الفاصل «{v}»: {detail}",
      "feeds.poll_paused": "المصدر {id} موقوف مؤقتًا فلا يُجلب: استأنفه أولًا بزر «استئناف».",
      "feeds.none": "لا مصادر مسجلة. أضف خلاصة أعلاه أو استخدم newsworker feeds load.",
      "feeds.added": "أُضيف المصدر {id}؛ سيُجلب خلال ثوانٍ.", "feeds.removed": "حُذف المصدر {id}.",
      "feeds.polling": "سيُجلب {id} خلال {within} تقريبًا (يلزم تشغيل العامل والمجدول).",
      "feeds.seconds": { one: "ثانية", two: "ثانيتين", few: "{n} ثوانٍ", many: "{n} ثانية", other: "{n} ثانية" },
      "feeds.err_permanent": "خطأ دائم", "feeds.err_transient": "خطأ مؤقت", "feeds.err_blocked": "عنوان محجوب",
      "feeds.err_gone": "أُزيلت الخلاصة", "feeds.err_robots": "يمنعه robots.txt", "feeds.err_dns": "تعذّر حلّ اسم المضيف",
      "feeds.err_rate_limited": "طلب الخادم التمهّل", "feeds.err_http": "ردّ الخادم برمز HTTP {code} على",
      "feeds.err_html": "ليست خلاصة بل صفحة HTML: ابحث فيها عن رابط RSS/Atom",
      "feeds.err_html_link": "ليست خلاصة بل صفحة HTML، وهي تشير إلى الخلاصة",
      "feeds.st_new": "جديد", "feeds.st_ok": "يعمل", "feeds.st_failing": "متعثر", "feeds.st_dead": "متوقف",
      "feeds.disabled": "موقوف مؤقتًا", "feeds.auto": "تلقائي",
      "feeds.minutes": { one: "دقيقة واحدة", two: "دقيقتان", few: "{n} دقائق", many: "{n} دقيقة", other: "{n} دقيقة" },
      "feeds.hours": { one: "ساعة واحدة", two: "ساعتان", few: "{n} ساعات", many: "{n} ساعة", other: "{n} ساعة" },
      "feeds.configured": "المضبوط: {v}",
      "feeds.id_rule": "حروف لاتينية وأرقام و - . _ بلا مسافات، يبدأ بحرف أو رقم (فارغ: من الاسم أو الرابط).",
      "feeds.v_url_missing": "اكتب رابط الخلاصة كاملًا، يبدأ بـ http:// أو https://.",
      "feeds.v_url": "الرابط «{v}» مرفوض: رابط الخلاصة كاملًا يبدأ بـ http:// أو https:// ثم اسم الموقع، مثل https://example.org/rss.xml.",
      "feeds.v_id": "المعرّف «{v}» مرفوض: حروف لاتينية وأرقام و - . _ فقط بلا مسافات، يبدأ بحرف أو رقم، حتى 100؛ أو اتركه فارغًا.",
      "feeds.exists": "يوجد مصدر بالمعرّف «{id}» من قبل: اختر معرّفًا آخر، أو احذف ذلك المصدر من القائمة أولًا (زر «حذف») ثم أضفه.",
      "feeds.exists_derived": "المعرّف المأخوذ من {from} هو «{id}»، ويوجد مصدر به من قبل: اكتب معرّفًا آخر هنا، أو احذف ذلك المصدر من القائمة أولًا (زر «حذف») ثم أضفه.",
      "feeds.from_name": "الاسم", "feeds.from_url": "الرابط",
      "feeds.edit": "تعديل", "feeds.edit_of": "تعديل {id}",
      "feeds.edited": "حُفظ المصدر {id}.", "feeds.edited_url": "حُفظ المصدر {id} برابطه الجديد؛ سيُجلب منه خلال ثوانٍ.",
      "feeds.source_is": "المصدر على الأخبار:", "feeds.source_is_id": "لم يُعطَ اسم للمصدر عند الإضافة، فتحمل مقالاته معرّف الخلاصة. غيّره بزر «تعديل».",
      "feeds.articles": "مقالاته", "feeds.silent": "صامت",
      "feeds.silent_rule": { one: "لم يأتِ بجديد منذ ساعة على الأقل (48 ضعف فاصله، ولا تقل عن 12 ساعة).", two: "لم يأتِ بجديد منذ ساعتين على الأقل (48 ضعف فاصله، ولا تقل عن 12 ساعة).",
        few: "لم يأتِ بجديد منذ {n} ساعات على الأقل (48 ضعف فاصله، ولا تقل عن 12 ساعة).", many: "لم يأتِ بجديد منذ {n} ساعة على الأقل (48 ضعف فاصله، ولا تقل عن 12 ساعة).",
        other: "لم يأتِ بجديد منذ {n} ساعة على الأقل (48 ضعف فاصله، ولا تقل عن 12 ساعة)." },
      "feeds.failures": { one: "فشل مرة واحدة", two: "فشل مرتين متتاليتين", few: "فشل {n} مرات متتالية", many: "فشل {n} مرة متتالية", other: "فشل {n} مرة متتالية" },
      "feeds.last_new": "آخر جديد:", "feeds.no_new_yet": "لم يأتِ بجديد بعد", "feeds.not_polled": "لم يُجلب بعد",
      "feeds.counts": { zero: "لا جديد في {polls} جلبة", one: "جديد واحد في {polls} جلبة", two: "جديدان في {polls} جلبة",
        few: "{n} جديدة في {polls} جلبة", many: "{n} جديدًا في {polls} جلبة", other: "{n} جديد في {polls} جلبة" },
      "feeds.polling_down": "طُلب جلب {id}، لكن لا عامل أو مجدول يعمل الآن (انظر التنبيه أعلى الصفحة): سيُجلب أولًا حين يعودان.",
    },
    en: {
      "feeds.doctitle": "newsworker — Feeds", "feeds.title": "Feeds (RSS/Atom)", "feeds.add": "Add a feed",
      "feeds.url": "Feed URL", "feeds.id": "Id (optional)", "feeds.id_hint": "from the name or URL",
      "feeds.name": "Name", "feeds.source": "Source shown on articles", "feeds.interval": "Interval (s, 60–21600)",
      "feeds.interval_hint": "adaptive", "feeds.tags": "Tags (comma-separated)", "feeds.add_button": "Add",
      "feeds.list": "Registered feeds", "feeds.refresh": "Refresh", "feeds.feed": "Feed", "feeds.status": "Status",
      "feeds.last_success": "Last success", "feeds.last_error": "Last error", "feeds.interval_col": "Interval",
      "feeds.next_poll": "Next poll", "feeds.poll": "Poll now", "feeds.remove": "Remove", "feeds.confirm_remove": "Confirm remove",
      "feeds.pause": "Pause", "feeds.resume": "Resume", "feeds.change_interval": "Change", "feeds.change_interval_of": "Change the interval of {id}",
      "feeds.interval_save": "Save", "feeds.cancel": "Cancel",
      "feeds.interval_label": "{id}'s interval in seconds ({min}–{max}; empty: adaptive)",
      "feeds.paused": "{id} paused: it is not polled until you resume it.", "feeds.resumed": "{id} resumed: it is polled on the beat's next tick.",
      "feeds.interval_set": "{id}'s interval is now {v}.",
      "feeds.interval_bounds": "Interval \"{v}\" refused: a whole number of seconds from {min} to {max}, or empty for the adaptive default.",
      "feeds.interval_refused": "The server refused the interval \"{v}\": {detail}",
      "feeds.poll_paused": "{id} is paused, so it is not polled: resume it first (Resume).",
      "feeds.none": "No feeds registered. Add one above or use newsworker feeds load.",
      "feeds.added": "Feed {id} added; it is polled within seconds.", "feeds.removed": "Feed {id} removed.",
      "feeds.polling": "{id} will be polled in about {within} (needs the worker and beat running).",
      "feeds.seconds": { one: "{n} second", other: "{n} seconds" },
      "feeds.err_permanent": "permanent error", "feeds.err_transient": "temporary error", "feeds.err_blocked": "blocked address",
      "feeds.err_gone": "feed removed", "feeds.err_robots": "refused by robots.txt", "feeds.err_dns": "host name did not resolve",
      "feeds.err_rate_limited": "the server asked to slow down", "feeds.err_http": "the server answered HTTP {code} for",
      "feeds.err_html": "not a feed but an HTML page: look for its RSS/Atom link",
      "feeds.err_html_link": "not a feed but an HTML page, which links the feed",
      "feeds.st_new": "new", "feeds.st_ok": "ok", "feeds.st_failing": "failing", "feeds.st_dead": "dead",
      "feeds.disabled": "paused", "feeds.auto": "adaptive", "feeds.minutes": "{n} min", "feeds.hours": "{n} h",
      "feeds.configured": "configured: {v}",
      "feeds.id_rule": "Latin letters, digits and - . _ without spaces, starting with a letter or digit (empty: from the name or URL).",
      "feeds.v_url_missing": "Write the feed's full URL, starting with http:// or https://.",
      "feeds.v_url": "URL \"{v}\" refused: the feed's full URL, http:// or https:// and then the site's name, such as https://example.org/rss.xml.",
      "feeds.v_id": "Id \"{v}\" refused: only Latin letters, digits and - . _ without spaces, starting with a letter or digit, up to 100; or leave it empty.",
      "feeds.exists": "A feed with the id \"{id}\" exists: choose another id, or remove that feed first (Remove in the list) and add it again.",
      "feeds.exists_derived": "The id taken from the {from} is \"{id}\", and a feed with it exists: write another id here, or remove that feed first (Remove in the list) and add it again.",
      "feeds.from_name": "name", "feeds.from_url": "URL",
      "feeds.edit": "Edit", "feeds.edit_of": "Edit {id}",
      "feeds.edited": "Feed {id} saved.", "feeds.edited_url": "Feed {id} saved with its new URL; it is polled there within seconds.",
      "feeds.source_is": "Source on articles:", "feeds.source_is_id": "No source name was given when it was added, so its articles carry the feed id. Change it with Edit.",
      "feeds.articles": "its articles", "feeds.silent": "silent",
      "feeds.silent_rule": { one: "Nothing new for at least {n} hour (48 of its intervals, at least 12 hours).", other: "Nothing new for at least {n} hours (48 of its intervals, at least 12 hours)." },
      "feeds.failures": { one: "failed once", other: "failed {n} times in a row" },
      "feeds.last_new": "last new item:", "feeds.no_new_yet": "no new item yet", "feeds.not_polled": "not polled yet",
      "feeds.counts": { one: "{n} new item in {polls} polls", other: "{n} new items in {polls} polls" },
      "feeds.polling_down": "Poll of {id} requested, but no worker or scheduler is running now (see the notice at the top): it is polled first when they are back.",
    },
  });

  document.addEventListener("DOMContentLoaded", init);
})();
