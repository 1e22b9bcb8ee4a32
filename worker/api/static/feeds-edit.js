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

  const URL_RE = /^https?:\/\/[^\s/]+/i; // FeedIn.url's and FeedPatch.url's pattern (worker/api/routes/feeds.py)

  /* The feed URL rule the add form (feeds.js) and this editor check before sending, in the page's words
   * (QA5 qa5c-5, re-test qa5r1-1): null when url passes, else a function wording what is wrong. */
  function urlProblem(url) {
    if (!url) return () => NW.tn("feeds.v_url_missing");
    if (URL_RE.test(url) && url.length >= 8 && url.length <= 2048) return null;
    return () => NW.tn("feeds.v_url", { v: NW.bdi(url) });
  }

  async function submit() {
    if (!current) return;
    const { feed, onSaved } = current;
    const body = changes(feed);
    if (!Object.keys(body).length) { dlg.close(); return; }
    const box = dlg.querySelector("#fe-msg");
    NW.clearFieldErrors(dlg);
    const url = "url" in body && urlProblem(body.url);
    if (url) { NW.refuseFields(box, [[dlg.querySelector("#fe-url"), url]]); return; }
    let saved;
    try {
      saved = await NW.withKey(() => NW.api(`/feeds/${encodeURIComponent(feed.id)}`, { method: "PATCH", json: body }));
    } catch (err) {
      // the dialog stays open with what was typed; a 422 goes under the field it names (QA5 re-test qa5r1-1)
      const inputOf = (loc) => { const f = FIELDS.find(([k]) => loc.includes(k)); return f ? dlg.querySelector(`#fe-${f[0]}`) : null; };
      if (!NW.refuseServerFields(box, err, inputOf)) NW.showError(box, err);
      return;
    }
    dlg.close();
    if (onSaved) await onSaved(saved, "url" in body);
  }

  NW.addStrings({
    ar: {
      "fe.title": "تعديل المصدر {id}", "fe.url": "رابط الخلاصة", "fe.name": "الاسم",
      "fe.source": "المصدر على الأخبار (اسم الوسيلة)", "fe.tags": "الوسوم (مفصولة بفواصل)",
      "fe.empty_id": "فارغ: المعرّف", "fe.source_hint": "فارغ: اسم المضيف في العنوان؛ للمقالات الجديدة فقط",
      "fe.save": "حفظ", "fe.cancel": "إلغاء",
    },
    en: {
      "fe.title": "Edit feed {id}", "fe.url": "Feed URL", "fe.name": "Name",
      "fe.source": "Source shown on articles (the outlet)", "fe.tags": "Tags (comma-separated)",
      "fe.empty_id": "empty: the id", "fe.source_hint": "empty: the URL's host; new articles only",
      "fe.save": "Save", "fe.cancel": "Cancel",
    },
  });

  window.NWFeedEditor = { open, isOpen: () => Boolean(dlg && dlg.open), urlProblem };
})();
