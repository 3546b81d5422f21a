"""Reads an email's HTML the way a hostile-input test needs: tags, links, no handlers."""

from __future__ import annotations

from html.parser import HTMLParser


class HtmlTags(HTMLParser):
    """Collects tag names and hrefs; fails on any ``on…`` event-handler attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.hrefs += [v or "" for k, v in attrs if k == "href"]
        assert not any(k.startswith("on") for k, _ in attrs), attrs
