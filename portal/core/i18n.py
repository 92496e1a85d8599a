"""Languages: French first, English second; the tenant sets the default, the user may switch.

The core's strings live in the core catalog (gettext domain ``messages``). Each plugin has its
own domain, named after it, so its catalog never renames another tenant's page: its catalogs are
``<plugin package>/translations/<locale>/LC_MESSAGES/<plugin>.po`` and its modules translate with
``plugin_domain("<plugin>")`` (through the plugin's ``i18n.py``). A template under
``templates/<plugin>/`` is translated through the plugin's domain, then the core's.
"""

from __future__ import annotations

from pathlib import Path

from babel import support
from flask import Flask, current_app, g, has_app_context, has_request_context, request, session
from flask_babel import Babel, Domain, get_domain, get_locale
from jinja2 import pass_context

CORE_TRANSLATIONS = Path(__file__).parent / "translations"
CORE_DOMAIN = "messages"
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}


def N_(message: str) -> str:  # noqa: N802 - Babel's keyword for "translate later"
    """Mark ``message`` for extraction; it is translated where it is shown (``_(message)``)."""
    return message


class PluginDomain(Domain):
    """A plugin's gettext domain: its catalogs over the core's, loaded once per app and locale.

    The folders come from the running app's plugin manager (the package's ``translations/`` and
    the ``translation_folders`` hook), so the domain can be created when the plugin is imported.
    """

    def __init__(self, name: str):
        super().__init__(domain=name)
        self.name = name

    def get_translations(self):
        if not has_app_context() or get_locale() is None:
            return support.NullTranslations()
        cache = current_app.extensions.setdefault("portal.translations", {})
        key = (self.name, str(get_locale()))
        translations = cache.get(key)
        if translations is None:
            translations = support.Translations()
            translations.merge(get_domain().get_translations())
            plugins = current_app.extensions["portal.plugins"]
            for folder in plugins.package_folders("translations").get(self.name, []):
                translations.merge(support.Translations.load(str(folder), [key[1]], self.name))
            cache[key] = translations
        return translations


_DOMAINS: dict[str, PluginDomain] = {}


def plugin_domain(name: str) -> PluginDomain:
    """The gettext domain of plugin ``name`` (``gettext``, ``lazy_gettext``, ``ngettext``…)."""
    if name not in _DOMAINS:
        _DOMAINS[name] = PluginDomain(name)
    return _DOMAINS[name]


def template_domain(template_name: str | None) -> Domain:
    """The domain a template is translated with: its plugin's for ``<plugin>/…``, else core's."""
    plugin = (template_name or "").split("/", 1)[0]
    if plugin in current_app.extensions["portal.plugins"].infos:
        return plugin_domain(plugin)
    return get_domain()


def select_locale() -> str:
    if not has_request_context():  # a job or a command: French, the source language
        return "fr"
    tenant = g.get("tenant")
    allowed = tenant.config.locales if tenant else ["fr", "en"]
    asked = request.args.get("lang")
    if asked in allowed:
        session["lang"] = asked
        return asked
    chosen = session.get("lang")
    if chosen in allowed:
        return chosen
    return tenant.config.default_locale if tenant else "fr"


def select_timezone() -> str:
    tenant = g.get("tenant")
    return tenant.config.timezone if tenant else "Europe/Paris"


def _translations(context):
    """The catalog of a template's domain, looked up once per request, domain and locale (a page
    calls gettext dozens of times; an email rendered meanwhile may force another locale)."""
    domain = template_domain(context.name)
    if not has_request_context():
        return domain.get_translations()
    found = g.setdefault("portal_template_translations", {})
    key = (domain, str(get_locale()))
    if key not in found:
        found[key] = domain.get_translations()
    return found[key]


@pass_context
def _gettext(context, message):
    return _translations(context).ugettext(message)


@pass_context
def _ngettext(context, singular, plural, n):
    return _translations(context).ungettext(singular, plural, n)


@pass_context
def _pgettext(context, msgctxt, message):
    return _translations(context).upgettext(msgctxt, message)


@pass_context
def _npgettext(context, msgctxt, singular, plural, n):
    return _translations(context).unpgettext(msgctxt, singular, plural, n)


def init_app(app: Flask) -> None:
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(CORE_TRANSLATIONS)
    app.config["BABEL_DOMAIN"] = CORE_DOMAIN
    # One Babel object per app: Flask-Babel caches catalogs on it.
    Babel(app, locale_selector=select_locale, timezone_selector=select_timezone)
    # Jinja's gettext, ngettext, _ and {% trans %} pick the domain from the template's name.
    app.jinja_env.install_gettext_callables(
        gettext=_gettext,
        ngettext=_ngettext,
        pgettext=_pgettext,
        npgettext=_npgettext,
        newstyle=True,
    )
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
