"""The README's architecture section shows the stage table (``worker/pipeline/table.py``) as the one place
to read what runs where: its rows must be the table's stages, no more and no fewer."""

from __future__ import annotations

import re
from pathlib import Path

from worker.pipeline.table import STAGES

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_lists_every_stage_of_the_table() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Architecture: the stage table", 1)[1].split("\n## ", 1)[0]
    assert "worker/pipeline/table.py" in section and "one application context" in section
    rows = re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.M)
    assert sorted(rows) == sorted(s.name for s in STAGES)
