"""QA round 4 (search) defects 1, 4, 8, 9, 12 on the import side, without services: an import never
replaces a stored article with a row that carries less (1); the JSONL export's feed id and the
publication's own zone survive an import (4); a Windows-1256 archive is refused in one line with the
command that converts it (8); Arabic-Indic digit dates and epoch milliseconds are read (9); a date more than
a day ahead of the import's clock makes the row bad (12)."""

from __future__ import annotations

import gzip
import io
import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from worker.archive import importer as imp
from worker.archive.charset import legacy_arabic
from worker.archive.columns import RowError, article_from_columns, parse_published
from worker.archive.errors import ArchiveFormatError
from worker.archive.readers import open_archive, read_csv, read_jsonl
from worker.archive.rows import BadRow, Row
from worker.archive.stored import Stored, against_stored
from worker.query.fields import index_view, to_ms_in_own_zone
from worker.records import FetchedArticle

BODY = "قتل خمسة أشخاص وأصيب عشرة آخرون في هجوم على سجن في مدينة الحسكة شمال شرقي سوريا. " * 3
CLOCK = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


# ------------------------------------------------------------------------- 9: date formats of an archive


def test_arabic_indic_digit_dates_read_as_search_reads_them():
    assert parse_published("٢٠١٨-٠٥-٠٣") == "2018-05-03T00:00:00+00:00"
    assert parse_published("۲۰۱۸-۰۵-۰۳T۱۰:۰۰:۰۰+۰۳:۰۰") == "2018-05-03T10:00:00+03:00"  # Persian digits
    assert parse_published("١٥٢٥١٦٨٨٠٠") == parse_published(1525168800)  # Unix seconds, Arabic-Indic


def test_epoch_milliseconds_as_a_number_or_12_13_digits():
    want = datetime.fromtimestamp(1525168800, UTC).isoformat()
    assert parse_published(1525168800000) == want  # JSON dumps, JavaScript's Date.now()
    assert parse_published("1525168800000") == want
    assert parse_published(1525168800123.0) == datetime.fromtimestamp(1525168800.123, UTC).isoformat()
    assert parse_published("١٥٢٥١٦٨٨٠٠٠٠٠") == want
    # 11 digits are the year 5138 in seconds or 1973-1976 in milliseconds: refused, with the forms named
    with pytest.raises(RowError, match="12-13 of milliseconds"):
        parse_published("99999999999")
    assert parse_published(1518343104) == datetime.fromtimestamp(1518343104, UTC).isoformat()  # seconds still


# ------------------------------------------------------------------------------ 12: dates in the future


def test_a_date_more_than_a_day_ahead_of_the_import_is_a_bad_row():
    row = {"url": "https://e.org/a", "title": "t", "text": BODY}
    with pytest.raises(RowError, match="in the future"):
        article_from_columns(row | {"published": "2099-01-01"}, fetched=CLOCK)
    with pytest.raises(RowError, match="in the future"):
        article_from_columns(row | {"published": (CLOCK + timedelta(days=1, minutes=1)).isoformat()}, fetched=CLOCK)
    # within a day: a zone east of UTC already in "tomorrow", or a clock a little behind
    soon = (CLOCK + timedelta(hours=23)).isoformat()
    assert article_from_columns(row | {"published": soon}, fetched=CLOCK).published == soon
    [bad] = list(read_jsonl(io.BytesIO(json.dumps(row | {"published": "2099-01-01"}).encode())))
    assert isinstance(bad, BadRow) and "2099-01-01" in bad.error


# --------------------------------------------------------------- 4: what a JSONL export carries, read back


def test_feed_id_and_the_publications_zone_are_read_back():
    exported = {"id": "x", "url": "https://e.org/a", "title": "t", "body": BODY, "feed_id": "replay-cnn",
                "published": "2018-06-27T01:20:24.000+04:00", "source": "CNN", "language": "ar"}
    [row] = list(read_jsonl(io.BytesIO(json.dumps(exported).encode())))
    assert isinstance(row, Row)
    assert row.article.feed_id == "replay-cnn"  # QA: dropped, so source:replay-cnn no longer found it
    assert row.article.published == "2018-06-27T01:20:24+04:00"  # the local day (a Wednesday) kept
    [bad] = list(read_jsonl(io.BytesIO(json.dumps(exported | {"feed_id": "../x y"}).encode())))
    assert isinstance(bad, BadRow) and "feed_id" in bad.error


