"""Relevance set and miss counts for the Arabic search analysis (issue 16), over the ANT corpus in ES.

Subcommands (run in order; each index is kept, so later steps reuse it):

``index``   index the whole corpus once per analysis (``bench/analyzers.py``: today, lucene, new) into
            ``rel-<analysis>`` aliases (``--rebuild`` to start over);
``collisions`` precision: articles a search finds only through an unrelated word its key merged with;
``misses``  the issue's table: per (search, variant form), the articles that carry the form (``exact:``)
            but that the search misses, per analysis;
``pool``    the top 20 of every analysis for every query in ``data/relevance/queries.tsv``, united per topic
            into ``data/relevance/pool.tsv`` (topic, docno), plus a reading sheet (title, lead) for judging;
``sheet2``  a shuffled, label-free reading sheet of some topics for the second judging pass;
``qrels``   a judging record (topic, numbers of the relevant sheet items) -> ``qrels.tsv`` / ``-pass2``;
``agreement`` raw agreement and Cohen's kappa between ``qrels.tsv`` and ``qrels-pass2.tsv``;
``latency`` search p50/p95 per analysis, interleaved (a fair comparison on a shared, busy machine);
``eval``    recall@100, nDCG@10 and MAP (over the top 100) per analysis from ``qrels.tsv``, overall and per
            query, written to ``data/relevance/results.md``.

Searches go through ``worker.store.search.search`` (what the API runs), ranked by relevance.
Usage: python bench/relevance.py {index,misses,pool,eval} [...]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.analyzers import ANALYSES, use  # noqa: E402
from bench.common import corpus_path  # noqa: E402

REL = Path(__file__).resolve().parent.parent / "data" / "relevance"
POOL_DEPTH = 20
EVAL_DEPTH = 100
# The table: a search and the variant forms it should find.
MISS_TABLE = (
    ("إيران", ("لإيران",)),
    ("مصر", ("بمصر", "لمصر")),
    ("سجن", ("سجون",)),
    ("قتيل", ("قتلى",)),
    ("طفل", ("أطفال",)),
    ("مدينة", ("مدن",)),
    # QA7 re-test: a hamza word written without its hamza
    ("ألمانيا", ("المانيا",)),
    ("إلغاء", ("الغاء",)),
    ("آلاف", ("الاف",)),
)
# Names that must stay whole: (search, form it must not find).
GUARDS = (("بنان", "لبنان"), ("غداد", "بغداد"))
# Precision: unrelated words that a stem key must not merge (QA round 4, defect 2). Per search: forms of
# its own word, and forms of the unrelated word; an article counts as a collision when the search finds it,
# it says the unrelated word and none of the search's own forms (all as ``exact:`` surface forms).
COLLISIONS = (
    ("النصرة", ("النصرة", "نصرة", "للنصرة", "والنصرة", "بالنصرة"), ("النصر", "نصر", "للنصر", "والنصر", "بالنصر")),
    ("الشرطة", ("الشرطة", "شرطة", "للشرطة", "والشرطة", "بالشرطة"),
     ("شروط", "الشروط", "شرط", "الشرط", "بشروط", "وشروط", "للشروط")),
    ("البعث", ("البعث", "بعث", "للبعث", "والبعث"), ("بعثة", "البعثة", "بعثات", "البعثات", "للبعثة", "والبعثة")),
    ("عرب", ("عرب", "العرب", "للعرب", "والعرب"), ("عربة", "العربة", "عربات", "العربات")),
    ("قتل", ("قتل", "القتل", "وقتل", "بقتل", "لقتل"), ("قاتل", "القاتل", "القاتلة", "قاتلة")),
    ("سلامة", ("سلامة", "السلامة", "وسلامة", "بسلامة"), ("سلام", "السلام", "والسلام", "للسلام")),
    ("مكتبة", ("مكتبة", "المكتبة", "والمكتبة"), ("مكتب", "المكتب", "مكاتب", "المكاتب")),
    ("الحديدة", ("الحديدة", "والحديدة", "بالحديدة", "للحديدة"), ("الحديد", "حديد", "والحديد")),
    # QA round 7 (qa7a): names that lost their ending, the preposition على, أل- words, لل before ل
    ("البحرين", ("البحرين", "والبحرين", "للبحرين", "بالبحرين", "البحرينية", "البحريني"), ("البحر", "بحر", "والبحر")),
    ("عدن", ("عدن", "وعدن", "بعدن", "لعدن"), ("عدنان",)),
    ("لبنان", ("لبنان", "ولبنان", "للبنان", "بلبنان"), ("لبن", "اللبن", "الألبان", "ألبان")),
    ("عمر", ("عمر", "وعمر", "لعمر"), ("عمران",)),
    ("درعا", ("درعا", "ودرعا", "بدرعا", "لدرعا"), ("درع", "الدرع", "ودرع")),
    ("سلمان", ("سلمان", "وسلمان", "لسلمان"), ("سلم", "السلم", "والسلم")),
    ("علي", ("علي", "وعلي", "لعلي"), ("على", "وعلى", "عليه", "عليها", "عليهم")),
    ("جنة", ("جنة", "الجنة", "والجنة"), ("لجنة", "اللجنة", "للجنة", "واللجنة")),
    ("طالبان", ("طالبان", "وطالبان", "لطالبان"), ("طالب", "الطالب", "طالبين", "الطالبين")),
    ("شعب", ("شعب", "الشعب", "والشعب", "للشعب"), ("شعبان",)),
    ("في", ("في",), ("ألفي", "الفي")),
)


def _es():
    from elasticsearch import Elasticsearch

    return Elasticsearch(os.environ.get("NEWSWORKER_ES_URL", "http://127.0.0.1:9200"), request_timeout=300)


def alias_for(name: str) -> str:
    # RELEVANCE_INDEX_PREFIX: several checkouts can share one Elasticsearch without overwriting each other's
    # indices (default "rel": rel-today, rel-lucene, rel-new)
    return f"{os.environ.get('RELEVANCE_INDEX_PREFIX', 'rel')}-{name}"


def corpus_rows() -> list[dict]:
    from worker.store.sample import iter_raw

    return list(iter_raw(corpus_path()))


def docno_by_id() -> dict[str, str]:
    from worker.store.sample import to_document

    return {to_document(r).id: r["docno"] for r in corpus_rows()}


def cmd_index(args: argparse.Namespace) -> None:
    from worker.store import elastic
    from worker.store.sample import to_document

    es = _es()
    docs = [to_document(r) for r in corpus_rows()]
    for name in args.analyses:
        alias = alias_for(name)
        if elastic.current_index(es, alias) and not args.rebuild:
            print(f"{alias}: exists ({es.count(index=alias)['count']} docs)")
            continue
        elastic.drop_alias_and_indices(es, alias)
        with use(name):
            elastic.ensure_index(es, alias)
            res = elastic.index_documents(es, docs, alias=alias, chunk_size=500)
        es.indices.refresh(index=alias)
        print(f"{alias}: indexed {res.indexed}, failed {len(res.failed)}")


def ranked(es, name: str, q: str, size: int) -> list[str]:
    from worker.store.search import search

    with use(name):
        return [h.id for h in search(es, q, alias=alias_for(name), size=size, facets=False).hits]


def count(es, name: str, q: str) -> int:
    from worker.store.search import search

    with use(name):
        return search(es, q, alias=alias_for(name), size=0, facets=False).total


def ids(es, name: str, q: str) -> set[str]:
    """Ids of every article a query matches under one analysis (scan, no ranking)."""
    from elasticsearch import helpers

    from worker.query import compile as compile_query

    with use(name):
        body = {"query": compile_query(q).es, "_source": False}
    return {h["_id"] for h in helpers.scan(es, index=alias_for(name), query=body, size=2000)}


def cmd_misses(args: argparse.Namespace) -> None:
    """As the issue counted: the articles that "say" a variant form are those today's analysis matches
    for it (so "القتلى" and "والقتلى" count for قتلى), and a search misses those it does not return."""
    es = _es()
    rows = []
    for base, forms in MISS_TABLE:
        found = {name: ids(es, name, base) for name in args.analyses}
        for form in forms:
            says = ids(es, "today", form)
            row: dict = {"search": base, "form": form, "articles_saying_form": len(says)}
            for name in args.analyses:
                row[f"{name}_found"] = len(found[name])
                row[f"{name}_missed"] = len(says - found[name])
            rows.append(row)
    for base, form in GUARDS:
        says = ids(es, "today", f"exact:{form}")
        row = {"search": base, "form": form, "guard": True}
        for name in args.analyses:
            got = ids(es, name, base)
            bare = ids(es, name, f"exact:{base}")
            row[f"{name}_found"] = len(got)
            # found only because of the name: it says the name and not the bare search word
            row[f"{name}_found_only_via_name"] = len((got & says) - bare)
        rows.append(row)
    text = json.dumps(rows, ensure_ascii=False, indent=1)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")


def _any_exact(forms: tuple[str, ...]) -> str:
    return " OR ".join(f"exact:{f}" for f in forms)


def cmd_collisions(args: argparse.Namespace) -> None:
    """Per search of ``COLLISIONS``: its hits, and the hits that only the unrelated word brought (the
    article says that word and none of the search's own forms)."""
    es = _es()
    rows = []
    for q, own, other in COLLISIONS:
        row: dict = {"search": q, "other": other[0]}
        for name in args.analyses:
            got = ids(es, name, q)
            only_other = (got & ids(es, name, _any_exact(other))) - ids(es, name, _any_exact(own))
            row[f"{name}_found"] = len(got)
            row[f"{name}_via_other"] = len(only_other)
        rows.append(row)
    text = json.dumps(rows, ensure_ascii=False, indent=1)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")


def load_queries() -> list[dict]:
    with (REL / "queries.tsv").open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader((ln for ln in fh if not ln.startswith("#")), delimiter="\t")]


