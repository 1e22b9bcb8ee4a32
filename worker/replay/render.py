"""RSS 2.0, Atom 1.0 and article HTML for the replay server. The article page wraps the real text in
the furniture real news sites have (navigation, breaking-news ticker, share buttons, related links,
cookie banner, footer, scripts), so main-text extraction is exercised for real."""

from __future__ import annotations

import email.utils
import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr


@dataclass(frozen=True)
class Entry:
    docno: str
    source: str
    title: str
    summary: str
    text: str
    author: str
    category: str
    published: datetime
    link: str  # as it appears in the feed (with tracking parameters)
    canonical: str  # the page's rel=canonical


def _rfc822(dt: datetime) -> str:
    return email.utils.format_datetime(dt)


def rss(title: str, site: str, self_url: str, entries: Sequence[Entry], encoding: str = "utf-8",
        last_build: datetime | None = None) -> str:
    items = []
    for e in entries:
        author = f"<dc:creator>{escape(e.author)}</dc:creator>" if e.author else ""
        items.append(
            "<item>"
            f"<title>{escape(e.title)}</title>"
            f"<link>{escape(e.link)}</link>"
            f'<guid isPermaLink="false">urn:ant:{escape(e.docno)}</guid>'
            f"<pubDate>{_rfc822(e.published)}</pubDate>"
            f"<description>{escape(e.summary)}</description>"
            f"<category>{escape(e.category)}</category>{author}"
            "</item>"
        )
    build = f"<lastBuildDate>{_rfc822(last_build)}</lastBuildDate>" if last_build else ""
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">'
        f"<channel><title>{escape(title)}</title><link>{escape(site)}</link>"
        f'<atom:link href={quoteattr(self_url)} rel="self" type="application/rss+xml"/>'
        f"<description>{escape(title)}</description><language>ar</language>{build}"
        + "".join(items) + "</channel></rss>\n"
    )


def atom(title: str, site: str, self_url: str, entries: Sequence[Entry], updated: datetime) -> str:
    parts = []
    for e in entries:
        author = f"<author><name>{escape(e.author)}</name></author>" if e.author else ""
        parts.append(
            "<entry>"
            f"<id>urn:ant:{escape(e.docno)}</id><title>{escape(e.title)}</title>"
            f'<link rel="alternate" type="text/html" href={quoteattr(e.link)}/>'
            f"<published>{e.published.isoformat()}</published><updated>{e.published.isoformat()}</updated>"
            f"<summary>{escape(e.summary)}</summary>{author}"
            f"<category term={quoteattr(e.category)}/>"
            "</entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ar">'
        f"<title>{escape(title)}</title><id>{escape(self_url)}</id>"
        f'<link rel="self" href={quoteattr(self_url)}/><link rel="alternate" href={quoteattr(site)}/>'
        f"<updated>{updated.isoformat()}</updated>" + "".join(parts) + "</feed>\n"
    )


def article_html(e: Entry, site_name: str, related: Sequence[Entry], charset: str = "utf-8") -> str:
    h = html.escape
    paragraphs = "".join(f"<p>{h(p.strip())}</p>" for p in e.text.split("\n") if p.strip())
    rel = "".join(f'<li><a href="{h(r.canonical)}">{h(r.title)}</a></li>' for r in related)
    nav = "".join(f'<li><a href="/section/{s}">{label}</a></li>' for s, label in (
        ("world", "العالم"), ("middle-east", "الشرق الأوسط"), ("economy", "اقتصاد"), ("sport", "رياضة"),
        ("technology", "تكنولوجيا"), ("culture", "ثقافة"), ("video", "فيديو")))
    author = f'<span class="byline" rel="author">{h(e.author)}</span>' if e.author else ""
    return f"""<!DOCTYPE html>
<html lang="ar" dir="rtl">
<head>
<meta charset="{charset}">
<title>{h(e.title)} | {h(site_name)}</title>
<meta name="description" content="{h(e.summary)}">
<meta property="og:title" content="{h(e.title)}">
<meta property="og:type" content="article">
<meta property="article:published_time" content="{e.published.isoformat()}">
<link rel="canonical" href="{h(e.canonical)}">
<script>window.dataLayer=window.dataLayer||[];function gtag(){{dataLayer.push(arguments);}}gtag('js',new Date());</script>
<style>body{{font-family:sans-serif}} .ticker{{background:#c00;color:#fff}}</style>
</head>
<body>
<div id="cookie-banner">نستخدم ملفات تعريف الارتباط لتحسين تجربتك. <button>موافق</button></div>
<header><a class="logo" href="/">{h(site_name)}</a><nav><ul>{nav}</ul></nav>
<form action="/search"><input name="q" placeholder="بحث"></form></header>
<div class="ticker">عاجل: تابعوا آخر الأخبار على مدار الساعة</div>
<main>
<article>
<div class="breadcrumbs"><a href="/">الرئيسية</a> / <a href="/section/{h(e.category)}">{h(e.category)}</a></div>
<h1>{h(e.title)}</h1>
<div class="meta">{author} <time datetime="{e.published.isoformat()}">{h(e.published.strftime('%Y/%m/%d %H:%M'))}</time></div>
<div class="share"><a href="#">فيسبوك</a> <a href="#">تويتر</a> <a href="#">واتساب</a></div>
<div class="article-body">{paragraphs}</div>
<div class="tags">الكلمات المفتاحية: <a href="/tag/{h(e.category)}">{h(e.category)}</a></div>
</article>
<aside class="related"><h2>اقرأ أيضاً</h2><ul>{rel}</ul></aside>
<aside class="most-read"><h2>الأكثر قراءة</h2><ol><li><a href="/">أسعار النفط تتراجع</a></li><li><a href="/">نتائج مباريات اليوم</a></li></ol></aside>
</main>
<footer><p>جميع الحقوق محفوظة © {h(site_name)}</p><ul><li><a href="/about">من نحن</a></li><li><a href="/contact">اتصل بنا</a></li><li><a href="/privacy">سياسة الخصوصية</a></li></ul></footer>
<script src="/static/app.js"></script>
<script>document.getElementById('cookie-banner').onclick=function(){{this.remove()}};</script>
</body>
</html>
"""
