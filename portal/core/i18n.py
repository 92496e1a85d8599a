"""Languages: French first, English second; the tenant sets the default, the user may switch.

The core's strings live in the core catalog (gettext domain ``messages``). Each plugin has its
own domain, named after it, so its catalog never renames another tenant's page: its catalogs are
``<plugin package>/translations/<locale>/LC_MESSAGES/<plugin>.po`` and its modules translate with
``plugin_domain("<plugin>")`` (through the plugin's ``i18n.py``). A template under
``templates/<plugin>/`` is translated through the plugin's domain, then the core's.

Dates, amounts, numbers and sizes are formatted by Babel in the page's language, through one set of
functions and Jinja filters (``dateformat``, ``datetimeformat``, ``money``, ``number``,
``filesize``). The language's *formats* are decided in one place, ``FORMAT_LOCALES``: the portal's
English is British (« 2 Dec 2026 », not « 12/2/26 »), while its catalog, ``lang`` attributes and
language links stay ``en``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date, datetime
from functools import cache, cached_property
from pathlib import Path

from babel import Locale, support
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel import units as babel_units
from flask import Flask, current_app, g, has_app_context, has_request_context, request, session
from flask_babel import Babel, Domain, get_domain, get_locale
from flask_babel import force_locale as babel_force_locale
from jinja2 import pass_context

CORE_TRANSLATIONS = Path(__file__).parent / "translations"
CORE_DOMAIN = "messages"
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}
# The one place that decides how each language writes dates and numbers: the tenants' English
# is British (day before month, « 2 Dec 2026 »). A language not listed uses its own formats.
FORMAT_LOCALES = {"fr": "fr_FR", "en": "en_GB"}


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
            cache[key] = with_source_plurals(translations)
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


# The language the msgids are written in.
SOURCE_LANGUAGE = "fr"


class SourcePlurals(support.NullTranslations):
    """The msgids' own language, French: 0 and 1 take the singular (« 0 résultat »), where
    gettext, finding no catalog entry, takes it for 1 only. Chained as the last fallback of the
    French translations."""

    def ngettext(self, singular, plural, n):
        return singular if abs(int(n)) < 2 else plural

    ungettext = ngettext

    def npgettext(self, context, singular, plural, n):
        return self.ngettext(singular, plural, n)

    unpgettext = npgettext


def with_source_plurals(translations):
    """``translations`` (of the current locale), French plurals added when it is the source."""
    locale = get_locale()
    if (
        locale is not None
        and locale.language == SOURCE_LANGUAGE
        and not getattr(translations, "portal_source_plurals", False)
        and hasattr(translations, "add_fallback")
    ):
        translations.add_fallback(SourcePlurals())
        translations.portal_source_plurals = True
    return translations


class CoreDomain(Domain):
    """The core's gettext domain (``messages``), French plurals right in the source language."""

    def get_translations(self):
        return with_source_plurals(super().get_translations())


class PortalBabel(Babel):
    @cached_property
    def domain_instance(self):
        return CoreDomain(domain=self.domain)


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


class ReadingLocale(Locale):
    """A language read with the formats of one of its countries: ``str()`` is the language
    (``en``: its catalogs, ``<html lang>``, language links, emails' locale), its dates, numbers and
    currencies are those of ``formats`` (``en_GB``)."""

    def __init__(self, language: str, formats: str):
        self._formats = Locale.parse(formats)
        super().__init__(language, self._formats.territory)

    def __str__(self) -> str:
        return self.language

    def __repr__(self) -> str:
        return f"ReadingLocale({self.language!r}, {str(self._formats)!r})"

    @property
    def _data(self):
        return self._formats._data


@cache
def locale_for(language: str) -> Locale:
    """The Babel locale of a page in ``language`` (``"en"`` → English read as in Britain)."""
    formats = FORMAT_LOCALES.get(language)
    return ReadingLocale(language, formats) if formats else Locale.parse(language)


def _selected_locale() -> Locale:
    return locale_for(select_locale())


@contextlib.contextmanager
def force_locale(language: str) -> Iterator[None]:
    """Flask-Babel's ``force_locale`` (an email in its recipient's language) with the language's
    formats from ``FORMAT_LOCALES``."""
    with babel_force_locale(locale_for(str(language))):
        yield


