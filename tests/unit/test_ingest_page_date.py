"""The date of an article page: the one a reader sees as the article's (QA round 3 #1).

htmldate, through trafilatura, took it from the related-articles list (7 of 9 JawharaFM pages: 2017-02-28 for
articles of 2 March 2017 and of 26 May 2014) or made the copyright year a 1 January (both CNN pages: 2013-01-01
for 4 and 28 August 2013); the body's relative dates were then resolved against it. The pages here copy those
structures with made-up names, so no site's markup is what the rules know.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from trafilatura.utils import load_html

from worker.ingest.article import build_article, extract_page
from worker.ingest.pagedate import machine_date, page_date, text_date
from worker.records import FeedItem

ARTICLE = ("اغتال مسلحون مجهولون اليوم الاثنين الصحفي المعروف بشارع جمال بالقرب من فندق في مدينة بنغازي شرقي "
           "البلاد. وقال مصدر أمني إن المسلحين لاذوا بالفرار بعد الهجوم، فيما فتحت السلطات تحقيقا في الحادث. "
           "ويعد الصحفي من أبرز المعارضين للجماعات المتشددة في المدينة.")
HEADLINES = ["وفاة شاب بأحد فضاءات الألعاب بالمدينة", "زعيم كوريا الشمالية يهدد لاعبا شهيرا",
             "الزيادة في سعر علامتين من السجائر", "تفاصيل الإحتراز الفني للنادي الرياضي",
             "ابتداء من يوم الاثنين تونس بلا خبز", "لاعبو النجم يرفضون الدخول للملعب"]
LIST_DAYS = ["2017/02/28", "2017/02/27", "2017/02/28", "2017/03/01", "2017/03/02", "2017/03/01"]


def sidebar_page(article: str = ARTICLE, dateline: str = "2014/05/26 10:19", head: str = "") -> str:
    """A news page as the JawharaFM ones are built: the category and the date above the headline, the text,
    then a "most read" list of dated headlines (each a link to another article)."""
    items = "".join(
        f'<li><p class="tag"><a href="#?">رياضة</a> <span class="when">{day}</span></p>'
        f'<p><a href="http://news.example/ar/article/{n}" class="lnk">{h}</a></p></li>'
        for n, (h, day) in enumerate(zip(HEADLINES, LIST_DAYS, strict=True)))
    return f"""<html><head><title>اغتيال صحفي في بنغازي | إذاعة</title>
<meta property="og:title" content="اغتيال صحفي معروف في بنغازي">{head}</head><body>
<div class="menu"><a href="/">الرئيسية</a> <a href="/news">أخبار</a></div>
<div class="main"><div class="article"><article>
<div class="top"><p><a class="tag" href="/ar/theme/international">دولية</a><span class="when">{dateline}</span></p></div>
<div class="share"><a href="https://twitter.com/share">Tweet</a></div>
<header><h1 class="title">اغتيال صحفي معروف في بنغازي</h1></header>
<div class="text"><p>{article}</p></div></article></div>
<div class="side"><div class="tabs"><div id="articleMostRead"><ul class="list-info">{items}</ul></div></div></div></div>
<footer>جميع الحقوق محفوظة 2017</footer></body></html>"""


def cnn_like_page(stamp: str = "الأربعاء، 28 آب/اغسطس 2013، آخر تحديث 14:00 (GMT+0400)") -> str:
    paras = "".join(f"<p>{ARTICLE}</p>" for _ in range(3))
    return f"""<html><head><title>معارضون يسيطرون على مخازن للصواريخ</title></head><body>
<div id="hdr"><h1><a href="/"><img alt="logo" src="l.png"></a></h1></div>
<div class="story"><h1>معارضون يسيطرون على مخازن للصواريخ</h1><div class="stamp"><div>{stamp}</div></div>
<div class="content">{paras}</div></div>
<div class="foot">© 2013 Cable News Network. All Rights Reserved.</div></body></html>"""


def test_date_next_to_the_headline_not_from_the_related_list():
    page = extract_page(sidebar_page())
    assert page["date"] == "2014-05-26T10:19:00+00:00"


def test_a_copyright_year_is_no_day_and_the_stamp_under_the_headline_is():
    assert extract_page(cnn_like_page())["date"] == "2013-08-28T14:00:00+04:00"
    # only a year on the page: no date rather than a false 1 January
    assert extract_page(cnn_like_page(stamp="آخر تحديث"))["date"] is None


def test_explicit_metadata_wins_and_keeps_its_zone():
    meta = '<meta property="article:published_time" content="2014-05-26T09:15:00+01:00">'
    assert extract_page(sidebar_page(head=meta))["date"] == "2014-05-26T09:15:00+01:00"
    ld = ('<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle", '
          '"headline": "اغتيال صحفي معروف في بنغازي", "datePublished": "2014-05-26T08:00:00Z"}</script>')
    assert extract_page(sidebar_page(head=ld))["date"] == "2014-05-26T08:00:00+00:00"


def test_time_elements_in_a_list_of_other_articles_are_not_the_page_date():
    html = sidebar_page(dateline="").replace('<span class="when">2017/02/28</span>',
                                             '<time datetime="2017-02-28T10:00:00Z">2017/02/28</time>')
    assert extract_page(html)["date"] is None
    html = html.replace('<header>', '<header><time datetime="2014-05-26T10:19:00+01:00">26 مايو 2014</time>')
    assert extract_page(html)["date"] == "2014-05-26T10:19:00+01:00"


def test_page_date_anchors_the_relative_dates_of_the_body():
    """A feed item without a date takes the page's; "اليوم الاثنين" is then 26 May 2014, not a day of 2017."""
    from worker.extract.pipeline import extract_one

    item = FeedItem(id="i", url="http://news.example/a", title="", source="s", feed_id="f")
    art, body_from = build_article(item, html=sidebar_page(), doc_id="d", url="http://news.example/a")
    assert body_from == "page" and art.published == "2014-05-26T10:19:00+00:00"
    doc = extract_one({"title": art.title, "body": art.body, "published": art.published})
    assert ("اليوم الاثنين", "2014-05-26") in [(d.text, d.date) for d in doc.dates]


