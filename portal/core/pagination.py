"""One page of a list (1-based, 10 rows by default): the rows and the list's size read together,
``count(*) OVER ()`` riding along the page's own query (one pass over the rows, not two). A page
asked past the end (a stale link) is the last one."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from portal.extensions import db

PER_PAGE = 10


@dataclass
class Page:
    """``items`` of page ``number`` of ``pages``; ``total`` rows in the list. ``rows`` holds what
    the caller made of the items for its template (the items themselves unless told)."""

    items: list
    total: int
    number: int
    pages: int
    per_page: int = PER_PAGE
    rows: list = field(default_factory=list)
    arg: str = "page"  # the query argument naming the page (two tables of a page page apart)

    @property
    def first(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.total, self.number * self.per_page)


def page_of(
    statement, number: int, per_page: int = PER_PAGE, *, arg: str = "page", total: int | None = None
) -> Page:
    """Page ``number`` of ``statement`` (a ``select`` of one entity, ordered; eager-load options
    allowed); ``arg``: the query argument the page's links use. ``total``: the list's size when
    the caller knows it already (an unfiltered list whose tabs are counted): the page is then
    read alone, its first rows from an index, instead of counting every row of the list."""
    number = max(1, number)
    if total is not None:
        pages = max(1, -(-total // per_page))
        number = min(number, pages)
        items = list(
            db.session.scalars(statement.limit(per_page).offset((number - 1) * per_page)).unique()
        )
        return Page(items, total, number, pages, per_page, rows=items, arg=arg)

    def fetch(page: int) -> tuple[list, int]:
        found = (
            db.session.execute(
                statement.add_columns(func.count().over().label("portal_total"))
                .limit(per_page)
                .offset((page - 1) * per_page)
            )
            .unique()
            .all()
        )
        return [row[0] for row in found], (found[0].portal_total if found else 0)

    items, total = fetch(number)
    if not items and number > 1:  # past the end
        total = db.session.scalar(
            select(func.count()).select_from(statement.order_by(None).subquery())
        )
        number = max(1, -(-(total or 0) // per_page))
        items, total = fetch(number)
    pages = max(1, -(-total // per_page))
    return Page(
        items=items,
        total=total,
        number=number,
        pages=pages,
        per_page=per_page,
        rows=items,
        arg=arg,
    )
