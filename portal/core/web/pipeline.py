"""The request pipeline every view goes through: load → check → process → commit.

A view declares what its URL names and who may call it; the pipeline does the rest, in a fixed
order, so no view can forget a step::

    from portal.core.web.pipeline import Access, Load, handler

    @handler(Access.PROFILE, load={"conversation_id": Conversation})
    def conversation(conversation): ...

1. **Load** each object named in the URL through the tenant scope; a model with an ``account_id``
   is also limited to the logged-in account. Missing, another tenant's or another account's → 404.
   (Nobody logged in and an account's object asked for → the login page, as the check would.)
2. **Check** the declared :class:`Access`: anonymous, logged-in account, chosen profile, account
   holder, staff, staff admin; ``reauth=True`` also asks for the password typed in the last
   minutes.
3. **Process**: the view runs with the loaded objects in place of their ids.
4. **Commit** once: a view that returns commits; a view that raises (``abort`` included) rolls
   back. Views never call ``commit()``.

Back-office handlers (``Access.STAFF`` / ``Access.ADMIN``) run across tenants (``unscoped``),
unless their URL names a tenant (``<tenant_slug>``): the operator picked it, the handler then runs
in that tenant's scope and receives it as ``tenant`` (a ``CurrentTenant``), and a plugin's page
answers 404 for a tenant where the plugin is off.

The plugin gate (:func:`plugin_gate`) runs before every other ``before_request`` function but the
tenant's resolution, so a disabled plugin's URL is a 404 for every method — before CSRF, rate
limits or the idle check could answer.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import abort, current_app, g, make_response, redirect, request, session, url_for
from sqlalchemy import select
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import RoutingException

from portal.extensions import db

__all__ = ["REAUTH_SECONDS", "Access", "Load", "handler", "install", "is_handler"]

REAUTH_SECONDS = 10 * 60


class Access(enum.Enum):
    """Who may call a handler."""

    ANONYMOUS = "anonymous"  # anyone, logged in or not
    ACCOUNT = "account"  # a logged-in account (no profile needed yet: the profile choice)
    PROFILE = "profile"  # a logged-in account working as one of its active profiles
    HOLDER = "holder"  # the account holder's profile: profiles, billing, closure
    STAFF = "staff"  # an operator of the back office (password + TOTP)
    ADMIN = "admin"  # an operator with the admin role

    @property
    def is_staff(self) -> bool:
        return self in (Access.STAFF, Access.ADMIN)


@dataclass(frozen=True)
class Load:
    """How one URL value becomes an object.

    ``column``: the model attribute the value matches (``id`` by default). ``owned``: limit to the
    logged-in account's rows; by default, every model with an ``account_id`` on the tenant side.
    ``name``: the view's argument (by default the URL parameter without its ``_id``).
    """

    model: type
    column: str = "id"
    owned: bool | None = None
    name: str | None = None


class _LoginNeeded(Exception):
    """An account's object was asked for with nobody logged in."""


def is_handler(view: Callable) -> bool:
    """Whether ``view`` goes through the pipeline (the url_map test asks this of every view)."""
    return getattr(view, "portal_handler", None) is not None


def handler(
    access: Access,
    *,
    load: Mapping[str, type | Load] | None = None,
    reauth: bool = False,
) -> Callable[[Callable], Callable]:
    """Put a view in the pipeline (see the module docstring)."""
    loads = {
        param: spec if isinstance(spec, Load) else Load(spec)
        for param, spec in (load or {}).items()
    }

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def run(**values: Any):
            try:
                with _scope_for(access, values, loads):
                    try:
                        _load(loads, values, access)
                    except _LoginNeeded:
                        return _denied(Access.ACCOUNT)
                    denied = _check(access, reauth)
                    if denied is not None:
                        return denied
                    response = make_response(view(**values))
                    db.session.commit()  # in the view's scope: a picked tenant's rows included
                return response
            except BaseException:
                db.session.rollback()
                raise

        run.portal_handler = {"access": access, "load": loads, "reauth": reauth}
        return run

    return decorate


# --- 1. load ----------------------------------------------------------------------------------


def _scope_for(access: Access, values: dict, loads: dict[str, Load]):
    """Staff pages cross tenants, unless their URL names the tenant the operator picked: the
    view then receives it as ``tenant`` (unless it loads ``tenant_slug`` itself)."""
    if not access.is_staff:
        return nullcontext()
    from portal.core.tenants import tenant_scope, unscoped

    slug = values.get("tenant_slug")
    if slug is None:
        return unscoped()
    tenant = _staff_tenant(slug)
    g.backoffice_tenant = tenant
    if "tenant_slug" not in loads:
        del values["tenant_slug"]
        values["tenant"] = tenant
    return tenant_scope(tenant.id)


def _staff_tenant(slug: str):
    from portal.core.tenants import tenant_directory

    tenant = tenant_directory().by_slug(slug)
    if tenant is None:
        abort(404)
    owner = current_app.extensions["portal.blueprint_owners"].get(
        (request.endpoint or "").rsplit(".", 1)[0]
    ) or current_app.extensions.get("portal.backoffice_page_owners", {}).get(request.endpoint)
    if owner is not None and owner not in tenant.enabled_plugins:
        abort(404)
    return tenant


def _load(loads: dict[str, Load], values: dict, access: Access) -> None:
    for param, spec in loads.items():
        value = values.pop(param)
        name = spec.name or param.removesuffix("_id")
        query = select(spec.model).where(getattr(spec.model, spec.column) == value)
        owned = spec.owned
        if owned is None:
            owned = not access.is_staff and hasattr(spec.model, "account_id")
        if owned:
            from portal.core.accounts.session import current_account

            account = current_account()
            if account is None:
                raise _LoginNeeded
            query = query.where(spec.model.account_id == account.id)
        found = db.session.scalar(query)
        if found is None:
            abort(404)
        values[name] = found


