"""What a notification says: the article summary, the webhook JSON, the Slack-compatible text and the email.

A notification is a plain JSON-able dict (it crosses the Celery queue):

    {"id": <idempotency key>, "kind": "instant"|"digest", "rule": {...}, "story_id": ...,
     "article": {...} (instant), "items": [{...}, ...] (digest), "created": iso}

Delivery adds ``channel`` and ``channel_key`` per channel.
"""

from __future__ import annotations

import hashlib
from email import policy as email_policy
from email.header import Header
from email.message import EmailMessage
from email.policy import EmailPolicy
from typing import Any
from urllib.parse import urlencode

from worker.alerts.rules import AlertRule, now_utc
from worker.document import casualty_totals, event_types

SNIPPET_CHARS = 280


def notification_id(rule_name: str, story_id: str) -> str:
    """The idempotency key of the one notification a rule sends for a story."""
    return hashlib.sha1(f"instant|{rule_name}|{story_id}".encode()).hexdigest()[:32]


def digest_id(rule_name: str, batch: str) -> str:
    return hashlib.sha1(f"digest|{rule_name}|{batch}".encode()).hexdigest()[:32]


def _snippet(doc: dict[str, Any]) -> str:
    text = (doc.get("summary") or doc.get("body") or "").strip()
    text = " ".join(text.split())
    if len(text) <= SNIPPET_CHARS:
        return text
    cut = text.rfind(" ", 0, SNIPPET_CHARS)
    return text[: cut if cut > SNIPPET_CHARS // 2 else SNIPPET_CHARS] + "…"


def article_summary(doc: dict[str, Any], public_url: str | None = None) -> dict[str, Any]:
    """The part of an enriched document a notification carries; with the API's ``public_url``, the links
    that open the article and its story on newsworker's own pages (``page``, ``story_page``)."""
    places: list[str] = []
    for ent in doc.get("entities") or []:
        if ent.get("type") in ("LOC", "FAC") or ent.get("place"):
            name = ent.get("canonical") or ent.get("text")
            if name and name not in places:
                places.append(name)
    return {
        "id": doc.get("id"),
        "title": doc.get("title") or "",
        "url": doc.get("url"),
        "source": doc.get("source"),
        "published": doc.get("published"),
        "snippet": _snippet(doc),
        "events": event_types(doc),
        "casualties": [{"kind": k, "count": v} for k, v in casualty_totals(doc).items()],
        "places": places,
        "story_id": doc.get("story_id"),
        **page_links(doc.get("id"), doc.get("story_id"), public_url),
    }


def page_links(doc_id: str | None, story_id: str | None, public_url: str | None) -> dict[str, str]:
    """The search page opened on the article and the story page, under the address users reach the API at
    (``api_public_url``; without one there is no address a reader of the alert could follow)."""
    links: dict[str, str] = {}
    if public_url and doc_id:
        links["page"] = f"{public_url}/?{urlencode({'article': doc_id})}"
    if public_url and story_id:
        links["story_page"] = f"{public_url}/stories?{urlencode({'id': story_id})}"
    return links


def rule_summary(rule: AlertRule) -> dict[str, Any]:
    return {"name": rule.name, "owner": rule.owner, "query": rule.query, "mode": rule.mode}


def instant_notification(rule: AlertRule, story_id: str, doc: dict[str, Any], public_url: str | None = None
                         ) -> dict[str, Any]:
    return {
        "id": notification_id(rule.name, story_id),
        "kind": "instant",
        "rule": rule_summary(rule),
        "story_id": story_id,
        "article": article_summary(doc, public_url),
        "created": now_utc().isoformat(),
    }


def digest_notification(rule: AlertRule, batch: str, lines: list[dict[str, Any]]) -> dict[str, Any]:
    """One notification for a batch of digest lines, grouped by story (first article of each story first,
    later ones as follow-ups), stories in order of first arrival."""
    stories: dict[str, dict[str, Any]] = {}
    for line in sorted(lines, key=lambda x: x.get("matched_at") or ""):
        sid = line.get("story_id") or line["article"].get("id")
        entry = stories.get(sid)
        if entry is None:
            stories[sid] = {"story_id": sid, "article": line["article"], "follow_ups": [],
                            "already_notified": bool(line.get("follow_up"))}
        elif line["article"].get("id") not in {entry["article"]["id"], *(a["id"] for a in entry["follow_ups"])}:
            entry["follow_ups"].append(line["article"])
    return {
        "id": digest_id(rule.name, batch),
        "kind": "digest",
        "rule": rule_summary(rule),
        "story_id": None,
        "items": list(stories.values()),
        "article_count": sum(1 + len(s["follow_ups"]) for s in stories.values()),
        "created": now_utc().isoformat(),
    }


# -- renderings ---------------------------------------------------------------------------------------------
def webhook_payload(n: dict[str, Any]) -> dict[str, Any]:
    """The JSON body a webhook receives (the Idempotency-Key header carries ``n['id']`` too)."""
    body = {k: n.get(k) for k in ("id", "kind", "rule", "story_id", "created")}
    body["idempotency_key"] = n["id"]
    if n["kind"] == "instant":
        body["article"] = n["article"]
    else:
        body["items"] = n["items"]
        body["article_count"] = n.get("article_count")
    return body


def _article_line(a: dict[str, Any]) -> str:
    bits = [a.get("title") or "(untitled)"]
    meta = [x for x in (a.get("source"), a.get("published")) if x]
    if meta:
        bits.append(f"({', '.join(str(x) for x in meta)})")
    if a.get("url"):
        bits.append(str(a["url"]))
    if a.get("page"):
        bits.append(f"(newsworker: {a['page']})")
    return " ".join(bits)


def text_body(n: dict[str, Any]) -> str:
    """Plain text used by Slack and email."""
    rule = n["rule"]["name"]
    if n["kind"] == "instant":
        a = n["article"]
        lines = [f"[newsworker] {rule}: {_article_line(a)}"]
        if a.get("events"):
            lines.append("events: " + ", ".join(a["events"]))
        if a.get("casualties"):
            lines.append("casualties: " + ", ".join(f"{c['kind']} {c['count']}" for c in a["casualties"]))
        if a.get("places"):
            lines.append("places: " + "، ".join(a["places"]))
        if a.get("snippet"):
            lines.append(a["snippet"])
        if a.get("story_page"):
            lines.append(f"the story's other reports: {a['story_page']}")
        return "\n".join(lines)
    lines = [f"[newsworker] {rule}: digest of {n.get('article_count', 0)} article(s) in {len(n['items'])} story(ies)"]
    for item in n["items"]:
        prefix = "↻ " if item.get("already_notified") else "• "
        lines.append(prefix + _article_line(item["article"]))
        for f in item["follow_ups"]:
            lines.append("    + " + _article_line(f))
    return "\n".join(lines)


def slack_escape(text: str) -> str:
    """Slack's three control characters: a feed title with ``<!channel>`` or ``<http://x|y>`` must not
    ping a channel or show a link other than the one it is."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(n: dict[str, Any]) -> dict[str, Any]:
    return {"text": slack_escape(text_body(n))}


def _one_line(text: str) -> str:
    """A header value: line breaks and other control characters from a feed title become spaces (an
    e-mail header with a newline is refused by ``email``, and would be a header injection if it were not)."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def subject(n: dict[str, Any]) -> str:
    rule = n["rule"]["name"]
    if n["kind"] == "instant":
        return _one_line(f"[newsworker] {rule}: {n['article'].get('title') or '(untitled)'}")[:200]
    return _one_line(f"[newsworker] {rule}: digest, {n.get('article_count', 0)} article(s)")


class _MailPolicy(EmailPolicy):
    """``email.policy.SMTP``, but a non-ASCII Subject is folded by ``email.header.Header``. The modern
    folder (Python 3.11's ``_refold_parse_tree``) splits a long Arabic subject into RFC 2047 encoded words
    at a space that it leaves *between* the words, and decoders drop whitespace between encoded words:
    "يهاجمون سجن" arrived as "يهاجمونسجن". ``Header`` keeps every space inside an encoded word."""

    def _header(self, name: str, value: Any) -> str | None:
        text = str(value)
        if name.lower() != "subject" or text.isascii():
            return None
        encoded = Header(text, "utf-8", maxlinelen=self.max_line_length or 78, header_name=name)
        return f"{name}: {encoded.encode(linesep=self.linesep)}{self.linesep}"

    def fold(self, name: str, value: Any) -> str:
        folded = self._header(name, value)
        return folded if folded is not None else super().fold(name, value)

    def fold_binary(self, name: str, value: Any) -> bytes:
        folded = self._header(name, value)
        return folded.encode("ascii") if folded is not None else super().fold_binary(name, value)


MAIL_POLICY = _MailPolicy(linesep=email_policy.SMTP.linesep)  # the SMTP policy: CRLF line ends


def email_message(n: dict[str, Any], to: str, sender: str) -> EmailMessage:
    msg = EmailMessage(policy=MAIL_POLICY)
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject(n)
    # A stable Message-ID per notification lets mail systems drop a retried duplicate.
    msg["Message-ID"] = f"<{n['id']}@newsworker.local>"
    msg["X-Idempotency-Key"] = n["id"]
    msg.set_content(text_body(n))
    return msg