def cmd_pool(args: argparse.Namespace) -> None:
    """Pool per topic (queries of one topic share judgements): the union of each query's top 20 under
    every analysis."""
    es = _es()
    docno = docno_by_id()
    rows = {r["docno"]: r for r in corpus_rows()}
    topics: dict[str, dict] = {}
    for q in load_queries():
        t = topics.setdefault(q["topic"], {"need": q["need"], "queries": [], "docs": {}})
        t["queries"].append(q["query"])
        for name in ANALYSES:
            for doc_id in ranked(es, name, q["query"], POOL_DEPTH):
                t["docs"].setdefault(docno[doc_id], None)
    pool: list[tuple[str, str]] = []
    sheet: list[str] = []
    judged = _read_pool("pool.tsv") if args.extra else {}
    for topic, t in topics.items():
        # judging order: by docno, so the reader cannot tell which analysis brought a document
        members = sorted(d for d in t["docs"] if d not in set(judged.get(topic, ())))
        if args.extra and not members:
            continue
        pool += [(topic, d) for d in members]
        sheet.append(f"## {topic} ({' / '.join(t['queries'])}) | {t['need']}")
        for i, d in enumerate(members):
            r = rows[d]
            lead = " ".join((r.get("text") or r.get("abstract") or "").split())[: args.lead]
            sheet.append(f"{i}. [{d}] {r.get('title', '')} || {lead}")
    # --extra: documents that entered a top 20 after the first pool was judged (the analysis changed)
    with (REL / ("pool-extra.tsv" if args.extra else "pool.tsv")).open("w", encoding="utf-8") as fh:
        fh.write("topic\tdocno\n" + "".join(f"{a}\t{b}\n" for a, b in pool))
    Path(args.sheet).write_text("\n".join(sheet) + "\n", encoding="utf-8")
    print(f"pool: {len(pool)} judgements for {len(topics)} topics; sheet {args.sheet}")


