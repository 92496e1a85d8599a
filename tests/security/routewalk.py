"""Walking the application's URL map: the routes security tests cover, found automatically."""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.routing import Rule

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}

# Which demo tenant serves each plugin (a route is tried where its plugin is enabled).
PLUGIN_TENANT = {
    "resiliation": "resilimo",
    "paper_mail": "resilimo",
    "emprunteur": "resilimo",
    "subscription": "horizon",
    "secure_messaging": "msr",
}


@dataclass(frozen=True)
class Route:
    rule: Rule

    @property
    def endpoint(self) -> str:
        return self.rule.endpoint

    @property
    def blueprint(self) -> str:
        return self.endpoint.rsplit(".", 1)[0] if "." in self.endpoint else ""

    @property
    def params(self) -> list[str]:
        return sorted(self.rule.arguments)

    @property
    def methods(self) -> set[str]:
        return set(self.rule.methods or ()) - {"HEAD", "OPTIONS"}

    @property
    def is_backoffice(self) -> bool:
        return self.blueprint.startswith("backoffice")

    def host(self, app, default_tenant: str = "resilimo") -> str:
        if self.is_backoffice:
            return app.config["PORTAL_BACKOFFICE_HOST"]
        owner = app.extensions["portal.blueprint_owners"].get(self.blueprint.split(".")[0])
        return f"{PLUGIN_TENANT.get(owner, default_tenant)}.localhost"

    def url(self, values: dict) -> str:
        path = self.rule.build(values, append_unknown=False)[1]
        return path

    def any_url(self) -> str:
        """The URL with made-up values: 1 for numbers (ids, pages, positions), "x" otherwise."""
        from werkzeug.routing.converters import NumberConverter

        converters = self.rule._converters
        return self.url(
            {
                n: 1 if isinstance(converters.get(n), NumberConverter) or "id" in n else "x"
                for n in self.params
            }
        )


def all_routes(app) -> list[Route]:
    return sorted(
        (Route(rule) for rule in app.url_map.iter_rules() if rule.endpoint != "static"),
        key=lambda r: r.rule.rule,
    )