def test_the_index_keeps_the_publications_own_zone():
    assert to_ms_in_own_zone("2018-06-27T01:20:24.123456+04:00") == "2018-06-27T01:20:24.123+04:00"
    assert to_ms_in_own_zone("2018-06-27T01:20:24-03:30") == "2018-06-27T01:20:24.000-03:30"
    assert to_ms_in_own_zone("2018-06-27T01:20:24Z") == "2018-06-27T01:20:24.000Z"
    assert to_ms_in_own_zone("2018-06-27T01:20:24") == "2018-06-27T01:20:24.000Z"  # naive: UTC
    assert to_ms_in_own_zone("2018-06-27T01:20:24+05:45:30") == "2018-06-26T19:34:54.000Z"  # no ±HH:MM form
    view = index_view({"id": "x", "title": "t", "published": "2018-06-27T01:20:24+04:00"})
    assert view["published"] == "2018-06-27T01:20:24.000+04:00"  # was 2018-06-26T21:20:24.000Z: Tuesday
    assert datetime.fromisoformat(view["published"]) == datetime(2018, 6, 26, 21, 20, 24, tzinfo=UTC)


# ------------------------------------------------------------ 1: an import never replaces with less


def _csv(*rows: str) -> io.BytesIO:
    return io.BytesIO(("\ufeffid,url,title,published,summary\r\n" + "".join(r + "\r\n" for r in rows)).encode())


def test_a_row_knows_whether_it_has_a_text_of_its_own():
    rows = list(read_csv(_csv("a,https://e.org/1,عنوان,2018-01-01,ملخص يقوم مقام النص")))
    [row] = rows
    assert isinstance(row, Row) and row.article.body == "ملخص يقوم مقام النص"  # the summary stands in
    assert not row.has_text
    [full] = list(read_jsonl(io.BytesIO(json.dumps({"url": "https://e.org/1", "text": BODY}).encode())))
    assert isinstance(full, Row) and full.has_text


def _row(title: str = "عنوان", body: str = BODY, has_text: bool = True, **meta: object) -> Row:
    return Row(1, 2, FetchedArticle(id="d1", url="https://e.org/1", title=title, body=body, **meta),  # type: ignore[arg-type]
               has_text=has_text)


def test_against_stored_refuses_a_row_with_less_and_fills_in_the_metadata():
    full = Stored(has_text=True, has_title=True, meta={"feed_id": "bbc-ar", "published": "2018-06-27T01:20:24.000+04:00",
                                                       "author": "مراسل", "tags": ["world"]})
    assert against_stored(_row(), None) == _row()  # nothing stored: as read
    why = against_stored(_row(body="ملخص", has_text=False), full)
    assert isinstance(why, str) and "kept the stored article d1" in why and "a text" in why and "JSONL" in why
    why = against_stored(_row(title=""), full)
    assert isinstance(why, str) and "a title" in why
    filled = against_stored(_row(author="كاتب"), full)
    assert isinstance(filled, Row)
    a = filled.article
    assert (a.feed_id, a.published, a.author, a.tags) == ("bbc-ar", "2018-06-27T01:20:24.000+04:00", "كاتب", ("world",))
    # a title-only stored article may be replaced by a row with a text, and by another title-only row
    thin = Stored(has_text=False, has_title=True, meta={})
    assert isinstance(against_stored(_row(has_text=False, body="x"), thin), Row)


def test_importer_keeps_stored_articles_a_csv_export_would_wipe(monkeypatch):
    """QA: a CSV export imported back into its index replaced each article with a title-only document."""
    from worker.pipeline import article as stages

    indexed: list[str] = []
    monkeypatch.setattr(stages, "story", lambda hop, doc: hop.emit(doc))
    monkeypatch.setattr(stages, "index", lambda hop, docs: [indexed.append(d.id) or hop.emit(d) for d in docs])
    monkeypatch.setattr(imp.metrics, "inc", lambda *a: None)
    stored = {"d1": Stored(True, True, {})}
    monkeypatch.setattr(imp, "stored_lookup", lambda ctx, ids: {i: stored[i] for i in ids if i in stored})
    rows = [_row(body="ملخص", has_text=False),
            Row(2, 3, FetchedArticle(id="d2", url="https://e.org/2", title="جديد", body="ملخص"), has_text=False)]
    bad: list[BadRow] = []
    summary = imp.Importer(None, on_bad=bad.append).run(rows)  # type: ignore[arg-type]
    assert indexed == ["d2"]  # a new article from the same CSV is imported as what it has
    assert (summary.imported, summary.failed) == (1, 1) and [b.line for b in bad] == [2]
    assert "kept the stored article" in bad[0].error


