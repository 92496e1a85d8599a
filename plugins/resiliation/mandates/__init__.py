"""The subscriber's mandate of a termination letter: the pre-filled mandate, a hand-signed scan,
an e-signature through the core's signature procedures, or none after the warning; and the
letter's sender (agency or platform), whose rules depend on it.

Public: :func:`readiness` (what is missing on the mandate/sender side of a letter)."""

from __future__ import annotations


def readiness(letter) -> list[str]:
    """The French sentences of what is still missing on the mandate/sender side of ``letter``
    (empty when it is ready to be validated)."""
    from plugins.resiliation.i18n import _
    from plugins.resiliation.models import MandateKind
    from plugins.resiliation.rules import Sender

    missing: list[str] = []
    if letter.sender == Sender.PLATFORM:
        if letter.mandate_kind != MandateKind.ELECTRONIC or letter.mandate_ready_at is None:
            missing.append(
                _(
                    "Le mandat doit être signé électroniquement par votre client "
                    "(envoi au nom de la plateforme)."
                )
            )
        return missing
    if letter.mandate_ready_at is None or letter.mandate_kind == MandateKind.UNDECIDED:
        missing.append(_("Le mandat de résiliation n'est pas encore prêt."))
    return missing
