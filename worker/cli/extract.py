"""``newsworker extract FILE|-``: run the Arabic extraction chain on one article or a JSON-lines stream.

Input forms:
- default: a JSON object ({"title", "body", "published", ...}) or plain text (first line = title);
- ``--html``: an HTML page; title, text and date are taken out as the service takes them from a fetched page
  (``worker.ingest.article.extract_page``: trafilatura, without lists of links to other articles);
- ``--jsonl``: one JSON object per line {"id", "url", "title", "body", "published"}; one JSON line out
  per article (id, url, published and the enriched fields; title/body omitted).
Bodies are cut to the feed path's cap (``worker.ingest.article.MAX_BODY_CHARS``), with a note on stderr.
Imports are lazy so ``newsworker --help`` and the other commands start fast.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

_JSONL_EXCLUDE = {"title", "body"}


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def _article_from_text(raw: str) -> dict[str, Any]:
    stripped = raw.strip()
    if stripped.startswith("{"):
        try:
            obj = json.loads(stripped)
            if isinstance(obj, dict):
                return obj
        except json.JSONDecodeError:
            pass
    title, _, body = stripped.partition("\n")
    return {"title": title.strip(), "body": body.strip()}


def _article_from_html(raw: str) -> dict[str, Any]:
    """The article the service would index from this page: its own page path (``extract_page``: the same
    trafilatura options, passes, lists of links dropped, page date and caps), not trafilatura's defaults."""
    from worker.ingest.article import extract_page

    page = extract_page(raw)
    return {"title": page.get("title") or "", "body": page.get("text") or "", "published": page.get("date"),
            "url": page.get("url")}


def _capped(art: dict[str, Any], where: str) -> dict[str, Any]:
    """The article with its body cut to the cap the feed path applies (``MAX_BODY_CHARS``): extraction
    cost grows with the text (a 1 MB body took 15 s and 828 MB). Said on stderr when it cuts."""
    from worker.ingest.article import MAX_BODY_CHARS

    body = art.get("body")
    if isinstance(body, str) and len(body) > MAX_BODY_CHARS:
        print(f"{where}: body cut from {len(body)} to {MAX_BODY_CHARS} characters", file=sys.stderr)
        return {**art, "body": body[:MAX_BODY_CHARS]}
    return art


def extract_cmd(
    path: str = typer.Argument("-", metavar="FILE|-", help="input file, or - for stdin"),
    html: bool = typer.Option(False, "--html", help="input is an HTML page"),
    jsonl: bool = typer.Option(False, "--jsonl", help="input is JSON lines, one article each"),
) -> None:
    """Print the enriched document(s) as JSON."""
    from worker.cli.term import dumps
    from worker.extract.pipeline import extract_one, warm_up

    out = sys.stdout
    if jsonl:
        # the input is opened before the models load (seconds): a wrong path fails at once
        stream = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
        try:
            warm_up()
            for n, line in enumerate(stream, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    art = json.loads(line)
                    if not isinstance(art, dict):
                        raise ValueError("not a JSON object")
                    doc = extract_one(_capped(art, f"line {n}"))
                except (ValueError, TypeError) as err:  # bad input line: report it, keep streaming
                    print(f"line {n}: skipped ({err})", file=sys.stderr)
                    continue
                except RecursionError:  # json.loads on a value nested past Python's recursion limit
                    print(f"line {n}: skipped (JSON nested too deeply)", file=sys.stderr)
                    continue
                out.write(dumps(doc.model_dump(mode="json", exclude=_JSONL_EXCLUDE)))
                out.write("\n")
        finally:
            if stream is not sys.stdin:
                stream.close()
        out.flush()
        return
    raw = _read(path)
    warm_up()
    article = _article_from_html(raw) if html else _article_from_text(raw)
    doc = extract_one(_capped(article, path))
    out.write(dumps(doc.model_dump(mode="json"), indent=1))
    out.write("\n")


def register(app: typer.Typer) -> None:
    """Add ``extract`` to the top-level app."""
    app.command("extract")(extract_cmd)
