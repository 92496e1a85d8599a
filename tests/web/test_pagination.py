"""A page of a list: its rows and the list's size read together; a page past the end is the
last one; an empty list is one empty page; a list whose size the caller knows is not counted
again."""

from sqlalchemy import select

from portal.core.pagination import page_of
from portal.core.tenants import Tenant, unscoped


def test_a_page_counts_its_list_and_a_page_past_the_end_is_the_last(app):
    with app.app_context(), unscoped():
        everyone = select(Tenant).order_by(Tenant.slug)
        slugs = [tenant.slug for tenant in page_of(everyone, 1, per_page=100).items]
        assert len(slugs) >= 3
        first = page_of(everyone, 1, per_page=2)
        assert [t.slug for t in first.items] == slugs[:2]
        assert (first.total, first.pages, first.first, first.last) == (
            len(slugs),
            -(-len(slugs) // 2),
            1,
            2,
        )
        last = page_of(everyone, 99, per_page=2)
        assert last.number == first.pages
        assert [t.slug for t in last.items] == slugs[(first.pages - 1) * 2 :]
        nothing = page_of(everyone.where(Tenant.slug == "personne"), 3)
        assert (nothing.items, nothing.total, nothing.number, nothing.pages) == ([], 0, 1, 1)
        assert (nothing.first, nothing.last) == (0, 0)


def test_a_list_whose_size_is_known_reads_its_page_alone(app):
    with app.app_context(), unscoped():
        everyone = select(Tenant).order_by(Tenant.slug)
        slugs = [tenant.slug for tenant in page_of(everyone, 1, per_page=100).items]
        counted = page_of(everyone, 2, per_page=2)
        known = page_of(everyone, 2, per_page=2, total=len(slugs))
        assert [t.slug for t in known.items] == [t.slug for t in counted.items] == slugs[2:4]
        assert (known.total, known.pages, known.number) == (counted.total, counted.pages, 2)
        last = page_of(everyone, 99, per_page=2, total=len(slugs))
        assert last.number == counted.pages
        assert [t.slug for t in last.items] == slugs[(counted.pages - 1) * 2 :]
        empty = page_of(everyone.where(Tenant.slug == "personne"), 3, total=0)
        assert (empty.items, empty.number, empty.pages, empty.first) == ([], 1, 1, 0)
