"""What happens to a contract once it exists: its progress (« En attente de pièces » → « Dossier
transmis » → « Adhésion créée »), the only writer of ``Contract.progress``. Creating a contract
and its signature live in :mod:`plugins.subscription.membership`."""

from __future__ import annotations

import contextlib

from plugins.subscription import agenda, rules
from plugins.subscription.models import Contract
from plugins.subscription.rules import ContractProgress, QuoteState
from portal.core import clock
from portal.core.database import lock_and_reload


def advance(
    contract: Contract, target: ContractProgress | str, *, membership_number: str = ""
) -> bool:
    """Move ``contract`` to ``target`` (locked and re-read first); False when it is already there
    or beyond, :class:`rules.TransitionRefused` when the step is not allowed. Writes the agenda
    event of the new step."""
    lock_and_reload(contract)
    order = list(ContractProgress)
    if order.index(ContractProgress(contract.progress)) >= order.index(ContractProgress(target)):
        return False
    contract.progress = rules.check_progress(contract.progress, target)
    by_hand = contract.signature_state == rules.SignatureState.BY_HAND
    if contract.progress == ContractProgress.FILE_TRANSMITTED:
        contract.transmitted_at = clock.now()
        agenda.file_transmitted(contract)
        if by_hand:  # the signed paper file is in: the management department validates it
            _move_quote(contract, QuoteState.AWAITING_VALIDATION)
    elif contract.progress == ContractProgress.MEMBERSHIP_CREATED:
        contract.membership_created_at = clock.now()
        contract.membership_number = membership_number
        agenda.membership_created(contract)
        if by_hand:  # validated: the membership signed by hand is subscribed
            _move_quote(contract, QuoteState.SUBSCRIBED)
    return True


def _move_quote(contract: Contract, target: QuoteState) -> None:
    from plugins.subscription import quotes

    with contextlib.suppress(rules.TransitionRefused):
        quotes.move(contract.quote, target)


def display_number(contract: Contract) -> str:
    """« HMO-0000000026 »."""
    return rules.contract_number(contract.prefix, contract.number)
