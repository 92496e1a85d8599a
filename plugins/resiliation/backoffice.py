"""Operators' pages of the resiliation plugin (Resiliation II, being written)."""

PAGES: list = []
MENU_ITEMS: list = []
