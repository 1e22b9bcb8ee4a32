/* The alerts page's failed deliveries: the dead letters of the deliver stage (GET /deadletters?stage=deliver:
 * notifications whose channel gave up, a webhook that refused or never answered), each with Replay, and
 * Replay all (asked twice). A replay (POST /deadletters/{id}/replay, with the key) goes through the same
 * library function as `newsworker deadletter replay`: the notification goes to its channel as the rule has
 * it now (fix the webhook in the rule, then replay), and is never delivered twice. Its own module, apart
 * from alerts.js's rules and history. Targets and error details are shown as the server gives them: redacted
 * without the key; an error is first worded in the page's language from its code (NW.deliveryErrorParts).
 * Text is untrusted: textContent.
 */
"use strict";

(function () {
  const { $, el, button } = NW;
  const KEY = "dead";
  const ui = { data: null };

  const msg = () => $("dead-msg");
  const say = (key, vars, kind) => NW.flash(msg(), () => NW.t(key, vars), kind || "ok");

  async function load() {
    NW.holdAgain(KEY);
    try {
      ui.data = await NW.read("/deadletters?stage=deliver&limit=200");
    } catch (err) {
      NW.showError(msg(), err);
      NW.readAgain(KEY, load, err, msg());
      return;
    }
    NW.readAgain(KEY);
    render();
  }

  function render() {
    const d = ui.data;
    if (!d) return;
    const body = $("dead-letters").tBodies[0];
    body.replaceChildren();
    const rows = d.dead_letters || [];
    for (const dl of rows) {
      const dv = dl.delivery || {};
      const ch = dv.channel || {};
      const tr = el("tr");
      tr.dataset.id = dl.id;
      const when = dl.recorded_at ? NW.date(new Date(dl.recorded_at * 1000).toISOString(), true) : "—";
      const what = dv.kind === "digest" ? NW.t("dead.digest", { n: dv.article_count || 0 }) : (dv.title || dl.subject);
      const channel = el("td");
      const type = ch.type === "email" ? NW.t("dead.email") : NW.t("dead.webhook");
      channel.append(el("span", `${type} `), el("span", ch.target || "", "target"));
      const error = el("td", null, "last-error"); // the page's words for its code, then the server's detail
      error.append(...NW.deliveryErrorParts(dl.error_code, dl.error, ch.type));
      if (dl.attempts) error.append(el("span", ` (${NW.t("dead.attempts", { n: dl.attempts })})`, "muted"));
      const actions = el("td", null, "actions");
      const replay = button("dead.replay", () => replayOne(dl.id), "act-replay");
      replay.setAttribute("aria-label", NW.t("dead.replay_of", { what }));
      actions.append(replay);
      // the article opens as from the history and Test rows, to judge the notification before replaying it
      const title = el("td", null, "title");
      if (dv.article_id) title.append(NW.link(`/?article=${encodeURIComponent(dv.article_id)}`, what));
      else title.textContent = what;
      tr.append(el("td", when), el("td", dv.rule || "", "name"), title, channel, error, actions);
      body.append(tr);
    }
    if (!rows.length) NW.emptyRow(body, NW.t("dead.none"), 6);
    $("dead-total").textContent = rows.length ? NW.t("dead.count", { n: rows.length }) : "";
    const all = $("dead-replay-all");
    all.hidden = rows.length < 2;
    disarm(all);
    applyWrites();
  }

  /* With the server taking no change (the page's notice #writes-off shown, QA5 qa5c-1) Replay is disabled like
   * the page's other change buttons and points to the notice, rather than refused once pressed (QA5 re-test
   * qa5r1-4). alerts.js shows or hides the notice; this follows it. */
  function applyWrites() {
    const notice = $("writes-off");
    const off = Boolean(notice && !notice.hidden);
    for (const b of document.querySelectorAll("#dead-letters .act-replay, #dead-replay-all")) {
      b.disabled = off;
      if (off) b.setAttribute("aria-describedby", "writes-off"); else b.removeAttribute("aria-describedby");
    }
  }

  /* After a replay: "sent again" when workers run, else that it waits for them (the service notice says why). */
  async function replayed(key, vars) {
    const state = await NW.service(true);
    if (state && !state.alerting) say("dead.queued_down", vars, "error");
    else say(key, vars);
  }

  async function replayOne(id) {
    let res;
    try {
      res = await NW.withKey(() => NW.api(`/deadletters/${encodeURIComponent(id)}/replay`, { method: "POST" }));
    } catch (err) {
      // 404: replayed already (another tab, the CLI, a double click) or expired: the list drops it
      NW.showError(msg(), err, (e) => (e.status === 404 ? NW.t("dead.gone") : NW.errorText(e)));
      if (err instanceof NW.ApiError && err.status === 404) await load();
      return;
    }
    if (res.outcome === "busy") say("dead.busy", {}, "error");
    else if (res.outcome === "replayed") await replayed("dead.replayed", {});
    else say("dead.not_handed", { outcome: res.outcome }, "error");
    await load();
    $("dead-title").focus();
  }

  function disarm(btn) {
    btn.dataset.armed = "";
    btn.dataset.i18n = "dead.replay_all";
    btn.textContent = NW.t("dead.replay_all");
  }

  async function replayAll(ev) {
    const btn = ev.currentTarget;
    if (btn.dataset.armed !== "1") { // asked twice, as Remove is
      btn.dataset.armed = "1";
      btn.dataset.i18n = "dead.confirm_all";
      btn.textContent = NW.t("dead.confirm_all");
      return;
    }
    disarm(btn);
    let res;
    try {
      res = await NW.withKey(() => NW.api("/deadletters/replay?stage=deliver", { method: "POST" }));
    } catch (err) { NW.showError(msg(), err); return; }
    await replayed("dead.replayed_all", { n: res.replayed });
    await load();
    $("dead-title").focus();
  }

  function init() {
    if (!$("dead-letters")) return;
    $("dead-refresh").addEventListener("click", load);
    $("dead-replay-all").addEventListener("click", replayAll);
    if ($("writes-off")) new MutationObserver(applyWrites).observe($("writes-off"), { attributes: true, attributeFilter: ["hidden"] });
    NW.onLang(render);
    load();
  }

  NW.addStrings({
    ar: {
      "dead.title": "إشعارات فشلت نهائيًا", "dead.refresh": "تحديث", "dead.replay_all": "أعد إرسال الكل",
      "dead.confirm_all": "تأكيد إعادة إرسال الكل",
      "dead.help": "إشعارات توقفت محاولات إرسالها (قناة ترفض أو لا تجيب). أصلح القناة في التنبيه ثم أعد الإرسال: يذهب الإشعار إلى القناة كما هي في التنبيه الآن، ولا يصل مرتين.",
      "dead.when": "الوقت", "dead.rule": "التنبيه", "dead.what": "الإشعار", "dead.channel": "القناة", "dead.error": "الخطأ",
      "dead.replay": "أعد الإرسال", "dead.replay_of": "أعد إرسال {what}", "dead.none": "لا إشعارات فاشلة.",
      "dead.email": "بريد", "dead.webhook": "Webhook",
      "dead.digest": { one: "ملخص بمقال واحد", two: "ملخص بمقالين", few: "ملخص بـ{n} مقالات", many: "ملخص بـ{n} مقالًا", other: "ملخص بـ{n} مقال" },
      "dead.attempts": { one: "محاولة واحدة", two: "محاولتان", few: "{n} محاولات", many: "{n} محاولة", other: "{n} محاولة" },
      "dead.count": { one: "(واحد)", two: "(اثنان)", few: "({n})", many: "({n})", other: "({n})" },
      "dead.replayed": "أُعيد الإشعار إلى الإرسال؛ تظهر نتيجته في سجل الإرسال خلال ثوانٍ.",
      "dead.replayed_all": { zero: "لا شيء أُعيد إرساله.", one: "أُعيد إشعار واحد إلى الإرسال؛ تظهر نتيجته في سجل الإرسال.",
        two: "أُعيد إشعاران إلى الإرسال؛ تظهر نتيجتهما في سجل الإرسال.", few: "أُعيدت {n} إشعارات إلى الإرسال؛ تظهر نتائجها في سجل الإرسال.",
        many: "أُعيد {n} إشعارًا إلى الإرسال؛ تظهر نتائجها في سجل الإرسال.", other: "أُعيد {n} إشعار إلى الإرسال؛ تظهر نتائجها في سجل الإرسال." },
      "dead.queued_down": "أُعيد إلى طابور الإرسال، لكن لا يعمل عامل الآن (انظر التنبيه أعلى الصفحة): يُرسل حين يعود.",
      "dead.busy": "إعادة إرسال هذا الإشعار جارية من قبل.",
      "dead.gone": "هذا الإشعار لم يعد في القائمة: أُعيد إرساله من قبل أو انتهت مدة حفظه.",
      "dead.not_handed": "تعذّر تسليمه للإرسال ({outcome}): أعد المحاولة بعد قليل.",
    },
    en: {
      "dead.title": "Notifications that failed for good", "dead.refresh": "Refresh", "dead.replay_all": "Replay all",
      "dead.confirm_all": "Confirm replay all",
      "dead.help": "Notifications whose sending was given up (a channel that refused or did not answer). Fix the channel in the alert, then replay: the notification goes to the channel as the alert has it now, and never arrives twice.",
      "dead.when": "When", "dead.rule": "Alert", "dead.what": "Notification", "dead.channel": "Channel", "dead.error": "Error",
      "dead.replay": "Replay", "dead.replay_of": "Replay {what}", "dead.none": "No failed notifications.",
      "dead.email": "E-mail", "dead.webhook": "Webhook",
      "dead.digest": { one: "digest of {n} article", other: "digest of {n} articles" },
      "dead.attempts": { one: "{n} attempt", other: "{n} attempts" },
      "dead.count": "({n})",
      "dead.replayed": "The notification is being sent again; its result shows in the delivery history within seconds.",
      "dead.replayed_all": { one: "{n} notification is being sent again; see the delivery history.", other: "{n} notifications are being sent again; see the delivery history." },
      "dead.queued_down": "Queued to be sent again, but no worker is running now (see the notice at the top): it is sent when one is back.",
      "dead.busy": "A replay of this notification is already running.",
      "dead.gone": "This notification is no longer listed: it was replayed already, or it expired.",
      "dead.not_handed": "It could not be handed on for sending ({outcome}): try again in a moment.",
    },
  });

  document.addEventListener("DOMContentLoaded", init);
})();
