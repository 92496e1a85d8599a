"""The secure_messaging plugin's strings, from its own catalog (``translations/<locale>/
LC_MESSAGES/secure_messaging.po``), so they never change another plugin's or the core's."""

from portal.core.i18n import plugin_domain

domain = plugin_domain("secure_messaging")
_ = domain.gettext
_l = domain.lazy_gettext
ngettext = domain.ngettext