def cmd_sheet2(args: argparse.Namespace) -> None:
    """A reading sheet for the second, independent pass: the chosen topics' pools in a shuffled order,
    without the first pass's labels."""
    import random

    rows = {r["docno"]: r for r in corpus_rows()}
    pool: dict[str, list[str]] = {}
    with (REL / "pool.tsv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            pool.setdefault(r["topic"], []).append(r["docno"])
    needs = {q["topic"]: q["need"] for q in load_queries()}
    rng = random.Random(args.seed)
    sheet = []
    for topic in args.topics:
        members = _sheet_order(pool[topic], True, rng)
        sheet.append(f"## {topic} | {needs[topic]}")
        for i, d in enumerate(members):
            r = rows[d]
            lead = " ".join((r.get("text") or r.get("abstract") or "").split())[: args.lead]
            sheet.append(f"{i}. [{d}] {r.get('title', '')} || {lead}")
    Path(args.sheet).write_text("\n".join(sheet) + "\n", encoding="utf-8")
    print(f"second-pass sheet for {len(args.topics)} topics: {args.sheet}")


def _sheet_order(topic_docs: list[str], second: bool, rng) -> list[str]:
    members = list(topic_docs)
    if second:
        rng.shuffle(members)
    return members


def _read_pool(name: str) -> dict[str, list[str]]:
    pool: dict[str, list[str]] = {}
    path = REL / name
    if not path.exists():
        return pool
    with path.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            pool.setdefault(r["topic"], []).append(r["docno"])
    return pool


def _parse_record(path: Path, pool: dict[str, list[str]]) -> tuple[dict[str, set[int]], list[str]]:
    judged: dict[str, set[int]] = {}
    order: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        topic, _, nums = line.partition("\t")
        topic = topic.strip()
        words = nums.split()
        # "all -3 -17": every pooled item but those; otherwise the relevant items' numbers ("" = none)
        if words[:1] == ["all"]:
            judged[topic] = set(range(len(pool[topic]))) - {int(x[1:]) for x in words[1:]}
        else:
            judged[topic] = {int(x) for x in words}
        order.append(topic)
    return judged, order


def cmd_qrels(args: argparse.Namespace) -> None:
    """Turn a judging record (``topic<TAB>numbers of the relevant items on the sheet``, or ``all -n -m``)
    into qrels: every pooled document of a judged topic gets a line, 1 if relevant, else 0."""
    import random

    pool = _read_pool("pool.tsv")
    judged, order = _parse_record(Path(args.record), pool)
    rng = random.Random(args.seed)
    out = ["topic\tdocno\trel"]
    # the second sheet shuffled its topics in command-line order with one generator: replay that order
    for topic in (args.topics or order):
        members = _sheet_order(pool[topic], args.second, rng)
        rel = judged.get(topic)
        if rel is None:
            continue
        if max(rel, default=-1) >= len(members):
            raise SystemExit(f"{topic}: item {max(rel)} is beyond the {len(members)} pooled")
        out += [f"{topic}\t{d}\t{1 if i in rel else 0}" for i, d in enumerate(members)]
    extra_record = Path(args.record).with_name("judgements-pass1-extra.tsv")
    if not args.second and extra_record.exists():  # first pass: the documents pooled later
        extra = _read_pool("pool-extra.tsv")
        more, _ = _parse_record(extra_record, extra)
        for topic, rel in more.items():
            out += [f"{topic}\t{d}\t{1 if i in rel else 0}" for i, d in enumerate(extra[topic])]
    target = REL / ("qrels-pass2.tsv" if args.second else "qrels.tsv")
    target.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"{target.name}: {len(out) - 1} judgements, {len(judged)} topics")


