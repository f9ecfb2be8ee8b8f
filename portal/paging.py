"""One page of a long list: the page asked for, bounded, and where it falls.

Every paged list (the two caseloads, notifications, the audit trail) reads
?page= through ``requested_page`` and, where it counts its rows, places the
page with ``Page.of``, so a page number outside the list shows its nearest
page and a huge one cannot overflow the OFFSET (a 500).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request

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


def asked_page(maximum: int = MAX_PAGE) -> int:
    """This request's ?page= for a list that says so when it is wrong: 1 when
    absent, NotAPage when it is not a whole number from 1. A number past the
    end is the caller's to tell (the list knows how long it is)."""
    raw = request.args.get("page")
    if raw is None:
        return 1
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise NotAPage(raw)
    return min(int(raw), maximum)