def _locale() -> Locale:
    """The current page's (or forced) locale; French outside a request."""
    return get_locale() or locale_for("fr")


def format_date(value: date | datetime | None, format: str = "medium") -> str:  # noqa: A002
    """« 2 déc. 2026 » / « 2 Dec 2026 »; ``"long"`` « 2 décembre 2026 »; a datetime is read in
    the tenant's time zone (a naive one is UTC). Empty for ``None``."""
    from flask_babel import to_user_timezone

    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = to_user_timezone(value)  # a naive datetime is UTC (SQLite gives them)
    return babel_dates.format_date(value, format, locale=_locale())


def format_datetime(value: datetime | None, format: str = "medium") -> str:  # noqa: A002
    """« 2 déc. 2026, 14:05 » / « 2 Dec 2026, 14:05 » in the tenant's time zone (no seconds:
    ``"medium"`` is the medium date with the short time). Other formats are Babel's."""
    from flask_babel import to_user_timezone

    if value is None or value == "":
        return ""
    locale = _locale()
    value = to_user_timezone(value)  # a naive datetime is UTC (SQLite gives them)
    if format != "medium":
        return babel_dates.format_datetime(value, format, locale=locale)
    return locale.datetime_formats["medium"].format(
        babel_dates.format_time(value, "short", locale=locale),
        babel_dates.format_date(value, "medium", locale=locale),
    )


def format_money(cents: int | None, currency: str = "EUR") -> str:
    """Integer cents as an amount: ``123450`` → « 1 234,50 € » / « €1,234.50 »."""
    if cents is None:
        return ""
    return babel_numbers.format_currency(cents / 100, currency, locale=_locale())


def format_number(value: int | float | None) -> str:
    """« 12 345 » / « 12,345 »."""
    if value is None:
        return ""
    return babel_numbers.format_decimal(value, locale=_locale())


def format_filesize(size: int | None) -> str:
    """A size in bytes as people read it, in multiples of 1 024 as upload limits are written:
    « 300 octets », « 12,5 ko », « 10 Mo » / « 300 bytes », « 12.5 kB », « 10 MB »."""
    if size is None:
        return ""
    locale = _locale()
    if size < 1024:
        return babel_units.format_unit(size, "digital-byte", length="long", locale=locale)
    power = 1
    while power < 3 and size >= 1024 ** (power + 1):
        power += 1
    unit = ("digital-kilobyte", "digital-megabyte", "digital-gigabyte")[power - 1]
    return babel_units.format_unit(
        size / 1024**power, unit, length="short", format="#,##0.#", locale=locale
    )


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


def format_phone(value: str | None) -> str:
    """A stored phone number as people write it (« 06 12 34 56 78 », abroad « +44 20 … »); a
    value that is not a number is shown as it is."""
    import phonenumbers

    from portal.core.accounts.validators import display_phone

    try:
        return display_phone(value)
    except phonenumbers.NumberParseException:
        return value or ""


def init_app(app: Flask) -> None:
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(CORE_TRANSLATIONS)
    app.config["BABEL_DOMAIN"] = CORE_DOMAIN
    # One Babel object per app: Flask-Babel caches catalogs on it.
    PortalBabel(app, locale_selector=_selected_locale, timezone_selector=select_timezone)
    # Jinja's gettext, ngettext, _ and {% trans %} pick the domain from the template's name.
    app.jinja_env.install_gettext_callables(
        gettext=_gettext,
        ngettext=_ngettext,
        pgettext=_pgettext,
        npgettext=_npgettext,
        newstyle=True,
    )
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES

    @app.before_request
    def remember_language() -> None:
        # « ?lang= » is remembered even when the page redirects before translating anything.
        if "lang" in request.args:
            get_locale()

    # One set of formatting filters (Flask-Babel's date filters replaced by the same names).
    app.jinja_env.filters.update(
        dateformat=format_date,
        datetimeformat=format_datetime,
        money=format_money,
        number=format_number,
        filesize=format_filesize,
    )
    app.jinja_env.filters["phone"] = format_phone
