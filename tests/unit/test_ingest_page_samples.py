"""The project's sample article pages (../shared/data/html) through the service's page path, as QA round 3
read them (#1, #12, #15). Skipped when the shared folder is absent."""

from __future__ import annotations

import re

import pytest

from worker.devdata import DATA
from worker.ingest.article import extract_page

HTML = DATA / "html"
pytestmark = pytest.mark.skipif(not HTML.is_dir(), reason="../shared/data/html is not present")

# the date printed next to each page's headline (JawharaFM: the category line above it; CNN: the stamp under it)
DATES = {
    "jawharafm/data/culture/JA-culture-1-20170225.html": "2017-02-25T13:39:00+00:00",
    "jawharafm/data/diverse/JA-diverse-1-20170302.html": "2017-03-02T10:22:00+00:00",
    "jawharafm/data/economy/JA-economy-1-20170302.html": "2017-03-02T08:05:00+00:00",
    "jawharafm/data/internationalNews/JA-internationalNews-1-20140526.html": "2014-05-26T10:19:00+00:00",
    "jawharafm/data/localNews/JA-localNews-1-20170302.html": "2017-03-02T07:33:00+00:00",
    "jawharafm/data/politic/JA-politic-1-20170302.html": "2017-03-02T13:43:00+00:00",
    "jawharafm/data/society/JA-society-1-20170302.html": "2017-03-02T10:51:00+00:00",
    "jawharafm/data/sport/JA-sport-1-20170302.html": "2017-03-02T07:59:00+00:00",
    "jawharafm/data/technology/JA-technology-1-20170301.html": "2017-03-01T18:33:00+00:00",
    "cnn-arabic-goose3/test_cnn_arabic.html": "2013-08-04T02:21:00+04:00",
    "cnn-arabic-newspaper3k/arabic_article.html": "2013-08-28T14:00:00+04:00",
    # RDFa property="dc:date" under the headline (htmldate's extensive search gave 2020-02-19)
    "assabah-trafilatura/assabah.com.tn.article.html": "2019-02-08T00:00:00+01:00",
}


def _page(rel: str) -> dict:
    return extract_page((HTML / rel).read_text(encoding="utf-8"))


@pytest.mark.parametrize(("rel", "expected"), DATES.items(), ids=[k.rsplit("/", 1)[1] for k in DATES])
def test_sample_page_dates(rel, expected):
    assert _page(rel)["date"] == expected


def test_weather_report_is_its_own_text():
    text = _page("jawharafm/data/localNews/JA-localNews-1-20170302.html")["text"]
    assert text.startswith("يكون هناك ضبابا") and text.endswith("بالجنوب.") and "زعيم كوريا" not in text


def test_cnn_body_is_the_article_without_the_comment_policy():
    gold = (HTML / "cnn-arabic-newspaper3k/arabic.txt").read_text(encoding="utf-8")
    text = _page("cnn-arabic-newspaper3k/arabic_article.html")["text"]
    assert re.sub(r"\s+", " ", text).strip() == re.sub(r"\s+", " ", gold).strip()


def test_titles_keep_the_headline_quotes():
    """The crawler's titles (from the headline) carry the quotation marks <title> and og:title dropped."""
    for rel in ("culture/JA-culture-1-20170225", "politic/JA-politic-1-20170302", "society/JA-society-1-20170302",
                "technology/JA-technology-1-20170301"):
        doc = (HTML / f"jawharafm/data/{rel}.txt").read_text(encoding="utf-8")
        want = re.search(r"<TITLE>(.*?)</TITLE>", doc).group(1).strip()  # type: ignore[union-attr]
        assert '"' in want and _page(f"jawharafm/data/{rel}.html")["title"] == want
