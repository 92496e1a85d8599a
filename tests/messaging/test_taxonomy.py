"""The theme → topic → reason taxonomy each tenant offers, and the subjects of the help-request
form built from it: a node of another tenant (or a made-up one) is never reachable."""

from __future__ import annotations

import re

import pytest
from msgkit import NEW, conversations, field_error, send_help_request, text_of

from portal.core.messaging import taxonomy
from portal.core.plugins import TaxonomyNode, current_plugins, hookimpl
from portal.core.tenants import tenant_directory

MSR_REASON = "famille/allocations-familiales/paiements-decomptes"


def themes_of(app, slug: str, category: str):
    with app.test_request_context(base_url=f"http://{slug}.localhost"):
        tenant = tenant_directory().by_slug(slug)
        themes = taxonomy.taxonomy(tenant, category)
        return themes, [" › ".join(p.labels) for p in taxonomy.leaf_paths(themes)]


def codes(themes) -> list[str]:
    return [theme.code for theme in themes]


def test_a_tenant_without_themes_offers_the_built_in_help_subjects(app):
    themes, _paths = themes_of(app, "horizon", "agent")
    assert codes(themes) == [theme.code for theme in taxonomy.DEFAULT_THEMES]
    resilimo, paths = themes_of(app, "resilimo", "agent")
    assert codes(resilimo)[:4] == ["mon-compte", "facturation", "formation", "autre"]
    assert "Mon compte › Modifier mes informations" in paths
    assert "Autre question" in paths


def test_msr_offers_each_category_its_own_themes(app):
    individual, _ = themes_of(app, "msr", "individual")
    farmer, _ = themes_of(app, "msr", "farmer")
    employer, _ = themes_of(app, "msr", "employer")
    assert "famille" in codes(individual) and "famille" in codes(farmer)
    assert "famille" not in codes(employer)
    assert "employeur" in codes(employer) and "employeur" not in codes(individual)
    assert "cotisations-exploitants" in codes(farmer)
    assert "cotisations-exploitants" not in codes(individual)
    assert "mon-compte" not in codes(individual)  # configured themes replace the defaults


def test_enabled_plugins_add_their_subjects_and_others_do_not(app):
    resilimo, paths = themes_of(app, "resilimo", "agent")
    assert "Service Résiliation › Demander l'ajout d'une compagnie" in paths
    msr, _ = themes_of(app, "msr", "individual")
    assert "resiliation" not in codes(msr)  # the plugin is not enabled there


class _AddsUnderMyAccount:
    """A plugin adding a topic below the core's « Mon compte » theme."""

    @hookimpl
    def messaging_taxonomy(self, tenant, category):
        return [
            TaxonomyNode(
                "mon-compte", "ignored", children=(TaxonomyNode("parrainage", "Parrainage"),)
            )
        ]


@pytest.fixture
def contributing_plugin(app):
    with app.app_context():
        plugins = current_plugins()
    plugins.register_core("test_messaging_taxonomy", _AddsUnderMyAccount())
    yield
    plugins.pm.unregister(name="core.test_messaging_taxonomy")


def test_a_node_of_an_existing_code_is_merged_into_it(app, contributing_plugin):
    themes, paths = themes_of(app, "horizon", "agent")
    assert codes(themes).count("mon-compte") == 1
    assert "Mon compte › Parrainage" in paths
    assert "Mon compte › Modifier mes informations" in paths


def test_another_tenants_code_is_not_selectable(app):
    resilimo, _ = themes_of(app, "resilimo", "agent")
    msr, _ = themes_of(app, "msr", "individual")
    assert taxonomy.select_path(msr, MSR_REASON.split("/")).complete
    assert taxonomy.select_path(resilimo, MSR_REASON.split("/")) is None
    assert taxonomy.select_path(resilimo, ["mon-compte", "invente"]) is None


def test_the_form_lists_every_complete_path_and_refuses_any_other(app, agent, agent_client):
    page = text_of(agent_client.get(NEW))
    options = re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', page)
    assert ("mon-compte/modifier-informations", "Mon compte › Modifier mes informations") in options
    assert (
        "resiliation/ajout-compagnie",
        "Service Résiliation › Demander l'ajout d'une compagnie",
    ) in options
    assert ("mon-compte", "Mon compte") not in options  # not a complete path
    for posted in (MSR_REASON, "mon-compte/invente", "mon-compte", "../autre"):
        response = send_help_request(agent_client, subject=posted)
        assert response.status_code == 200, posted
        assert "Choisissez le sujet de votre demande" in field_error(text_of(response), "subject")
    assert conversations(app, agent.tenant_id, agent.id) == []


def test_a_link_may_preselect_the_subject(agent_client):
    page = text_of(agent_client.get(NEW + "?topic=resiliation/ajout-compagnie"))
    assert re.search(r'<option selected value="resiliation/ajout-compagnie"', page) or re.search(
        r'<option value="resiliation/ajout-compagnie" selected', page
    )
    page = text_of(agent_client.get(NEW + "?topic=mon-compte"))  # the theme: its first subject
    assert 'selected value="mon-compte/modifier-informations"' in page or (
        'value="mon-compte/modifier-informations" selected' in page
    )
    assert "selected" not in text_of(agent_client.get(NEW + "?topic=famille")).split("<select")[1]
