"""Look-alike domains of real media (Doppelganger-style clones).

A domain imitates an outlet of the reference list by a typo (Damerau-Levenshtein),
homoglyphs (confusable characters mapped to a common skeleton), a TLD swap
(lemonde.ltd), a subdomain trick (lemonde.fr.example.com) or an added word or hyphen
(lemonde-fr.info). The outlet itself and its own subdomains are never look-alikes.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

import tldextract
from confusable_homoglyphs import confusables
from rapidfuzz.distance import DamerauLevenshtein

from detectors.config import detection_config

# Offline: the public suffix list shipped inside tldextract, never fetched.
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=())
# Look-alikes inside ASCII that confusables.txt does not cover for lower-case hosts.
_ASCII_SKELETON = (("rn", "m"), ("vv", "w"), ("0", "o"), ("1", "l"), ("i", "l"), ("|", "l"))
# Words clone sites add around a real name (lemonde-fr, lemonde24, infos-lefigaro).
_FILLER = re.compile(r"^(?:[-_.0-9]*|-?(?:fr|en|de|es|it|news|info|infos|actu|actus|live|"
                     r"online|tv|media|journal|presse|press|today|direct|la|le|the|web|hebdo)"
                     r"-?[0-9]*)$")


@dataclass(frozen=True)
class Lookalike:
    domain: str  # the suspicious host
    target: str  # the imitated outlet's registered domain
    kind: str  # typo | homoglyph | tld_swap | subdomain | word_addition
    detail: str  # plain-words explanation


def split_host(host: str) -> tuple[str, str, str]:
    """(subdomain, name, suffix) of a host, offline; punycode decoded."""
    host = host.strip().lower().rstrip(".")
    if host.startswith("xn--") or ".xn--" in host:
        with contextlib.suppress(UnicodeError):
            host = host.encode("ascii").decode("idna")
    ext = _EXTRACT(host)
    return ext.subdomain, ext.domain, ext.suffix


@cache
def skeleton(name: str) -> str:
    """Map confusable characters to one representative (TR39-like skeleton)."""
    out = []
    decomposed = unicodedata.normalize("NFKD", name.lower())
    for ch in (c for c in decomposed if not unicodedata.combining(c)):
        if ord(ch) < 128:
            out.append(ch)
            continue
        found = confusables.is_confusable(ch, greedy=True, preferred_aliases=["latin"])
        glyphs = [g["c"] for g in (found[0]["homoglyphs"] if found else []) if g["c"].isascii()]
        out.append(glyphs[0].lower() if glyphs else ch)
    s = "".join(out)
    for a, b in _ASCII_SKELETON:
        s = s.replace(a, b)
    return s


class LookalikeMatcher:
    """Compare hosts with a list of legitimate outlet domains."""

    def __init__(self, outlet_domains: Iterable[str], config: dict[str, Any] | None = None):
        self.cfg = (config or detection_config())["lookalike"]
        self.outlets: dict[str, tuple[str, str]] = {}  # registered domain -> (name, suffix)
        for d in outlet_domains:
            _, name, suffix = split_host(d)
            if name and suffix:
                self.outlets[f"{name}.{suffix}"] = (name, suffix)
        self._skeletons = {reg: skeleton(name) for reg, (name, _) in self.outlets.items()}

    def match(self, host: str | None) -> Lookalike | None:
        if not host:
            return None
        sub, name, suffix = split_host(host)
        if not name:
            return None
        registered = f"{name}.{suffix}" if suffix else name
        if registered in self.outlets:
            return None  # the outlet itself or one of its own subdomains
        min_name = int(self.cfg["min_name"])
        for reg, (oname, _osuffix) in self.outlets.items():
            if len(oname) < min_name:
                continue
            if sub and (sub == reg or sub.endswith("." + reg) or sub.startswith(reg + ".")
                        or f".{reg}." in f".{sub}."):
                return Lookalike(host, reg, "subdomain",
                                 f"{host} puts {reg} in front of another domain ({registered})")
            if name == oname:
                return Lookalike(host, reg, "tld_swap",
                                 f"{registered} copies the name of {reg} under another suffix")
        for reg, (oname, _) in self.outlets.items():
            if len(oname) < min_name:
                continue
            if name != oname and skeleton(name) == self._skeletons[reg]:
                return Lookalike(host, reg, "homoglyph",
                                 f"{registered} uses look-alike characters to imitate {reg}")
            limit = int(self.cfg["max_typo_distance"]) + (len(oname) >= int(self.cfg["long_name"]))
            if abs(len(name) - len(oname)) <= limit and 0 < DamerauLevenshtein.distance(
                name, oname, score_cutoff=limit + 1
            ) <= limit:
                return Lookalike(host, reg, "typo", f"{registered} is a misspelling of {reg}")
            if oname in name and name != oname:
                rest_l, _, rest_r = name.partition(oname)
                if _FILLER.match(rest_l) and _FILLER.match(rest_r):
                    return Lookalike(host, reg, "word_addition",
                                     f"{registered} adds words to the name of {reg}")
        return None
