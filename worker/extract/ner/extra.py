"""The entity annotations of the extraction set (``data/extraction``) as NER training sentences.

Each article is tokenized and split into sentences the way the entity stage does at run time
(``entities._tokens`` over ``tokens.tokenize``, ``tokens.sentences``), and each entity's mention forms
(and canonical form) are projected onto the tokens: wherever the folded tokens of a form occur, the first
token possibly carrying attached proclitics (و ف ب ل ك and their combinations; "لل" for ل + ال, as in
"للأمم" for "الأمم"). The whole token is labelled (run-time text is not clitic-segmented). Longest forms
first, no overlaps; every occurrence is labelled, as the scorer counts forms, not positions.

Training-time only (``python -m worker.extract.ner.train --extra``); reads the JSON lines itself so that
the run-time package does not depend on ``worker.training``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

__all__ = ["DATA_DIR", "article_sentences", "load_articles", "extra_sentences", "write_conll"]

DATA_DIR = Path(__file__).resolve().parents[3] / "data" / "extraction"

Sentence = list[tuple[str, str]]

_PRE_RE = re.compile(r"[وف]?[بلك]?")
_LL_RE = re.compile(r"([وف]?)لل(.+)")


def _key(n: str) -> str:
    return n.lower() if n.isascii() else n


def first_token_matches(tok: str, first: str) -> bool:
    """Whether folded token ``tok`` is folded mention word ``first``, possibly with attached proclitics."""
    if tok == first:
        return True
    if len(tok) > len(first) and tok.endswith(first) and _PRE_RE.fullmatch(tok[: len(tok) - len(first)]):
        return True
    if first.startswith("ال") and len(first) > 2:  # لل + X for ال + X, optionally after و/ف
        m = _LL_RE.fullmatch(tok)
        if m and m.group(2) == first[2:]:
            return True
    return False


def _mention_keys(form: str) -> list[str]:
    from worker.extract.entities import _tokens

    toks, _ = _tokens(form)
    return [_key(t.norm) for t in toks]


def article_sentences(title: str, body: str, entities: Iterable[dict]) -> list[Sentence]:
    """BIO-tagged sentences (surface tokens; title first, then body) of one article."""
    from worker.extract.entities import _field_sentences, _tokens

    forms: list[tuple[list[str], str]] = []
    for e in entities:
        for f in {*e.get("mentions", ()), e.get("canonical", "")}:
            keys = _mention_keys(f) if f else []
            if keys and all(keys):
                forms.append((keys, e["type"]))
    forms.sort(key=lambda x: (-len(x[0]), x[0], x[1]))  # longest first, then a fixed order
    out: list[Sentence] = []
    for text in (title, body):
        if not text or not text.strip():
            continue
        toks, _ = _tokens(text)
        keys = [_key(t.norm) for t in toks]
        tags = ["O"] * len(toks)
        for fk, typ in forms:
            n = len(fk)
            for i in range(len(keys) - n + 1):
                if keys[i + 1 : i + n] != fk[1:] or not first_token_matches(keys[i], fk[0]):
                    continue
                if any(t != "O" for t in tags[i : i + n]):
                    continue
                tags[i] = f"B-{typ}"
                tags[i + 1 : i + n] = [f"I-{typ}"] * (n - 1)
        for lo, hi in _field_sentences(text, toks):
            out.append([(toks[k].text, tags[k]) for k in range(lo, hi)])
    return out


def load_articles(root: Path | None = None) -> list[dict]:
    """The articles of ``articles.jsonl`` annotated for entities (raw records, file order)."""
    path = (root or DATA_DIR) / "articles.jsonl"
    out: dict[str, dict] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                if "entities" in (d.get("has") or ()):
                    out[d["id"]] = d
    return list(out.values())


def extra_sentences(articles: Iterable | None = None) -> list[Sentence]:
    """Training sentences of ``articles`` (records or objects with title, body, entities; default: every
    article of ``data/extraction`` annotated for entities)."""
    arts = load_articles() if articles is None else articles
    out: list[Sentence] = []
    for a in arts:
        if isinstance(a, dict):
            out.extend(article_sentences(a.get("title", ""), a.get("body", ""), a.get("entities") or ()))
        else:
            out.extend(article_sentences(a.title, a.body, a.entities))
    return out


def write_conll(sents: Iterable[Sentence], path: Path) -> None:
    path.write_text("".join("\n".join(f"{t}\t{g}" for t, g in s) + "\n\n" for s in sents), encoding="utf-8")