def cmd_agreement(args: argparse.Namespace) -> None:
    """Agreement between the first pass (qrels.tsv) and the second (qrels-pass2.tsv) on the doubly judged
    pairs: raw agreement and Cohen's kappa."""
    first = load_qrels("qrels.tsv")
    second = load_qrels("qrels-pass2.tsv")
    pairs = [(first[t][d], g) for t, docs in second.items() for d, g in docs.items() if d in first.get(t, {})]
    n = len(pairs)
    agree = sum(1 for a, b in pairs if (a > 0) == (b > 0))
    p1 = sum(1 for a, _ in pairs if a > 0) / n
    p2 = sum(1 for _, b in pairs if b > 0) / n
    expected = p1 * p2 + (1 - p1) * (1 - p2)
    kappa = (agree / n - expected) / (1 - expected) if expected < 1 else 1.0
    out = {"topics": len(second), "pairs": n, "agreement": round(agree / n, 3), "kappa": round(kappa, 3),
           "relevant_first": round(p1, 3), "relevant_second": round(p2, 3)}
    print(json.dumps(out))
    (REL / "agreement.json").write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")


def load_qrels(name: str = "qrels.tsv") -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    with (REL / name).open(encoding="utf-8") as fh:
        for r in csv.DictReader((ln for ln in fh if not ln.startswith("#")), delimiter="\t"):
            out.setdefault(r["topic"], {})[r["docno"]] = int(r["rel"])
    return out


