"""Train the NER CRF: ``nice python -m worker.extract.ner.train [--holdout PATH] [--out MODEL]``.

Data (see README.md for licences): NewsFANE Gold newswire (clitic-segmented, fine-grained types
mapped to PER/ORG/LOC/FAC; "Group" = nationalities/religious groups and works of art become O) and,
optionally, the Wojood sample (outer layer; PERS->PER, GPE/LOC->LOC, ORG, FAC).

Run-time text is not clitic-segmented, NewsFANE mostly is, so every training sentence is used twice:
as annotated and with standalone proclitics (و ف ب ل ك ال) glued to the next word and pronoun suffix
tokens glued to the previous word.

``--extra`` adds the entity-annotated articles of ``data/extraction`` (``extra.py``: run-time
tokenization, mentions projected onto tokens), used as they are (not glued again).

``--silver N`` (with ``--extra``: the shipped CRF) trains that CRF first, tags N unlabelled corpus articles
with it and the shipped neural model (``silver.py``), and trains the CRF again on them as well.

``--holdout FILE`` keeps the last 10% of NewsFANE sentences out of training and writes them to FILE
(gold CoNLL, original fine tags) for ``score_ner.py``.
"""

from __future__ import annotations

import argparse
import functools
import random
import time
from pathlib import Path

from worker import devdata
from worker.extract.ner.features import fold_token, get_featurizer
from worker.extract.ner.tagger import MODEL_PATH, _Weights

DATA = devdata.NER
FINE = {
    "PER": "Politician Athlete Artist Other_PER Religious_PER Scientist Businessperson Lawyer Engineer Police",
    "ORG": "Non-Governmental Sports Media Government Commercial Educational Medical-Science Religious_ORG "
           "Entertainment",
    "LOC": "Nation Population-Center State-or-Province GPE-Cluster County-or-District Continent Water-Body "
           "Land-Region-Natural Celestial",
    "FAC": "Building-Grounds Airport Subarea-Facility Path",
}
FINE_MAP = {fine: coarse for coarse, names in FINE.items() for fine in names.split()}
# --aux-labels: nationalities/groups and other named things get labels of their own (mapped to O when
# tagging) instead of O, so the model does not have to explain them as non-names
AUX_MAP = {**FINE_MAP, "Group": "NAT", **{t: "MISC" for t in "Book Movie Software Hardware Air Land Projectile".split()}}
WOJOOD_MAP = {"PERS": "PER", "PER": "PER", "GPE": "LOC", "LOC": "LOC", "ORG": "ORG", "FAC": "FAC"}
PROCLITICS = {"و", "ف", "ب", "ل", "ك", "ال"}
SUFFIXES = {"ه", "ها", "هم", "هما", "هن", "نا", "ي", "كم", "كما", "ني"}

Sentence = list[tuple[str, str]]


# NewsFANE sentences whose features stand for the feature code in config_fingerprint (~2 s)
PROBE_SENTENCES = 1500


def read_conll(path: Path, tag_col: int = 1) -> list[Sentence]:
    sents, cur = [], []
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        if not line.strip():
            if cur:
                sents.append(cur)
                cur = []
            continue
        parts = line.split("\t") if "\t" in line else line.split()
        cur.append((parts[0].replace("\u200e", ""), parts[tag_col] if len(parts) > tag_col else "O"))
    if cur:
        sents.append(cur)
    return sents


def coarse(tag: str, table: dict[str, str]) -> str:
    if "-" not in tag:
        return "O"
    bio, typ = tag.split("-", 1)
    t = table.get(typ)
    return f"{bio}-{t}" if t else "O"


def glue_clitics(sent: Sentence) -> Sentence:
    """Re-attach segmented clitics the way running text writes them."""
    out: Sentence = []
    i = 0
    while i < len(sent):
        tok, tag = sent[i]
        if tok in PROCLITICS and i + 1 < len(sent) and sent[i + 1][0][:1].isalpha():
            nxt, ntag = sent[i + 1]
            if tok == "ل" and nxt.startswith("ال"):
                word = "ل" + nxt[1:]
            else:
                word = tok + nxt
            out.append((word, tag if tag != "O" else ntag))
            i += 2
            continue
        if tok in SUFFIXES and out and out[-1][0][-1:].isalpha():
            prev, ptag = out[-1]
            if prev.endswith("ة"):
                prev = prev[:-1] + "ت"
            out[-1] = (prev + tok, ptag)
            i += 1
            continue
        out.append((tok, tag))
        i += 1
    return out


