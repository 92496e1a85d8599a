"""The plugin's home page: the list of all the account's letters (« Toutes les lettres ») with
the tabs of the other lists — to finish, scheduled, sent, the trash — and « Nouvelle
résiliation »; the wizard's drafts in progress under the letters to finish. A visitor sees what
the service does."""

from __future__ import annotations

from flask import render_template

from plugins.resiliation import lists
from portal.core.accounts.session import current_account, current_profile
from portal.core.tenants import current_tenant
from portal.core.web.pipeline import Access, handler


@handler(Access.ANONYMOUS)
def home():
    if current_account() is not None and current_profile() is not None:
        from plugins.resiliation.views.lists import render_list

        return render_list(lists.ALL)
    settings = current_tenant().settings_for("resiliation")
    return render_template("resiliation/home.html", settings=settings, rows=None)
