"""Hook implementations of the core web module (always on)."""

from flask_babel import lazy_gettext as _l

from portal.core.plugins import NavItem, hookimpl


@hookimpl
def main_menu_items(tenant):
    return [NavItem(label=_l("Accueil"), endpoint="core.home", order=0)]


@hookimpl
def dashboard_widgets(tenant, account, profile):
    """« Mes services »: each service enabled on the tenant (its title, description and the page
    its main-menu entry opens), the way into the work from the dashboard."""
    from portal.core.web.home import service_links

    links = service_links(tenant)
    if not links:
        return None
    from portal.core.plugins import DashboardWidget

    return [
        DashboardWidget(
            title=_l("Mes services"),
            template="core/widgets/services.html",
            context={"services": links},
            order=50,
            code="core.services",
        )
    ]
