"""The subscriber's mandate of a termination letter: the pre-filled mandate, a hand-signed scan,
an e-signature through the core's signature procedures, or none after the warning; and the
letter's sender (agency or platform), whose rules depend on it.

Public: :func:`readiness` (what is missing on the mandate/sender side of a letter).

The letter's ``mandate_kind`` says how the mandate goes with it (``MandateKind``), its
``mandate_ready_at`` when the mandate is in hand (scan validated, e-signature signed, « sans
mandat » accepted). An e-signature under way counts as settled for finalising, as in the manual:
the client signs before the cut-off of the send day (``mandate_kind`` is ELECTRONIC,
``mandate_ready_at`` still None); the send itself must wait for ``mandate_ready_at``."""

from __future__ import annotations


def readiness(letter) -> list[str]:
    """The French sentences of what is still missing on the mandate/sender side of ``letter``
    (empty when it may be finalised)."""
    from plugins.resiliation.i18n import _
    from plugins.resiliation.mandates import operations
    from plugins.resiliation.models import MandateKind
    from plugins.resiliation.rules import Sender
    from portal.core.signatures.models import ProcedureState
    from portal.core.tenants import tenant_directory

    if letter.id is None:  # a letter not written yet (the wizard's preview)
        return [
            _("Ajoutez et joignez un mandat de résiliation, ou choisissez de ne pas le joindre.")
        ]
    tenant = tenant_directory().get(letter.tenant_id)
    row = operations.mandate_of(letter)
    procedure = operations.procedure_of(row)
    signing = (
        letter.mandate_kind == MandateKind.ELECTRONIC
        and procedure is not None
        and procedure.state == ProcedureState.ONGOING
    )
    if letter.sender == Sender.PLATFORM:
        if letter.mandate_kind == MandateKind.ELECTRONIC and (
            letter.mandate_ready_at is not None or signing
        ):
            return []
        return [
            _(
                "Faites signer électroniquement le mandat de résiliation au nom de %(name)s par "
                "votre client.",
                name=operations.platform_name(tenant),
            )
        ]
    if letter.mandate_kind != MandateKind.UNDECIDED and (
        letter.mandate_ready_at is not None or signing
    ):
        return []
    if row is not None and row.scan_key and row.scan_validated_at is None:
        return [_("Validez le mandat signé que vous avez ajouté.")]
    if procedure is not None and procedure.state in (
        ProcedureState.DECLINED,
        ProcedureState.EXPIRED,
    ):
        return [
            _(
                "Votre client n'a pas signé le mandat : recommencez la signature électronique "
                "ou choisissez un autre mandat."
            )
        ]
    if not operations.agency_may_attach(letter, tenant):
        return [
            _(
                "Déposez votre attestation ORIAS en cours de validité pour joindre ou non le "
                "mandat de résiliation."
            )
        ]
    return [_("Ajoutez et joignez un mandat de résiliation, ou choisissez de ne pas le joindre.")]
