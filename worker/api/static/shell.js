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
    return tn(key, vars).map((p) => (typeof p === "string" ? p : p.textContent)).join("");
  }

  /* t's words as parts for replaceChildren: a var given as a node (bdi(text): a server's detail, a typed value)
   * is put in as that node, so its direction is its own and an English detail inside an Arabic sentence is not
   * scrambled by the bidi algorithm (QA5 qa5c-5). Every var is put in once, never read again as a template. */
  function tn(key, vars) {
    let l = lang();
    let s = strings[l][key];
    if (s === undefined) { l = "ar"; s = strings.ar[key]; }
    if (s === undefined) s = key;
    if (typeof s === "object") s = pluralForm(s, l, vars && vars.n);
    const parts = [];
    let last = 0;
    for (const m of s.matchAll(/\{(\w+)\}/g)) {
      if (!vars || !Object.prototype.hasOwnProperty.call(vars, m[1])) continue;
      parts.push(s.slice(last, m.index));
      const v = vars[m[1]];
      parts.push(v instanceof Node ? v.cloneNode(true) : Array.isArray(v) ? v.map((x) => (x instanceof Node ? x.cloneNode(true) : String(x))) : String(v));
      last = m.index + m[0].length;
    }
    parts.push(s.slice(last));
    return parts.flat().filter((p) => p !== "");
  }

  /* Text whose direction is its own (<bdi dir=auto>): a server's detail, a value the user typed. */
  function bdi(text) {
    const b = document.createElement("bdi");
    b.dir = "auto";
    b.textContent = String(text);
    return b;
  }

  /* Put a message (a string, or parts from tn) into box. */
  function put(box, content) {
    box.replaceChildren(...[].concat(content === undefined || content === null ? "" : content));
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
    for (const [box, text] of shownTexts) if (!box.hidden) put(box, text());
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
    return errorParts(err).map((p) => (typeof p === "string" ? p : p.textContent)).join("");
  }

  /* errorText as parts: the server's detail in its own <bdi dir=auto>. */
  function errorParts(err) {
    if (!(err instanceof ApiError)) return tn("err.network", { detail: bdi(err && err.message ? err.message : String(err)) });
    // a change Elasticsearch did not confirm in time may have been made all the same (worker/api/backend.py)
    if (err.status === 503 && err.body && err.body.write_unconfirmed) return tn("err.503_write");
    const known = { 401: "err.401", 403: "err.403", 404: "err.404", 409: "err.409", 413: "err.413", 422: "err.422",
      429: "err.429", 503: "err.503" }[err.status];
    return tn(known || "err.other", { status: err.status, detail: bdi(err.message) });
  }

  /* A failed delivery (an alert's history row, a dead letter) in the page's words (QA5 re-test: the server's
   * English "ReadTimeout: no answer within 10 s" was all an Arabic reader got): the server records a code of
   * what went wrong (error_code / last_error_code, worker/alerts/delivery/errors.py ERROR_CODES), worded here
   * with what to do, then the exact detail as the server wrote it in its own <bdi dir=auto>. An e-mail
   * channel's code may have its own words (the mail server, not "the receiver"). A record written before the
   * codes (or a code this page does not know) shows the detail alone. */
  function deliveryErrorParts(code, detail, channelType) {
    const text = detail ? [bdi(detail)] : [];
    const keys = code ? [`deliv.${channelType}.${code}`, `deliv.${code}`] : [];
    const key = keys.find((k) => strings.en[k] !== undefined);
    return key ? [t(key), ...(text.length ? [" ", ...text] : [])] : text;
  }

  /* The one error presenter of every page: box (#error, or the #msg line) shows what failed in the page's
   * language, errorText(err) or the page's own words (format(err)), and is re-worded by the language toggle
   * (the server's detail stays as the server wrote it). hideError, or a message flashed into the same box,
   * ends it. */
  const shownTexts = new Map(); // box -> () => its text in the current language
  function showError(box, err, format) {
    const text = () => (format ? format(err) : errorParts(err));
    shownTexts.set(box, text);
    put(box, text());
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
      const text = () => [].concat(base(), " ", t("err.again", { n: seconds }));
      shownTexts.set(box, text);
      put(box, text());
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

  /* "Skip to content" (qa5c-8): the first stop of every page's tab order, shown when focused. It moves the
   * focus into <main> itself (no #fragment in the address: a page that reads its URL, the search page,
   * must not see a navigation). */
  function addSkipLink() {
    const main = document.querySelector("main");
    if (!main || document.getElementById("skip-main")) return;
    if (!main.id) main.id = "content";
    if (!main.hasAttribute("tabindex")) main.tabIndex = -1; // a focus target, not a tab stop
    const a = document.createElement("a");
    a.id = "skip-main"; a.className = "skip"; a.href = `#${main.id}`; a.dataset.i18n = "nav.skip";
    a.textContent = t("nav.skip");
    a.addEventListener("click", (ev) => { ev.preventDefault(); main.focus(); });
    document.body.prepend(a);
  }
  document.addEventListener("DOMContentLoaded", addSkipLink);
  Object.assign(strings.ar, { "nav.skip": "تخطَّ إلى المحتوى" });
  Object.assign(strings.en, { "nav.skip": "Skip to content" });
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
    // in UTC and saying so, as every other time on the pages (NW.date; QA5 re-test: this one had no zone)
    const at = new Date(service.state.checked_at * 1000).toLocaleTimeString(lang() === "ar" ? "ar-EG" : "en-GB",
      { timeZone: "UTC", timeZoneName: "short", hour: "numeric", minute: "2-digit", second: "2-digit" });
    when.textContent = t("svc.checked", { time: at });
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
    put(box, typeof text === "function" ? text() : text);
    box.className = `msg ${kind || "ok"}`;
    box.hidden = !text;
  }

  // --------------------------------------------------------------------- forms (QA5 qa5c-1, -4, -5)

  /* Arabic-Indic and Persian digits (an Arabic keyboard's numeric layout) as the digits the API reads. */
  const westernDigits = (text) => String(text).replace(/[\u0660-\u0669\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) & 0xf));

  /* A whole number typed into a text field (never type=number: it reads what it cannot parse, Arabic-Indic
   * digits in Chromium included, as "", and "1e3" as 1000 that parseInt then read as 1): { value } with
   * value null for an empty field, or { error: true } for anything but digits, or a number outside min..max.
   * Every number field of the pages reads through this one helper. */
  function wholeNumber(text, min, max) {
    const digits = westernDigits(String(text).trim());
    if (digits === "") return { value: null };
    if (!/^[0-9]+$/.test(digits)) return { error: true };
    const value = Number(digits);
    return value >= min && value <= max ? { value } : { error: true };
  }

  /* A form field's own message, under it (a <small> after the field, tied to it by aria-describedby; the field
   * is marked aria-invalid), worded again by the language toggle. text: () => a string or tn parts. */
  function fieldError(input, text) {
    const id = `${input.id}-msg`;
    let box = document.getElementById(id);
    if (!box) {
      box = el("small", null, "field-msg");
      box.id = id;
      box.setAttribute("dir", "auto");
      input.insertAdjacentElement("afterend", box);
    }
    shownTexts.set(box, text);
    put(box, text());
    box.hidden = false;
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", [input.getAttribute("aria-describedby") || "", id]
      .join(" ").split(" ").filter((x, i, xs) => x && xs.indexOf(x) === i).join(" "));
  }

  /* Every field message of form gone, before it is checked again. */
  function clearFieldErrors(form) {
    for (const box of form.querySelectorAll(".field-msg")) { shownTexts.delete(box); box.hidden = true; box.textContent = ""; }
    for (const input of form.querySelectorAll("[aria-invalid]")) {
      input.removeAttribute("aria-invalid");
      const rest = (input.getAttribute("aria-describedby") || "").split(" ").filter((x) => x && x !== `${input.id}-msg`);
      if (rest.length) input.setAttribute("aria-describedby", rest.join(" ")); else input.removeAttribute("aria-describedby");
    }
  }

  /* The fields a 422 names, as [{ loc, msg }]: the API's own list (errors, worker/api/refusal.py) or FastAPI's
   * validation list in detail. */
  function refusedFields(err) {
    if (!(err instanceof ApiError) || !err.body) return [];
    const list = Array.isArray(err.body.errors) ? err.body.errors : Array.isArray(err.body.detail) ? err.body.detail : [];
    return list.filter((e) => e && Array.isArray(e.loc)).map((e) => ({ loc: e.loc.map(String), msg: String(e.msg || "") }));
  }

  /* A form's checks, the page's and the server's: problems is [[input, () => words], ...]. Each field gets its
   * message and #msg (box) says nothing was saved, replacing whatever it said before (a green "saved" from the
   * last Save must not stay over a refusal); the focus goes to the first field. */
  function refuseFields(box, problems, detail) {
    for (const [input, words] of problems) fieldError(input, words);
    showError(box, null, () => (detail ? [].concat(tn("form.not_saved", { n: problems.length }), " ", tn("err.422", { detail: bdi(detail) }))
      : tn("form.not_saved", { n: problems.length })));
    if (problems.length) problems[0][0].focus();
  }

  /* A 422 whose refused fields the form has: each under its input (inputOf(loc): the form's input for a
   * refused field's loc, or null), the server's reason in its own <bdi>, what no input takes in box. True when
   * the refusal was shown so; false for anything else, which the caller shows its own way. Every form's
   * server refusal goes through here (alerts, the add-feed form, the feed editor). */
  function refuseServerFields(box, err, inputOf) {
    if (!(err instanceof ApiError) || err.status !== 422) return false;
    const problems = [];
    const rest = [];
    for (const { loc, msg } of refusedFields(err)) {
      const input = inputOf(loc);
      if (input && !problems.some(([known]) => known === input)) problems.push([input, () => tn("form.server_refused", { detail: bdi(msg) })]);
      else if (!input) rest.push(msg);
    }
    if (!problems.length) return false;
    refuseFields(box, problems, rest.join("; "));
    return true;
  }

  /* Whether the server takes changes (its lists' writes_enabled): when it does not, box (the notice by the
   * form) says so up front and the buttons that would change something are disabled, rather than the
   * refusal coming after a whole form was filled (QA5 qa5c-1). */
  function writesNotice(box, enabled, buttons) {
    box.hidden = enabled;
    if (!enabled) put(box, tn("writes.off"));
    shownTexts.set(box, () => tn("writes.off"));
    if (enabled) shownTexts.delete(box);
    for (const b of buttons) {
      if (!b) continue;
      b.disabled = !enabled;
      if (enabled) b.removeAttribute("aria-describedby"); else b.setAttribute("aria-describedby", box.id);
    }
  }

  /* Tables on a phone (qa5c-3): under 800 px app.css shows each row of a `table.table` as a card of
   * "label: value" lines, the label being the cell's column heading, which CSS can only read from the cell
   * itself (td::before { content: attr(data-label) }). Each cell gets its heading as data-label here, again
   * whenever the page redraws the body or the language toggle rewrites the headings: a MutationObserver per
   * table, so the scripts that fill the tables (feeds.js, alerts.js) need not know. A cell spanning several
   * columns (the "none yet" row) and the cells under an empty heading (the action buttons) get no label. */
  function labelCells(table) {
    const head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!head) return;
    const names = [];
    for (const th of head.cells) for (let i = 0; i < th.colSpan; i++) names.push(th.textContent.trim());
    for (const body of table.tBodies) {
      for (const tr of body.rows) {
        let col = 0;
        for (const td of tr.cells) {
          const name = td.colSpan === 1 ? names[col] : "";
          if (name) { if (td.dataset.label !== name) td.dataset.label = name; } else if ("label" in td.dataset) delete td.dataset.label;
          col += td.colSpan;
        }
      }
    }
  }

  function cardTables() {
    for (const table of document.querySelectorAll("table.table")) {
      labelCells(table);
      // attribute changes (data-label itself) are not observed: labelling never wakes the observer again
      new MutationObserver(() => labelCells(table)).observe(table, { childList: true, subtree: true, characterData: true });
    }
  }

  const NW = {
    get lang() { return lang(); },
    $: byId, el, link, button, emptyRow, safeUrl, quoteValue, flash, bdi, tn,
    westernDigits, wholeNumber, fieldError, deliveryErrorParts, clearFieldErrors, refusedFields, refuseFields, refuseServerFields, writesNotice, errorParts,
    t, addStrings(dict) { for (const l of ["ar", "en"]) Object.assign(strings[l], (dict && dict[l]) || {}); },
    applyLang, setLang, onLang(cb) { langListeners.push(cb); },
    apiKey, setApiKey, refused, askKey, api, read, ApiError, renderNav, errorText, showError, hideError, withKey,
    readAgain, holdAgain,
    service(fresh) { return fresh ? readService() : Promise.resolve(service.state); },
    /* An ISO date as every page shows it (qa5c-12: the search page wrote 2018-04-08 01:51 in UTC, the
     * others the browser's local time in Arabic-Indic digits, and none said which zone): the page
     * language's digits (Arabic-Indic in Arabic), day/month/year, and always in UTC, the zone of the
     * search's date filter and its per-day histogram, so a time and its day agree everywhere. A time
     * says "UTC"; a date alone is the UTC day. */
    date(iso, withTime) {
      if (!iso) return "";
      const d = new Date(iso);
      if (Number.isNaN(d.getTime())) return String(iso);
      const opts = { year: "numeric", month: "2-digit", day: "2-digit", timeZone: "UTC" };
      if (withTime) Object.assign(opts, { hour: "numeric", minute: "2-digit", timeZoneName: "short" });
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
      "form.not_saved": { one: "لم يُحفظ شيء: في حقل واحد قيمة مرفوضة، والسبب تحته.", two: "لم يُحفظ شيء: في حقلين قيمتان مرفوضتان، والسبب تحت كل منهما.",
        few: "لم يُحفظ شيء: في {n} حقول قيم مرفوضة، والسبب تحت كل منها.", many: "لم يُحفظ شيء: في {n} حقلًا قيم مرفوضة، والسبب تحت كل منها.",
        other: "لم يُحفظ شيء: في {n} حقل قيم مرفوضة، والسبب تحت كل منها." },
      "form.server_refused": "رفض الخادم هذه القيمة: {detail}",
      "writes.off": "التعديل متوقف على هذا الخادم: لم يُضبط عليه NEWSWORKER_API_KEY (أو هو قيمة مثال)، فيرفض كل إضافة وتغيير وحذف مهما كان المفتاح. على من يشغّله أن يضبط NEWSWORKER_API_KEY على سرّ ثم يعيد تشغيله (newsworker run --demo يصنع مفتاحًا لجلسته ويطبعه عند البدء)، ثم أدخل المفتاح نفسه بزر «مفتاح API».",
      "svc.title": "الخدمة لا تعمل كلها:", "svc.checked": "(فُحصت {time})",
      "svc.redis": "Redis لا يجيب: لا تُجلب المصادر ولا تُرسل التنبيهات، ولا يُحفظ أي تعديل.",
      "svc.es": "Elasticsearch لا يجيب: البحث متوقف، والمقالات الجديدة لا تُحفظ ولا تُرسل تنبيهاتها حتى يعود.",
      "svc.workers": "لا يعمل أي عامل (worker): لا تُجلب المصادر ولا تُرسل التنبيهات، و«اجلب الآن» ينتظر عودته.",
      "svc.beat": "المجدول (beat) متوقف: لا تُجلب المصادر في مواعيدها ولا تُرسل الملخصات الدورية.",
      "svc.consuming": "العمّال لا يعالجون العمل المنتظر (عالقون أو متأخرون كثيرًا): قد تتأخر المصادر والتنبيهات.",
      "deliv.timeout": "لم يُجب المستقبِل في الوقت المحدد (بطيء جدًا أو مثقل): تأكد أنه يعمل ويجيب بسرعة.",
      "deliv.email.timeout": "لم يُجب خادم البريد (SMTP) في الوقت المحدد: تأكد أنه يعمل ويجيب بسرعة.",
      "deliv.unreachable": "تعذّر الوصول إلى المستقبِل (رُفض الاتصال أو لم يُعرف اسم المضيف): تحقق من العنوان ومن أنه يعمل.",
      "deliv.email.unreachable": "تعذّر الوصول إلى خادم البريد (SMTP): تحقق من إعداده (NEWSWORKER_SMTP_HOST وNEWSWORKER_SMTP_PORT) ومن أنه يعمل.",
      "deliv.redirect": "ردّ المستقبِل بتحويل إلى عنوان آخر (انتقل): ضع عنوانه الجديد في التنبيه ثم أعد الإرسال.",
      "deliv.client_error": "رفض المستقبِل الطلب (رمز 4xx): تحقق من عنوان الـWebhook وما فيه من مفتاح، ثم أعد الإرسال.",
      "deliv.server_error": "فشل المستقبِل بخطأ من جهته (رمز 5xx): الخلل عنده؛ أعد الإرسال حين يعود إلى العمل.",
      "deliv.rate_limited": "طلب المستقبِل التمهّل (تجاوز حدّ الطلبات): ينتظر الإرسال المدة التي طلبها.",
      "deliv.bad_url": "عنوان الـWebhook مرفوض (عنوان خاص أو غير صالح أو مخفيّ): احفظ التنبيه بعنوان عام صالح ثم أعد الإرسال.",
      "deliv.bad_address": "عنوان البريد غير صالح: صحّحه في التنبيه ثم أعد الإرسال.",
      "deliv.smtp_refused": "رفض خادم البريد (SMTP) الرسالة أو العنوان: تحقق من العنوان ثم أعد الإرسال.",
      "deliv.smtp_deferred": "رفض خادم البريد (SMTP) الرسالة مؤقتًا: تُعاد المحاولة لاحقًا.",
      "deliv.other": "فشل الإرسال:",
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
      "form.not_saved": { one: "Nothing was saved: {n} field holds a value that is refused; the reason is under it.",
        other: "Nothing was saved: {n} fields hold values that are refused; the reason is under each." },
      "form.server_refused": "The server refused this value: {detail}",
      "writes.off": "Changes are off on this server: NEWSWORKER_API_KEY is not set on it (or is an example value), so it refuses every addition, change and removal whatever the key. Whoever runs it must set NEWSWORKER_API_KEY to a secret and restart it (newsworker run --demo makes a key for its session and prints it at start); then enter the same key with the API key button.",
      "svc.title": "Not everything is running:", "svc.checked": "(checked {time})",
      "svc.redis": "Redis is not answering: feeds are not polled, alerts are not sent, and no change can be saved.",
      "svc.es": "Elasticsearch is not answering: search is down, and new articles are neither stored nor alerted on until it returns.",
      "svc.workers": "No worker is running: feeds are not polled and alerts are not sent; Poll now waits until one is back.",
      "svc.beat": "The scheduler (beat) is down: feeds are not polled on schedule and digests are not sent.",
      "svc.consuming": "The workers are not getting through the waiting work (stuck or far behind): feeds and alerts may be late.",
      "deliv.timeout": "The receiver did not answer in time (too slow or overloaded): check that it is up and answers quickly.",
      "deliv.email.timeout": "The mail server (SMTP) did not answer in time: check that it is up and answers quickly.",
      "deliv.unreachable": "The receiver could not be reached (connection refused, or its host name unknown): check the address and that it is running.",
      "deliv.email.unreachable": "The mail server (SMTP) could not be reached: check its settings (NEWSWORKER_SMTP_HOST, NEWSWORKER_SMTP_PORT) and that it is running.",
      "deliv.redirect": "The receiver answered with a redirect (it moved): put its new URL in the alert, then replay.",
      "deliv.client_error": "The receiver refused the request (a 4xx status): check the webhook URL and any key in it, then replay.",
      "deliv.server_error": "The receiver failed on its side (a 5xx status): replay once it works again.",
      "deliv.rate_limited": "The receiver asked us to slow down (rate limited): sending waits as long as it asked.",
      "deliv.bad_url": "The webhook URL is refused (a private, invalid or hidden address): save the alert with a valid public URL, then replay.",
      "deliv.bad_address": "The e-mail address is not valid: correct it in the alert, then replay.",
      "deliv.smtp_refused": "The mail server (SMTP) refused the message or the address: check the address, then replay.",
      "deliv.smtp_deferred": "The mail server (SMTP) refused the message for now: it is tried again later.",
      "deliv.other": "Sending failed:",
    },
  });

  window.NW = NW;
  document.addEventListener("DOMContentLoaded", () => {
    applyLang();
    renderNav(document.body.dataset.page || "");
    cardTables();
    watchService();
  });
})();
