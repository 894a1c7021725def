"""Links in messages, and which of them an agent may click.

002-篇3: unfamiliar links sent in chat are not clicked (phishing); ask the customer for a
screenshot instead. So a link in a customer's message is shown as a link only when its
host is one of the shop's trusted domains (``Shop.link_allowlist``) or a sub-domain of
one. Any other link is shown as plain text with a warning, never as ``<a>``. Links the
team wrote themselves (replies, notes) are clickable.

The host is what a browser would open: ``https://taobao.com@evil.example`` goes to
``evil.example``, ``taobao.com.evil.example`` is not ``taobao.com``, and a domain in
another script is compared in its ASCII (punycode) form.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from kefu.core.search import _CJK

# Characters that end a link: space, quotes, angle brackets, CJK punctuation and CJK text
# (a link pasted into Chinese or Korean is usually followed by more words without a space).
_STOP = r"\s<>\"'\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65" + _CJK
# Top-level domains common enough that a bare "name.tld" is taken for a link.
_BARE_TLDS = (
    "com|net|org|cn|kr|jp|hk|tw|sg|us|uk|de|io|co|cc|me|top|xyz|shop|store|site|online|"
    "vip|link|info|biz|club|app|ly|gl|ink|icu|work|live|fun|tk|ru|in"
)
LINK = re.compile(
    rf"""(?ix)
    (?<![a-z0-9@._/\-])                 # not inside a word, an email or a path
    (
      (?:https?://|www\.)[^{_STOP}]+    # with a scheme, or www.
    |
      (?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+
      (?:{_BARE_TLDS}|xn--[a-z0-9-]+)    # a bare host …
      (?::\d{{1,5}})?
      (?:/[^{_STOP}]*)?                 # … with or without a path
      (?![a-z0-9@\-])
    )
    """
)
_TRAILING = ".,;:!?)]}'\"。，、；：！？）】」》"


@dataclass(frozen=True)
class Link:
    text: str  # as written in the message
    url: str  # what a browser would open
    host: str  # punycode, lower case; "" when it has none
    trusted: bool


def normalize_host(host: str) -> str:
    """Lower-case ASCII form of a host name ("" when it is not one)."""
    host = unicodedata.normalize("NFKC", host or "").strip().strip(".").lower()
    host = host.replace("\u3002", ".")
    if not host:
        return ""
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return ""


def allowed_domains(shop) -> frozenset[str]:
    """The shop's trusted domains: one a line; ``https://``, paths and ``*.`` are ignored."""
    out = set()
    for line in (getattr(shop, "link_allowlist", "") or "").splitlines():
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        if "://" in entry:
            entry = urlsplit(entry).hostname or ""
        entry = entry.split("/")[0].removeprefix("*.")
        host = normalize_host(entry)
        if host:
            out.add(host)
    return frozenset(out)


def is_trusted(host: str, domains: frozenset[str]) -> bool:
    return bool(host) and any(host == d or host.endswith("." + d) for d in domains)


def _link(text: str, domains: frozenset[str]) -> Link:
    url = text if "://" in text else "https://" + text
    try:
        parts = urlsplit(url)
        host = normalize_host(parts.hostname or "")
        scheme_ok = parts.scheme in ("http", "https")
    except ValueError:  # a malformed port or bracket: never clickable
        host, scheme_ok = "", False
    return Link(text=text, url=url, host=host, trusted=scheme_ok and is_trusted(host, domains))


def _split(text: str):
    """(plain text, Link text or None) pieces of ``text`` in order."""
    pos = 0
    for m in LINK.finditer(text or ""):
        raw = m.group(1)
        stripped = raw.rstrip(_TRAILING)
        if not stripped:
            continue
        start, end = m.start(1), m.start(1) + len(stripped)
        yield text[pos:start], None
        yield "", stripped
        pos = end
    yield (text or "")[pos:], None


def find_links(text: str, domains: frozenset[str]) -> list[Link]:
    return [_link(raw, domains) for _plain, raw in _split(text) if raw]


def render(text: str, domains: frozenset[str], *, inbound: bool) -> SafeString:
    """``text`` as HTML: escaped, links of the team and trusted links clickable, every other
    link in a customer's message plain text with a warning."""
    return render_with_hosts(text, domains, inbound=inbound)[0]


def render_with_hosts(
    text: str, domains: frozenset[str], *, inbound: bool
) -> tuple[SafeString, list[str]]:
    """:func:`render`, and the hosts of the links it would not make clickable."""
    out: list[str] = []
    untrusted: list[str] = []
    warning = _("Unfamiliar link: do not open it. Ask the customer for a screenshot instead.")
    for plain, raw in _split(text):
        if plain:
            out.append(escape(plain))
        if not raw:
            continue
        link = _link(raw, domains)
        if link.trusted or (not inbound and link.url.startswith(("http://", "https://"))):
            out.append(
                format_html(
                    '<a href="{}" rel="noopener noreferrer nofollow" target="_blank">{}</a>',
                    link.url,
                    raw,
                )
            )
        else:
            host = link.host or raw
            if host not in untrusted:
                untrusted.append(host)
            out.append(
                format_html(
                    '<span class="link-untrusted" title="{}" data-host="{}">'
                    '<span class="link-untrusted-mark" aria-hidden="true">⚠</span>'
                    '<span class="sr-only">{}: </span>{}</span>',
                    warning,
                    link.host,
                    _("Unfamiliar link"),
                    raw,
                )
            )
    return mark_safe("".join(str(part) for part in out)), untrusted  # escaped above
