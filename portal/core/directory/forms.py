"""Forms of the directory's back-office pages (the rules are in :mod:`.operations`)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import Length, Optional

from portal.core.accounts.validators import strip
from portal.core.backoffice.forms import FilterForm
from portal.core.directory.kinds import EntryKind

KIND_LABELS = {EntryKind.INSURER: _l("Assureur"), EntryKind.BANK: _l("Banque")}


def kind_choices() -> list[tuple[str, str]]:
    return [(kind.value, str(label)) for kind, label in KIND_LABELS.items()]


class EntryFilterForm(FilterForm):
    q = StringField(_l("Nom"), [Optional(), Length(max=100)], [strip])
    kind = SelectField(_l("Type"), validate_choice=False)
    state = SelectField(_l("État"), validate_choice=False)


class EntryForm(FlaskForm):
    """Every field of an entry; :func:`.operations.check` says what is wrong, field by field."""

    name = StringField(_l("Nom"), filters=[strip])
    kind = SelectField(_l("Type"), validate_choice=False)
    street = StringField(_l("Adresse"), filters=[strip])
    complement = StringField(_l("Complément d'adresse"), filters=[strip])
    postal_code = StringField(_l("Code postal"), filters=[strip])
    city = StringField(_l("Ville"), filters=[strip])
    lre_email = StringField(_l("Adresse de lettre recommandée électronique"), filters=[strip])
    recipient_identified = BooleanField(
        _l("Destinataire identifié (une LRE qualifiée peut lui être adressée)")
    )
    active = BooleanField(_l("Proposé aux agents (actif)"), default=True)

    def values(self) -> dict:
        return {
            "name": self.name.data,
            "kind": self.kind.data,
            "street": self.street.data,
            "complement": self.complement.data,
            "postal_code": self.postal_code.data,
            "city": self.city.data,
            "lre_email": self.lre_email.data,
            "recipient_identified": self.recipient_identified.data,
            "active": self.active.data,
        }


class ActiveForm(FlaskForm):
    """The activate / deactivate button: its CSRF token only."""


class ImportForm(FlaskForm):
    """The file to check (a dry run), then, once checked, its content sent back to import."""

    file = FileField(_l("Fichier CSV"), render_kw={"accept": ".csv,text/csv,text/plain"})
    content = HiddenField()
