"""Turning bytes into text for Arabic feeds and pages.

Arabic sites still serve windows-1256 and ISO-8859-6, sometimes without saying so, and UTF-16 with or
without a BOM. Pages are decoded here (BOM, then HTTP charset, then ``<meta>`` charset, each only if it
decodes cleanly, then UTF-8, then a guess limited to encodings that carry Arabic). Feeds go to
feedparser as bytes because its XML sniffing is good; ``prepare_feed_bytes`` only steps in for the
cases it gets wrong (undeclared UTF-16 and undeclared Arabic single-byte encodings), transcoding to
UTF-8 first.
"""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CHARSET_RE = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_DECL_RE = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""", re.IGNORECASE)
# Single-byte encodings to try, in order, when nothing is declared and the bytes are not UTF-8.
ARABIC_FALLBACKS = ("windows-1256", "iso-8859-6")


def normalize_charset(name: str | None) -> str | None:
    """A Python codec name for a declared charset, or None if unknown/unusable."""
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    aliases = {"arabic": "iso-8859-6", "iso-8859-6-i": "iso-8859-6", "iso-8859-6-e": "iso-8859-6",
               "x-mac-arabic": "mac-arabic", "cp-1256": "windows-1256", "win-1256": "windows-1256"}
    name = aliases.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    m = _CHARSET_RE.search(content_type.encode("latin-1", "replace"))
    return normalize_charset(m.group(1).decode("ascii")) if m else None


def sniff_bom(data: bytes) -> str | None:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    return None


def sniff_utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text of mostly ASCII markup has a NUL in every other byte; which half tells the order."""
    sample = data[:4096]
    if len(sample) < 8:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def charset_from_meta(data: bytes) -> str | None:
    """``<meta charset>`` or ``<meta http-equiv=Content-Type content="...charset=...">`` in the first 4 KB."""
    head = data[:4096]
    for m in re.finditer(rb"<meta\b[^>]*>", head, re.IGNORECASE):
        cm = _CHARSET_RE.search(m.group(0))
        if cm:
            return normalize_charset(cm.group(1).decode("ascii", "replace"))
    return None


def _try(data: bytes, encoding: str | None) -> str | None:
    if not encoding:
        return None
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def guess_single_byte(data: bytes) -> str:
    """Pick between the Arabic single-byte encodings by how much of the result is Arabic letters.

    windows-1256 and ISO-8859-6 put Arabic letters at different byte values; decoding with the wrong
    one yields Latin accents or control characters instead, so the count separates them well.
    """
    best, best_score = ARABIC_FALLBACKS[0], -1.0
    for enc in ARABIC_FALLBACKS:
        text = data.decode(enc, errors="replace")
        arabic = sum(1 for ch in text if "\u0600" <= ch <= "\u06ff")
        bad = text.count("\ufffd") + sum(1 for ch in text if "\x80" <= ch <= "\x9f")
        score = arabic - 5 * bad
        if score > best_score:
            best, best_score = enc, score
    return best


def decode_html(data: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode a page; returns ``(text, encoding_used)``. Never raises."""
    bom = sniff_bom(data)
    if bom:
        text = _try(data, bom)
        if text is not None:
            return text.lstrip("\ufeff"), bom
    utf16 = sniff_utf16_without_bom(data)
    if utf16:
        text = _try(data, utf16)
        if text is not None:
            return text, utf16
    for declared in (charset_from_content_type(content_type), charset_from_meta(data)):
        # A declared UTF-16 on bytes without NUL pattern is a lie (the declaration itself is ASCII).
        if declared and not declared.startswith("utf-16") and not declared.startswith("utf-32"):
            text = _try(data, declared)
            if text is not None:
                return text, declared
    text = _try(data, "utf-8")
    if text is not None:
        return text, "utf-8"
    enc = guess_single_byte(data)
    return data.decode(enc, errors="replace"), enc


def declared_xml_encoding(data: bytes) -> str | None:
    m = _XML_DECL_RE.match(data[:1024])
    return normalize_charset(m.group(1).decode("ascii")) if m else None


def prepare_feed_bytes(data: bytes, content_type: str | None = None) -> tuple[bytes, str | None]:
    """Bytes and content type to hand to feedparser.

    Left alone when there is a BOM or a usable declaration (HTTP or XML prolog); feedparser handles
    those. Otherwise undeclared UTF-16 and undeclared non-UTF-8 bytes (the windows-1256 case) are
    transcoded to UTF-8 with the XML declaration rewritten, so feedparser does not fall back to
    windows-1252 and turn Arabic into mojibake.
    """
    bom = sniff_bom(data)
    if bom:  # the BOM is authoritative; feedparser trips over some BOM+prolog combinations
        text = _try(data, bom)
        if text is not None:
            return _as_utf8_xml(text), "application/xml; charset=utf-8"
        return data, content_type
    http_cs = charset_from_content_type(content_type)
    xml_cs = declared_xml_encoding(data)
    utf16 = sniff_utf16_without_bom(data)
    if utf16 and not (xml_cs or "").startswith("utf-16") and not (http_cs or "").startswith("utf-16"):
        text = data.decode(utf16, errors="replace")
        return _as_utf8_xml(text), "application/xml; charset=utf-8"
    if utf16:
        return data, content_type
    declared = http_cs or xml_cs
    if declared and _try(data, declared) is not None:
        return data, content_type
    if _try(data, "utf-8") is not None:
        if declared:  # a wrong declaration on valid UTF-8: trust the bytes
            return _as_utf8_xml(data.decode("utf-8")), "application/xml; charset=utf-8"
        return data, content_type
    enc = guess_single_byte(data)
    return _as_utf8_xml(data.decode(enc, errors="replace")), "application/xml; charset=utf-8"


def _as_utf8_xml(text: str) -> bytes:
    text = text.lstrip("\ufeff")
    text = re.sub(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*)["'][^"']*["']""", r'\1"utf-8"', text, count=1)
    return text.encode("utf-8")
