"""Email rendering: a template folder per email and a function that only builds its context.

Templates live in ``jobs/templates/<name>/{subject.txt, body.txt, body.html}``. HTML is
autoescaped; every value from an API is also cleaned here (control and bidi override
characters removed, whitespace collapsed, length capped) so a hostile class name can
neither break the layout nor reorder the text around it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

NAME_LIMIT = 120
URL_LIMIT = 2048

# Bidi embedding/override/isolate controls: U+202A-U+202E, U+2066-U+2069, LRM/RLM/ALM.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def clean(value: str | None, limit: int = NAME_LIMIT) -> str:
    """An API-supplied string made safe to show: no control or bidi characters, capped."""
    if not value:
        return ""
    value = _BIDI.sub("", value)
    value = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in value)
    value = _SPACE.sub(" ", value).strip()
    if len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    return value


def safe_link(url: str | None) -> str | None:
    """Only absolute http(s) links are shown; anything else (``javascript:``…) is dropped."""
    if not url or len(url) > URL_LIMIT or _BIDI.search(url) or re.search(r"\s", url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return url


def day_label(d: date) -> str:
    return f"{d:%A} {d.day} {d:%B}"


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("jobs", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(template_name: str, context: dict[str, Any]) -> RenderedEmail:
    """Render ``templates/<template_name>/`` with ``context``; the subject is one line."""
    env = environment()
    subject = env.get_template(f"{template_name}/subject.txt").render(context)
    return RenderedEmail(
        subject=_SPACE.sub(" ", subject).strip(),
        text=env.get_template(f"{template_name}/body.txt").render(context),
        html=env.get_template(f"{template_name}/body.html").render(context),
    )


@dataclass(frozen=True, slots=True)
class InlineImage:
    """An image the HTML shows as ``<img src="cid:{content_id}">`` (a digest's chart)."""

    content_id: str
    mime_type: str  # e.g. "image/png"
    filename: str
    data: bytes


def attach_related(msg: EmailMessage, images: Sequence[InlineImage]) -> None:
    """Turn the HTML alternative of ``msg`` into ``multipart/related`` holding ``images``.

    Mail apps show such parts inline where the HTML references them and never as
    attachments; no image is fetched from anywhere.
    """
    if not images:
        return
    html = msg.get_body(preferencelist=("html",))
    if not isinstance(html, EmailMessage):
        raise ValueError("the message has no HTML part to relate images to")
    for img in images:
        maintype, _, subtype = img.mime_type.partition("/")
        html.add_related(
            img.data,
            maintype,
            subtype,
            cid=f"<{img.content_id}>",
            filename=img.filename,
            disposition="inline",
        )
