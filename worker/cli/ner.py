"""``newsworker ner --conll``: tag tokens (one per line, blank line between sentences) in BIO."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, TextIO

import typer

# sentences on either side that count as the same document when the input has no document marks
WINDOW = 10


def tag_conll(inp: TextIO, out: TextIO, model: str | None = None, window: int | None = WINDOW,
              rules: bool = False, tagger_kind: str | None = None, neural_model: str | None = None) -> int:
    """Read CoNLL-style tokens from ``inp`` (first column; other columns ignored), write ``token<TAB>tag``.

    Sentences are tagged by the entity stage's tagger (``tagger_kind``: ``hybrid`` or ``crf``, see
    :mod:`worker.extract.ner`), spans tidied (:func:`tidy`), then names found are propagated to their other mentions within
    ``window`` sentences (``0`` turns that off), and with ``rules`` the gazetteer and rules of the
    entity stage refine the spans (as in ``newsworker extract``; off by default: they follow our
    annotation guidelines, which differ from NewsFANE's in places, e.g. "تنظيم القاعدة"). Returns the number of sentences tagged. Sentence
    boundaries and token order are preserved.
    """
    from worker.extract.ner import get_entity_tagger
    from worker.extract.ner.features import fold_token
    from worker.extract.ner.tagger import propagate, tidy

    tagger = get_entity_tagger(tagger_kind, model, neural_model)
    sents: list[list[str]] = []
    sent: list[str] = []
    for line in inp:
        line = line.rstrip("\r\n")
        if not line.strip():
            if sent:
                sents.append(sent)
                sent = []
            continue
        sent.append(line.split("\t")[0].strip() if "\t" in line else line.strip())
    if sent:
        sents.append(sent)
    keys = [[fold_token(t) for t in s] for s in sents]
    tags = [t for a in range(0, len(keys), 256) for t in tagger.tag_many(keys[a:a + 256])]
    tidy(keys, tags, tagger.featurizer)
    if window:
        propagate(keys, tags, tagger.featurizer, window)
    if rules:
        from worker.extract.ner.rules import refine_bio

        tags = [refine_bio(k, t) for k, t in zip(keys, tags, strict=True)]
    for s, t in zip(sents, tags, strict=True):
        out.write("".join(f"{tok}\t{tag}\n" for tok, tag in zip(s, t, strict=True)) + "\n")
    return len(sents)


def register(app: typer.Typer) -> None:
    """Add the ``ner`` command."""

    @app.command("ner")
    def ner_cmd(
        conll: Annotated[bool, typer.Option("--conll/--no-conll", help="CoNLL tokens in, token<TAB>tag out")] = True,
        model: Annotated[Path | None, typer.Option("--model", help="CRF model file (default: the shipped one)")] = None,
        tagger: Annotated[str | None, typer.Option(
            "--tagger", help="crf or hybrid (neural + CRF); default NEWSWORKER_NER, else crf")] = None,
        neural_model: Annotated[Path | None, typer.Option(
            "--neural-model", help="neural model .npz (default: the shipped one)")] = None,
        window: Annotated[int, typer.Option("--window", help="sentences around that share names (0: off)")] = WINDOW,
        rules: Annotated[bool, typer.Option(
            "--rules/--no-rules", help="refine with the entity stage's gazetteer and rules")] = False,
        input_file: Annotated[Path | None, typer.Argument(help="input file (default: stdin)")] = None,
    ) -> None:
        """Tag tokens with PER/ORG/LOC/FAC in BIO (one token per line, blank line between sentences)."""
        if not conll:
            raise typer.BadParameter("only --conll input is supported")
        inp = input_file.open(encoding="utf-8") if input_file else sys.stdin
        try:
            tag_conll(inp, sys.stdout, str(model) if model else None, window, rules, tagger,
                      str(neural_model) if neural_model else None)
        finally:
            if input_file:
                inp.close()