def load_newsfane(holdout: Path | None, split: str = "tail", aux: bool = False) -> tuple[list[Sentence], list[Sentence]]:
    """NewsFANE sentences for training and the held-out 10%% (``tail``: the last 10%% of the file, a
    contiguous block of whole articles; ``fold0``..``fold9``: the K-th of ten contiguous blocks, for
    cross-validation by whole articles; ``random``: every sentence with seeded probability 0.1)."""
    sents = read_conll(DATA / "newsfane-train.conll")
    if not holdout:
        train, held = sents, []
    elif split.startswith("fold"):
        # foldK: the K-th of ten contiguous blocks (whole articles unseen, as with the tail)
        k, size = int(split[4:]), len(sents) // 10
        lo, hi = k * size, (len(sents) if k == 9 else (k + 1) * size)
        train, held = sents[:lo] + sents[hi:], sents[lo:hi]
    elif split == "random":
        rng = random.Random(13)
        flags = [rng.random() < 0.1 for _ in sents]
        train = [s for s, f in zip(sents, flags, strict=False) if not f]
        held = [s for s, f in zip(sents, flags, strict=False) if f]
    else:
        cut = len(sents) - len(sents) // 10
        train, held = sents[:cut], sents[cut:]
    if holdout:
        holdout.write_text("\n\n".join("\n".join(f"{t}\t{g}" for t, g in s) for s in held) + "\n",
                           encoding="utf-8")
    table = AUX_MAP if aux else FINE_MAP
    return [[(t, coarse(g, table)) for t, g in s] for s in train], held


def load_fane(path: Path, share: float = 1.0) -> list[Sentence]:
    """Another corpus in the FANE format (WikiFANE Gold), coarse types; ``share`` < 1 keeps a seeded
    random part of the sentences."""
    sents = [[(t, coarse(g, FINE_MAP)) for t, g in s] for s in read_conll(path)]
    if share < 1:
        rng = random.Random(7)
        sents = [s for s in sents if rng.random() < share]
    return sents


def load_wojood() -> list[Sentence]:
    sents = read_conll(DATA / "wojood-sample" / "train.txt") + read_conll(DATA / "wojood-sample" / "val.txt")
    return [[(t, coarse(g, WOJOOD_MAP)) for t, g in s if t != "$#$"] for s in sents]


PARAMS = {"c1": 0.05, "c2": 0.01, "iterations": 200, "min_freq": 1}


@functools.lru_cache(maxsize=1)
def config_fingerprint() -> str:
    """What a trained model depends on besides its training sentences and parameters (for caches of fold
    models): the default parameters, NewsFANE, the cluster table and gazetteer the features read, and the
    features themselves on a fixed probe of NewsFANE sentences. The features' output is hashed rather than
    the feature code's bytes, so a refactor that keeps every feature (a speed-up) keeps the cached fold
    models (each costs minutes of CPU), while a change to what the features say still invalidates them."""
    import hashlib

    from worker.extract.gazetteer import __file__ as gazetteer_init

    h = hashlib.sha1(repr(sorted(PARAMS.items())).encode())
    newsfane = DATA / "newsfane-train.conll"
    gazetteer_files = sorted(f for f in Path(gazetteer_init).parent.iterdir() if f.is_file() and f.suffix != ".py")
    for p in (newsfane, Path(__file__).with_name("clusters.tsv.gz"), *gazetteer_files):
        h.update(p.read_bytes() if p.exists() else b"")
    if newsfane.exists():
        feat = get_featurizer()
        for s in read_conll(newsfane)[:PROBE_SENTENCES]:
            # sorted: a token's feature list comes partly from sets, whose order changes with the process's
            # string-hash seed; the CRF sees a set, so only the set may count
            h.update(repr([sorted(f) for f in feat.sentence([fold_token(t) for t, _ in s])]).encode())
    return h.hexdigest()


