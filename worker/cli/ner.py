"""``newsworker ner --conll``: tag tokens (one per line, blank line between sentences) in BIO."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

import typer


def tag_conll(inp: TextIO, out: TextIO, model: str | None = None) -> int:
    """Read CoNLL-style tokens from ``inp`` (first column; other columns ignored), write ``token<TAB>tag``.

    Returns the number of sentences tagged. Sentence boundaries and token order are preserved.
    """
    from worker.extract.ner.tagger import get_tagger

    tagger = get_tagger(model)
    n = 0
    sent: list[str] = []

    def flush() -> None:
        nonlocal n
        if sent:
            for tok, tag in zip(sent, tagger.tag(sent), strict=True):
                out.write(f"{tok}\t{tag}\n")
            out.write("\n")
            sent.clear()
            n += 1

    for line in inp:
        line = line.rstrip("\r\n")
        if not line.strip():
            flush()
            continue
        sent.append(line.split("\t")[0].strip() if "\t" in line else line.strip())
    flush()
    return n


def register(app: typer.Typer) -> None:
    """Add the ``ner`` command."""

    @app.command("ner")
    def ner_cmd(
        conll: bool = typer.Option(True, "--conll/--no-conll", help="CoNLL tokens in, token<TAB>tag out"),
        model: Path | None = typer.Option(None, "--model", help="CRF model file (default: the shipped one)"),
        input_file: Path | None = typer.Argument(None, help="input file (default: stdin)"),
    ) -> None:
        """Tag tokens with PER/ORG/LOC/FAC in BIO (one token per line, blank line between sentences)."""
        if not conll:
            raise typer.BadParameter("only --conll input is supported")
        inp = input_file.open(encoding="utf-8") if input_file else sys.stdin
        try:
            tag_conll(inp, sys.stdout, str(model) if model else None)
        finally:
            if input_file:
                inp.close()
