/* The alerts page: saved searches with their channels (webhook, Slack, e-mail), instant or digest mode and
 * a minimum casualty count; enable, disable, edit, delete; "Test" (what a rule would have fired over the
 * indexed articles, one entry per story) and the delivery history per channel.
 *
 * "Save this search as an alert" on the search page opens /alerts?q=...&source=... and the form starts
 * with that query. Every call goes through NW.withKey(() => NW.api(...)): a 401 opens the key dialog and the
 * call is retried with each key entered there (again after a wrong one). An edit is saved only over the
 * version it was opened on (If-Match with the rule's `updated` time): a rule changed or deleted meanwhile
 * (another tab, another user) answers 412 and the page says so instead of overwriting it or bringing it back.
 * A save the server did not confirm (503: Elasticsearch slow to answer) is checked by reading the rule again.
 * Every message is worded again by the language toggle. Rule names, queries, titles and errors are
 * untrusted: textContent.
 */
"use strict";

(function () {
  const { $, el, button } = NW;
  // etag: the `updated` time of the version the edit form was opened on; writes: false when the server
  // refuses every change (no key, or a placeholder one, configured): then no key is asked for
  const ui = { editing: null, editingRule: null, etag: null, writes: true, rules: [], preview: null, history: null, offset: 0, loadFailed: false };
  ui.clean = null; // the form's fields as last filled (formState), ui.armed: an Edit/Cancel asking to discard
  const PAGE = 50;
  const REDACTED = "…";

  // #msg, through shell.js's presenters, so that the language toggle words it again (QA4 re-test N3)
  const clear = () => NW.flash($("msg"), "");
  const say = (key, vars) => NW.flash($("msg"), () => NW.t(key, vars), "ok");
  const warn = (key, vars) => NW.showError($("msg"), null, () => NW.t(key, vars));
  const fail = (err) => NW.showError($("msg"), err);
  const isStatus = (err, status) => err instanceof NW.ApiError && err.status === status;
  // A channel box holds one target a line: split on newlines only, never on commas, so a quoted local part
  // ("x,y"@example.org, as README advises) is one address and a webhook URL's commas stay (QA5 qa5c-6).
  const lines = (id) => $(id).value.split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
  const commaList = (id) => $(id).value.split(",").map((s) => s.trim()).filter(Boolean); // sources
  // the number fields' bounds (RuleBody's and FiltersIn's, worker/api/routes/alerts.py)
  const DIGEST = [1, 7 * 24 * 60];
  const CASUALTIES = [0, 1_000_000];

  // -------------------------------------------------------------------------------------------- form

  /* The rule as the form shows it. Fields the form does not show (owner, languages) are carried over
   * from the rule being edited: PUT replaces the whole rule. */
  function formBody() {
    const kept = ui.editingRule || {};
    // read by NW.wholeNumber (Arabic-Indic digits too); formProblems refused anything else before this
    const digest = NW.wholeNumber($("f-digest").value, ...DIGEST).value;
    return {
      owner: kept.owner || null,
      query: $("f-query").value.trim(),
      mode: $("f-mode").value,
      digest_minutes: digest === null || digest === undefined ? 60 : digest,
      enabled: $("f-enabled").checked,
      filters: {
        sources: commaList("f-sources"), languages: (kept.filters && kept.filters.languages) || [],
        min_casualties: NW.wholeNumber($("f-casualties").value, ...CASUALTIES).value ?? null,
      },
      channels: {
        webhooks: [
          ...lines("f-webhooks").map((url) => ({ url, format: "json" })),
          ...lines("f-slack").map((url) => ({ url, format: "slack" })),
        ],
        emails: lines("f-emails"),
      },
    };
  }

  // What the page refuses before sending (QA5 qa5c-4, qa5c-5): each field's rule in the page's language,
  // quoting what was typed, where the server answered with its English patterns.
  const NAME_RE = /^[\p{L}\p{N}_.-]{1,100}$/u; // the rule name's (worker/alerts/rules.py NAME_RE: Python's \w)
  const URL_RE = /^https?:\/\/[^\s/]+/i; // a webhook's (WebhookIn.url)
  const EMAIL_RE = /^[^@\s\x00-\x1f\x7f-\x9f]+@[^@\s\x00-\x1f\x7f-\x9f]+$/; // EMAIL_PATTERN

  /* A comma outside double quotes: mail systems read the line as two addresses. */
  function commaOutsideQuotes(addr) {
    let quoted = false;
    for (let i = 0; i < addr.length; i++) {
      if (addr[i] === "\\" && quoted) i++;
      else if (addr[i] === '"') quoted = !quoted;
      else if (addr[i] === "," && !quoted) return true;
    }
    return false;
  }

  function formProblems() {
    const out = [];
    const v = (text) => NW.bdi(text);
    const name = $("f-name").value.trim();
    if (!ui.editing) {
      if (!name) out.push([$("f-name"), () => NW.tn("alerts.v_name_missing")]);
      else if (!NAME_RE.test(name)) out.push([$("f-name"), () => NW.tn("alerts.v_name", { v: v(name) })]);
    }
    if (!$("f-query").value.trim()) out.push([$("f-query"), () => NW.tn("alerts.v_query_missing")]);
    for (const id of ["f-webhooks", "f-slack"]) {
      const bad = lines(id).find((url) => !URL_RE.test(url) || url.length > 2048);
      if (bad !== undefined) out.push([$(id), () => NW.tn("alerts.v_url", { v: v(bad) })]);
    }
    const comma = lines("f-emails").find(commaOutsideQuotes);
    const bad = lines("f-emails").find((a) => !EMAIL_RE.test(a) || a.length > 254);
    if (comma !== undefined) out.push([$("f-emails"), () => NW.tn("alerts.v_email_comma", { v: v(comma) })]);
    else if (bad !== undefined) out.push([$("f-emails"), () => NW.tn("alerts.v_email", { v: v(bad) })]);
    const digest = $("f-digest").value.trim();
    if (NW.wholeNumber(digest, ...DIGEST).error) out.push([$("f-digest"), () => NW.tn("alerts.v_digest", { v: v(digest), min: DIGEST[0], max: DIGEST[1] })]);
    const cas = $("f-casualties").value.trim();
    if (NW.wholeNumber(cas, ...CASUALTIES).error) out.push([$("f-casualties"), () => NW.tn("alerts.v_casualties", { v: v(cas), min: CASUALTIES[0], max: CASUALTIES[1] })]);
    return out;
  }

  /* The form's field a refusal's loc names (["body", "channels", "webhooks", 1, "url"]); the webhooks list
   * sent is the JSON box's lines, then Slack's. */
  function fieldOf(loc, body) {
    const at = (k) => loc.indexOf(k);
    if (at("webhooks") >= 0) {
      const i = Number(loc[at("webhooks") + 1]);
      const json = body.channels.webhooks.filter((h) => h.format !== "slack").length;
      return Number.isInteger(i) && i >= json ? "f-slack" : "f-webhooks";
    }
    const map = { emails: "f-emails", name: "f-name", query: "f-query", digest_minutes: "f-digest",
      min_casualties: "f-casualties", sources: "f-sources" };
    const key = loc.find((k) => map[k]);
    return key ? map[key] : null;
  }

  /* A refused save: a 409 is the name's (page words, no HTTP verb), a 422 goes to the fields it names with
   * the server's reason in its own <bdi>; anything else to #msg. */
  function saveRefused(err, body) {
    if (isStatus(err, 409) && !ui.editing) {
      const name = $("f-name").value.trim();
      NW.refuseFields($("msg"), [[$("f-name"), () => NW.tn("alerts.exists", { name: NW.bdi(name) })]]);
      return;
    }
    if (NW.refuseServerFields($("msg"), err, (loc) => { const id = fieldOf(loc, body); return id ? $(id) : null; })) return;
    fail(err);
    if (isStatus(err, 403)) showWrites(false);
  }

  /* The notice by the form, a disabled Save and disabled Enable/Disable and Delete when the server takes no
   * change (GET /alerts' writes_enabled, or a 403): said before a rule is typed, not after (QA5 qa5c-1). */
  function showWrites(enabled) {
    const changed = ui.writes !== enabled;
    ui.writes = enabled;
    NW.writesNotice($("writes-off"), enabled, [$("f-save")]);
    if (changed) renderRules();
  }

  function fillForm(rule) {
    const hooks = (rule.channels && rule.channels.webhooks) || [];
    const filters = rule.filters || {};
    $("f-name").value = rule.name || "";
    $("f-name").readOnly = Boolean(ui.editing);
    $("f-query").value = rule.query || "";
    $("f-webhooks").value = hooks.filter((h) => h.format !== "slack").map((h) => h.url).join("\n");
    $("f-slack").value = hooks.filter((h) => h.format === "slack").map((h) => h.url).join("\n");
    $("f-emails").value = ((rule.channels && rule.channels.emails) || []).join("\n");
    $("f-mode").value = rule.mode === "digest" ? "digest" : "instant";
    $("f-digest").value = rule.digest_minutes || 60;
    $("f-casualties").value = filters.min_casualties === null || filters.min_casualties === undefined ? "" : filters.min_casualties;
    $("f-sources").value = (filters.sources || []).join(", ");
    $("f-enabled").checked = rule.enabled !== false;
    $("form-title").dataset.i18n = ui.editing ? "alerts.edit_title" : "alerts.new";
    $("form-title").textContent = ui.editing ? NW.t("alerts.edit_title", { name: ui.editing }) : NW.t("alerts.new");
  }

  function resetForm() {
    ui.editing = null;
    ui.editingRule = null;
    ui.etag = null;
    fillForm({});
    markClean();
  }

  // ----------------------------------------------------------------------------- unsaved changes

  /* The form's unsaved changes (qa5c-9: Edit on another rule, or Cancel, replaced a typed rule without a
   * word). The form is "clean" as it was last filled (empty, a rule loaded by Edit); anything typed since,
   * or a query brought from the search page, is a change. Edit and Cancel then ask once more in place, as
   * Delete does (the pressed button turns into "discard"; a second press goes ahead, typing again disarms
   * it), and leaving the page asks the browser's own question (beforeunload). */
  const FORM_FIELDS = ["f-name", "f-query", "f-webhooks", "f-slack", "f-emails", "f-mode", "f-digest",
    "f-casualties", "f-sources", "f-enabled"];
  const formState = () => JSON.stringify(FORM_FIELDS.map((id) => ($(id).type === "checkbox" ? $(id).checked : $(id).value)));
  const unsaved = () => ui.clean !== null && formState() !== ui.clean;

  function markClean() {
    ui.clean = formState();
    disarm();
  }

  function disarm() {
    const b = ui.armed;
    ui.armed = null;
    if (!b || !b.isConnected || !b.dataset.was) return;
    b.dataset.i18n = b.dataset.was;
    b.textContent = NW.t(b.dataset.was);
    delete b.dataset.was;
  }

  /* true: the button may go ahead (nothing unsaved, or its second press). */
  function mayDiscard(btn) {
    if (!unsaved() || ui.armed === btn) { disarm(); return true; }
    disarm();
    btn.dataset.was = btn.dataset.i18n;
    btn.dataset.i18n = "alerts.confirm_discard";
    btn.textContent = NW.t("alerts.confirm_discard");
    ui.armed = btn;
    const name = ui.editing;
    warn(name ? "alerts.unsaved_edit" : "alerts.unsaved_new", { name });
    return false;
  }

  /* On the page, before the buttons' own handlers (capture): Edit (any rule's) and Cancel stop at their
   * first press while the form holds unsaved changes. */
  function guardUnsaved() {
    document.addEventListener("click", (ev) => {
      const btn = ev.target instanceof Element ? ev.target.closest("#f-cancel, #rules .act-edit") : null;
      if (!btn || mayDiscard(btn)) return;
      ev.preventDefault();
      ev.stopPropagation();
    }, true);
    $("alert-form").addEventListener("input", disarm);
    window.addEventListener("beforeunload", (ev) => {
      if (!unsaved()) return;
      ev.preventDefault();
      ev.returnValue = ""; // the browser words the question; older ones need returnValue set
    });
  }

  async function save(ev) {
    ev.preventDefault();
    clear();
    NW.clearFieldErrors($("alert-form"));
    const name = ui.editing || $("f-name").value.trim();
    const problems = formProblems();
    if (problems.length) { NW.refuseFields($("msg"), problems); return; }
    const body = formBody();
    // A form opened without the key shows redacted targets: sending them would replace the real channels
    // with "host/…" and "…@domain". Never sent: load the real ones with the key and let the user look again.
    if (ui.editing && isRedacted(body)) {
      // a server that refuses every change would refuse any key too: say so rather than ask for one
      if (!ui.writes) { warn("alerts.writes_off"); return; }
      await loadRealChannels(name); return;
    }
    // "*" (a rule saved before versions): at least never re-create a rule deleted meanwhile
    const ifMatch = ui.etag ? `"${ui.etag}"` : "*";
    try {
      await NW.withKey(() => (ui.editing
        ? NW.api(`/alerts/${encodeURIComponent(name)}`, { method: "PUT", json: body, headers: { "If-Match": ifMatch } })
        : NW.api("/alerts", { method: "POST", json: Object.assign({ name }, body) })));
    } catch (err) {
      if (ui.editing && isStatus(err, 412)) { await stale(name, body); return; }
      // no answer in time (a 503, the connection lost): the change may have been made all the same
      if (isStatus(err, 503) || !(err instanceof NW.ApiError)) { await unconfirmed(name, body); return; }
      saveRefused(err, body); return;
    }
    await saved(name, ui.editing ? "alerts.updated" : "alerts.created");
  }

  async function saved(name, key) {
    say(key, { name });
    resetForm();
    await loadRules();
  }

  /* What a save changes, as one comparable value: a rule read back and the body sent give the same value
   * when the rule holds that body (the server trims the query; list order does not matter). */
  function shape(rule) {
    const f = rule.filters || {}, ch = rule.channels || {};
    const sorted = (xs) => [...(xs || [])].map(String).sort();
    return JSON.stringify([String(rule.query || "").trim(), rule.mode === "digest" ? "digest" : "instant",
      Number(rule.digest_minutes) || 60, rule.enabled !== false, rule.owner || null, sorted(f.sources),
      sorted(f.languages), f.min_casualties === undefined ? null : f.min_casualties,
      sorted((ch.webhooks || []).map((h) => `${h.format || "json"} ${h.url}`)), sorted(ch.emails)]);
  }

  /* A save the server did not confirm (QA4 re-test N2: Elasticsearch wrote the rule but answered after the
   * API's NEWSWORKER_API_ES_TIMEOUT, and the page said only "unavailable", then blamed "another tab" for its
   * own change at the next Save). The rule is read again and the page says what happened:
   * - it holds what was sent: saved;
   * - it is as the form found it (or still absent, for a new one): not saved, the form keeps the change;
   * - it is another version: it may be this save or someone else's; the list shows it, the form keeps the
   *   change and is now based on that version, so Save writes the form over it (no false "another tab");
   * - it cannot be read: the change may have been saved, reload to check.
   * A "not saved" write may still land later: the next Save's 412 then finds the form's change there (stale). */
  async function unconfirmed(name, body) {
    let now = null; // the rule as the server holds it now (a realtime GET: a write it applied is there)
    try {
      now = await NW.withKey(() => NW.api(`/alerts/${encodeURIComponent(name)}`));
    } catch (err) {
      if (!isStatus(err, 404)) {
        NW.showError($("msg"), err, (e) => NW.t("alerts.save_unknown", { name, detail: NW.errorText(e) }));
        return;
      }
    }
    if (now && shape(now) === shape(body)) { await saved(name, "alerts.save_late"); return; }
    const before = ui.editing ? ui.etag : null; // the version the form was opened on (none: a new rule)
    if (!now || (now.updated || null) === before) {
      warn("alerts.save_lost", { name });
    } else {
      editing(name, now); // the form's change, over the version the server holds now
      warn("alerts.save_maybe", { name });
    }
    await loadRules();
  }

  /* The edit form's rule changed or was deleted since the form opened: nothing was saved, the form keeps
   * the user's edits and the list shows the rules as they are now. A changed rule: Save stays refused
   * until Edit loads the current version. A deleted one: the form becomes a "new alert" form, so only
   * a deliberate second Save (a POST, a 409 if the name was taken meanwhile) creates it again. */
  async function stale(name, body) {
    await loadRules();
    const now = ui.rules.find((r) => r.name === name);
    // the rule already holds what the form sends (an earlier save that the server confirmed too late, or the
    // same change made elsewhere): nothing is lost, and "another tab changed it" would be wrong
    if (now && body && shape(now) === shape(body)) { await saved(name, "alerts.already_saved"); return; }
    const gone = !now;
    if (gone && ui.editing === name) {
      ui.editing = null;
      ui.etag = null;
      $("f-name").readOnly = false;
      $("form-title").dataset.i18n = "alerts.new";
      $("form-title").textContent = NW.t("alerts.new");
    }
    warn(gone ? "alerts.stale_gone" : "alerts.stale", { name });
  }

  /* The redaction marker (worker.alerts.rules.REDACTED) in a rule's or the form's channels. */
  const isRedacted = (rule) => JSON.stringify((rule && rule.channels) || {}).includes(REDACTED);

  /* After "Save" on a form with redacted channels: ask for the key (unless one is set), read the rule with
   * it and put its real channels into the fields that held placeholders; the user's other edits stay, and
   * nothing is saved until they press Save again. A key that still gets a redacted rule is a wrong key. */
  async function loadRealChannels(name) {
    for (let attempt = 0; attempt < 2; attempt++) {
      if (attempt > 0 || !NW.apiKey()) {
        const entered = await NW.askKey(NW.t(attempt > 0 ? "alerts.key_refused" : "alerts.redacted_key"));
        if (!entered) { warn("alerts.redacted"); return; }
      }
      let rule;
      try {
        rule = await NW.withKey(() => NW.api(`/alerts/${encodeURIComponent(name)}`));
      } catch (err) { fail(err); return; }
      if (!isRedacted(rule)) {
        ui.editingRule = rule; // ui.etag stays the version the form opened on: a change since is still a 412
        fillChannels(rule);
        warn("alerts.review");
        return;
      }
    }
    warn("alerts.redacted");
  }

  /* Each channel field that holds a placeholder gets the rule's real targets, plus the lines the user added
   * there (those without the marker). */
  function fillChannels(rule) {
    const hooks = (rule.channels && rule.channels.webhooks) || [];
    const real = {
      "f-webhooks": hooks.filter((h) => h.format !== "slack").map((h) => h.url),
      "f-slack": hooks.filter((h) => h.format === "slack").map((h) => h.url),
      "f-emails": (rule.channels && rule.channels.emails) || [],
    };
    for (const [id, targets] of Object.entries(real)) {
      if (!$(id).value.includes(REDACTED)) continue;
      const added = lines(id).filter((line) => !line.includes(REDACTED) && !targets.includes(line));
      $(id).value = [...targets, ...added].join("\n");
    }
  }

  async function edit(name) {
    let rule;
    try { rule = await NW.withKey(() => NW.api(`/alerts/${encodeURIComponent(name)}`)); } catch (err) { await refused(err); return; }
    editing(name, rule);
    fillForm(rule);
    markClean();
    // Without the key the server sends redacted targets ("https://host/…"): saving them would break them.
    if (isRedacted(rule)) warn("alerts.redacted");
    $("editor").scrollIntoView();
    // keyboard users land in the form, on its first field they can change (the name is fixed while editing)
    const first = [...$("editor").querySelectorAll("input, select, textarea")]
      .find((f) => !f.readOnly && !f.disabled && f.type !== "hidden");
    if (first) first.focus();
  }

  /* The form edits `rule` (as read from the server): a save goes over this version. */
  function editing(name, rule) {
    ui.editing = name;
    ui.editingRule = rule;
    ui.etag = rule.updated || null;
    $("f-name").readOnly = true;
    $("form-title").dataset.i18n = "alerts.edit_title";
    $("form-title").textContent = NW.t("alerts.edit_title", { name });
  }

  /* A refused call from the list: its message; a rule deleted meanwhile (404) also leaves the list. */
  async function refused(err) {
    fail(err);
    if (isStatus(err, 403)) showWrites(false);
    if (isStatus(err, 404)) await loadRules();
  }

  // -------------------------------------------------------------------------------------------- list

  function channelSummary(rule) {
    const ch = rule.channels || {};
    const hooks = ch.webhooks || [];
    const parts = [];
    const json = hooks.filter((h) => h.format !== "slack").length;
    const slack = hooks.length - json;
    if (json) parts.push(`${NW.t("alerts.ch_webhook_short")} ×${json}`);
    if (slack) parts.push(`Slack ×${slack}`);
    if ((ch.emails || []).length) parts.push(`${NW.t("alerts.ch_email")} ×${ch.emails.length}`);
    return parts.join("، ") || NW.t("alerts.no_channel");
  }

  function modeText(rule) {
    const mode = rule.mode === "digest" ? NW.t("alerts.digest_every", { n: rule.digest_minutes }) : NW.t("alerts.instant");
    const min = rule.filters && rule.filters.min_casualties;
    return min ? `${mode} — ${NW.t("alerts.min_cas_short", { n: min })}` : mode;
  }

  /* The table is rebuilt after every change and language switch: the focus goes back to the same button of
   * the same rule (focus: [rule name, button class]), else it would fall to <body>. */
  function focusedAction(body) {
    const a = document.activeElement;
    const tr = a && body.contains(a) ? a.closest("tr[data-rule]") : null;
    return tr ? [tr.dataset.rule, [...a.classList].find((c) => c.startsWith("act-"))] : null;
  }

  function renderRules(focus) {
    const body = $("rules").tBodies[0];
    const refocus = focus || focusedAction(body);
    body.replaceChildren();
    const sel = $("h-rule");
    const chosen = sel.value;
    while (sel.options.length > 1) sel.remove(1);
    if (!ui.rules.length) {
      NW.emptyRow(body, NW.t("alerts.none"), 6);
    }
    for (const rule of ui.rules) {
      const tr = el("tr");
      tr.dataset.rule = rule.name;
      const state = el("span", NW.t(rule.enabled ? "alerts.on" : "alerts.off"), rule.enabled ? "badge ok" : "badge off");
      const actions = el("td", null, "actions");
      actions.append(
        button(rule.enabled ? "alerts.disable" : "alerts.enable", () => toggle(rule), "act-toggle"),
        button("alerts.edit", () => edit(rule.name), "act-edit"),
        button("alerts.test", () => test(rule.name), "act-test"),
        button("alerts.show_history", () => { $("h-rule").value = rule.name; loadHistory(); }, "act-history"),
        button("alerts.delete", (ev) => remove(rule.name, ev.currentTarget), "act-delete danger"),
      );
      if (!ui.writes) for (const b of actions.querySelectorAll(".act-toggle, .act-delete")) b.disabled = true;
      const q = el("td", rule.query, "query");
      q.dir = "auto";
      tr.append(el("td", rule.name, "name"), q, el("td", channelSummary(rule)), el("td", modeText(rule)),
        el("td").appendChild(state).parentNode, actions);
      body.append(tr);
      const opt = el("option", rule.name);
      opt.value = rule.name;
      sel.append(opt);
    }
    sel.value = chosen;
    if (refocus) {
      const row = [...body.rows].find((r) => r.dataset.rule === refocus[0]);
      const target = row && (refocus[1] ? row.querySelector("." + refocus[1]) : row.querySelector("button"));
      if (target) target.focus();
      else if (focus) $("rules-title").focus(); // the rule is gone and none follows: the list's heading
    }
  }

  /* The list, again; false (its error shown) when it could not be read. */
  async function loadRules(focus) {
    NW.holdAgain("rules");
    try {
      const list = await NW.withKey(() => NW.api("/alerts"));
      ui.rules = list.rules || [];
      NW.writesNotice($("writes-off"), list.writes_enabled !== false, [$("f-save")]);
      ui.writes = list.writes_enabled !== false;
    } catch (err) {
      fail(err);
      ui.loadFailed = true;
      NW.readAgain("rules", () => loadRules(focus), err, $("msg"));
      return false;
    }
    NW.readAgain("rules");
    if (ui.loadFailed) NW.hideError($("msg")); // the list is back: its error no longer holds
    ui.loadFailed = false;
    renderRules(focus);
    return true;
  }

  async function toggle(rule) {
    clear();
    try {
      await NW.withKey(() => NW.api(`/alerts/${encodeURIComponent(rule.name)}`, { method: "PATCH", json: { enabled: !rule.enabled } }));
    } catch (err) { await refused(err); return; }
    say(rule.enabled ? "alerts.disabled_msg" : "alerts.enabled_msg", { name: rule.name });
    await loadRules([rule.name, "act-toggle"]);
  }

  /* Delete asks twice in place (the button turns into "confirm"), not with window.confirm: a native
   * dialog is easy to click through and blocks the page. */
  async function remove(name, btn) {
    if (btn.dataset.armed !== "1") {
      btn.dataset.armed = "1";
      btn.dataset.i18n = "alerts.confirm_delete";
      btn.textContent = NW.t("alerts.confirm_delete", { name });
      return;
    }
    // only the version this list shows: a change saved meanwhile elsewhere is shown first, not thrown away
    const shown = ui.rules.find((r) => r.name === name);
    const headers = shown && shown.updated ? { "If-Match": `"${shown.updated}"` } : {};
    try {
      await NW.withKey(() => NW.api(`/alerts/${encodeURIComponent(name)}`, { method: "DELETE", headers }));
    } catch (err) {
      if (!isStatus(err, 412)) { await refused(err); return; }
      await loadRules([name, "act-delete"]);
      // a 412 is either: deleted already (what the user wanted) or changed (shown again, not deleted)
      if (ui.rules.some((r) => r.name === name)) warn("alerts.delete_stale", { name });
      else say("alerts.delete_gone", { name });
      return;
    }
    say("alerts.deleted", { name });
    if (ui.editing === name) resetForm();
    // the focus goes to the next rule's first control (the previous one's for the last rule), else the heading
    const at = ui.rules.findIndex((r) => r.name === name);
    const rest = ui.rules.filter((r) => r.name !== name);
    const next = rest.length ? rest[Math.min(Math.max(at, 0), rest.length - 1)].name : "";
    await loadRules([next, null]);
  }

  // ----------------------------------------------------------------------------------------- preview

  async function test(name) {
    try {
      ui.preview = await NW.withKey(() => NW.api(`/alerts/${encodeURIComponent(name)}/test?limit=200`));
    } catch (err) { await refused(err); return; }
    renderPreview();
    $("preview").scrollIntoView();
  }

  /* An article of a Test or of the history opens in the search page's article view (qa5c-10), its story
   * on the stories page. */
  const articleHref = (id) => `/?article=${encodeURIComponent(id)}`;
  const storyHref = (id) => `/stories?id=${encodeURIComponent(id)}`;

  function articleTitle(art) {
    const text = art.title || NW.t("alerts.untitled");
    return art.id ? NW.link(articleHref(art.id), text, "title") : el("span", text, "title");
  }

  function storyLink(storyId, text) {
    return NW.link(storyHref(storyId), text || NW.t("alerts.story"), "story-link");
  }

  function articleLine(art, tag, storyId) {
    const li = el(tag || "li");
    const meta = [art.source, NW.date(art.published, true)].filter(Boolean).join(" — ");
    li.append(articleTitle(art), " ", el("span", meta, "muted"));
    if (storyId) li.append(" — ", storyLink(storyId));
    return li;
  }

  function renderPreview() {
    const p = ui.preview;
    if (!p) return;
    $("preview").hidden = false;
    $("preview-title").textContent = NW.t("alerts.preview_title", { name: p.rule });
    $("preview-summary").textContent = NW.t("alerts.preview_summary", { // each count with its own plural form
      matched: NW.t("alerts.n_matched", { n: p.matched }), stories: NW.t("alerts.n_stories", { n: p.notifications }),
      total: NW.t("alerts.n_hits", { n: p.total_hits }) });
    const list = $("preview-stories");
    list.replaceChildren();
    for (const story of p.stories || []) {
      const li = el("li", null, "story");
      li.dataset.story = story.story_id;
      const head = articleLine(story.article || {}, "div", story.story_id);
      head.className = "lead";
      const ups = el("ul", null, "follow-ups");
      for (const f of story.follow_ups || []) ups.append(articleLine(f));
      li.append(head);
      if (story.follow_ups && story.follow_ups.length) {
        li.append(el("p", NW.t("alerts.follow_ups", { n: story.follow_ups.length }), "muted"), ups);
      }
      list.append(li);
    }
    if (!list.children.length) list.append(el("li", NW.t("alerts.preview_none"), "empty"));
  }

  // ----------------------------------------------------------------------------------------- history

  /* One page of the history; a new filter (or Refresh) starts again from the newest. */
  async function loadHistory(ev, offset) {
    if (ev) ev.preventDefault();
    ui.offset = offset || 0;
    const qs = new URLSearchParams({ limit: String(PAGE), offset: String(ui.offset) });
    for (const [param, id] of [["rule", "h-rule"], ["channel", "h-channel"], ["status", "h-status"]]) {
      if ($(id).value) qs.set(param, $(id).value);
    }
    try {
      ui.history = await NW.withKey(() => NW.api(`/alerts/history?${qs}`));
    } catch (err) { fail(err); return; }
    renderHistory();
  }

  /* A Slack channel says Slack (qa5c-12: it said "Webhook"): its format, recorded since this version, else
   * the host of Slack's incoming webhooks (also in a redacted target). */
  const isSlack = (ch) => ch.format === "slack" || /^https:\/\/hooks\.slack\.com\//i.test(String(ch.target || ""));

  function channelRow(ch) {
    const li = el("li", null, `channel st-${ch.status}`);
    li.dataset.channel = ch.key;
    const type = ch.type === "email" ? NW.t("alerts.ch_email") : isSlack(ch) ? "Slack" : NW.t("alerts.ch_webhook_short");
    // the URL or address in its own left-to-right run: "…@example.org" was drawn "example.org@…" (qa5c-12)
    const target = el("span", `${type} `, "target");
    if (ch.target) { const b = el("bdi", ch.target); b.dir = "ltr"; target.append(b); }
    li.append(target, el("span", NW.t(`status.${ch.status}`), `badge st-${ch.status}`),
      el("span", NW.t("alerts.attempts", { n: ch.attempts || 0 }), "attempts"));
    // what went wrong in the page's words (its code), then the server's exact detail (qa5c-12 / QA5 re-test)
    if (ch.last_error) { const e = el("span", null, "last-error"); e.append(...NW.deliveryErrorParts(ch.last_error_code, ch.last_error, ch.type)); li.append(e); }
    return li;
  }

  function renderHistory() {
    const h = ui.history;
    if (!h) return;
    const body = $("history").tBodies[0];
    body.replaceChildren();
    for (const rec of h.records || []) {
      const tr = el("tr");
      tr.dataset.id = rec.id;
      const art = rec.article || {};
      const what = rec.kind === "digest" ? NW.t("alerts.digest_of", { n: rec.article_count || (rec.items || []).length }) : (art.title || NW.t("alerts.untitled"));
      const articleCell = el("td");
      articleCell.append(rec.kind === "digest" ? el("span", what, "title") : articleTitle(art));
      // the follow-ups are on the story's page; " — " keeps the note apart from the title (it ran into it)
      const note = rec.follow_up_count ? NW.t("alerts.follow_ups", { n: rec.follow_up_count }) : null;
      if (rec.story_id) articleCell.append(" — ", storyLink(rec.story_id, note));
      else if (note) articleCell.append(" — ", el("span", note, "muted"));
      if (rec.kind === "digest" && (rec.items || []).length) {
        const items = el("ul", null, "digest-items");
        for (const item of rec.items) items.append(articleLine(item.article || {}, "li", item.story_id));
        articleCell.append(items);
      }
      const channels = el("ul", null, "channels");
      for (const ch of rec.channels || []) channels.append(channelRow(ch));
      const status = el("td");
      status.append(el("span", NW.t(`status.${rec.status}`), `badge st-${rec.status}`));
      const chCell = el("td");
      chCell.append(channels);
      tr.append(el("td", NW.date(rec.created, true)), el("td", rec.rule, "name"), articleCell, status, chCell);
      body.append(tr);
    }
    if (!body.children.length) {
      NW.emptyRow(body, NW.t("alerts.history_none"), 5);
    }
    const shown = (h.records || []).length;
    $("history-total").textContent = NW.t("alerts.history_total", { from: shown ? ui.offset + 1 : 0, to: ui.offset + shown, n: h.total });
    $("h-newer").disabled = ui.offset === 0;
    $("h-older").disabled = ui.offset + shown >= Math.min(h.total, 10000);
  }

  // -------------------------------------------------------------------------------------------- wire

  function init() {
    $("alert-form").noValidate = true; // the page checks the fields, in its own words (QA5 qa5c-5)
    $("alert-form").addEventListener("submit", save);
    $("f-cancel").addEventListener("click", () => { resetForm(); clear(); NW.clearFieldErrors($("alert-form")); });
    $("history-filter").addEventListener("submit", loadHistory);
    for (const id of ["h-rule", "h-channel", "h-status"]) $(id).addEventListener("change", () => loadHistory());
    $("h-newer").addEventListener("click", () => loadHistory(null, Math.max(0, ui.offset - PAGE)));
    $("h-older").addEventListener("click", () => loadHistory(null, ui.offset + PAGE));
    markClean(); // the empty form: a query from the search page (below) is a change not saved yet
    guardUnsaved();
    // From the search page: /alerts?q=...&source=a,b
    const p = new URLSearchParams(window.location.search);
    if (p.get("q")) {
      $("f-query").value = p.get("q");
      $("f-sources").value = (p.get("source") || "").split(",").filter(Boolean).join(", ");
      say("alerts.from_search");
      $("f-name").focus();
    }
    NW.onLang(() => {
      $("form-title").textContent = ui.editing ? NW.t("alerts.edit_title", { name: ui.editing }) : NW.t("alerts.new");
      renderRules(); renderPreview(); renderHistory();
    });
    loadRules();
    loadHistory();
  }

  NW.addStrings({
    ar: {
      "alerts.doctitle": "newsworker — التنبيهات", "alerts.title": "التنبيهات", "alerts.new": "تنبيه جديد",
      "alerts.edit_title": "تعديل التنبيه {name}", "alerts.name": "الاسم",
      "alerts.name_hint": "حروف وأرقام و - . _ فقط، بلا مسافات (حتى 100)", "alerts.query": "الاستعلام",
      "alerts.webhooks": "Webhook (JSON) — رابط في كل سطر", "alerts.slack": "Slack — رابط في كل سطر",
      "alerts.emails": "البريد الإلكتروني — عنوان في كل سطر", "alerts.mode": "الإرسال", "alerts.instant": "فوري",
      "alerts.digest": "ملخص دوري", "alerts.digest_minutes": "دقائق الملخص", "alerts.digest_every": { one: "ملخص كل دقيقة", two: "ملخص كل دقيقتين", few: "ملخص كل {n} دقائق", many: "ملخص كل {n} دقيقة", other: "ملخص كل {n} دقيقة" },
      "alerts.min_casualties": "أدنى عدد ضحايا", "alerts.min_cas_short": "ضحايا ≥ {n}",
      "alerts.sources": "المصادر (مفصولة بفواصل)", "alerts.enabled": "مفعّل", "alerts.save": "حفظ",
      "alerts.cancel": "إلغاء", "alerts.list": "التنبيهات المحفوظة", "alerts.channels": "القنوات",
      "alerts.state": "الحالة", "alerts.on": "مفعّل", "alerts.off": "معطّل", "alerts.enable": "تفعيل",
      "alerts.disable": "تعطيل", "alerts.edit": "تعديل", "alerts.test": "اختبار", "alerts.show_history": "السجل",
      "alerts.delete": "حذف", "alerts.none": "لا تنبيهات بعد. احفظ بحثًا من صفحة البحث أو املأ النموذج أعلاه.",
      "alerts.no_channel": "بلا قناة (يُسجَّل فقط)", "alerts.ch_webhook": "Webhook / Slack", "alerts.ch_webhook_short": "Webhook",
      "alerts.ch_email": "البريد الإلكتروني", "alerts.created": "حُفظ التنبيه {name}.", "alerts.updated": "عُدّل التنبيه {name}.",
      "alerts.deleted": "حُذف التنبيه {name}.", "alerts.enabled_msg": "فُعّل التنبيه {name}.", "alerts.disabled_msg": "عُطّل التنبيه {name}.",
      "alerts.confirm_delete": "تأكيد الحذف", "alerts.from_search": "الاستعلام من صفحة البحث: سمِّ التنبيه واختر قنواته ثم احفظ.",
      "alerts.redacted": "القنوات مخفية لأن المفتاح غير مُدخل، ولا تُحفظ مخفية أبدًا: عند الحفظ يُطلب المفتاح وتُحمّل القنوات الحقيقية للمراجعة.",
      "alerts.redacted_key": "القنوات في النموذج مخفية ولن تُحفظ هكذا: أدخل مفتاح API لتحميل القنوات الحقيقية.",
      "alerts.key_refused": "لم يُظهر هذا المفتاح القنوات (مفتاح خاطئ؟): أدخل المفتاح الصحيح.",
      "alerts.review": "حُمّلت القنوات الحقيقية بالمفتاح ولم يُحفظ شيء بعد: راجع القنوات وتعديلاتك ثم اضغط حفظ من جديد.",
      "alerts.writes_off": "الخادم يرفض كل تعديل: لم يُضبط NEWSWORKER_API_KEY عليه (أو هو قيمة مثال)، فلا فائدة من إدخال مفتاح. لم يُحفظ شيء.",
      "alerts.stale": "تغيّر التنبيه {name} في نافذة أخرى (أو عند مستخدم آخر) منذ فتحت النموذج، فلم يُحفظ تعديلك كي لا يمحو ذلك التغيير. اضغط «تعديل» لتحميل النسخة الحالية ثم أعد تعديلك.",
      "alerts.delete_gone": "كان التنبيه {name} قد حُذف من قبل (في نافذة أخرى أو عند مستخدم آخر).",
      "alerts.delete_stale": "تغيّر التنبيه {name} في نافذة أخرى (أو عند مستخدم آخر) منذ عُرضت القائمة، فلم يُحذف. القائمة تعرضه الآن كما هو: راجعه ثم احذفه من جديد إن شئت.",
      "alerts.stale_gone": "حُذف التنبيه {name} في نافذة أخرى (أو عند مستخدم آخر) منذ فتحت النموذج، فلم يُحفظ تعديلك ولم يُعَد التنبيه. صار النموذج نموذج تنبيه جديد بما كتبته: «حفظ» ينشئه من جديد، و«إلغاء» يتركه.",
      "alerts.save_late": "عُدّل التنبيه {name}: لم يؤكد الخادم الحفظ في وقته (Elasticsearch بطيء)، لكن قراءة التنبيه من جديد تُظهر تعديلك محفوظًا.",
      "alerts.save_lost": "لم يؤكد الخادم الحفظ في وقته (Elasticsearch بطيء)، وقراءة التنبيه {name} من جديد تُظهره دون تعديلك: لم يُحفظ بعد، وما زال في النموذج. اضغط «حفظ» بعد قليل.",
      "alerts.save_maybe": "لم يؤكد الخادم الحفظ في وقته (Elasticsearch بطيء)، وقد يكون حُفظ مع ذلك: قراءة التنبيه {name} من جديد تُظهر نسخة أحدث لا تطابق النموذج (تعديلك جزئيًا أو تعديل غيرك). القائمة تُظهره كما هو الآن، والنموذج يحتفظ بتعديلك: «حفظ» يكتبه فوق هذه النسخة.",
      "alerts.save_unknown": "لم يؤكد الخادم حفظ التنبيه {name} في وقته، وقد يكون حُفظ مع ذلك، وتعذّرت قراءته من جديد للتحقق ({detail}). أعد تحميل الصفحة للتحقق قبل الحفظ من جديد.",
      "alerts.already_saved": "التنبيه {name} محفوظ كما في النموذج (وصل حفظ سابق متأخرًا أو أُجري التعديل نفسه في مكان آخر): لا شيء آخر يُحفظ.",
      "alerts.preview_title": "اختبار {name}: ما كان سيُرسل من الأخبار المفهرسة",
      "alerts.story": "القصة", "alerts.confirm_discard": "تأكيد: تجاهل التعديلات",
      "alerts.unsaved_new": "في النموذج تنبيه جديد لم يُحفظ بعد. اضغط الزر نفسه مرة أخرى لتجاهله، أو «حفظ» أولًا.",
      "alerts.unsaved_edit": "في النموذج تعديلات على التنبيه {name} لم تُحفظ بعد. اضغط الزر نفسه مرة أخرى لتجاهلها، أو «حفظ» أولًا.",
      "alerts.preview_summary": "{matched} في {stories} (إشعار واحد لكل قصة) من {total}.",
      "alerts.n_matched": { zero: "لا أخبار مطابقة", one: "خبر واحد مطابق", two: "خبران مطابقان", few: "{n} أخبار مطابقة", many: "{n} خبرًا مطابقًا", other: "{n} خبر مطابق" },
      "alerts.n_stories": { one: "قصة واحدة", two: "قصتين", few: "{n} قصص", many: "{n} قصة", other: "{n} قصة" },
      "alerts.n_hits": { one: "نتيجة واحدة", two: "نتيجتين", few: "{n} نتائج", many: "{n} نتيجة", other: "{n} نتيجة" },
      "alerts.preview_none": "لا شيء يطابق في الأخبار المفهرسة.", "alerts.follow_ups": { one: "متابعة واحدة للقصة نفسها", two: "متابعتان للقصة نفسها", few: "{n} متابعات للقصة نفسها", many: "{n} متابعة للقصة نفسها", other: "{n} متابعة للقصة نفسها" },
      "alerts.untitled": "(بلا عنوان)", "alerts.history": "سجل الإرسال", "alerts.channel": "القناة",
      "alerts.status": "الحالة", "alerts.all": "الكل", "alerts.refresh": "تحديث", "alerts.when": "الوقت",
      "alerts.article": "الخبر", "alerts.deliveries": "القنوات: الحالة، المحاولات، آخر خطأ",
      "alerts.attempts": { zero: "لا محاولات", one: "محاولة واحدة", two: "محاولتان", few: "{n} محاولات", many: "{n} محاولة", other: "{n} محاولة" },
      "alerts.history_none": "لا إشعارات بعد.", "alerts.history_total": "{from}–{to} من {n}", "alerts.newer": "الأحدث", "alerts.older": "الأقدم",
      "alerts.digest_of": { one: "ملخص من خبر واحد", two: "ملخص من خبرين", few: "ملخص من {n} أخبار", many: "ملخص من {n} خبرًا", other: "ملخص من {n} خبر" },
      "status.pending": "قيد الإرسال", "status.delivered": "أُرسل", "status.failed": "فشل", "status.recorded": "مسجّل (بلا قناة)",
      "alerts.v_name_missing": "اكتب اسمًا للتنبيه: حروف وأرقام و - . _ بلا مسافات.",
      "alerts.v_name": "الاسم «{v}» مرفوض: حروف (عربية أو لاتينية) وأرقام و - . _ فقط، بلا مسافات، حتى 100 حرف. مثال: هجمات_سوريا",
      "alerts.v_query_missing": "اكتب الاستعلام: ما يطابقه التنبيه، بلغة البحث نفسها.",
      "alerts.v_url": "الرابط «{v}» مرفوض: رابط كامل يبدأ بـ http:// أو https:// ثم اسم الموقع، رابط واحد في كل سطر.",
      "alerts.v_email": "العنوان «{v}» مرفوض: عنوان بريد واحد مثل desk@example.org، بلا مسافات، عنوان واحد في كل سطر.",
      "alerts.v_email_comma": "العنوان «{v}» مرفوض: فيه فاصلة خارج علامتي التنصيص، فتقرؤه أنظمة البريد عنوانين. اكتب كل عنوان في سطر، أو ضع الجزء المحلي بين علامتي تنصيص: \"x,y\"@example.org",
      "alerts.v_digest": "دقائق الملخص «{v}» مرفوضة: عدد صحيح من الدقائق بين {min} و{max} (أسبوع).",
      "alerts.v_casualties": "أدنى عدد ضحايا «{v}» مرفوض: عدد صحيح بين {min} و{max}، أو اتركه فارغًا لأي عدد.",
      "alerts.exists": "يوجد تنبيه بالاسم «{name}» من قبل: اختر اسمًا آخر، أو عدّل ذلك التنبيه من القائمة (زر «تعديل»).",
    },
    en: {
      "alerts.doctitle": "newsworker — Alerts", "alerts.title": "Alerts", "alerts.new": "New alert",
      "alerts.edit_title": "Edit alert {name}", "alerts.name": "Name",
      "alerts.name_hint": "letters, digits and - . _ only, no spaces (up to 100)", "alerts.query": "Query",
      "alerts.webhooks": "Webhook (JSON) — one URL per line", "alerts.slack": "Slack — one URL per line",
      "alerts.emails": "E-mail — one address per line", "alerts.mode": "Delivery", "alerts.instant": "Instant",
      "alerts.digest": "Digest", "alerts.digest_minutes": "Digest minutes", "alerts.digest_every": "Digest every {n} min",
      "alerts.min_casualties": "Minimum casualties", "alerts.min_cas_short": "casualties ≥ {n}",
      "alerts.sources": "Sources (comma-separated)", "alerts.enabled": "Enabled", "alerts.save": "Save",
      "alerts.cancel": "Cancel", "alerts.list": "Saved alerts", "alerts.channels": "Channels",
      "alerts.state": "State", "alerts.on": "Enabled", "alerts.off": "Disabled", "alerts.enable": "Enable",
      "alerts.disable": "Disable", "alerts.edit": "Edit", "alerts.test": "Test", "alerts.show_history": "History",
      "alerts.delete": "Delete", "alerts.none": "No alerts yet. Save a search from the search page or fill in the form above.",
      "alerts.no_channel": "no channel (recorded only)", "alerts.ch_webhook": "Webhook / Slack", "alerts.ch_webhook_short": "Webhook",
      "alerts.ch_email": "E-mail", "alerts.created": "Alert {name} saved.", "alerts.updated": "Alert {name} updated.",
      "alerts.deleted": "Alert {name} deleted.", "alerts.enabled_msg": "Alert {name} enabled.", "alerts.disabled_msg": "Alert {name} disabled.",
      "alerts.confirm_delete": "Confirm delete", "alerts.from_search": "Query taken from the search page: name the alert, choose its channels and save.",
      "alerts.redacted": "Channels are hidden because no key is entered, and are never saved hidden: Save asks for the key and loads the real channels for review first.",
      "alerts.redacted_key": "The form's channels are hidden and will not be saved as they are: enter the API key to load the real ones.",
      "alerts.key_refused": "This key did not show the channels (wrong key?): enter the right key.",
      "alerts.review": "The real channels were loaded with the key and nothing was saved yet: review them and your changes, then press Save again.",
      "alerts.writes_off": "This server refuses every change: NEWSWORKER_API_KEY is not set on it (or is an example value), so no key would help. Nothing was saved.",
      "alerts.stale": "Alert {name} was changed in another tab (or by someone else) since you opened this form, so your change was not saved over it. Press Edit to load the current version, then redo your change.",
      "alerts.delete_gone": "Alert {name} had already been deleted (in another tab or by someone else).",
      "alerts.delete_stale": "Alert {name} was changed in another tab (or by someone else) since this list was shown, so it was not deleted. The list now shows it as it is: look at it, then delete it again if you still want to.",
      "alerts.stale_gone": "Alert {name} was deleted in another tab (or by someone else) since you opened this form: your change was not saved and the alert was not brought back. The form now holds your version as a new alert: Save creates it again, Cancel drops it.",
      "alerts.save_late": "Alert {name} updated: the server did not confirm the save in time (Elasticsearch is slow), but reading the alert again shows your change saved.",
      "alerts.save_lost": "The server did not confirm the save in time (Elasticsearch is slow), and alert {name} read again does not have your change: it is not saved yet and is still in the form. Press Save again in a moment.",
      "alerts.save_maybe": "The server did not confirm the save in time (Elasticsearch is slow), and it may have been saved all the same: alert {name} read again is a newer version that does not match the form (part of your change, or someone else's). The list shows it as it is now and the form keeps your change: Save writes it over that version.",
      "alerts.save_unknown": "The server did not confirm saving alert {name} in time and it may have been saved all the same, but reading it again to check failed ({detail}). Reload the page to check before saving again.",
      "alerts.already_saved": "Alert {name} already holds what the form has (an earlier save that was confirmed late, or the same change made elsewhere): nothing more to save.",
      "alerts.preview_title": "Test of {name}: what it would have sent over the indexed articles",
      "alerts.story": "story", "alerts.confirm_discard": "Confirm: discard changes",
      "alerts.unsaved_new": "The form holds a new alert that is not saved yet. Press the same button again to discard it, or Save first.",
      "alerts.unsaved_edit": "The form holds changes to alert {name} that are not saved yet. Press the same button again to discard them, or Save first.",
      "alerts.preview_summary": "{matched} in {stories} (one notification per story), of {total}.",
      "alerts.n_matched": { one: "{n} matching article", other: "{n} matching articles" },
      "alerts.n_stories": { one: "{n} story", other: "{n} stories" }, "alerts.n_hits": { one: "{n} hit", other: "{n} hits" },
      "alerts.preview_none": "Nothing in the indexed articles matches.", "alerts.follow_ups": { one: "{n} follow-up of the same story", other: "{n} follow-ups of the same story" },
      "alerts.untitled": "(untitled)", "alerts.history": "Delivery history", "alerts.channel": "Channel",
      "alerts.status": "Status", "alerts.all": "All", "alerts.refresh": "Refresh", "alerts.when": "When",
      "alerts.article": "Article", "alerts.deliveries": "Channels: status, attempts, last error",
      "alerts.attempts": { one: "{n} attempt", other: "{n} attempts" }, "alerts.history_none": "No notifications yet.", "alerts.history_total": "{from}–{to} of {n}", "alerts.newer": "Newer", "alerts.older": "Older",
      "alerts.digest_of": { one: "Digest of {n} article", other: "Digest of {n} articles" },
      "status.pending": "pending", "status.delivered": "delivered", "status.failed": "failed", "status.recorded": "recorded (no channel)",
      "alerts.v_name_missing": "Give the alert a name: letters, digits and - . _ without spaces.",
      "alerts.v_name": "Name \"{v}\" refused: only letters (Arabic or Latin), digits and - . _, without spaces, up to 100. For example: syria_strikes",
      "alerts.v_query_missing": "Write the query: what the alert matches, in the search's query language.",
      "alerts.v_url": "URL \"{v}\" refused: a full URL starting with http:// or https:// and then the site's name, one URL a line.",
      "alerts.v_email": "Address \"{v}\" refused: one e-mail address such as desk@example.org, without spaces, one address a line.",
      "alerts.v_email_comma": "Address \"{v}\" refused: it has a comma outside quotes, so mail systems read it as two addresses. Put each address on its own line, or quote the local part: \"x,y\"@example.org",
      "alerts.v_digest": "Digest minutes \"{v}\" refused: a whole number of minutes from {min} to {max} (a week).",
      "alerts.v_casualties": "Minimum casualties \"{v}\" refused: a whole number from {min} to {max}, or leave it empty for any number.",
      "alerts.exists": "An alert named \"{name}\" exists: choose another name, or edit that alert from the list (Edit).",
    },
  });

  document.addEventListener("DOMContentLoaded", init);
})();