def train_model(train: list[Sentence] | None = None, extra: list[Sentence] | None = None,
                out: Path = MODEL_PATH, glue: bool = True, verbose: bool = True,
                extra_weight: int = 1, **params: float) -> Path:
    """Train the CRF on ``train`` (default: all of NewsFANE; glued copies added unless ``glue`` is off)
    plus ``extra`` (already in running-text form: used as is, ``extra_weight`` times), write ``out`` and
    its weights file."""
    import pycrfsuite

    t0 = time.time()
    p = {**PARAMS, **params}
    if train is None:
        train, _ = load_newsfane(None)
    data = list(train)
    if glue:
        data += [g for g, s in ((glue_clitics(s), s) for s in train) if g != s]
    data += list(extra or ()) * extra_weight
    random.Random(0).shuffle(data)
    feat = get_featurizer()
    trainer = pycrfsuite.Trainer(verbose=False)
    for s in data:
        keys = [fold_token(t) for t, _ in s]
        trainer.append(feat.sentence(keys), [g for _, g in s])
    if verbose:
        print(f"{len(data)} sentences, {sum(map(len, data))} tokens, features {time.time() - t0:.0f}s", flush=True)
    trainer.set_params({"c1": p["c1"], "c2": p["c2"], "max_iterations": int(p["iterations"]),
                        "feature.possible_transitions": True, "feature.minfreq": p["min_freq"]})
    trainer.train(str(out))
    _Weights.write(out)
    if verbose:
        print(f"trained {out} ({out.stat().st_size // 1024} KB) in {time.time() - t0:.0f}s")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--holdout", type=Path, help="hold out the last 10%% of NewsFANE and write it here")
    ap.add_argument("--split", choices=("tail", "random", *(f"fold{k}" for k in range(10))), default="tail")
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument("--wojood", action="store_true", help="add the Wojood sample to training")
    ap.add_argument("--fane", type=Path, help="add this FANE-format corpus (e.g. WikiFANE Gold) to training")
    ap.add_argument("--fane-share", type=float, default=1.0, help="use this share of the --fane sentences")
    ap.add_argument("--extra", action="store_true",
                    help="add the entity-annotated articles of data/extraction (see extra.py)")
    ap.add_argument("--extra-weight", type=int, default=1, help="use the --extra sentences N times")
    ap.add_argument("--silver", type=int, default=0, metavar="N",
                    help="self-training: first a CRF as asked, then N unlabelled corpus articles tagged by it with "
                         "the shipped neural model (the hybrid; silver.py), then the CRF again with them added")
    ap.add_argument("--aux-labels", action="store_true", help="NAT and MISC labels (output as O)")
    ap.add_argument("--no-glue", action="store_true", help="train on the segmented text only")
    ap.add_argument("--c1", type=float, default=PARAMS["c1"])
    ap.add_argument("--c2", type=float, default=PARAMS["c2"])
    ap.add_argument("--iterations", type=int, default=PARAMS["iterations"])
    ap.add_argument("--min-freq", type=int, default=PARAMS["min_freq"], help="drop features seen fewer times")
    a = ap.parse_args()
    train, _ = load_newsfane(a.holdout, a.split, a.aux_labels)
    if a.wojood:
        train += load_wojood()
    if a.fane:
        train += load_fane(a.fane, a.fane_share)
    extra = None
    if a.extra:
        from worker.extract.ner.extra import extra_sentences

        extra = extra_sentences()
    params = {"c1": a.c1, "c2": a.c2, "iterations": a.iterations, "min_freq": a.min_freq}
    if not a.silver:
        train_model(train, extra, a.out, glue=not a.no_glue, extra_weight=a.extra_weight, **params)
        return
    self_train(train, extra, a.out, a.silver, glue=not a.no_glue, extra_weight=a.extra_weight, **params)


def self_train(train: list[Sentence], extra: list[Sentence] | None, out: Path, silver: int,
               exclude_ids: set[str] | None = None, glue: bool = True, extra_weight: int = 1,
               **params: float) -> Path:
    """Self-training (``--silver``): a CRF on ``train`` + ``extra``; with the shipped neural model it tags
    ``silver`` unlabelled corpus articles (``silver.py``; ``exclude_ids``, default the annotated articles, are
    never drawn); then the CRF again with those sentences added, written to ``out``."""
    import tempfile

    from worker.extract.ner.extra import load_articles
    from worker.extract.ner.silver import hybrid_silver

    if exclude_ids is None:
        exclude_ids = {d["id"] for d in load_articles()}
    with tempfile.TemporaryDirectory() as tmp:
        first = Path(tmp) / "first.crfsuite"
        train_model(train, extra, first, glue=glue, extra_weight=extra_weight, **params)
        t0 = time.time()
        tagged = hybrid_silver(silver, exclude_ids, first)
        print(f"silver: {silver} articles, {len(tagged)} sentences tagged in {time.time() - t0:.0f}s", flush=True)
        return train_model(train, [*(extra or ()) * extra_weight, *tagged], out, glue=glue, **params)


def train_shipped(out: Path = MODEL_PATH) -> Path:
    """The shipped CRF's recipe (``--extra --silver 8000``; ``newsworker train entities``): NewsFANE and the
    entity articles of data/extraction, then self-trained on ``silver.SILVER_ARTICLES`` corpus articles.
    About half an hour on one core; needs ../shared (NewsFANE and the corpus)."""
    from worker.extract.ner.extra import extra_sentences, load_articles
    from worker.extract.ner.silver import SILVER_ARTICLES

    for need in (DATA / "newsfane-train.conll", devdata.CORPUS):
        if not need.exists():
            raise FileNotFoundError(f"{need} is missing: the entity model trains on ../shared's data")
    train, _ = load_newsfane(None)
    articles = load_articles()
    return self_train(train, extra_sentences(articles), out, SILVER_ARTICLES, {d["id"] for d in articles})


if __name__ == "__main__":
    main()
