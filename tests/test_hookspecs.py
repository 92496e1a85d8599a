"""The hook contract stays documented and tested (after Datasette's test_docs)."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from portal.core import hookspecs

ROOT = Path(__file__).resolve().parent.parent
HOOKS = [
    (name, fn)
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
    if hasattr(fn, "portal_spec")
]
FIXTURE_PLUGIN = (ROOT / "tests/plugin_fixture/acme_notes/acme_notes/__init__.py").read_text()
DOCS = (ROOT / "docs/plugins.md").read_text()


def test_there_are_hooks():
    assert len(HOOKS) >= 14


@pytest.mark.parametrize(("name", "fn"), HOOKS, ids=[name for name, _ in HOOKS])
def test_every_hook_has_a_docstring(name, fn):
    assert fn.__doc__ and len(fn.__doc__.strip()) > 40


@pytest.mark.parametrize(("name", "fn"), HOOKS, ids=[name for name, _ in HOOKS])
def test_every_hook_is_documented_with_its_signature(name, fn):
    signature = f"`{name}({', '.join(inspect.signature(fn).parameters)})`"
    assert signature in DOCS, f"docs/plugins.md lacks {signature}"


@pytest.mark.parametrize(("name", "fn"), HOOKS, ids=[name for name, _ in HOOKS])
def test_every_hook_is_exercised_by_the_third_party_plugin_test(name, fn):
    # tests/test_third_party_plugin.py installs this plugin and checks each hook's effect.
    assert f"def {name}(" in FIXTURE_PLUGIN
