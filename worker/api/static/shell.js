/* What every page shares: the language (Arabic by default, English on request), the API key, the
 * navigation bar, one fetch helper (NW.api; NW.withKey / NW.read retry a call refused for want of the key
 * for as long as the key dialog gets keys), one error presenter (NW.showError: the page's words, re-worded by
 * the language toggle) and the small DOM helpers (NW.$, el, link, button, emptyRow, safeUrl, quoteValue,
 * flash; text is always set with textContent). Pages add their own strings with NW.addStrings (a count's string as its plural forms, see
 * NW.t) and mark static text with data-i18n attributes, so the toggle re-labels the page without a reload.
 *
 * The API key lives in sessionStorage: entered once per browser session, gone when the tab closes, and
 * never written to a cookie or the URL. It is sent as X-API-Key on every request once set, so reads work
 * too when the server closes them (NEWSWORKER_API_READ_OPEN=false).
 */
"use strict";

(function () {
  const LANG_KEY = "nw.lang";
  const API_KEY = "nw.apikey";
  const strings = { ar: {}, en: {} };
  const langListeners = [];
  const keyWaiters = [];

  const PAGES = [
    ["/", "nav.search"], ["/alerts", "nav.alerts"], ["/feeds", "nav.feeds"],
    ["/stories", "nav.stories"], ["/entities", "nav.entities"],
  ];

  function lang() {
    try { return localStorage.getItem(LANG_KEY) === "en" ? "en" : "ar"; } catch (_e) { return "ar"; }
  }

  /* A string of the page's language (Arabic when English lacks it; the key itself when neither has it), its
   * {placeholders} filled from vars. A string that counts something is given as its plural forms, an object
   * keyed by the Intl.PluralRules categories of its language (Arabic: zero, one, two, few (3-10), many
   * (11-99), other (100, 1.5); English: one, other), and vars.n picks the form: "6 دقائق", not "6 دقيقة". */
  function t(key, vars) {
    let l = lang();
    let s = strings[l][key];
    if (s === undefined) { l = "ar"; s = strings.ar[key]; }
    if (s === undefined) s = key;
    if (typeof s === "object") s = pluralForm(s, l, vars && vars.n);
    for (const [k, v] of Object.entries(vars || {})) s = s.split(`{${k}}`).join(String(v));
    return s;
  }

  const pluralRules = {};
  function pluralForm(forms, l, n) {
    const count = Number(n);
    if (!Number.isFinite(count)) return forms.other;
    if (!pluralRules[l]) pluralRules[l] = new Intl.PluralRules(l);
    const form = forms[pluralRules[l].select(count)];
    return form === undefined ? forms.other : form;
  }

  function applyLang(root) {
    const l = lang();
    document.documentElement.lang = l;
    document.documentElement.dir = l === "ar" ? "rtl" : "ltr";
    const scope = root || document;
    for (const el of scope.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
    for (const attr of ["placeholder", "title", "aria-label"]) {
      for (const el of scope.querySelectorAll(`[data-i18n-${attr}]`)) el.setAttribute(attr, t(el.getAttribute(`data-i18n-${attr}`)));
    }
  }

  function setLang(l) {
    try { localStorage.setItem(LANG_KEY, l === "en" ? "en" : "ar"); } catch (_e) { /* private mode */ }
    applyLang();
    renderNav(document.body.dataset.page || "");
    for (const cb of langListeners) cb(lang());
    for (const [box, text] of shownTexts) if (!box.hidden) box.textContent = text();
    drawService();
  }

  function apiKey() {
    try { return sessionStorage.getItem(API_KEY) || ""; } catch (_e) { return ""; }
  }

  function setApiKey(k) {
    try {
      if (k) sessionStorage.setItem(API_KEY, k); else sessionStorage.removeItem(API_KEY);
    } catch (_e) { /* storage disabled: the key lasts for this page only */ }
    renderNav(document.body.dataset.page || "");
    if (k && service.closedFor !== null) readService(); // reads were closed to the page: a key may open them
  }

  /* The server refused the key a call sent (401: wrong key; 403: it accepts no key at all): forget it if it
   * is still the stored one, so a typo does not stick for the whole session and the next call asks again.
   * A key entered meanwhile (another call's dialog) is kept. */
  function refused(sent) {
    if (sent && apiKey() === sent) setApiKey("");
  }

  class ApiError extends Error {
    constructor(status, message, body) { super(message); this.status = status; this.body = body; }
  }

  /* fetch + JSON with the key. Throws ApiError (status, server's detail). A 401 opens the key dialog; a 401 or
   * 403 to the stored key forgets it. */
  async function api(url, opts) {
    const o = Object.assign({}, opts || {});
    const headers = Object.assign({ Accept: "application/json" }, o.headers || {});
    const key = apiKey();
    if (key) headers["X-API-Key"] = key;
    if (o.json !== undefined) {
      headers["Content-Type"] = "application/json";
      o.body = JSON.stringify(o.json);
      delete o.json;
    }
    o.headers = headers;
    let resp;
    try {
      resp = await fetch(url, o);
    } catch (err) {
      err.network = true; // no answer at all (the API stopped, the connection lost): worth trying again
      throw err;
    }
    let body = null;
    if (resp.status !== 204) {
      try { body = await resp.json(); } catch (_e) { body = null; }
    }
    if (!resp.ok) {
      const msg = detailText(body && body.detail) || resp.statusText;
      if (resp.status === 401 || resp.status === 403) refused(key);
      if (resp.status === 401) askKey(t("err.401"));
      throw new ApiError(resp.status, msg, body);
    }
    return body;
  }

  /* The server's detail as one readable line: a message, or FastAPI's validation list ("body.name: ..."). */
  function detailText(detail) {
    if (detail === undefined || detail === null) return "";
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) {
      return detail.map((d) => (d && d.msg ? `${(d.loc || []).join(".")}: ${d.msg}` : JSON.stringify(d))).join("; ");
    }
    return JSON.stringify(detail);
  }

  /* What to tell the user about a failed call, in the page's language. 401 and 403 get their own words:
   * "enter the key" is not "this server refuses every change". */
  function errorText(err) {
    if (!(err instanceof ApiError)) return t("err.network", { detail: err && err.message ? err.message : String(err) });
    // a change Elasticsearch did not confirm in time may have been made all the same (worker/api/backend.py)
    if (err.status === 503 && err.body && err.body.write_unconfirmed) return t("err.503_write");
    const known = { 401: "err.401", 403: "err.403", 404: "err.404", 409: "err.409", 413: "err.413", 422: "err.422",
      429: "err.429", 503: "err.503" }[err.status];
    return t(known || "err.other", { status: err.status, detail: err.message });
  }

  /* The one error presenter of every page: box (#error, or the #msg line) shows what failed in the page's
   * language, errorText(err) or the page's own words (format(err)), and is re-worded by the language toggle
   * (the server's detail stays as the server wrote it). hideError, or a message flashed into the same box,
   * ends it. */
  const shownTexts = new Map(); // box -> () => its text in the current language
  function showError(box, err, format) {
    const text = () => (format ? format(err) : errorText(err));
    shownTexts.set(box, text);
    box.textContent = text();
    if (box.classList.contains("msg")) box.className = "msg error";
    box.hidden = false;
  }

  function hideError(box) {
    shownTexts.delete(box);
    box.hidden = true;
    box.textContent = "";
  }

  /* Run a call (a write, or a read when the server closes reads) until it is not refused for want of the key:
   * each 401 opens the key dialog (NW.api does so) and the call runs again with every key entered there, a
   * wrong one included (its 401 opens the dialog again). Only closing the dialog without a key ends it, with
   * the 401. Every page's calls go through this one loop (QA4 re-test N1: a single retry left a page on
   * "missing key" after a wrong key and then the right one). */
  async function withKey(fn) {
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 401) throw err;
        if (!(await keyEntered())) throw err;
      }
    }
  }

  /* GET a page's data (JSON) through withKey: with reads closed, the data loads once a right key is entered
   * in the dialog, after any number of wrong ones, with no reload. */
  function read(url, opts) {
    return withKey(() => api(url, opts));
  }

  /* A read that failed because the service is away (502, 503, 504, or no answer at all) is run again on its
   * own while the tab is shown: after 5 s, then doubling up to a minute, so a page comes back by itself when
   * Elasticsearch or the API does (it stayed on the error until a reload). One timer per key (a page's list,
   * its search). readAgain(key, again, err, box) after a failure: a passing failure schedules again() and
   * says so in box; any other failure (a wrong query, a missing key: only the user mends those) or a
   * success (readAgain(key)) ends it. holdAgain(key) at the start of a read the user asked for drops a
   * scheduled run, so an old retry never replaces the user's newer read. */
  const again = new Map(); // key -> { timer, delay }
  function passing(err) {
    return err instanceof ApiError ? [502, 503, 504].includes(err.status) : Boolean(err && err.network);
  }

  function holdAgain(key) {
    const entry = again.get(key);
    if (!entry) return;
    clearTimeout(entry.timer);
    if (!entry.firing) again.delete(key); // the user's own read: its failure counts from 5 s again
  }

  function readAgain(key, run, err, box) {
    const last = again.get(key);
    if (last) clearTimeout(last.timer);
    if (!err || !passing(err)) { again.delete(key); return; }
    const entry = last || { timer: null, delay: 2_500, firing: false };
    entry.delay = Math.min(entry.delay * 2, 60_000);
    entry.firing = false;
    const fire = () => {
      if (document.visibilityState === "hidden") { entry.timer = setTimeout(fire, 2_000); return; }
      entry.firing = true;
      run();
    };
    entry.timer = setTimeout(fire, entry.delay);
    again.set(key, entry);
    const base = box && shownTexts.get(box);
    if (base) {
      const seconds = Math.round(entry.delay / 1000);
      const text = () => `${base()} ${t("err.again", { n: seconds })}`;
      shownTexts.set(box, text);
      box.textContent = text();
    }
  }

  function askKey(reason) {
    let dlg = document.getElementById("nw-key-dialog");
    if (!dlg) {
      dlg = document.createElement("dialog");
      dlg.id = "nw-key-dialog";
      dlg.className = "nw-key-dialog";
      const form = document.createElement("form");
      form.method = "dialog";
      const p = document.createElement("p");
      p.id = "nw-key-reason";
      const label = document.createElement("label");
      label.dataset.i18n = "key.label";
      label.htmlFor = "nw-key-input"; // the field's accessible name: a screen reader announces what to type
      const input = document.createElement("input");
      input.type = "password"; input.id = "nw-key-input"; input.autocomplete = "off"; input.dir = "ltr";
      const save = document.createElement("button");
      save.value = "save"; save.id = "nw-key-save"; save.dataset.i18n = "key.save";
      const clear = document.createElement("button");
      clear.value = "clear"; clear.id = "nw-key-clear"; clear.dataset.i18n = "key.clear";
      form.append(p, label, input, save, clear);
      dlg.append(form);
      document.body.append(dlg);
      dlg.addEventListener("close", () => {
        const saved = dlg.returnValue === "save" && input.value.trim() !== "";
        if (saved) setApiKey(input.value.trim());
        if (dlg.returnValue === "clear") setApiKey("");
        input.value = "";
        for (const resolve of keyWaiters.splice(0)) resolve(saved);
      });
    }
    applyLang(dlg);
    dlg.querySelector("#nw-key-reason").textContent = reason || t("key.why");
    if (!dlg.open) {
      dlg.returnValue = ""; // Escape keeps the previous returnValue: a stale "save" must not count
      dlg.showModal();
    }
    return keyEntered();
  }

  /* Resolves when the key dialog closes: true if a key was saved. Resolves false at once if it is not open. */
  function keyEntered() {
    const dlg = document.getElementById("nw-key-dialog");
    if (!dlg || !dlg.open) return Promise.resolve(false);
    return new Promise((resolve) => keyWaiters.push(resolve));
  }

  function renderNav(active) {
    const nav = document.getElementById("nav");
    if (!nav) return;
    nav.replaceChildren();
    for (const [href, key] of PAGES) {
      const a = document.createElement("a");
      a.href = href;
      a.textContent = t(key);
      a.id = "nav-" + (href === "/" ? "search" : href.slice(1));
      if (href === active || (href !== "/" && active === href.slice(1)) || (href === "/" && active === "search")) {
        a.setAttribute("aria-current", "page");
      }
      nav.append(a);
    }
    const spacer = document.createElement("span");
    spacer.className = "nav-spacer";
    const keyBtn = document.createElement("button");
    keyBtn.type = "button"; keyBtn.id = "nav-key";
    keyBtn.textContent = apiKey() ? t("key.set") : t("key.enter");
    keyBtn.addEventListener("click", () => askKey(t("key.why")));
    const langBtn = document.createElement("button");
    langBtn.type = "button"; langBtn.id = "nav-lang";
    langBtn.textContent = lang() === "ar" ? "English" : "العربية";
    langBtn.addEventListener("click", () => setLang(lang() === "ar" ? "en" : "ar"));
    nav.append(spacer, keyBtn, langBtn);
  }

  // ------------------------------------------------------------------- the service notice (QA5 qa5c-13)

  /* Under the navigation of every page: what is down behind the page (Redis, Elasticsearch, the workers,
   * beat, or workers not consuming) and what that means for the user: feeds not polled, alerts not sent.
   * It reads GET /status (the server runs its checks at most every 10 s, whatever the number of pages) when
   * the page opens, every 30 s while the tab is shown, and when the tab is shown again after that. A plain
   * fetch, not api(): with reads closed (NEWSWORKER_API_READ_OPEN=false) and no key, the 401 must not open
   * the key dialog every 30 s; the notice is skipped, and asked for again once a (new) key is entered.
   * NW.service(fresh) gives the last state read (fresh: read now), null when unknown: the feeds page's
   * "Poll now" promises no poll when no worker is up. */
  const SERVICE_EVERY = 30_000;
  const service = { state: null, at: 0, closedFor: null, reading: null };

  function readService() {
    if (service.reading) return service.reading;
    if (service.closedFor !== null && service.closedFor === apiKey()) return Promise.resolve(null);
    service.reading = (async () => {
      const key = apiKey();
      const headers = { Accept: "application/json" };
      if (key) headers["X-API-Key"] = key;
      let resp;
      try {
        resp = await fetch("/status", { headers });
      } catch (_e) {
        return service.state; // the API itself does not answer: the page's own reads say so
      }
      if (resp.status === 401 || resp.status === 403) {
        service.closedFor = key;
        service.state = null;
      } else if (resp.ok) {
        try { service.state = await resp.json(); } catch (_e) { return service.state; }
        service.closedFor = null;
        service.at = Date.now();
      } else return service.state;
      drawService();
      return service.state;
    })().finally(() => { service.reading = null; });
    return service.reading;
  }

  /* The notice's lines: one per thing down, the most basic first (Redis down says everything). */
  function serviceLines(state) {
    const down = new Map((state.checks || []).filter((c) => !c.ok).map((c) => [c.name, c.detail]));
    if (down.has("redis")) return [["svc.redis", down.get("redis")]];
    const lines = [];
    if (down.has("elasticsearch")) lines.push(["svc.es", down.get("elasticsearch")]);
    if (down.has("workers")) lines.push(["svc.workers", down.get("workers")]);
    if (down.has("beat")) lines.push(["svc.beat", down.get("beat")]);
    // workers and beat up but the canary stale: they are stuck or far behind
    if (!down.has("workers") && !down.has("beat") && down.has("consuming")) lines.push(["svc.consuming", down.get("consuming")]);
    return lines;
  }

  function drawService() {
    const nav = document.getElementById("nav");
    if (!nav) return;
    let box = document.getElementById("nw-service");
    if (!box) {
      box = document.createElement("div");
      box.id = "nw-service";
      box.className = "service-notice";
      box.setAttribute("role", "status");
      nav.insertAdjacentElement("afterend", box);
    }
    const lines = service.state ? serviceLines(service.state) : [];
    box.hidden = !lines.length;
    box.replaceChildren();
    if (!lines.length) return;
    const head = document.createElement("strong");
    head.textContent = t("svc.title");
    const list = document.createElement("ul");
    for (const [key, detail] of lines) {
      const li = document.createElement("li");
      li.textContent = t(key);
      li.dataset.check = key.slice(4);
      li.title = detail || ""; // the server's own words (English), for whoever runs the service
      list.append(li);
    }
    const when = document.createElement("span");
    when.className = "muted";
    when.textContent = t("svc.checked", { time: new Date(service.state.checked_at * 1000).toLocaleTimeString(lang() === "ar" ? "ar-EG" : "en-GB") });
    box.append(head, " ", when, list);
  }

  function watchService() {
    readService();
    setInterval(() => { if (document.visibilityState === "visible") readService(); }, SERVICE_EVERY);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && Date.now() - service.at >= SERVICE_EVERY) readService();
    });
  }

  // ------------------------------------------------------------------- DOM helpers every page uses

  const byId = (id) => document.getElementById(id);

  /* An element with its text set as text (never markup: feed and rule text is untrusted) and a class. */
  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  function link(href, text, cls) {
    const a = el("a", text, cls);
    a.href = href;
    return a;
  }

  /* A button labelled with a string key (re-labelled by the language toggle). */
  function button(key, onClick, cls) {
    const b = el("button", t(key), cls);
    b.type = "button";
    b.dataset.i18n = key;
    b.addEventListener("click", onClick);
    return b;
  }

  /* The one row of an empty table body: text across its columns. */
  function emptyRow(body, text, columns) {
    const tr = el("tr", null, "empty");
    const td = el("td", text);
    td.colSpan = columns;
    tr.append(td);
    body.append(tr);
  }

  /* Only http(s) links are clickable: a javascript: URL from a feed must not become an href. */
  function safeUrl(url) {
    try {
      const u = new URL(String(url), window.location.href);
      return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
    } catch (_e) {
      return null;
    }
  }

  /* A value for the query language: as it is when it is one plain word, else a "phrase" with its quotes and
   * backslashes escaped. Typographic quotes (« » “ ” „ ‟) also delimit phrases there and cannot be escaped
   * into text: they are dropped. */
  function quoteValue(v) {
    const s = String(v).replace(/[«»“”„‟]/g, "");
    return /^[^\s"():\\]+$/.test(s) ? s : `"${s.replace(/["\\]/g, "\\$&")}"`;
  }

  /* A message line (the page's #msg under the navigation): text, "ok" or "error" styling, hidden when empty.
   * text may be a function that words it in the current language (() => NW.t(key, vars)): the language
   * toggle then re-words it, as it does an error shown with showError. */
  function flash(box, text, kind) {
    // a new message replaces the one shown there (showError's or flash's)
    if (typeof text === "function") shownTexts.set(box, text); else shownTexts.delete(box);
    box.textContent = typeof text === "function" ? text() : text;
    box.className = `msg ${kind || "ok"}`;
    box.hidden = !text;
  }

  const NW = {
    get lang() { return lang(); },
    $: byId, el, link, button, emptyRow, safeUrl, quoteValue, flash,
    t, addStrings(dict) { for (const l of ["ar", "en"]) Object.assign(strings[l], (dict && dict[l]) || {}); },
    applyLang, setLang, onLang(cb) { langListeners.push(cb); },
    apiKey, setApiKey, refused, askKey, api, read, ApiError, renderNav, errorText, showError, hideError, withKey,
    readAgain, holdAgain,
    service(fresh) { return fresh ? readService() : Promise.resolve(service.state); },
    /* Format an ISO date for the current language. */
    date(iso, withTime) {
      if (!iso) return "";
      const d = new Date(iso);
      if (Number.isNaN(d.getTime())) return String(iso);
      const opts = withTime ? { dateStyle: "medium", timeStyle: "short" } : { dateStyle: "medium" };
      return d.toLocaleString(lang() === "ar" ? "ar-EG" : "en-GB", opts);
    },
  };

  NW.addStrings({
    ar: {
      "nav.search": "البحث", "nav.alerts": "التنبيهات", "nav.feeds": "المصادر", "nav.stories": "القصص",
      "nav.entities": "الكيانات", "key.enter": "مفتاح API", "key.set": "المفتاح مُدخل ✓",
      "key.label": "مفتاح API (يبقى في هذه الجلسة فقط)", "key.save": "حفظ", "key.clear": "مسح",
      "key.why": "يحتاج التعديل إلى مفتاح API (NEWSWORKER_API_KEY).",
      "err.401": "مفتاح API مفقود أو خاطئ: أدخل المفتاح (NEWSWORKER_API_KEY) ثم أعد المحاولة.",
      "err.403": "الخادم يرفض كل تعديل: لم يُضبط NEWSWORKER_API_KEY عليه (أو هو قيمة مثال). ({detail})",
      "err.again": { one: "ستُعاد المحاولة تلقائيًا بعد ثانية.", two: "ستُعاد المحاولة تلقائيًا بعد ثانيتين.",
        few: "ستُعاد المحاولة تلقائيًا بعد {n} ثوانٍ.", many: "ستُعاد المحاولة تلقائيًا بعد {n} ثانية.",
        other: "ستُعاد المحاولة تلقائيًا بعد {n} ثانية." },
      "err.404": "غير موجود: {detail}", "err.409": "موجود من قبل: {detail}",
      "err.413": "الطلب أكبر من المسموح.", "err.422": "قيمة غير صالحة: {detail}",
      "err.429": "طلبات كثيرة جدًا، انتظر قليلًا ثم أعد المحاولة.",
      "err.503": "Redis أو Elasticsearch غير متاح الآن.", "err.other": "خطأ {status}: {detail}",
      "err.503_write": "لم يؤكد Elasticsearch التعديل في وقته، وقد يكون حُفظ مع ذلك: أعد تحميل الصفحة للتحقق قبل إعادة المحاولة.",
      "err.network": "تعذّر الاتصال بالخادم: {detail}",
      "svc.title": "الخدمة لا تعمل كلها:", "svc.checked": "(فُحصت {time})",
      "svc.redis": "Redis لا يجيب: لا تُجلب المصادر ولا تُرسل التنبيهات، ولا يُحفظ أي تعديل.",
      "svc.es": "Elasticsearch لا يجيب: البحث متوقف، والمقالات الجديدة لا تُحفظ ولا تُرسل تنبيهاتها حتى يعود.",
      "svc.workers": "لا يعمل أي عامل (worker): لا تُجلب المصادر ولا تُرسل التنبيهات، و«اجلب الآن» ينتظر عودته.",
      "svc.beat": "المجدول (beat) متوقف: لا تُجلب المصادر في مواعيدها ولا تُرسل الملخصات الدورية.",
      "svc.consuming": "العمّال لا يعالجون العمل المنتظر (عالقون أو متأخرون كثيرًا): قد تتأخر المصادر والتنبيهات.",
    },
    en: {
      "nav.search": "Search", "nav.alerts": "Alerts", "nav.feeds": "Feeds", "nav.stories": "Stories",
      "nav.entities": "Entities", "key.enter": "API key", "key.set": "Key entered ✓",
      "key.label": "API key (kept for this session only)", "key.save": "Save", "key.clear": "Clear",
      "key.why": "Changes need the API key (NEWSWORKER_API_KEY).",
      "err.401": "The API key is missing or wrong: enter the key (NEWSWORKER_API_KEY) and try again.",
      "err.403": "This server refuses every change: NEWSWORKER_API_KEY is not set on it (or is an example value). ({detail})",
      "err.again": { one: "Trying again by itself in {n} second.", other: "Trying again by itself in {n} seconds." },
      "err.404": "Not found: {detail}", "err.409": "Already exists: {detail}",
      "err.413": "The request is too large.", "err.422": "Invalid value: {detail}",
      "err.429": "Too many requests: wait a moment and try again.",
      "err.503": "Redis or Elasticsearch is unavailable right now.", "err.other": "Error {status}: {detail}",
      "err.503_write": "Elasticsearch did not confirm the change in time, and it may have been saved all the same: reload the page to check before trying again.",
      "err.network": "Could not reach the server: {detail}",
      "svc.title": "Not everything is running:", "svc.checked": "(checked {time})",
      "svc.redis": "Redis is not answering: feeds are not polled, alerts are not sent, and no change can be saved.",
      "svc.es": "Elasticsearch is not answering: search is down, and new articles are neither stored nor alerted on until it returns.",
      "svc.workers": "No worker is running: feeds are not polled and alerts are not sent; Poll now waits until one is back.",
      "svc.beat": "The scheduler (beat) is down: feeds are not polled on schedule and digests are not sent.",
      "svc.consuming": "The workers are not getting through the waiting work (stuck or far behind): feeds and alerts may be late.",
    },
  });

  window.NW = NW;
  document.addEventListener("DOMContentLoaded", () => {
    applyLang();
    renderNav(document.body.dataset.page || "");
    watchService();
  });
})();
