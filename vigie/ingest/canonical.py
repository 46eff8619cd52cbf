"""URL canonicalisation and domains (tldextract with its bundled suffix list, never downloaded)."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import tldextract

SAFE_SCHEMES = {"http", "https"}
DEFAULT_PORTS = {"http": 80, "https": 443}

# Query parameters that only track the reader; they never change the document served.
TRACKING_PARAMS = {
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "twclid",
    "ttclid", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id",
    "oly_enc_id", "vero_id", "xtor", "xtref", "ocid", "cmpid", "ref_src", "ref_url", "s_cid",
    "spm", "wt_mc", "at_medium", "at_campaign", "at_format", "at_link", "at_ptr", "at_send_date",
}
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "at_", "hsa_")

_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def _is_tracking(name: str) -> bool:
    low = name.lower()
    return low in TRACKING_PARAMS or low.startswith(TRACKING_PREFIXES)


def safe_url(url: str | None) -> str | None:
    """``url`` stripped, or None unless it is an absolute http(s) URL (no javascript:, data:...)."""
    if not url:
        return None
    url = url.strip()
    if re.search(r"[\x00-\x20\x7f]", url):
        url = re.sub(r"[\x00-\x20\x7f]", "", url)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_SCHEMES or not parts.hostname:
        return None
    return url


def canonical_url(url: str | None, *, strip_tracking: bool = True) -> str | None:
    """Canonical form used for identity: lower-case scheme and host, no default port, no
    credentials, no fragment, tracking parameters dropped, remaining parameters sorted.
    None when the URL is not an absolute http(s) URL."""
    url = safe_url(url)
    if url is None:
        return None
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = parts.port
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = parse_qsl(parts.query, keep_blank_values=True)
    if strip_tracking:
        query = [(k, v) for k, v in query if not _is_tracking(k)]
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(sorted(query)), ""))


@lru_cache(maxsize=65536)
def _domains_of_host(host: str) -> tuple[str | None, str | None]:
    ext = _EXTRACT.extract_str(host)
    registered = getattr(ext, "top_domain_under_public_suffix", None)
    if registered is None:  # tldextract < 5.3
        registered = ext.registered_domain
    # IP addresses and bare hosts (localhost) have no public suffix: the host is the domain.
    return host, (registered or host)


def domains(url: str | None) -> tuple[str | None, str | None]:
    """``(domain, registered_domain)`` of a URL, e.g. ``('www.lemonde.fr', 'lemonde.fr')``."""
    url = safe_url(url)
    if url is None:
        return None, None
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if not host:
        return None, None
    return _domains_of_host(host)
