"""Hook implementations of the accounts module (always on)."""

from flask_babel import lazy_gettext as _l

from portal.core.plugins import NavItem, hookimpl


@hookimpl
def main_menu_items(tenant):
    from portal.core.accounts.session import current_account

    if current_account() is None:
        return [NavItem(label=_l("Connexion"), endpoint="auth.login", order=990)]
    return [NavItem(label=_l("Mon compte"), endpoint="account.overview", order=980)]


@hookimpl
def account_menu_items(tenant, account, profile):
    """The account area's own pages; letterhead and collaborators where the kind has them."""
    from portal.core.accounts.kinds import account_area

    area = account_area(tenant)
    holder = profile is not None and profile.is_holder
    items = [
        NavItem(label=_l("Mon compte"), endpoint="account.overview", order=0),
        NavItem(label=_l("Modifier mes coordonnées"), endpoint="account.details", order=10),
        NavItem(label=_l("Changer mon mot de passe"), endpoint="auth.change_password", order=90),
    ]
    if holder and area.letterhead:
        items.append(
            NavItem(label=_l("En-tête des lettres"), endpoint="account.letterhead", order=50)
        )
    if holder and area.collaborators:
        items.append(
            NavItem(
                label=_l("Gérer les utilisateurs du compte"), endpoint="account.profiles", order=60
            )
        )
    if holder:
        items.append(NavItem(label=_l("Clôture du compte"), endpoint="account.closure", order=95))
    return items