def metrics(run: list[str], rel: dict[str, int]) -> dict[str, float]:
    relevant = {d for d, g in rel.items() if g > 0}
    if not relevant:
        return {"recall@100": math.nan, "ndcg@10": math.nan, "map": math.nan, "p@10": math.nan}
    top = run[:EVAL_DEPTH]
    hits = [1 if d in relevant else 0 for d in top]
    recall = sum(hits) / len(relevant)
    dcg = sum(h / math.log2(i + 2) for i, h in enumerate(hits[:10]))
    idcg = sum(1 / math.log2(i + 2) for i in range(min(10, len(relevant))))
    ap, found = 0.0, 0
    for i, h in enumerate(hits):
        if h:
            found += 1
            ap += found / (i + 1)
    p10 = sum(hits[:10]) / min(10, len(relevant))  # out of what a top 10 could hold
    return {"recall@100": recall, "ndcg@10": dcg / idcg, "map": ap / len(relevant), "p@10": p10}


def cmd_eval(args: argparse.Namespace) -> None:
    es = _es()
    docno = docno_by_id()
    qrels = load_qrels()
    queries = [q for q in load_queries() if q["topic"] in qrels]
    per: dict[str, dict[str, dict[str, float]]] = {}
    names = list(args.analyses)
    unjudged: dict[str, int] = {name: 0 for name in names}
    for q in queries:
        per[q["qid"]] = {}
        for name in names:
            run = [docno[i] for i in ranked(es, name, q["query"], EVAL_DEPTH)]
            unjudged[name] += sum(1 for d in run[:10] if d not in qrels[q["topic"]])
            per[q["qid"]][name] = metrics(run, qrels[q["topic"]])
    keys = ("recall@100", "ndcg@10", "map")

    def mean(name: str, key: str) -> float:
        vals = [per[q][name][key] for q in per if not math.isnan(per[q][name][key])]
        return sum(vals) / len(vals) if vals else math.nan

    lines = [
        "# Relevance of the three analyses (generated by `python bench/relevance.py eval`)",
        "",
        f"{len(per)} queries with at least one judged relevant article; "
        f"depth {EVAL_DEPTH} for recall and MAP; unjudged documents count as not relevant.",
        "",
        "| analysis | recall@100 | nDCG@10 | MAP | P@10 | unjudged in top 10 |",
        "|---|---|---|---|---|---|",
    ]
    for name in names:
        lines.append(
            f"| {name} | {mean(name, 'recall@100'):.3f} | {mean(name, 'ndcg@10'):.3f} | "
            f"{mean(name, 'map'):.3f} | {mean(name, 'p@10'):.3f} | {unjudged[name]} |"
        )
    lines += ["", "## Per query", "", "| qid | type | query | relevant | " + " | ".join(
        f"{k} {n}" for k in keys for n in names) + " |", "|" + "---|" * (4 + len(keys) * len(names))]
    for q in queries:
        nrel = sum(1 for g in qrels[q["topic"]].values() if g > 0)
        cells = [f"{per[q['qid']][n][k]:.2f}" for k in keys for n in names]
        lines.append(f"| {q['qid']} | {q['type']} | {q['query']} | {nrel} | " + " | ".join(cells) + " |")
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines[:10]))


