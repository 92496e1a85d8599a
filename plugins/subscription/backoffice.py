"""Stub: the operators' pages (OWNED BY the client-space helper, see /tmp/briefs)."""


def pages() -> list:
    return []


def menu_items() -> list:
    return []
