from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from acme_notes.i18n import _l


class NoteForm(FlaskForm):
    text = StringField(
        _l("Note"), validators=[InputRequired(_l("Écrivez la note.")), Length(max=200)]
    )
