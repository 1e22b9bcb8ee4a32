/* The feeds page's editor: a feed's URL, name, source (the outlet name its articles carry) and tags, changed
 * in place with PATCH /feeds/{id} (the polling state is kept; a new URL is checked as at Add and polled at
 * once with no old validators), so an outlet that moved its feed, or a wrong source name, no longer means
 * remove and add again (QA5: the polling state was lost). Only the fields changed are sent. Its own module:
 * feeds.js calls NWFeedEditor.open(feed, onSaved) from a row's Edit button.
 */
"use strict";

(function () {
  const { el } = NW;
  const FIELDS = [
    // [field, label key, hint key, left to right (URLs)]
    ["url", "fe.url", null, true],
    ["name", "fe.name", "fe.empty_id", false],
    ["source", "fe.source", "fe.source_hint", false],
    ["tags", "fe.tags", null, false],
  ];
  let dlg = null;
  let current = null; // { feed, onSaved, returnTo }

  const tagsText = (tags) => (tags || []).join(", ");
  // "," or the Arabic comma "،" between tags
  const parseTags = (text) => text.split(/[,،]/).map((s) => s.trim()).filter(Boolean);

  function build() {
    dlg = el("dialog", null, "feed-editor");
    dlg.id = "feed-editor";
    dlg.setAttribute("aria-labelledby", "fe-title");
    const form = el("form", null, "grid-form");
    form.noValidate = true; // the server's refusal (URL, private address) is shown in its words
    const title = el("h2");
    title.id = "fe-title";
    title.className = "wide";
    form.append(title);
    for (const [field, label, hint, ltr] of FIELDS) {
      const wrap = el("label", null, field === "url" ? "wide" : "");
      const span = el("span", NW.t(label));
      span.dataset.i18n = label;
      const input = el("input");
      Object.assign(input, { id: `fe-${field}`, autocomplete: "off", dir: ltr ? "ltr" : "auto" });
      input.maxLength = field === "url" ? 2048 : field === "tags" ? 2000 : 200;
      if (hint) { input.dataset.i18nPlaceholder = hint; input.placeholder = NW.t(hint); }
      wrap.append(span, input);
      form.append(wrap);
    }
    const msg = el("p", null, "msg wide");
    msg.id = "fe-msg";
    msg.hidden = true;
    msg.setAttribute("role", "alert");
    const buttons = el("div", null, "buttons wide");
    const save = el("button", NW.t("fe.save"), "primary");
    save.type = "submit"; save.id = "fe-save"; save.dataset.i18n = "fe.save";
    const cancel = NW.button("fe.cancel", () => dlg.close());
    cancel.id = "fe-cancel";
    buttons.append(save, cancel);
    form.append(msg, buttons);
    form.addEventListener("submit", (ev) => { ev.preventDefault(); submit(); });
    dlg.append(form);
    dlg.addEventListener("close", () => {
      const back = current && current.returnTo;
      current = null;
      if (back && back.isConnected) back.focus();
    });
    document.body.append(dlg);
  }

  function open(feed, onSaved) {
    if (!dlg) build();
    current = { feed, onSaved, returnTo: document.activeElement };
    NW.applyLang(dlg);
    dlg.querySelector("#fe-title").textContent = NW.t("fe.title", { id: feed.id });
    dlg.querySelector("#fe-url").value = feed.url || "";
    dlg.querySelector("#fe-name").value = feed.name || "";
    dlg.querySelector("#fe-source").value = feed.source || "";
    dlg.querySelector("#fe-tags").value = tagsText(feed.tags);
    NW.hideError(dlg.querySelector("#fe-msg"));
    NW.clearFieldErrors(dlg);
    if (!dlg.open) dlg.showModal();
    dlg.querySelector("#fe-url").focus();
  }

  /* The fields that differ from the feed as it was opened: only they are sent. */
  function changes(feed) {
    const value = (f) => dlg.querySelector(`#fe-${f}`).value.trim();
    const out = {};
    if (value("url") !== (feed.url || "")) out.url = value("url");
    for (const f of ["name", "source"]) if (value(f) !== (feed[f] || "")) out[f] = value(f);
    const tags = parseTags(value("tags"));
    if (tagsText(tags) !== tagsText(feed.tags)) out.tags = tags;
    return out;
  }

  const URL_RE = /^https?:\/\/[^\s/]+/i; // FeedPatch.url's pattern, as the add form checks it (feeds.js)

  /* A refusal in the add form's words (QA5 re-test qa5r1-1: the server's English pattern message): the URL
   * checked before sending, and a 422 put under the field it names, the server's reason in its own <bdi>. */
  function refused(err, box) {
    const problems = [];
    const rest = [];
    for (const { loc, msg } of NW.refusedFields(err)) {
      const field = ["url", "name", "source", "tags"].find((k) => loc.includes(k));
      const input = field && dlg.querySelector(`#fe-${field}`);
      if (input && !problems.some(([i]) => i === input)) {
        problems.push([input, () => NW.tn("form.server_refused", { detail: NW.bdi(msg) })]);
      } else if (!input) rest.push(msg);
    }
    if (err instanceof NW.ApiError && err.status === 422 && problems.length) NW.refuseFields(box, problems, rest.join("; "));
    else NW.showError(box, err);
  }

  async function submit() {
    if (!current) return;
    const { feed, onSaved } = current;
    const body = changes(feed);
    if (!Object.keys(body).length) { dlg.close(); return; }
    const box = dlg.querySelector("#fe-msg");
    NW.clearFieldErrors(dlg);
    if ("url" in body && (!URL_RE.test(body.url) || body.url.length < 8 || body.url.length > 2048)) {
      const input = dlg.querySelector("#fe-url");
      const words = body.url ? () => NW.tn("feeds.v_url", { v: NW.bdi(body.url) }) : () => NW.tn("feeds.v_url_missing");
      NW.refuseFields(box, [[input, words]]);
      return;
    }
    let saved;
    try {
      saved = await NW.withKey(() => NW.api(`/feeds/${encodeURIComponent(feed.id)}`, { method: "PATCH", json: body }));
    } catch (err) {
      refused(err, box); // the dialog stays open with what was typed
      return;
    }
    dlg.close();
    if (onSaved) await onSaved(saved, "url" in body);
  }

  NW.addStrings({
    ar: {
      "fe.title": "تعديل المصدر {id}", "fe.url": "رابط الخلاصة", "fe.name": "الاسم",
      "fe.source": "المصدر على الأخبار (اسم الوسيلة)", "fe.tags": "الوسوم (مفصولة بفواصل)",
      "fe.empty_id": "فارغ: المعرّف", "fe.source_hint": "فارغ: معرّف الخلاصة؛ للمقالات الجديدة فقط",
      "fe.save": "حفظ", "fe.cancel": "إلغاء",
    },
    en: {
      "fe.title": "Edit feed {id}", "fe.url": "Feed URL", "fe.name": "Name",
      "fe.source": "Source shown on articles (the outlet)", "fe.tags": "Tags (comma-separated)",
      "fe.empty_id": "empty: the id", "fe.source_hint": "empty: the feed id; new articles only",
      "fe.save": "Save", "fe.cancel": "Cancel",
    },
  });

  window.NWFeedEditor = { open, isOpen: () => Boolean(dlg && dlg.open) };
})();
