"""Canonical article URLs, so one article gets one document id however it was linked.

``canonicalize_url`` is purely syntactic (no I/O): lower-case scheme and host, IDNA host, default port
dropped, fragment dropped, tracking parameters removed, remaining parameters sorted, path and query
percent-encoded one consistent way (raw Arabic and ``%D9%85`` spellings collapse). The fetch stage then
applies it to the URL after redirects and to a same-site ``<link rel=canonical>``.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

from worker.document import doc_id_for_url

# Exact parameter names that only track the click, never select content.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "igshid", "igsh",
    "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id", "oly_enc_id",
    "vero_id", "rb_clickid", "s_cid", "ocid", "cmpid", "xtor", "ito", "ns_source", "ns_mchannel",
    "ns_campaign", "ns_linkname", "ns_fee", "at_medium", "at_campaign", "at_custom1", "at_custom2",
    "at_custom3", "at_custom4", "ref_src", "ref_url", "spm", "__twitter_impression", "ftag", "icid",
    "intcmp",
})
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "at_", "ns_")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SAFE_PATH = "/:@!$&'()*+,;=-._~%"


def _is_tracking(name: str) -> bool:
    low = name.lower()
    return low in TRACKING_PARAMS or low.startswith(TRACKING_PREFIXES)


def _norm_component(text: str, safe: str) -> str:
    # unquote then quote: %-escapes get one spelling (upper-case hex, unreserved chars decoded, non-ASCII
    # as UTF-8 escapes) whether the feed wrote the path raw or escaped.
    return quote(unquote(text), safe=safe)


def _norm_host(host: str) -> str:
    host = host.strip().rstrip(".").lower()
    if host.startswith("[") or host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def canonicalize_url(url: str) -> str:
    """Normalise ``url`` (see module docstring). Non-http(s) URLs are returned stripped but unchanged."""
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return url
    host = _norm_host(parts.hostname)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", parts.path) or "/"
    path = _norm_component(path, _SAFE_PATH)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    pairs.sort()
    query = urlencode(pairs, quote_via=quote, safe="/:@!$'()*+,;-._~")
    return urlunsplit((scheme, netloc, path, query, ""))


def source_from_url(url: str) -> str:
    """The source name a URL's host gives when none was given (an imported article, a feed added without
    one): the host, lower case, without a leading ``www.`` (``www.bbc.com`` -> ``bbc.com``); "" without one."""
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def same_site(a: str, b: str) -> bool:
    """True when both URLs are on the same site: equal hosts up to a leading ``www.``/``m.``, or one a
    subdomain of the other's registered part (``arabic.cnn.com`` vs ``cnn.com``)."""
    ha, hb = (_norm_host(urlsplit(u).hostname or "") for u in (a, b))
    if not ha or not hb:
        return False
    strip = re.compile(r"^(www\d?|m|amp)\.")
    ha, hb = strip.sub("", ha), strip.sub("", hb)
    return ha == hb or ha.endswith("." + hb) or hb.endswith("." + ha)


_LINK_TAG = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""([a-zA-Z:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")


def find_rel_canonical(html: str) -> str | None:
    """The ``href`` of the first ``<link rel="canonical">`` in the page head, if any."""
    head = html[:200_000]
    end = re.search(r"</head\s*>", head, re.IGNORECASE)
    if end:
        head = head[: end.start()]
    for tag in _LINK_TAG.findall(head):
        attrs = {m.group(1).lower(): (m.group(2) or m.group(3) or m.group(4) or "") for m in _ATTR.finditer(tag)}
        if "canonical" in attrs.get("rel", "").lower().split() and attrs.get("href"):
            return attrs["href"].strip()
    return None


def canonical_for_page(final_url: str, html: str | None) -> str:
    """The canonical URL of a fetched page: its ``rel=canonical`` when that is http(s) on the same site,
    otherwise the URL we ended at after redirects; both canonicalised."""
    base = canonicalize_url(final_url)
    if html:
        href = find_rel_canonical(html)
        if href:
            candidate = urljoin(final_url, href)
            if urlsplit(candidate).scheme in ("http", "https") and same_site(candidate, final_url):
                return canonicalize_url(candidate)
    return base


def doc_id(url: str) -> str:
    """Document id of an already canonical URL (``worker.document.doc_id_for_url``)."""
    return doc_id_for_url(url)
