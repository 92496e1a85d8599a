"""Forms of onboarding: the agent's booking and cancellation, the operators' slots. They parse;
the rules are in :mod:`.operations`."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, RadioField, StringField, TextAreaField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    URL,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.core.accounts.validators import NoBidiControls, PhoneNumber, strip
from portal.core.onboarding.models import DURATIONS, Channel
from portal.core.onboarding.operations import MAX_SERIES

TOPICS_MAX_CHARS = 1000


class BookingForm(FlaskForm):
    """« Confirmer le rendez-vous »; the phone is asked for phone slots only (the view removes
    it for a video slot)."""

    phone = StringField(
        _l("Numéro auquel nous vous appellerons"),
        filters=[strip],
        validators=[
            InputRequired(_l("Indiquez le numéro auquel nous vous appellerons.")),
            PhoneNumber(),
        ],
        description=_l("Un numéro où vous joindre à l'heure du rendez-vous, ex. : 04 76 00 00 00."),
    )
    topics = TextAreaField(
        _l("Ce que vous souhaitez aborder (facultatif)"),
        filters=[strip],
        validators=[
            Length(
                max=TOPICS_MAX_CHARS,
                message=_l("%(max)d caractères au plus.", max=TOPICS_MAX_CHARS),
            ),
            NoBidiControls(),
        ],
        description=_l(
            "Par exemple : premier envoi d'une lettre, achat de crédits, collaborateurs."
        ),
    )

    def __init__(self, *args, international_phones: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.international_phones = international_phones


class CancelForm(FlaskForm):
    """« Annuler ce rendez-vous » (and, in the back office, « Retirer ce créneau »)."""


def _channel_choices():
    return [
        SelectChoice(Channel.PHONE.value, _l("Par téléphone")),
        SelectChoice(Channel.VIDEO.value, _l("En visioconférence")),
    ]


class SlotForm(FlaskForm):
    """The operators' « Publier des créneaux »: a first slot and how many follow it."""

    date = DateField(_l("Date"), validators=[InputRequired(_l("Indiquez la date du créneau."))])
    time = TimeField(
        _l("Heure de début"),
        validators=[InputRequired(_l("Indiquez l'heure de début du créneau."))],
    )
    duration = RadioField(
        _l("Durée"),
        choices=[SelectChoice(str(m), _l("%(num)d minutes", num=m)) for m in DURATIONS],
        default=str(DURATIONS[0]),
        validators=[InputRequired(_l("Choisissez une durée de 20 ou 30 minutes."))],
    )
    channel = RadioField(
        _l("Mode"),
        choices=_channel_choices(),
        default=Channel.PHONE.value,
        validators=[InputRequired(_l("Choisissez le mode du rendez-vous."))],
    )
    video_url = StringField(
        _l("Lien de la visioconférence"),
        filters=[strip],
        validators=[
            Optional(),
            URL(require_tld=True, message=_l("Saisissez une adresse web complète (https://…).")),
            Length(max=500),
        ],
        description=_l("Pour un créneau en visioconférence : le lien que l'agent recevra."),
    )
    count = IntegerField(
        _l("Nombre de créneaux à la suite"),
        default=1,
        validators=[
            InputRequired(_l("Indiquez un nombre de créneaux.")),
            NumberRange(
                min=1,
                max=MAX_SERIES,
                message=_l("Publiez entre 1 et %(num)d créneaux à la fois.", num=MAX_SERIES),
            ),
        ],
        description=_l("Chaque créneau commence à la fin du précédent."),
    )

    def validate_video_url(self, field):
        if field.data and not re.match(r"^https://", field.data):
            raise ValidationError(_l("Le lien doit commencer par https://."))
