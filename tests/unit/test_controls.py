"""``worker.controls`` (which characters are controls, at ingest and at a terminal) and the CLI's terminal
helpers built on it (``worker.cli.term``). QA round 4, H1; the end-to-end cases are in
``test_hostile_terminal.py``."""

from __future__ import annotations

import io
import json
import time

import pytest
from rich.table import Table

from worker.cli.export import _for_terminal
from worker.cli.term import CliConsole, cell, dumps, plain
from worker.controls import show_controls, strip_controls

ARABIC = "قُتِلَ عشـــرة أشخاص\u200f في حلب\u061c، قال \u202bمصدر\u202c \u200eAFP\u200e نقل\u200cها ب\u200dـ"


@pytest.mark.parametrize(("raw", "plain_text"), [
    ("\x1b]0;PWNED-TITLE\x07\x1b[2J\x1b[8mhidden\x1b[0m عنوان", "hidden عنوان"),  # the tester's title
    ("\x1b]52;c;cHduZWQ=\x07نص", "نص"),  # OSC 52 (clipboard), BEL-terminated
    ("\x1b]52;c;cHduZWQ=\x1b\\نص", "نص"),  # ... ST-terminated
    ("\x9b31mأحمر\x9b0m", "أحمر"),  # C1 CSI
    ("\x9d0;title\x9cنص", "نص"),  # C1 OSC ... C1 ST
    ("\x1bPqdata\x1b\\نص", "نص"),  # DCS
    ("\x1b]0;unterminated نص", "0;unterminated نص"),  # no terminator: only the introducer goes
    ("\x1b[نص", "نص"),  # not a CSI: the ESC [ goes, the text stays
    ("\x1bcreset", "reset"),  # ESC c (full reset)
    ("a\x00b\x08c\x7fd\x85e", "abcd\ne"),  # NUL, BS, DEL; NEL is a line break
    ("سطر\r\nسطر\rسطر", "سطر\nسطر\nسطر"),  # CRLF one break, a lone CR a break
    ("a\x0bb\x0cc\td\ne", "a b c\td\ne"),  # VT, FF a space; tab and newline kept
])
def test_strip_controls(raw: str, plain_text: str) -> None:
    assert strip_controls(raw) == plain_text


def test_arabic_marks_and_bidi_embeddings_are_text_at_ingest() -> None:
    assert strip_controls(ARABIC) is ARABIC  # nothing to do: the very same string
    assert strip_controls("\u202eRLO\u202c \u2067isolate\u2069") == "\u202eRLO\u202c \u2067isolate\u2069"


@pytest.mark.parametrize("hostile", [
    "\x1b]" * 150_000,  # string introducers without a terminator
    "\x1b]" + "ن" * 300_000,  # one introducer, a long unterminated body
    "\x9d" * 300_000,  # C1 introducers back to back
    "\x1b[" + "1;" * 150_000,  # CSI parameters without a final byte
    "\x90a" * 150_000,
])
def test_strip_controls_is_linear(hostile: str) -> None:
    started = time.perf_counter()
    out = strip_controls(hostile)
    assert time.perf_counter() - started < 2.0  # ~0.02 s each; quadratic would be minutes
    assert "\x1b" not in out and "\x9d" not in out and "\x90" not in out


def test_show_controls_writes_them_out_and_drops_bidi_runs() -> None:
    assert show_controls("\x1b[2J\x9b\x07\r") == "\\x1b[2J\\x9b\\x07\\x0d"
    assert show_controls("a\tb\nc") == "a\tb\nc"
    assert show_controls(ARABIC) == ARABIC.replace("\u202b", "").replace("\u202c", "")
    assert show_controls("\u202etxt\u2066x\u2069") == "txtx"


def test_cell_escapes_rich_markup() -> None:
    out = io.StringIO()
    title = "[/] [bold]x \x1b[8m"
    CliConsole(file=out).print(f"[red]{cell(title)}[/red]")
    assert out.getvalue() == "[/] [bold]x \\x1b[8m\n"
    assert plain(None) == "" and plain(3) == "3"


def test_dumps_escapes_what_json_lets_through_and_reads_back_the_same() -> None:
    obj = {"t": "\x1b]52;c;x\x07 \x9b31m \x7f \u202eعنوان\u202c \u200f"}
    text = dumps(obj, indent=1)
    assert not any(c in text for c in "\x1b\x07\x9b\x7f\u202e\u202c")
    assert "عنوان" in text and "\u200f" in text  # Arabic readable, RLM a mark, not escaped
    assert json.loads(text) == obj


@pytest.mark.parametrize("terminal", [False, True])
def test_the_console_net_removes_controls_and_keeps_the_columns(terminal: bool) -> None:
    """A cell a printer forgot to pass through ``cell``: rich laid its controls out as zero cells wide, so the
    console removes them and every row keeps its width."""
    table = Table("#", "title")
    table.add_row("1", "\x1b]0;PWNED\x07\x1b[2Jعنوان \x9b31m \u202eabc")
    table.add_row("2", "عنوان")
    out = io.StringIO()
    CliConsole(file=out, force_terminal=terminal, color_system=None, width=60).print(table)
    text = out.getvalue()
    assert not any(c in text for c in "\x1b\x07\x9b\u202e")
    assert len({len(line) for line in text.splitlines()}) == 1


def test_the_console_keeps_its_own_styles() -> None:
    out = io.StringIO()
    CliConsole(file=out, force_terminal=True, color_system="standard").print("[red]x[/red] \x1b[8my", highlight=False)
    assert out.getvalue() == "\x1b[31mx\x1b[0m [8my\n"


def test_export_to_a_terminal() -> None:
    csv_chunk = '\ufeffid,title\r\n1,"\x1b]52;c;x\x07عنوان"\r\n'
    assert _for_terminal(csv_chunk, "csv") == '\ufeffid,title\n1,"\\x1b]52;c;x\\x07عنوان"\n'
    line = json.dumps({"title": "\x9b31m\u202eعنوان"}, ensure_ascii=False) + "\n"
    shown = _for_terminal(line, "jsonl")
    assert "\x9b" not in shown and "\u202e" not in shown and json.loads(shown) == json.loads(line)
