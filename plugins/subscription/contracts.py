"""What happens to a contract once it exists: its progress (« En attente de pièces » → « Dossier
transmis » → « Adhésion créée »), the only writer of ``Contract.progress``. Creating a contract
and its signature live in :mod:`plugins.subscription.membership`."""

from __future__ import annotations

from plugins.subscription import agenda, rules
from plugins.subscription.models import Contract
from plugins.subscription.rules import ContractProgress
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
    if contract.progress == ContractProgress.FILE_TRANSMITTED:
        contract.transmitted_at = clock.now()
        agenda.file_transmitted(contract)
    elif contract.progress == ContractProgress.MEMBERSHIP_CREATED:
        contract.membership_created_at = clock.now()
        contract.membership_number = membership_number
        agenda.membership_created(contract)
    return True


def display_number(contract: Contract) -> str:
    """« HMO-0000000026 »."""
    return rules.contract_number(contract.prefix, contract.number)
