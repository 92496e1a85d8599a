"""What happens to a sending, from a plugin's draft to the operator's last word.

Every function runs in the caller's transaction (a view or a job commits). A plugin asks::

    from portal.core import sendings
    sending = sendings.create_sending(
        account=account, profile=profile, owner="resiliation", channel=sendings.Channel.LRE,
        title="Résiliation contrat 123", documents=[sendings.NewDocument("lettre.pdf", pdf)],
        sender=sendings.Party("Camille Durand", email="camille@example.org"),
        recipient=sendings.Party("Assureur SA", email="resiliation@assureur.example"),
        options={"qualified": False}, price_lines=[sendings.PriceLine("lre", "LRE", 490)],
        subject=letter,
    )
    sendings.validate_sending(sending, due_at=when)   # charged once, frozen, scheduled
    sendings.cancel_sending(sending, "…")             # until the eve of the due day, refunded

and hears each state once through its ``on_sending_state_changed`` hook. The actions live in
``sendings`` (draft, validation, date, cancellation), ``handover`` (claim, hand-over, reconcile)
and ``events`` (the operators' events); this module is the one import views, jobs and plugins
use.
"""

from portal.core.sendings.operations.contents import contents_purged, has_left, purge_contents
from portal.core.sendings.operations.events import (
    apply_operator_event,
    apply_operator_events,
    proof_bytes,
    proofs_zip,
    store_proof,
)
from portal.core.sendings.operations.handover import (
    STALE_CLAIM,
    claim_due,
    fail,
    hand_over,
    reconcile,
    record_handover,
)
from portal.core.sendings.operations.sendings import (
    NewDocument,
    PriceLine,
    add_event,
    cancel_held,
    cancel_sending,
    create_sending,
    lock,
    may_change,
    outgoing_documents,
    release_held,
    replace_held_document,
    reschedule,
    sending_by_reference,
    update_draft,
    validate_sending,
)

__all__ = [
    "STALE_CLAIM",
    "NewDocument",
    "PriceLine",
    "add_event",
    "apply_operator_event",
    "apply_operator_events",
    "cancel_held",
    "cancel_sending",
    "claim_due",
    "contents_purged",
    "create_sending",
    "fail",
    "hand_over",
    "has_left",
    "lock",
    "may_change",
    "outgoing_documents",
    "proof_bytes",
    "proofs_zip",
    "purge_contents",
    "reconcile",
    "record_handover",
    "release_held",
    "replace_held_document",
    "reschedule",
    "sending_by_reference",
    "store_proof",
    "update_draft",
    "validate_sending",
]
