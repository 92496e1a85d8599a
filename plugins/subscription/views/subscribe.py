"""Stub: filled by its helper (see /tmp/briefs)."""


def add_rules(blueprint) -> None:
    """Add this module's URL rules to the plugin's blueprint."""