# --------------------------------------------------------------------------- 8: Windows-1256 archives


def _cp1256_csv() -> bytes:
    rows = ["url,title,text"] + [f"https://e.org/{i},هجوم على سجن {i},{BODY[:80]}" for i in range(3)]
    return ("\r\n".join(rows) + "\r\n").encode("cp1256")


@pytest.mark.parametrize("gz", [False, True])
def test_a_windows_1256_archive_is_refused_with_the_command_that_converts_it(tmp_path, gz):
    data = _cp1256_csv()
    path = tmp_path / ("excel.csv.gz" if gz else "excel.csv")
    path.write_bytes(gzip.compress(data) if gz else data)
    with pytest.raises(ArchiveFormatError) as err:
        open_archive(str(path))
    msg = str(err.value)
    assert "Windows-1256" in msg and "iconv -f CP1256 -t UTF-8" in msg and "excel-utf8.csv" in msg
    assert ("zcat" in msg) == gz


def test_a_windows_1256_jsonl_is_refused_too(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(json.dumps({"url": "https://e.org/1", "title": "هجوم على سجن الحسكة"},
                                ensure_ascii=False).encode("cp1256") + b"\n")
    with pytest.raises(ArchiveFormatError, match="Windows-1256"):
        open_archive(str(path))


def test_a_utf8_archive_with_a_bad_row_is_read_as_before():
    utf8 = ("url,title\r\nhttps://e.org/1,هجوم على سجن\r\n").encode()
    assert legacy_arabic(utf8 + "https://e.org/2,قتلى\r\n".encode("cp1256"), complete=True) is None
    assert legacy_arabic(b"url,title\r\nhttps://e.org/1,plain ascii\r\n", complete=True) is None
    assert legacy_arabic(b"url,title\r\nhttps://e.org/1,caf\xe9\r\n", complete=True) is None  # no Arabic
    # a cut-off last line is not judged: it may end inside a UTF-8 character
    assert legacy_arabic(b"url,title\r\nhttps://e.org/1," + "هجوم".encode()[:-1], complete=False) is None


def test_an_import_with_every_row_bad_exits_2(monkeypatch, tmp_path):
    """README's 2 is "cannot be read at all": not one row read is that, even when read to the end."""
    from worker.archive.checkpoint import Progress
    from worker.archive.importer import ImportSummary
    from worker.cli.main import app

    ctx = SimpleNamespace(settings=SimpleNamespace(es_index="news-test"))
    monkeypatch.setattr("worker.archive.importer.context_for", lambda alias: ctx)
    path = tmp_path / "a.jsonl"
    path.write_text("{}\n", encoding="utf-8")

    def summary(done: int, bad: int, imported: int) -> ImportSummary:
        return ImportSummary(rows=done, imported=imported, bad=bad, failed=0, skipped=0, deliveries=0, seconds=1.0,
                             totals=Progress(done=done, imported=imported, bad=bad))

    # An archive without a single row (empty, a CSV header alone, a crawl without a page) is no success
    # either (QA7 qa7b-3: an empty JSONL, and a WARC of nothing, "imported" with exit 0).
    cases = (((3, 3, 0), 2, "none of the archive's 3 rows could be read"), ((3, 2, 1), 0, None),
             ((0, 0, 0), 2, "the archive holds no rows"))
    for (done, bad, imported), code, said in cases:
        result = summary(done, bad, imported)
        monkeypatch.setattr("worker.archive.importer.import_archive", lambda *a, result=result, **k: result)
        r = CliRunner().invoke(app, ["import", str(path), "--json"])
        assert r.exit_code == code, r.output
        assert json.loads(r.stdout.strip().splitlines()[0])["bad"] == bad  # the summary is printed either way
        assert said is None and "error" not in r.stderr or said in r.stderr
