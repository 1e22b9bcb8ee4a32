"""An Arabic archive in a legacy single-byte encoding, found before its first row is read.

Excel's "CSV" on an Arabic Windows is Windows-1256, not UTF-8: every row of such a file is invalid UTF-8,
and the import used to report each one as a bad row and finish "successfully" with nothing imported (QA).
The archive's first bytes are looked at once: when each of their lines that is not plain ASCII is invalid
UTF-8 and reads as Arabic in Windows-1256 or ISO-8859-6 (the encodings the page decoder also falls back
to), the archive is refused in one line naming the encoding and the command that converts it, as a UTF-16
JSON Lines file is. One valid UTF-8 line with non-ASCII text in the sample, or too little Arabic, and the
archive is read as UTF-8 as before (a stray bad row stays a bad row).
"""

from __future__ import annotations

from pathlib import Path

from worker.ingest.encoding import guess_single_byte

SAMPLE_BYTES = 64 * 1024  # the archive's head, as format sniffing sees it
MIN_ARABIC_LETTERS = 3  # fewer: not evidence enough to refuse a whole archive
_LABELS = {"windows-1256": ("Windows-1256", "CP1256"), "iso-8859-6": ("ISO-8859-6", "ISO-8859-6")}


def legacy_arabic(sample: bytes, *, complete: bool) -> str | None:
    """``"windows-1256"`` or ``"iso-8859-6"`` when ``sample`` (an archive's first bytes; ``complete``: the
    whole archive, so its last line is not cut short) is Arabic in that encoding rather than UTF-8, else
    None."""
    lines = sample.split(b"\n")
    if not complete:
        lines = lines[:-1]  # may end inside a character
    invalid: list[bytes] = []
    for number, line in enumerate(lines):
        if line.isascii():
            continue
        try:
            line.decode("utf-8-sig" if number == 0 else "utf-8")
        except UnicodeDecodeError:
            invalid.append(line)
            continue
        return None  # non-ASCII text that is UTF-8: a UTF-8 archive
    if not invalid:
        return None
    data = b"\n".join(invalid)
    encoding = guess_single_byte(data)
    letters = sum(1 for ch in data.decode(encoding, "replace") if "\u0621" <= ch <= "\u064a")
    return encoding if letters >= MIN_ARABIC_LETTERS else None


def refusal(name: str, encoding: str, *, compressed: bool = False) -> str:
    """The one-line message for an archive found to be in ``encoding`` (``compressed``: gzip)."""
    label, iconv = _LABELS.get(encoding, (encoding, encoding.upper()))
    path = Path(name if name != "-" else "archive.csv")
    plain = path.with_suffix("") if compressed and path.suffix.lower() == ".gz" else path
    target = plain.with_name(f"{plain.stem}-utf8{plain.suffix}")
    command = (f"zcat {path} | iconv -f {iconv} -t UTF-8 > {target}" if compressed
               else f"iconv -f {iconv} -t UTF-8 {path} > {target}")
    return (f"the archive is not UTF-8: its text reads as Arabic in {label} (what Excel saves as \"CSV\" on an "
            f"Arabic Windows); convert it first, e.g. {command} (or save it from Excel as \"CSV UTF-8\")")
