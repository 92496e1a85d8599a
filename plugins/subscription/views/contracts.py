"""The agent's contract page (guide §4 « Téléchargement des pièces »): « Contrat "<produit>" n° … »
with its main facts, the supporting documents (the agent uploads the client's pieces, one row at
a time, and adds « Autre pièce » rows) and « Documents envoyés ». The contract is loaded through
the pipeline: another account's is a 404."""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for

from plugins.subscription import client_access, contracts, rules, supporting
from plugins.subscription.i18n import _
from plugins.subscription.models import Contract, SupportingDocument
from plugins.subscription.products import names_of
from plugins.subscription.views.client_space import FILE_FIELD
from portal.core.tenants import current_tenant
from portal.core.uploads import UploadRefused
from portal.core.web.pipeline import Access, handler

LOAD = {"contract_id": Contract}
PAYMENT_MODES = {"direct_debit": rules.N_("Prélèvement")}
PAYMENT_FREQUENCIES = {"monthly": rules.N_("Mensuel")}


def next_renewal(contract: Contract) -> date | None:
    """The first main due date (« 01/01 ») after the effective date."""
    try:
        day, month = (int(part) for part in contract.main_due_date.split("/"))
        candidate = date(contract.effective_date.year, month, day)
    except (ValueError, AttributeError):
        return None
    if candidate <= contract.effective_date:
        candidate = candidate.replace(year=candidate.year + 1)
    return candidate


def _has(endpoint: str) -> bool:
    return endpoint in current_app.view_functions


def _page(contract: Contract, errors: dict | None = None, status: int = 200):
    tenant = current_tenant()
    documents = client_access.documents_of([contract])[contract.id]
    product, formula = names_of(tenant, contract)
    quote = contract.quote
    return (
        render_template(
            "subscription/contracts/contract.html",
            contract=contract,
            client=contract.client,
            quote=quote,
            product=product,
            formula=formula,
            number=contracts.display_number(contract),
            quote_number=rules.quote_number(quote.prefix, quote.number, quote.version),
            renewal=next_renewal(contract),
            progress=_(rules.PROGRESS_LABELS[rules.ContractProgress(contract.progress)]),
            signature=_(rules.SIGNATURE_LABELS[rules.SignatureState(contract.signature_state)]),
            payment_mode=_(PAYMENT_MODES.get(contract.payment_mode, contract.payment_mode)),
            payment_frequency=_(
                PAYMENT_FREQUENCIES.get(contract.payment_frequency, contract.payment_frequency)
            ),
            rows=documents,
            sent=supporting.sent_documents(contract),
            errors=errors or {},
            can_upload=supporting.accepts_files(contract),
            kind_label=supporting.kind_label,
            file_field=FILE_FIELD,
            has_quote_page=_has("subscription.quote"),
            has_client_page=_has("subscription.client"),
        ),
        status,
    )


@handler(Access.PROFILE, load=LOAD)
def contract(contract: Contract):
    return _page(contract)


@handler(Access.PROFILE, load={**LOAD, "document_id": SupportingDocument})
def contract_upload(contract: Contract, document: SupportingDocument):
    if document.contract_id != contract.id:
        abort(404)
    sent = request.files.get(FILE_FIELD)
    try:
        supporting.upload(
            document, sent.stream if sent else None, sent.filename if sent else None, by="agent"
        )
    except UploadRefused as refused:
        return _page(contract, errors={document.id: refused.message}, status=400)
    flash(_("Le document « %(name)s » est enregistré.", name=document.filename), "success")
    return redirect(
        url_for("subscription.contract", contract_id=contract.id, _anchor=f"piece-{document.id}"),
        303,
    )


@handler(Access.PROFILE, load=LOAD)
def contract_add_document(contract: Contract):
    try:
        row = supporting.add_other(contract)
    except UploadRefused as refused:
        flash(str(refused.message), "error")
        return redirect(url_for("subscription.contract", contract_id=contract.id), 303)
    return redirect(
        url_for("subscription.contract", contract_id=contract.id, _anchor=f"piece-{row.id}"), 303
    )


@handler(Access.PROFILE, load=LOAD)
def contract_file(contract: Contract, name: str):
    """A received supporting document (``piece-<id>``) or a sent document (its name)."""
    response = supporting.send_contract_file(contract, name)
    if response is None:
        abort(404)
    return response


def add_rules(blueprint) -> None:
    """Add this module's URL rules to the plugin's blueprint."""
    rule = blueprint.add_url_rule
    rule("/contrats/<int:contract_id>", "contract", contract)
    rule(
        "/contrats/<int:contract_id>/pieces/<int:document_id>",
        "contract_upload",
        contract_upload,
        methods=["POST"],
    )
    rule(
        "/contrats/<int:contract_id>/pieces/nouvelle",
        "contract_add_document",
        contract_add_document,
        methods=["POST"],
    )
    rule("/contrats/<int:contract_id>/fichiers/<name>", "contract_file", contract_file)
