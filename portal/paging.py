"""One page of a long list: the page asked for, bounded, and where it falls.

Every paged list (the two caseloads, notifications, the audit trail) reads
?page= through ``requested_page`` and, where it counts its rows, places the
page with ``Page.of``, so a page number outside the list shows its nearest
page and a huge one cannot overflow the OFFSET (a 500).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, request

# Far beyond any list the portal keeps; only there so the OFFSET stays in range.
MAX_PAGE = 1_000_000


def requested_page(maximum: int = MAX_PAGE) -> int:
    """This request's ?page=, from 1 to ``maximum``; 1 when absent or not a number."""
    number = request.args.get("page", 1, type=int) or 1
    return min(max(number, 1), maximum)


def page_count(total: int, per_page: int) -> int:
    """How many pages ``total`` rows fill; an empty list still has its one page."""
    return max(1, -(-total // per_page))


@dataclass
class Page:
    """The rows of one page, and where the page is among the others."""

    items: list
    page: int
    pages: int
    total: int
    per_page: int

    @staticmethod
    def placed(asked: int, total: int, per_page: int) -> tuple[int, int]:
        """(the page to show, how many there are): ``asked``, moved within the list."""
        pages = page_count(total, per_page)
        return min(max(asked, 1), pages), pages

    @staticmethod
    def offset(page: int, per_page: int) -> int:
        return (page - 1) * per_page


class NotAPage(ValueError):
    """?page= holds something that is not a page number (abc, 0, -1, 1.5)."""


def asked_page(maximum: int = MAX_PAGE, name: str = "page") -> int:
    """This request's page number ``name`` for a list that says so when it is
    wrong: 1 when absent, NotAPage when it is not a whole number from 1. A
    number past the end is the caller's to tell (the list knows how long it is)."""
    raw = request.args.get(name)
    if raw is None:
        return 1
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise NotAPage(raw)
    return min(int(raw), maximum)


def strict_page(name: str = "page") -> int:
    """This request's page number ``name``, 1 when absent; a 404 for anything
    but a whole number from 1 up to MAX_PAGE (a page of a list cannot be page "abc")."""
    if request.args.get(name) == "":
        return 1  # an empty search form's page field
    try:
        page = asked_page(MAX_PAGE + 1, name)
    except NotAPage:
        abort(404)
    if page > MAX_PAGE:
        abort(404)
    return page


def page_or_404(asked: int, total: int, per_page: int) -> int:
    """How many pages ``total`` rows fill; a 404 for a page past the end."""
    pages = page_count(total, per_page)
    if asked > pages:
        abort(404)
    return pages