def cmd_latency(args: argparse.Namespace) -> None:
    """Search latency (client wall time, facets + highlights, as ``search_bench.py``) over the bench's
    queries, the analyses interleaved query by query so that load from other processes hits them alike."""
    import statistics
    import time

    from bench.common import percentile
    from bench.search_bench import QUERIES
    from worker.store.search import search

    es = _es()
    wall: dict[str, list[float]] = {name: [] for name in args.analyses}
    for name in args.analyses:  # warm-up
        with use(name):
            for q in QUERIES:
                search(es, q, alias=alias_for(name), size=20)
    for _ in range(args.rounds):
        for q in QUERIES:
            for name in args.analyses:
                with use(name):
                    t0 = time.perf_counter()
                    search(es, q, alias=alias_for(name), size=20, facets=True)
                    wall[name].append((time.perf_counter() - t0) * 1000)
    out = {name: {"p50_ms": round(statistics.median(v), 1), "p95_ms": round(percentile(v, 95), 1),
                  "searches": len(v)} for name, v in wall.items()}
    print(json.dumps(out))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("index")
    p.add_argument("--rebuild", action="store_true")
    p.add_argument("--analyses", nargs="+", default=list(ANALYSES))
    p = sub.add_parser("misses")
    p.add_argument("--analyses", nargs="+", default=list(ANALYSES))
    p.add_argument("--out", default=None)
    p = sub.add_parser("collisions")
    p.add_argument("--analyses", nargs="+", default=list(ANALYSES))
    p.add_argument("--out", default=None)
    p = sub.add_parser("pool")
    p.add_argument("--extra", action="store_true", help="only documents not in pool.tsv, to pool-extra.tsv")
    p.add_argument("--sheet", default="/tmp/relevance-sheet.md")
    p.add_argument("--lead", type=int, default=220)
    p = sub.add_parser("eval")
    p.add_argument("--out", default=str(REL / "results.md"), help="where the table goes")
    p.add_argument("--analyses", nargs="+", default=list(ANALYSES))
    p = sub.add_parser("sheet2")
    p.add_argument("topics", nargs="+")
    p.add_argument("--sheet", default="/tmp/relevance-sheet2.md")
    p.add_argument("--lead", type=int, default=220)
    p.add_argument("--seed", type=int, default=16)
    sub.add_parser("agreement")
    p = sub.add_parser("latency")
    p.add_argument("--analyses", nargs="+", default=["today", "new"])
    p.add_argument("--rounds", type=int, default=5)
    p = sub.add_parser("qrels")
    p.add_argument("record")
    p.add_argument("--second", action="store_true", help="the record numbers items of the shuffled sheet")
    p.add_argument("--topics", nargs="*", help="(second pass) the topics in the order given to sheet2")
    p.add_argument("--seed", type=int, default=16)
    args = ap.parse_args()
    cmds = {"index": cmd_index, "misses": cmd_misses, "collisions": cmd_collisions, "pool": cmd_pool, "eval": cmd_eval, "sheet2": cmd_sheet2,
            "agreement": cmd_agreement, "qrels": cmd_qrels, "latency": cmd_latency}
    cmds[args.cmd](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
