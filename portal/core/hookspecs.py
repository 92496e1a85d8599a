"""The plugin contract: every hook a plugin may implement.

Each hook is an empty function whose signature is the API. A plugin implements any subset with
``@hookimpl`` and may accept fewer arguments than the spec offers (pluggy passes only the names it
asks for). Hooks are called through :mod:`portal.core.plugins` helpers (``call``, ``collect``,
``call_each``), never ``pm.hook`` directly: those helpers call pluggy on a hook caller without the
plugins disabled for the tenant at hand, so ``pm.trace`` and hook wrappers
(``@hookimpl(wrapper=True)``) work as pluggy documents. Unless said otherwise, every
implementation's answer is collected into a list (``None`` answers are dropped). A misspelt
implementation (a hook name not here) stops the start-up with an error naming the plugin.

A test (``tests/test_hookspecs.py``) fails when a hook here lacks a docstring, is missing from
``docs/plugins.md`` or has no test exercising it.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("portal")
hookimpl = pluggy.HookimplMarker("portal")


# --- Start-up hooks: called once per application, for every installed plugin. ------------------


@hookspec
def register_blueprints(app):
    """Return the Flask blueprints of the plugin (a list).

    Called once while the app is created. Every URL of a returned blueprint (and of its nested
    blueprints) answers 404 on tenants where the plugin is disabled; the plugin never checks it.
    """


@hookspec
def register_models():
    """Return the SQLAlchemy model classes the plugin defines (a list).

    Called once at start-up, before migrations or ``create_all`` look at the metadata. Tables are
    named ``<plugin>_…`` (these models and every model defined in the plugin's package): the
    start-up is refused otherwise, naming the table. Tenant-owned models inherit ``TenantScoped``.
    """


@hookspec
def register_migrations():
    """Return the path of the plugin's Alembic ``versions`` folder (a string or Path).

    Called when the migration environment is built. The plugin's first revision has
    ``branch_labels = ("<plugin name>",)``, ``down_revision = None`` and
    ``depends_on = "core_0001"`` so ``portal db upgrade`` applies core first, then each plugin.
    """


@hookspec
def template_folders():
    """Return extra folders holding the plugin's Jinja templates (a list of paths).

    Called once at start-up. A plugin package's own ``templates/`` folder is used without this
    hook. Only the plugin's own names are served, ``<folder>/<plugin>/…``, and only on tenants
    that enable it (without a tenant, e.g. the back office, every plugin's own names): a plugin
    never replaces a core template. Search order: the tenant's ``theme/templates/`` (which may
    override a plugin's template), the core's, then the plugin's. A template under
    ``<plugin>/`` is translated through the plugin's gettext domain, then the core's.
    """


@hookspec
def translation_folders():
    """Return extra folders holding the plugin's gettext catalogs (a list of paths).

    Called once at start-up. A plugin package's own ``translations/`` folder is used without this
    hook. Each folder has the layout ``<locale>/LC_MESSAGES/<plugin>.po``: the plugin's own
    gettext domain (``portal.core.i18n.plugin_domain("<plugin>")``), so its strings never change
    the core's or another plugin's. ``portal i18n compile`` builds the ``.mo`` files.
    """


@hookspec
def register_cli_commands(cli):
    """Add click commands or groups to the ``portal`` command line.

    Receives the top-level click group; returns nothing. Called once when the CLI starts.
    """


@hookspec
def register_jobs():
    """Return the plugin's background jobs (a list of functions decorated with ``@job``).

    Called once at start-up; each becomes a dramatiq actor named ``<plugin>.<function>``. Jobs
    receive the tenant id first, run inside that tenant's scope and must be safe to run twice. A
    job for a tenant that does not enable the plugin (any more) does not run: its row is closed
    as skipped (``Job.skipped``), not retried.
    """


@hookspec
def register_periodic_jobs():
    """Return ``PeriodicJob`` declarations (a list): a job and a cron expression or an interval.

    Called once at start-up by the scheduler. Each period runs once, even with several scheduler
    processes. A periodic job runs globally (no tenant): it fans out per tenant if it needs to.
    """


@hookspec
def tenant_settings_schema():
    """Return a pydantic model class describing the plugin's ``[plugins.<name>]`` settings.

    Called when a tenant.toml is validated (``portal tenants sync``) and when the running app
    parses a tenant's configuration. Field defaults are the plugin's defaults; a value that does not
    validate is refused with the file, the key and the problem.
    """


# --- Per-tenant hooks: called with a tenant, only for plugins enabled on it. --------------------


@hookspec
def main_menu_items(tenant):
    """Return ``NavItem`` entries for the tenant's main menu (a list).

    Called while a page is rendered, for plugins enabled on ``tenant`` (a ``CurrentTenant``).
    Items are sorted by their ``order``; a disabled plugin's entries vanish.
    """


@hookspec
def account_menu_items(tenant, account, profile):
    """Return ``NavItem`` entries for the « Mon compte » menu of ``account`` (a list).

    Called while a page of the account area is rendered, for plugins enabled on ``tenant`` and
    core modules, with the logged-in ``account`` and its current ``profile`` (None before one is
    chosen). Return only what this account's kind and profile may open
    (``portal.core.accounts.kinds.account_area(tenant)`` says whether credit, letterhead or
    collaborators exist). Items are sorted by ``order``.
    """


@hookspec
def dashboard_widgets(tenant, account, profile):
    """Return ``DashboardWidget`` cards for the dashboard of ``account`` (a list).

    Called when a logged-in account opens the home page (never for a visitor), for plugins
    enabled on ``tenant`` and core modules, with the account and its current ``profile``. A card
    names its own template and context, or gives a count, a text and a link the core draws;
    return only what this account's kind may see (``account_area(tenant)``). Cards are sorted
    by ``order``; ``attention`` ones come first.
    """


@hookspec
def priced_items(tenant):
    """Return ``PricedItem`` entries the plugin bills for (a list).

    Called when the tenant's price list is built. Each item has a code, a label and a default price
    in integer cents including VAT with its VAT rate; the tenant's settings may override the price.
    """


@hookspec
def messaging_taxonomy(tenant, category):
    """Return ``TaxonomyNode`` trees to add to the tenant's theme → topic → reason taxonomy.

    Called when the secure-messaging taxonomy is built for a user ``category`` (``"agent"``,
    ``"client"``, ``"individual"``, ``"farmer"``, ``"employer"``...), for plugins enabled on
    ``tenant``. A node whose code matches an existing theme (or topic below it) is merged into it;
    others are appended. For example, the termination service contributes "request the addition of
    an insurer".
    """


@hookspec
def account_readiness(tenant, account):
    """Return ``ReadinessItem`` entries: what ``account`` has or lacks before it may send.

    Called when the core answers "may this account send?" (the checklist shown to the agent),
    for plugins enabled on ``tenant`` and core modules. The core contributes the verified
    professional document and the signed platform mandate; the credits module contributes credit.
    """


@hookspec
def on_identity_verification_started(tenant, account, verification):
    """Called when the holder starts a strong identity verification (``IdentityVerification``).

    Runs inside the transaction that records it: an implementation charges the verification's
    price (14.40 € incl. VAT by default) with ``verification.id`` as idempotency key, or raises to
    refuse (e.g. no credit) — the whole start is then rolled back. Returns nothing.
    """


@hookspec
def account_export_files(tenant, account):
    """Return ``ExportFile(path, data)`` entries (``portal.core.accounts.export``) to add to the
    account's export archive: the plugin's history as CSV (``csv_bytes``) and its documents.

    Called when the holder downloads the export (during the closure grace period or any time),
    for plugins enabled on ``tenant``. Only ``account``'s data may be returned.
    """


@hookspec
def on_account_purged(tenant, account):
    """Called when a closed account's personal data is deleted for good (end of grace period).

    Runs inside the purge's transaction and the tenant's scope: delete or anonymise what the
    plugin keeps about ``account`` (stored files included). Must be safe to run twice. Returns
    nothing; legal retention (e.g. LRE proofs kept 7 years) is the plugin's to honour.
    """


@hookspec
def on_tenant_synced(tenant):
    """Called after ``portal tenants sync`` created or updated ``tenant`` (a ``Tenant`` row).

    Runs inside the sync transaction, in the tenant's scope, for plugins enabled on it: the place
    to seed per-tenant data. Returns nothing.
    """


@hookspec
def on_signature_outcome(tenant, procedure, outcome):
    """Called once per outcome of a signature procedure (``SignatureProcedure``): ``outcome`` is
    ``"signed"``, ``"declined"``, ``"expired"`` or ``"cancelled"``.

    Called from a job (never in the request that ended the procedure), in the tenant's scope, with
    ``tenant`` first, for plugins enabled on it and core modules. Every implementation receives
    every procedure: act only when ``procedure.owner`` is your own name (and find your object with
    ``procedure.subject_type`` / ``procedure.subject_id``). An exception makes the job retry, so
    the delivery may repeat after a failure: be idempotent. Returns nothing.
    """


@hookspec
def on_sending_state_changed(tenant, sending, state):
    """Called once per state a sending (``portal.core.sendings.Sending``) reaches: ``state`` is a
    ``SendingState`` — ``validated``, ``scheduled``, ``handed_over``, ``in_progress`` (once,
    whatever the operator's steps), then one terminal state: ``delivered`` (LRE accepted / paper
    delivered), ``refused``, ``not_claimed``, ``returned``, ``failed`` or ``cancelled``.

    Called from a job (never in the request or job that changed the state), in the tenant's scope,
    with ``tenant`` first, for plugins enabled on it and core modules. Every implementation
    receives every sending: act only when ``sending.owner`` is your own name (find your object
    with ``sending.subject_type`` / ``sending.subject_id``). States are told in the order reached;
    ``sending.state`` is the latest (it may be further on already). An exception
    makes the job retry, so the delivery may repeat after a failure: be idempotent. Returns
    nothing.
    """


@hookspec
def on_sending_event(tenant, sending, event):
    """Called for each operator event recorded on a sending's timeline (``SendingEvent``): the
    operator's own steps, ``event.code`` verbatim (Maileva's ``A01`` « Pris en charge »…), which
    ``on_sending_state_changed`` does not tell (it tells ``in_progress`` once). For what a plugin
    shows of the operator's progress between states.

    Called from a job, after the transaction that recorded the event, in the tenant's scope, with
    ``tenant`` first, for plugins enabled on it and core modules; act only when ``sending.owner``
    is your own name. Operators report in any order (a callback retried after a later one): read
    the sending's timeline, not only ``event``, when order matters. An exception makes the job
    retry, so the delivery may repeat: be idempotent. Returns nothing.
    """


@hookspec(firstresult=True)
def messaging_conversations_page(tenant, kind):
    """Return the endpoint of the page listing the account's conversations of ``kind``, or None.

    ``kind`` is a ``ConversationKind`` value (``"message"``, ``"deposit"``, ``"help"``...). Called
    when the core links to such a list — "back to my list" from a conversation, where users write
    instead when the tenant has no help requests (``"message"``) — for plugins enabled on
    ``tenant`` and the core (``"help"``: « Aide »). The first answer wins. The endpoint takes no
    URL value (the core may add ``masquees=1`` to show the hidden conversations).
    """


@hookspec
def backoffice_pages():
    """Return ``BackofficePage(rule, endpoint, view, methods)`` entries (from
    ``portal.core.backoffice``): the operators' pages of a core module or plugin (a list).

    Called once per application, for every installed plugin. Each view is a
    ``@handler(Access.STAFF)`` (or ``Access.ADMIN``) view, else start-up fails. A plugin's pages
    are ``backoffice.<plugin>.<endpoint>`` at ``/backoffice/t/<tenant_slug>/<plugin><rule>``: the
    operator picked the tenant, the view runs in its scope and receives it as ``tenant``
    (``picked_tenant()`` gives it too), and the page answers 404 for a tenant where the plugin is
    off. A core module's pages are ``backoffice.<endpoint>`` at ``/backoffice<rule>``, across
    tenants.
    """


@hookspec
def backoffice_menu_items():
    """Return ``BackofficeMenuItem(label, endpoint, order)`` entries for the back-office menu
    (a list).

    Called once per application, for every installed plugin. ``endpoint`` is one of the
    contributor's own ``backoffice_pages`` (as declared there), taking no URL value but the tenant.
    The entry is shown to the staff its page admits (an ``Access.ADMIN`` page: admins only); a
    plugin's entry first lists the tenants that enable the plugin, each leading to the page.
    """


@hookspec(firstresult=True)
def paper_post_office(tenant):
    """Return the tenant's paper post office, or None: the object another plugin (borrower
    insurance) hands a generated PDF to, to send it on paper with the paper mail's rules (modes,
    10:30 and business days, envelopes, window, prices) — ``quote(...)`` and ``post(...)``, see
    ``plugins.paper_mail.post_office.PostOffice``.

    Called for plugins enabled on ``tenant``, in its scope; the first answer wins (the
    ``paper_mail`` plugin's when it is enabled). None: the tenant sends nothing on paper.
    """
