"""The plugin's strings, from its own catalog (translations/<locale>/LC_MESSAGES/acme_notes.po)."""

from portal.core.i18n import plugin_domain

domain = plugin_domain("acme_notes")
_ = domain.gettext
_l = domain.lazy_gettext
ngettext = domain.ngettext
