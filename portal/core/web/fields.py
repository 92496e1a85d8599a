"""Form fields every module's pages share."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from wtforms.fields import DateField
from wtforms.widgets import DateInput


class TypedDateField(DateField):
    """A date typed JJ/MM/AAAA (or with dashes or dots), or given by the browser's date input
    (AAAA-MM-JJ); a date not understood is an error next to the field, the typed text kept."""

    widget = DateInput()
    FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=list(self.FORMATS), **kwargs)

    def process_formdata(self, valuelist):
        text = " ".join(valuelist or ()).strip()
        self.data = None
        if not text:
            return
        for fmt in self.FORMATS:
            try:
                self.data = datetime.strptime(text, fmt).date()
                return
            except ValueError:
                continue
        raise ValueError(_("Date non reconnue : écrivez-la sous la forme JJ/MM/AAAA."))

    def _value(self):
        # A date understood goes back as the date input reads it; else what was typed.
        if self.data is not None:
            return self.data.isoformat()
        return " ".join(self.raw_data) if self.raw_data else ""
