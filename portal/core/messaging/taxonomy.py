"""The theme → topic → reason taxonomy of a tenant, for one user category.

It is built from ``[messaging] themes`` of the tenant (or the built-in help-request subjects when
it lists none) plus what enabled plugins add through ``messaging_taxonomy``. Every lookup goes
through the current tenant's taxonomy: a code of another tenant's node is simply not found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from flask_babel import lazy_gettext as _l

from portal.core.plugins import TaxonomyNode, current_plugins
from portal.core.tenants.config import CurrentTenant
from portal.core.web.layout import localized

CATEGORY_LABELS = {
    "agent": _l("Professionnel"),
    "client": _l("Client"),
    "individual": _l("Particulier"),
    "farmer": _l("Exploitant"),
    "employer": _l("Employeur"),
}

# Help-request subjects of a tenant that configures none (details other than the email and the
# phone change through a help request; the initial training is asked for the same way).
DEFAULT_THEMES: tuple[TaxonomyNode, ...] = (
    TaxonomyNode(
        "mon-compte",
        _l("Mon compte"),
        children=(
            TaxonomyNode("modifier-informations", _l("Modifier mes informations")),
            TaxonomyNode("connexion", _l("Connexion et mot de passe")),
            TaxonomyNode("justificatif", _l("Justificatif d'identité professionnelle")),
            TaxonomyNode("cloture", _l("Clôture du compte")),
        ),
    ),
    TaxonomyNode("facturation", _l("Crédits et facturation")),
    TaxonomyNode("formation", _l("Demander une formation initiale (20 à 30 minutes)")),
    TaxonomyNode("autre", _l("Autre question")),
)


def account_category(tenant: CurrentTenant, account) -> str:
    """The account's category, or the tenant's first one (also for a visitor)."""
    categories = tenant.config.messaging.categories
    category = getattr(account, "category", None)
    return category if category in categories else categories[0]


def taxonomy(tenant: CurrentTenant, category: str) -> tuple[TaxonomyNode, ...]:
    """The themes offered to ``category`` on ``tenant``, each with its topics and reasons."""
    configured = tenant.config.messaging.themes
    themes = (
        tuple(_from_settings(theme, category) for theme in configured if _offered(theme, category))
        if configured
        else DEFAULT_THEMES
    )
    for contributed in current_plugins().collect(
        "messaging_taxonomy", tenant=tenant, category=category
    ):
        themes = _merge(themes, contributed)
    return themes


def _offered(entry, category: str) -> bool:
    return not entry.categories or category in entry.categories


def _from_settings(entry, category: str) -> TaxonomyNode:
    children = getattr(entry, "topics", None) or getattr(entry, "reasons", None) or ()
    service = entry.service
    return TaxonomyNode(
        entry.code,
        localized(entry.label),
        children=tuple(_from_settings(c, category) for c in children if _offered(c, category)),
        service_title=localized(service.title) if service else None,
        service_url=service.url if service else None,
    )


def _merge(nodes: tuple[TaxonomyNode, ...], added: TaxonomyNode) -> tuple[TaxonomyNode, ...]:
    """Add a plugin's node: a node of the same code takes its children, else it is appended."""
    for index, node in enumerate(nodes):
        if node.code == added.code:
            children = node.children
            for child in added.children:
                children = _merge(children, child)
            return (*nodes[:index], replace(node, children=children), *nodes[index + 1 :])
    return (*nodes, added)


@dataclass(frozen=True)
class Selection:
    """The nodes chosen so far, from the theme down (at most theme, topic, reason)."""

    nodes: tuple[TaxonomyNode, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(node.code for node in self.nodes)

    @property
    def labels(self) -> list[str]:
        return [str(node.label) for node in self.nodes]

    @property
    def complete(self) -> bool:
        """A leaf was reached: the user may write."""
        return bool(self.nodes) and not self.nodes[-1].children

    @property
    def service(self) -> TaxonomyNode | None:
        """The deepest chosen node that points to an online service."""
        return next((node for node in reversed(self.nodes) if node.service_url), None)

    def options(self, themes: Sequence[TaxonomyNode]) -> tuple[TaxonomyNode, ...]:
        """What may be chosen next."""
        return self.nodes[-1].children if self.nodes else tuple(themes)


def select_path(themes: Sequence[TaxonomyNode], codes: Sequence[str]) -> Selection | None:
    """The nodes named by ``codes`` (theme, topic, reason) in ``themes``; None when a code is
    not offered there (another tenant's, another category's or a made-up one)."""
    nodes: list[TaxonomyNode] = []
    options: Sequence[TaxonomyNode] = themes
    for code in codes:
        node = next((n for n in options if n.code == code), None)
        if node is None:
            return None
        nodes.append(node)
        options = node.children
    return Selection(tuple(nodes))


def leaf_paths(themes: Sequence[TaxonomyNode]) -> list[Selection]:
    """Every complete path, in order (the one-list subject choice of the help-request form)."""
    paths: list[Selection] = []

    def walk(prefix: tuple[TaxonomyNode, ...], nodes: Sequence[TaxonomyNode]) -> None:
        for node in nodes:
            path = (*prefix, node)
            if node.children:
                walk(path, node.children)
            else:
                paths.append(Selection(path))

    walk((), themes)
    return paths
