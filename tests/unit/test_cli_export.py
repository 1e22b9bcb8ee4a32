"""``newsworker export --out``: a failed or interrupted export leaves an existing file as it was (QA: a
store down or a bad query deleted it), and the format follows the extension unless ``--format`` is given
(QA: ``--out x.csv`` wrote JSONL). The store is replaced by fakes: what is under test is the file."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from worker.archive import exporter
from worker.cli.main import app
from worker.store import clients

DOCS = [{"id": f"d{i}", "url": f"https://example.test/{i}", "title": f"عنوان {i}", "source": "bbc"}
        for i in range(3)]


@pytest.fixture
def fake_store(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """``export_pages`` returns what ``behaviour['pages']`` says, or raises ``behaviour['raise']``."""
    behaviour: dict[str, Any] = {"pages": lambda: iter([DOCS])}

    def pages(es: Any, alias: str, query: Any, **kw: Any) -> Iterator[Any]:
        if "raise" in behaviour:
            raise behaviour["raise"]
        return behaviour["pages"]()

    monkeypatch.setattr(exporter, "export_pages", pages)
    monkeypatch.setattr(clients, "get_es", lambda: None)
    return behaviour


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, ["export", *args])


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".part"))


def _store_down() -> Exception:
    import elastic_transport

    return elastic_transport.ConnectionError("refused")


def _bad_query() -> Exception:
    from worker.query import QuerySyntaxError

    return QuerySyntaxError("unterminated phrase", 3)


def _gone_mid_stream() -> Iterator[Any]:
    import elastic_transport

    yield DOCS
    raise elastic_transport.ConnectionError("gone")


@pytest.mark.parametrize(("query", "out_name", "fault", "code"), [
    ("سوريا", "x.csv", {"raise": _store_down}, 1),          # the store is down before the first page
    ('سجن"', "y.csv", {"raise": _bad_query}, 2),            # the query is refused
    ("", "x.jsonl", {"pages": lambda: _gone_mid_stream}, 1),  # the store goes away after a page
])
def test_a_failed_export_keeps_the_existing_file(tmp_path: Path, fake_store: dict[str, Any], query: str,
                                                 out_name: str, fault: dict[str, Any], code: int) -> None:
    """QA: a failed export deleted the file already at --out."""
    out = tmp_path / out_name
    out.write_text("keep\n", encoding="utf-8")
    fake_store.update({k: make() for k, make in fault.items()})
    r = _run(query, "--out", str(out))
    assert r.exit_code == code, r.output
    assert out.read_text(encoding="utf-8") == "keep\n" and not _leftovers(tmp_path)


def test_success_replaces_the_file_and_keeps_its_mode(tmp_path: Path, fake_store: dict[str, Any]) -> None:
    out = tmp_path / "x.jsonl"
    out.write_text("old\n", encoding="utf-8")
    os.chmod(out, 0o640)
    r = _run("", "--out", str(out))
    assert r.exit_code == 0, r.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["d0", "d1", "d2"]
    assert os.stat(out).st_mode & 0o777 == 0o640 and not _leftovers(tmp_path)


@pytest.mark.parametrize(("name", "args", "starts"), [
    ("x.csv", [], "\ufeffid,"),                      # from the extension
    ("x.CSV", [], "\ufeffid,"),
    ("x.ndjson", [], '{"id"'),
    ("x.geojson", [], '{"type"'),
    ("x.txt", [], '{"id"'),                          # unknown: the JSONL default
    ("x.csv", ["--format", "jsonl"], '{"id"'),       # an explicit --format wins
])
def test_the_format_follows_the_extension(tmp_path: Path, fake_store: dict[str, Any], name: str,
                                          args: list[str], starts: str) -> None:
    out = tmp_path / name
    r = _run("", "--out", str(out), *args)
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8").startswith(starts)


def test_a_json_extension_asks_for_a_format(tmp_path: Path, fake_store: dict[str, Any]) -> None:
    r = _run("", "--out", str(tmp_path / "x.json"))
    assert r.exit_code == 2 and "--format" in r.output and not (tmp_path / "x.json").exists()


def test_a_new_file_gets_the_usual_mode(tmp_path: Path, fake_store: dict[str, Any]) -> None:
    out = tmp_path / "new.csv"
    assert _run("", "--out", str(out)).exit_code == 0
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(out).st_mode & 0o777 == 0o666 & ~umask
