"""Turning bytes into text for Arabic feeds and pages.

Arabic sites still serve windows-1256 and ISO-8859-6, sometimes without saying so, and UTF-16 with or
without a BOM. Pages are decoded here (BOM, then HTTP charset, then ``<meta>`` charset, each only if it
decodes cleanly, then UTF-8, then UTF-8 with replacement if nearly all of it is UTF-8, then a guess limited
to encodings that carry Arabic). UTF-8 bytes labelled with a single-byte encoding are read as UTF-8. Feeds go to
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


# The WHATWG Encoding Standard's encodings (https://encoding.spec.whatwg.org/#names-and-labels), as Python
# codec names, under their labels. Only these are honoured when a page or feed declares a charset: a
# declaration naming any other Python codec (punycode, rot13, utf-7, the zlib/base64 "codecs", EBCDIC...)
# is ignored. Browsers do the same, and some of those codecs are quadratic: punycode on a 640 KB page took
# 5 s. "replacement" and x-user-defined are left out (nothing to decode with).
_WHATWG: dict[str, tuple[str, ...]] = {
    "utf-8": ("unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8"),
    "cp866": ("866", "cp866", "csibm866", "ibm866"),
    "iso8859-2": ("csisolatin2", "iso-8859-2", "iso-ir-101", "iso8859-2", "iso88592", "iso_8859-2",
                  "iso_8859-2:1987", "l2", "latin2"),
    "iso8859-3": ("csisolatin3", "iso-8859-3", "iso-ir-109", "iso8859-3", "iso88593", "iso_8859-3",
                  "iso_8859-3:1988", "l3", "latin3"),
    "iso8859-4": ("csisolatin4", "iso-8859-4", "iso-ir-110", "iso8859-4", "iso88594", "iso_8859-4",
                  "iso_8859-4:1988", "l4", "latin4"),
    "iso8859-5": ("csisolatincyrillic", "cyrillic", "iso-8859-5", "iso-ir-144", "iso8859-5", "iso88595",
                  "iso_8859-5", "iso_8859-5:1988"),
    "iso8859-6": ("arabic", "asmo-708", "csiso88596e", "csiso88596i", "csisolatinarabic", "ecma-114",
                  "iso-8859-6", "iso-8859-6-e", "iso-8859-6-i", "iso-ir-127", "iso8859-6", "iso88596",
                  "iso_8859-6", "iso_8859-6:1987"),
    "iso8859-7": ("csisolatingreek", "ecma-118", "elot_928", "greek", "greek8", "iso-8859-7", "iso-ir-126",
                  "iso8859-7", "iso88597", "iso_8859-7", "iso_8859-7:1987", "sun_eu_greek"),
    "iso8859-8": ("csiso88598e", "csisolatinhebrew", "hebrew", "iso-8859-8", "iso-8859-8-e", "iso-ir-138",
                  "iso8859-8", "iso88598", "iso_8859-8", "iso_8859-8:1988", "visual", "csiso88598i",
                  "iso-8859-8-i", "logical"),
    "iso8859-10": ("csisolatin6", "iso-8859-10", "iso-ir-157", "iso8859-10", "iso885910", "l6", "latin6"),
    "iso8859-13": ("iso-8859-13", "iso8859-13", "iso885913"),
    "iso8859-14": ("iso-8859-14", "iso8859-14", "iso885914"),
    "iso8859-15": ("csisolatin9", "iso-8859-15", "iso8859-15", "iso885915", "iso_8859-15", "l9"),
    "iso8859-16": ("iso-8859-16",),
    "koi8-r": ("cskoi8r", "koi", "koi8", "koi8-r", "koi8_r"),
    "koi8-u": ("koi8-ru", "koi8-u"),
    "mac-roman": ("csmacintosh", "mac", "macintosh", "x-mac-roman"),
    "cp874": ("dos-874", "iso-8859-11", "iso8859-11", "iso885911", "tis-620", "windows-874"),
    "cp1250": ("cp1250", "windows-1250", "x-cp1250"),
    "cp1251": ("cp1251", "windows-1251", "x-cp1251"),
    "cp1252": ("ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819", "iso-8859-1",
               "iso-ir-100", "iso8859-1", "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1", "latin1",
               "us-ascii", "windows-1252", "x-cp1252"),
    "cp1253": ("cp1253", "windows-1253", "x-cp1253"),
    "cp1254": ("cp1254", "csisolatin5", "iso-8859-9", "iso-ir-148", "iso8859-9", "iso88599", "iso_8859-9",
               "iso_8859-9:1989", "l5", "latin5", "windows-1254", "x-cp1254"),
    "cp1255": ("cp1255", "windows-1255", "x-cp1255"),
    "cp1256": ("cp1256", "windows-1256", "x-cp1256", "cp-1256", "win-1256"),
    "cp1257": ("cp1257", "windows-1257", "x-cp1257"),
    "cp1258": ("cp1258", "windows-1258", "x-cp1258"),
    "mac-cyrillic": ("x-mac-cyrillic", "x-mac-ukrainian"),
    "gbk": ("chinese", "csgb2312", "csiso58gb231280", "gb2312", "gb_2312", "gb_2312-80", "gbk", "iso-ir-58",
            "x-gbk"),
    "gb18030": ("gb18030",),
    "big5hkscs": ("big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5"),
    "euc_jp": ("cseucpkdfmtjapanese", "euc-jp", "x-euc-jp"),
    "iso2022_jp": ("csiso2022jp", "iso-2022-jp"),
    "shift_jis": ("csshiftjis", "ms932", "ms_kanji", "shift-jis", "shift_jis", "sjis", "windows-31j",
                  "x-sjis"),
    "euc_kr": ("cseuckr", "csksc56011987", "euc-kr", "iso-ir-149", "korean", "ks_c_5601-1987",
               "ks_c_5601-1989", "ksc5601", "ksc_5601", "windows-949"),
    "utf-16-be": ("unicodefffe", "utf-16be"),
    "utf-16-le": ("csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "unicodefeff", "utf-16", "utf-16le"),
}
WHATWG_LABELS: dict[str, str] = {label: codecs.lookup(name).name for name, labels in _WHATWG.items()
                                 for label in labels}
# x-mac-arabic is not WHATWG but was accepted before and is a plain single-byte table.
WHATWG_LABELS["x-mac-arabic"] = codecs.lookup("mac-arabic").name
# Python's names for the encodings above, so a name we produced ourselves passes too.
_PY_NAMES = frozenset(WHATWG_LABELS.values())


def normalize_charset(name: str | None) -> str | None:
    """The Python codec for a declared charset if it is a WHATWG encoding label, else None."""
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    if len(name) > 40:
        return None
    if name in WHATWG_LABELS:
        return WHATWG_LABELS[name]
    return name if name in _PY_NAMES else None


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


# Single-byte encodings (every byte decodes to something): a page labelled with one of these whose bytes
# are valid UTF-8 with multibyte sequences is UTF-8 mislabelled. Real Arabic windows-1256 text is never
# valid UTF-8 (its letters are 0xC1-0xFE, and a letter is never followed only by continuation bytes
# 0x80-0xBF for a whole page), so preferring UTF-8 there costs nothing.
_SINGLE_BYTE = frozenset(codecs.lookup(n).name for n in (
    "cp866", "iso8859-2", "iso8859-3", "iso8859-4", "iso8859-5", "iso8859-6", "iso8859-7", "iso8859-8",
    "iso8859-10", "iso8859-13", "iso8859-14", "iso8859-15", "iso8859-16", "koi8-r", "koi8-u", "mac-roman",
    "cp874", "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258",
    "mac-cyrillic", "mac-arabic"))
# UTF-8 with a few bad bytes (a CMS cutting a character in half, one stray byte) is still UTF-8: at least
# this share of its non-ASCII sequences must decode, or (a short text) only a few not, with twice as many
# that do. windows-1256 text read as UTF-8 is the other way round: nearly every letter is an error.
MIN_VALID_SHARE = 0.99
FEW_BAD_BYTES = 4
_REPLACEMENT_UTF8 = "\ufffd".encode()


def mostly_utf8(data: bytes) -> str | None:
    """``data`` decoded as UTF-8 with replacement when it is overwhelmingly UTF-8 (it has multibyte
    characters and at least 99% of its non-ASCII sequences are valid), else None. Linear, in C."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count(_REPLACEMENT_UTF8)
    non_ascii = len(text) - len(text.encode("ascii", errors="ignore"))
    valid = non_ascii - bad - data.count(_REPLACEMENT_UTF8)
    if valid <= 0:
        return None
    if bad <= (1 - MIN_VALID_SHARE) * (valid + bad) or (bad <= FEW_BAD_BYTES and valid >= 2 * bad):
        return text
    return None


