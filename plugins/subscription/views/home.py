"""Stub: filled by its helper (see /tmp/briefs)."""

from flask import render_template_string

from portal.core.web.pipeline import Access, handler


@handler(Access.PROFILE)
def home():
    return render_template_string(
        "{% extends 'layout.html' %}{% block content %}Agenda{% endblock %}"
    )


def add_rules(blueprint) -> None:
    """Add this module's URL rules to the plugin's blueprint."""
    blueprint.add_url_rule("/", "home", home)
