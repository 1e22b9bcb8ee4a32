"""Control characters in text that came from outside (feeds, pages, archives, remote servers' messages).

One definition of what a control is, two uses:

* ``strip_controls``, at ingest: the text fields of an article lose them before the extraction chain runs,
  so the offsets the chain records index the text that is stored (``worker.document``). A feed title
  carrying ``ESC ] 52 ; c ; ... BEL`` (a clipboard write), ``ESC [ 2 J`` (clear the screen) or ``ESC [ 8 m``
  (hidden text) reached the analyst's terminal through ``newsworker search`` as it was.
* ``show_controls``, at a terminal: text stored before that, and text that never went through ingest (a
  feed's last error, a remote server's message), shows its controls as ``\\x1b`` instead of obeying them.

Controls here: C0 other than tab and newline, DEL, and C1 (U+0080-U+009F; a UTF-8 xterm obeys U+009B as CSI).
At ingest a whole terminal sequence goes (CSI ``ESC [ 31 m``, the string sequences OSC ``ESC ] ... BEL``,
DCS, APC..., and two-character escapes), so ``ESC[31mred ESC[0m`` leaves ``red`` rather than ``[31mred[0m``;
a carriage return is a line break (CRLF one break), vertical tab and form feed a space.

Not controls, kept everywhere: the marks Arabic text is written with (RLM U+200F, LRM U+200E, ALM U+061C),
ZWJ and ZWNJ, tatweel and the diacritics. The bidi embeddings, overrides and isolates (U+202A-U+202E,
U+2066-U+2069) are kept at ingest as well: real Arabic articles carry them (the ANT corpus: ~600, RLE/PDF
around a Latin name, LRO/RLO in pasted text), and a web page confines their effect to the element. Only a
terminal, where one could reorder the rest of a table row, does not show them (``show_controls`` drops them).
"""

from __future__ import annotations

import re

# What a control is (see the module docstring): C0 but tab and newline, DEL, C1.
_C0 = [c for c in range(0x20) if c not in (0x09, 0x0A)]
_CONTROLS = (*_C0, 0x7F, *range(0x80, 0xA0))
_ANY_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# A terminal sequence as a terminal reads it (ECMA-48). Linear: every alternative starts at ESC or a C1
# character, and a string sequence's body stops at the next one of those, so no character is scanned by
# more than one attempt (plus CSI's parameters, which cannot start another).
_SEQUENCE = re.compile(
    "(?:\x1b\\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]"  # CSI: parameters, intermediates, final byte
    # OSC, DCS, SOS, PM, APC up to BEL or ST; unterminated, only the introducer goes (by the next line)
    "|(?:\x1b[\\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x90\x98\x9c-\x9f]*(?:\x07|\x1b\\\\|\x9c)"
    "|\x1b[\x20-\x2f]*[\x30-\x7e]"  # any other escape: ESC c (reset), ESC ( B, ESC 7
)
_SPACE_LIKE = {0x0B: " ", 0x0C: " ", 0x0D: "\n", 0x85: "\n"}
_STRIP = {c: _SPACE_LIKE.get(c) for c in _CONTROLS}
# Explicit bidi formatting that opens a run a terminal cannot close for us: LRE, RLE, PDF, LRO, RLO, LRI, RLI,
# FSI, PDI. The marks (LRM, RLM, ALM) are not here: they change no order beyond their neighbours.
BIDI_RUNS = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
_SHOW = {c: f"\\x{c:02x}" for c in _CONTROLS} | dict.fromkeys(BIDI_RUNS)
_TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    """``text`` without terminal sequences and control characters (the module docstring says which); a
    text without any is returned as it is."""
    if not text or _ANY_CONTROL.search(text) is None:
        return text
    text = _SEQUENCE.sub("", text)
    return text.replace("\r\n", "\n").translate(_STRIP)


def show_controls(text: str) -> str:
    """``text`` for a terminal: each control character written out (``\\x1b``, ``\\x9b``), tab and newline
    kept, the bidi embeddings, overrides and isolates dropped."""
    if not text or _TERMINAL_UNSAFE.search(text) is None:
        return text
    return text.translate(_SHOW)


def has_terminal_controls(text: str) -> bool:
    """Whether ``show_controls`` would change ``text``."""
    return bool(text) and _TERMINAL_UNSAFE.search(text) is not None