def _utf8_over_label(data: bytes, label: str) -> str | None:
    """The UTF-8 reading of ``data`` when it is labelled with a single-byte encoding but is valid UTF-8
    with multibyte characters (UTF-8 text mislabelled, as CMS templates often are); else None."""
    if label not in _SINGLE_BYTE or data.isascii():
        return None
    return _try(data, "utf-8")


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
            text = _utf8_over_label(data, declared)
            if text is not None:
                return text, "utf-8"
            text = _try(data, declared)
            if text is not None:
                return text, declared
    text = _try(data, "utf-8")
    if text is not None:
        return text, "utf-8"
    # Declared or not, UTF-8 with a few broken bytes is read as UTF-8 (replacement characters for those),
    # not as windows-1256, which accepts any byte and turns the whole page into mojibake.
    text = mostly_utf8(data)
    if text is not None:
        return text, "utf-8"
    enc = guess_single_byte(data)
    return data.decode(enc, errors="replace"), enc


def declared_xml_encoding(data: bytes) -> str | None:
    m = _XML_DECL_RE.match(data[:1024])
    return normalize_charset(m.group(1).decode("ascii")) if m else None


UTF8_XML = "application/xml; charset=utf-8"


def prepare_feed_bytes(data: bytes, content_type: str | None = None) -> tuple[bytes, str | None]:
    """UTF-8 bytes and a content type to hand to feedparser.

    The charset is decided here, never by feedparser: its own sniffing honours any codec Python knows
    (an XML declaration saying ``encoding="punycode"`` would be obeyed), and it falls back to
    windows-1252 on undeclared Arabic. Order: BOM, undeclared UTF-16, the declared WHATWG charset (HTTP,
    then the XML prolog) if the bytes decode with it, UTF-8, then a guess between the Arabic single-byte
    encodings. Anything but plain UTF-8 is transcoded, with the prolog's declaration rewritten.
    """
    bom = sniff_bom(data)
    if bom:  # the BOM is authoritative; feedparser trips over some BOM+prolog combinations
        text = _try(data, bom)
        if text is not None:
            return _as_utf8_xml(text), UTF8_XML
    utf32 = {b"\x00\x00\x00<": "utf-32-be", b"<\x00\x00\x00": "utf-32-le"}.get(data[:4])
    if utf32:  # XML 1.0 appendix F autodetection; not a WHATWG encoding but unambiguous from the bytes
        text = _try(data, utf32)
        if text is not None:
            return _as_utf8_xml(text), UTF8_XML
    http_cs = charset_from_content_type(content_type)
    xml_cs = declared_xml_encoding(data)
    utf16 = sniff_utf16_without_bom(data)
    if utf16:
        declared16 = next((c for c in (http_cs, xml_cs) if c and c.startswith("utf-16")), None)
        text = data.decode(declared16 or utf16, errors="replace")
        return _as_utf8_xml(text), UTF8_XML
    declared = http_cs or xml_cs
    if declared and not declared.startswith("utf-16"):
        text = _utf8_over_label(data, declared)
        if text is None:
            text = _try(data, declared)
        elif not _declares_other(data):
            return data, UTF8_XML  # labelled single-byte by HTTP only; the bytes are UTF-8 as they are
        if text is not None:
            if declared == "utf-8" and not _declares_other(data):
                return data, UTF8_XML
            return _as_utf8_xml(text), UTF8_XML
    text = _try(data, "utf-8")
    if text is not None:
        return (data if not _declares_other(data) else _as_utf8_xml(text)), UTF8_XML
    text = mostly_utf8(data)  # as in decode_html: a few broken bytes do not make UTF-8 windows-1256
    if text is not None:
        return _as_utf8_xml(text), UTF8_XML
    enc = guess_single_byte(data)
    return _as_utf8_xml(data.decode(enc, errors="replace")), UTF8_XML


def _declares_other(data: bytes) -> bool:
    """The prolog names an encoding other than UTF-8 (a lie or an unknown codec): it must be rewritten."""
    m = _XML_DECL_RE.match(data[:1024])
    return bool(m) and m.group(1).lower() not in (b"utf-8", b"utf8")


def _as_utf8_xml(text: str) -> bytes:
    text = text.lstrip("\ufeff")
    text = re.sub(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*)["'][^"']*["']""", r'\1"utf-8"', text, count=1)
    return text.encode("utf-8")
