"""Forms of the operators' inbox. They only parse: the reply's length and files are checked by
:mod:`portal.core.messaging.operations`, the chosen operator by the view. Closing and reopening
need no form: their buttons post the CSRF token alone."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import SelectField, TextAreaField

from portal.core.backoffice.forms import FilterForm


class InboxFilterForm(FilterForm):
    """The inbox filters, read from the query string (a filtered list can be bookmarked). The
    view fills the choices; a value not offered is ignored."""

    state = SelectField(_l("État"), default="open", validate_choice=False)
    kind = SelectField(_l("Type"), default="", validate_choice=False)
    theme = SelectField(_l("Thème"), default="", validate_choice=False)
    topic = SelectField(_l("Sujet"), default="", validate_choice=False)
    reason = SelectField(_l("Motif"), default="", validate_choice=False)
    assignee = SelectField(_l("Attribution"), default="", validate_choice=False)


class OperatorReplyForm(FlaskForm):
    body = TextAreaField(_l("Votre réponse"))
    files = MultipleFileField(_l("Pièces jointes (facultatif)"))


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Note interne"))


class AssignForm(FlaskForm):
    """The view lists the active operators; « M'attribuer » is a second button of the form."""

    assignee = SelectField(_l("Attribuée à"), validate_choice=False)
