"""`make bench`: run every benchmark against the real local services and print one table.

Each script runs in its own process (so RSS and model-load figures are its own) with ``--json``; the
last stdout line is its rows. Results go to ``bench/results/<UTC timestamp>.json``. A script that fails is
reported as such and the others still run: benchmarks report, they never fail the build.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = [
    ("extraction", "extract_bench.py", ["--tagger", "crf"]),
    ("extraction, NEWSWORKER_NER=hybrid", "extract_bench.py", ["--tagger", "hybrid"]),
    ("extraction, long run", "extract_bench.py", ["--tagger", "crf", "--stream", "20000"]),
    ("extraction, long run, NEWSWORKER_NER=hybrid", "extract_bench.py", ["--tagger", "hybrid", "--stream", "20000"]),
    ("polling", "poll_bench.py", []),
    ("search", "search_bench.py", []),
    ("query", "query_bench.py", []),
    ("alerts", "alerts_bench.py", []),
    ("end-to-end", "e2e_bench.py", []),
]


def main() -> int:
    all_rows: list[dict] = []
    failures: list[str] = []
    for area, script, args in SCRIPTS:
        path = HERE / script
        if not path.exists():
            failures.append(f"{area}: {script} missing")
            continue
        print(f"== {area} ({script})", flush=True)
        t0 = time.time()
        proc = subprocess.run([sys.executable, str(path), "--json", *args], capture_output=True, text=True,
                              cwd=HERE.parent, timeout=3600)
        lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
        rows = None
        if lines:
            try:
                rows = json.loads(lines[-1])["rows"]
            except (ValueError, KeyError, TypeError):
                rows = None
        for ln in lines[:-1] if rows is not None else lines:
            print("   " + ln)
        if proc.returncode != 0 or rows is None:
            failures.append(f"{area}: exit {proc.returncode}: {proc.stderr.strip()[-400:]}")
            continue
        all_rows.extend(rows)
        print(f"   ({time.time() - t0:.0f}s)")
    print("\n== summary")
    print(f"  {'area':<10} {'metric':<44} {'value':>12} {'unit':<10} {'target':<14}")
    for r in all_rows:
        v = r["value"]
        vs = "n/a" if v is None else (f"{v:,.2f}" if isinstance(v, float) else str(v))
        mark = {True: "ok", False: "MISS", None: ""}[r.get("meets")]
        print(f"  {r['area']:<10} {r['metric']:<44} {vs:>12} {r['unit']:<10} {r.get('target', ''):<14} {mark}")
    for f in failures:
        print(f"  FAILED {f}")
    out = HERE / "results" / (time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + ".json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"rows": all_rows, "failures": failures}, ensure_ascii=False, indent=1))
    print(f"\nwritten {out.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
