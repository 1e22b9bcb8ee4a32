"""An article page's text and title as the service takes them (QA round 3 #12, #15).

* A 269-character weather report's page gave the "most read" list as its text: both trafilatura passes took the
  list of dated headlines. Lists of links to other articles go before the text is looked for, and a text that
  is mostly the page's headline links is no article, whichever pass found it.
* ``newsworker extract --html`` called trafilatura with its defaults: the CLI showed another body than the
  service indexes. It now goes through ``extract_page``.
* A site's disclaimer under the text ("الآراء الواردة أدناه لا تعبر عن رأي الموقع...") and its comment policy
  are not the article.
* The title keeps the quotation marks of the headline when ``<title>``/og:title lost them.
"""

from __future__ import annotations

import json

from trafilatura.utils import load_html
from typer.testing import CliRunner

from tests.unit.test_ingest_page_date import ARTICLE, cnn_like_page, sidebar_page
from worker.ingest.article import extract_page
from worker.ingest.pagetext import drop_link_lists, link_lists, link_share, strip_boilerplate

WEATHER = ("يكون هناك ضبابا محليا صباح اليوم الخميس والسماء قليلة السحب. الريح تكون من القطاع الشمالي بالشمال "
           "ومن القطاع الجنوبي بالوسط والجنوب ضعيفة فمعتدلة من 15 إلى 25 كلم/س، والبحر قليل الاضطراب. تتراوح "
           "الحرارة القصوى بين 19 و 23 درجة بالشمال والوسط وبين 23 و 27 درجة بالجنوب.")


def test_a_short_article_is_not_replaced_by_the_list_of_headlines():
    text = extract_page(sidebar_page(article=WEATHER))["text"]
    assert "ضبابا محليا" in text and "درجة بالجنوب" in text
    assert "زعيم كوريا" not in text and "2017/02/28" not in text


def test_a_text_that_is_mostly_headline_links_is_no_article():
    tree = load_html(sidebar_page())
    listing = "\n".join(f"- رياضة 2017/02/28 {h}" for h in
                        ("وفاة شاب بأحد فضاءات الألعاب بالمدينة", "زعيم كوريا الشمالية يهدد لاعبا شهيرا"))
    assert link_share(listing, tree) > 0.5
    assert link_share(ARTICLE, tree) == 0.0


def test_link_lists_are_items_made_of_headline_links():
    html = """<html><body><article><p>نص الخبر مع <a href="/x">رابط داخل فقرة من الخبر نفسه</a> وكلام كثير بعده
    يطول ويطول حتى يكون الرابط أقل من نصف الفقرة كلها بكثير.</p><p>فقرة ثانية</p><p>فقرة ثالثة</p></article>
    <ul class="meta"><li><a href="/author/1">محمد</a></li><li>2 مارس 2017</li></ul>
    <div class="cards"><div class="card"><a href="/1">عنوان خبر آخر من أربع كلمات</a></div>
    <div class="card"><a href="/2">عنوان خبر ثان من أربع كلمات</a></div>
    <div class="card"><a href="/3">عنوان خبر ثالث من أربع كلمات</a></div></div></body></html>"""
    tree = load_html(html)
    assert [e.get("class") for e in link_lists(tree)] == ["card", "card", "card"]
    assert drop_link_lists(tree) == 3
    text = tree.text_content()
    assert "رابط داخل فقرة" in text and "2 مارس 2017" in text and "عنوان خبر" not in text


def test_cli_html_is_the_service_page_path():
    from worker.cli.main import app

    html = sidebar_page(article=WEATHER)
    res = CliRunner().invoke(app, ["extract", "--html", "-"], input=html)
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    page = extract_page(html)
    assert doc["body"] == page["text"] and doc["title"] == page["title"]
    assert doc["published"] == "2014-05-26T10:19:00Z"  # a zone, as JSON-lines articles give it


def test_site_disclaimer_and_comment_policy_leave_the_text():
    html = cnn_like_page().replace(
        '</div></div>\n<div class="foot">',
        '<p>ولفت إلى أن هذه التصريحات لا تعبر عن رأي الحكومة بل عن رأي قائلها.</p></div>'
        '<div><p>ترحب الشبكة بالنقاش الحيوي والمفيد، وكي لا نضطر إلى مراجعة التعليقات قبل نشرها ننصحك بمراجعة '
        '<a href="/guide">إرشادات الاستخدام</a> و<a href="/privacy">سياسة الخصوصية</a>.</p>'
        '<p>الآراء الواردة أدناه لا تعبر عن رأي الموقع، بل تعكس وجهات نظر أصحابها فقط.</p></div></div>\n'
        '<div class="foot">')
    text = extract_page(html)["text"]
    assert "لا تعبر عن رأي الحكومة" in text  # the news's own sentence stays
    assert "الآراء الواردة" not in text and "ترحب الشبكة" not in text


def test_strip_boilerplate_only_at_the_ends():
    body = "الآراء الواردة أدناه لا تعبر عن رأي الموقع.\nالخبر.\nالآراء الواردة أدناه لا تعبر عن رأي الموقع.\nتتمة."
    assert strip_boilerplate(body) == "الخبر.\nالآراء الواردة أدناه لا تعبر عن رأي الموقع.\nتتمة."
    assert strip_boilerplate("  سطر \t أول  \n\n\t سطر ثان ") == "سطر أول\nسطر ثان"
    assert strip_boilerplate("المقالات المنشورة تعبر عن رأي كتابها فقط\nالخبر.") == "الخبر."


def test_title_keeps_the_headline_quotation_marks():
    html = sidebar_page().replace('content="اغتيال صحفي معروف في بنغازي"', 'content="اغتيال صحفي معروف في بنغازي الجديد"')
    html = html.replace('<h1 class="title">اغتيال صحفي معروف في بنغازي</h1>',
                        '<h1 class="title">اغتيال صحفي "معروف" في «بنغازي» الجديد</h1>')
    assert extract_page(html)["title"] == 'اغتيال صحفي "معروف" في «بنغازي» الجديد'
    # a headline with other words is not the title
    html = html.replace("الجديد</h1>", "القديم</h1>")
    assert extract_page(html)["title"] == "اغتيال صحفي معروف في بنغازي الجديد"


def test_link_lists_stay_linear_on_deep_and_wide_pages():
    """Under the tag bound (``MAX_TAGS``): 6,000 nested list items, 9,000 sibling cards, 9,000 cards each in its
    own parent: one pass each (no walk per item over its siblings or its subtree)."""
    import time

    from worker.ingest.article import MAX_TAGS
    from worker.ingest.markup import count_tags

    card = "<div class='c'><a href='/x'>عنوان خبر من أربع كلمات</a></div>"
    shapes = ("<html><body>" + "<ul><li><a href='/x'>عنوان خبر من أربع كلمات</a>" * 6_000 + "</body></html>",
              "<html><body><div>" + card * 9_000 + "</div>",
              "<html><body>" + ("<div>" + card) * 6_000 + "</body></html>")
    for html in shapes:
        assert count_tags(html, MAX_TAGS) <= MAX_TAGS
        t0 = time.process_time()
        text = extract_page(html).get("text") or ""
        assert time.process_time() - t0 < 20  # generous: the linear work takes well under a second
        assert text.count("عنوان خبر") == 0