# --- 2. check ---------------------------------------------------------------------------------


def _check(access: Access, reauth: bool):
    """None when the caller may go on; else the answer (a redirect to log in, or 403)."""
    if access is Access.ANONYMOUS:
        return None
    if access.is_staff:
        from portal.core.backoffice.session import current_staff

        staff = current_staff()
        if staff is None:
            return _denied(access)
        if access is Access.ADMIN and not staff.is_admin:
            abort(403)
        return None
    from portal.core.accounts.session import current_account, current_profile

    if current_account() is None:
        return _denied(Access.ACCOUNT)
    if access in (Access.PROFILE, Access.HOLDER):
        profile = current_profile()
        if profile is None:
            return redirect(url_for("account.choose_profile", next=request.full_path))
        if access is Access.HOLDER and not profile.is_holder:
            abort(403)
    if reauth and time.time() - session.get("reauth_at", 0) > REAUTH_SECONDS:
        return redirect(url_for("auth.reauth", next=request.full_path))
    return None


def _denied(access: Access):
    """Nobody (or the wrong kind of user) is logged in: to the right login page, then back."""
    if access.is_staff:
        # Back to the page after login; a form posted after the session ended is lost.
        back = request.full_path if request.method == "GET" else None
        return redirect(url_for("backoffice.login", next=back))
    return current_app.login_manager.unauthorized()


# --- the plugin gate ----------------------------------------------------------------------------


def plugin_gate() -> None:
    """``before_request``, right after the tenant's resolution: a URL of a plugin disabled on
    this tenant is a 404, whatever the method (a wrong method included: no 405 reveals it)."""
    owners: dict[str, str] = current_app.extensions.get("portal.blueprint_owners", {})
    if not owners:
        return
    tenant = g.get("tenant")
    plugins = current_app.extensions["portal.plugins"]
    for name in _requested_blueprints():
        owner = owners.get(name.split(".")[0])
        if owner is not None and not plugins.is_enabled(owner, tenant):
            abort(404)


# --- the account-area gate -------------------------------------------------------------------

# Parts of the account area that exist only where the tenant's kind of accounts has them: the
# endpoints' prefix → the ``AccountArea`` property that says so (portal.core.accounts.kinds).
AREA_PARTS = {
    "credits": "credit",
    "verification": "mandate",
    "signature_procedures": "professional",
}


def area_gate() -> None:
    """``before_request``, right after the plugin gate: a page of a part of the account area the
    tenant's accounts do not have (credit and billing on a member space, the sending conditions
    where nothing is sent) is a 404, like a disabled plugin's."""
    tenant = g.get("tenant")
    if tenant is not None and not _area_has(tenant, _requested_endpoint()):
        abort(404)


def _requested_endpoint() -> str:
    """The request's endpoint; for a wrong method, the endpoint its path has for another one."""
    if request.endpoint:
        return request.endpoint
    if isinstance(request.routing_exception, MethodNotAllowed):
        adapter = current_app.url_map.bind_to_environ(request.environ)
        allowed = sorted(request.routing_exception.valid_methods or ())
        try:
            rule, _ = adapter.match(method=allowed[0], return_rule=True)
        except (HTTPException, RoutingException, IndexError):
            return ""
        return rule.endpoint
    return ""


def _area_has(tenant, endpoint: str) -> bool:
    part = AREA_PARTS.get(endpoint.split(".", 1)[0]) if "." in endpoint else None
    if part is None:
        return True
    from portal.core.accounts.kinds import account_area

    return bool(getattr(account_area(tenant), part))


def may_open(endpoint: str, profile=None) -> bool:
    """Whether a logged-in account working as ``profile`` may open ``endpoint`` on this tenant:
    a holder's page (``Access.HOLDER``) is closed to collaborators, a part of the account area the
    tenant lacks to everyone. Menus and cards link only to what opens."""
    view = current_app.view_functions.get(endpoint)
    if view is None:
        return False
    tenant = g.get("tenant")
    if tenant is not None and not _area_has(tenant, endpoint):
        return False
    access = getattr(view, "portal_handler", {}).get("access")
    if access is Access.HOLDER:
        return profile is not None and profile.is_holder
    return not (access is not None and access.is_staff)


def _requested_blueprints() -> list[str]:
    if request.blueprints:
        return list(request.blueprints)
    if isinstance(request.routing_exception, MethodNotAllowed):
        # The path exists for other methods: the blueprint of the endpoint it has for them.
        endpoint = _requested_endpoint()
        return [endpoint.rsplit(".", 1)[0]] if "." in endpoint else []
    return []


def install(app) -> None:
    """Put the tenant's resolution, then the plugin gate, before every other ``before_request``
    function (CSRF, rate limits, idle check), and static files in the pipeline. Called last."""
    from portal.core.tenants.resolver import resolve_request_tenant

    funcs = app.before_request_funcs.setdefault(None, [])
    for first in (plugin_gate, area_gate, resolve_request_tenant):
        if first in funcs:
            funcs.remove(first)
    funcs[:0] = [resolve_request_tenant, plugin_gate, area_gate]
    for endpoint, view in list(app.view_functions.items()):
        is_static = endpoint == "static" or endpoint.endswith(".static")
        if is_static and not is_handler(view):
            app.view_functions[endpoint] = handler(Access.ANONYMOUS)(view)