@pytest.mark.parametrize(("line", "expected"), [
    ("2017/03/02 07:33", "2017-03-02T07:33:00+00:00"),
    ("26/05/2014", "2014-05-26T00:00:00+00:00"),
    ("الجمعة 8 فيفري 2019", "2019-02-08T00:00:00+00:00"),
    ("الأحد، 04 آب/اغسطس 2013، آخر تحديث 02:21 (GMT+0400)", "2013-08-04T02:21:00+04:00"),
    ("نشر في ٢ مارس ٢٠١٧ - ١٠:١٩ م بتوقيت غرينتش", "2017-03-02T22:19:00+00:00"),
    ("3 جمادى الآخرة 1438 - 2 مارس 2017", "2017-03-02T00:00:00+00:00"),  # the Gregorian day, not the Hijri one
    ("عام 2013", None), ("مارس 2017", None), ("آخر تحديث 14:00", None),
])
def test_text_date(line, expected):
    got = text_date(line)
    assert (got.isoformat() if got else None) == expected


def test_machine_date_needs_a_whole_day():
    assert machine_date("2013") is None and machine_date("2013-08") is None
    assert machine_date("Sun, 04 Aug 2013 02:21:00 +0400").isoformat() == "2013-08-04T02:21:00+04:00"
    assert machine_date("2013-08-04").isoformat() == "2013-08-04T00:00:00+00:00"


def test_htmldate_fallback_is_not_taken_when_it_is_a_first_of_january():
    tree = load_html("<html><body><p>نص</p></body></html>")
    now = datetime(2020, 1, 1, tzinfo=UTC)
    assert page_date(tree, fallback="2013-01-01", now=now) is None
    assert page_date(tree, fallback="2013-08-04", now=now) == "2013-08-04T00:00:00+00:00"
    assert page_date(tree, fallback="2030-08-04", now=now) is None  # after now: not a publication date


def test_hostile_date_markup_stays_bounded():
    """Many date-marked elements, nested <time>s, a deep or huge JSON-LD: the search stays linear and never
    raises (a page at the tag bound is weighed by its first ``_MAX_MARKED`` marked elements)."""
    import time

    shapes = (
        "<html><body><h1>عنوان</h1>" + "<time datetime='2015-01-02'>x" * 5_000 + "</body></html>",
        "<html><body><h1>عنوان</h1>" + "<span itemprop='datePublished'>2 مارس 2017</span>" * 15_000 + "</body></html>",
        '<html><head><script type="application/ld+json">' + "[" * 50_000 + "]" * 50_000 + "</script></head><body>"
        "<h1>عنوان</h1><p>نص</p></body></html>",
        '<html><head><script type="application/ld+json">{"datePublished": "2017-03-02", "x": "' + "a" * 300_000
        + '"}</script></head><body><h1>عنوان</h1><p>نص</p></body></html>',
    )
    for html in shapes:
        t0 = time.process_time()
        page_date(load_html(html), title="عنوان")
        assert time.process_time() - t0 < 20  # generous: each is well under a second


def test_a_subtitle_naming_an_event_date_is_no_date_line():
    """A line under the headline that tells of a dated event is a sentence, not the page's date line."""
    html = sidebar_page(dateline="").replace(
        '</h1></header>', '</h1><h2>قمة 15 مارس 2016 في جنيف تفشل في التوصل إلى اتفاق حول مستقبل المدينة وأهلها</h2>'
        '</header>')
    assert extract_page(html)["date"] is None
    html = html.replace('</header>', '<div class="by">كتب: محمد عبد الله - الخميس 2 مارس 2017 - 10:30</div></header>')
    assert extract_page(html)["date"] == "2017-03-02T10:30:00+00:00"
