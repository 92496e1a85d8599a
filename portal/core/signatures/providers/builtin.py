"""The built-in engine behind the provider interface.

A thin mapping onto ``portal.core.signatures.operations``: the engine owns every rule (checks,
storage, charges, invitations, sealing, outcomes); this class only translates a
``SignatureRequest`` into ``create_procedure``'s arguments and the procedure back into the
interface's answers. The provider's id of a request is the procedure's ``reference``; a signer's
is the ``ProcedureSigner`` id, a document's the ``SignatureDocument`` id.

Creating needs to know who asks: ``provider_from_config(config, account=…, profile=…,
owner=…)``. The other calls work on any procedure of the current tenant scope. The engine has no
webhooks (its outcomes come from its own operations), so ``parse_webhook`` returns ``[]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from portal.core.signatures.providers.base import (
    CreatedRequest,
    DocumentRole,
    OutcomeEvent,
    ProviderConfigError,
    ProviderError,
    RequestStatus,
    SignatureProvider,
    SignatureRequest,
    SignedFile,
    StatusReport,
)


class BuiltinProvider(SignatureProvider):
    name = "builtin"

    def __init__(self, *, account: Any = None, profile: Any = None, owner: str | None = None):
        self.account = account
        self.profile = profile
        self.owner = owner

    def __repr__(self) -> str:
        return f"<BuiltinProvider owner={self.owner!r}>"

    # -- helpers ------------------------------------------------------------------------------

    @staticmethod
    def _procedure(provider_id: str):
        from sqlalchemy import select

        from portal.core.signatures.models import SignatureProcedure
        from portal.extensions import db

        procedure = db.session.scalar(
            select(SignatureProcedure).where(SignatureProcedure.reference == provider_id)
        )
        if procedure is None:  # unknown, or another tenant's (the scope hides it)
            raise ProviderError(f"builtin: no signature procedure {provider_id!r}")
        return procedure

    # -- the interface ------------------------------------------------------------------------

    def create(self, request: SignatureRequest) -> CreatedRequest:
        if self.account is None or not self.owner:
            raise ProviderConfigError(
                "builtin: creating a procedure needs account= and owner= "
                "(provider_from_config(config, account=…, profile=…, owner=…))"
            )
        from portal.core.signatures import operations

        documents = [
            operations.NewDocument(
                title=PurePath(document.filename).stem or document.key,
                filename=document.filename,
                content=document.content,
                role=document.role,
                acceptance_boxes=tuple((b.label, b.required) for b in document.acceptance_boxes),
            )
            for document in request.documents
        ]
        signers = [
            operations.NewSigner(
                first_name=signer.first_name,
                last_name=signer.last_name,
                email=signer.email,
                mobile=signer.mobile,
            )
            for signer in request.signers
        ]
        procedure = operations.create_procedure(
            account=self.account,
            profile=self.profile,
            owner=self.owner,
            title=request.name,
            documents=documents,
            signers=signers,
            deadline=request.deadline,
            delivery=request.delivery,
            ordered=request.ordered,
        )
        # The engine keeps the order given: the n-th signer / document is the n-th position.
        return CreatedRequest(
            provider_id=procedure.reference,
            signer_ids={
                signer.key: str(row.id)
                for signer, row in zip(request.signers, procedure.signers, strict=True)
            },
            document_ids={
                document.key: str(row.id)
                for document, row in zip(request.documents, procedure.documents, strict=True)
            },
        )

    def activate(self, provider_id: str) -> Mapping[str, str]:
        from portal.core.signatures import operations

        procedure = self._procedure(provider_id)
        operations.start_procedure(procedure)
        return {str(signer.id): operations.signer_url(signer) for signer in procedure.signers}

    def cancel(self, provider_id: str, note: str = "") -> None:
        from portal.core.signatures import operations

        operations.cancel_procedure(self._procedure(provider_id), reason=note, profile=self.profile)

    def status(self, provider_id: str) -> StatusReport:
        procedure = self._procedure(provider_id)
        word = str(procedure.state.value)
        return StatusReport(
            provider_id=provider_id,
            status=procedure.state,
            provider_status=word,
            signer_statuses={str(s.id): str(s.state.value) for s in procedure.signers},
        )

    def signed_documents(self, provider_id: str) -> list[SignedFile]:
        from portal.core.signatures import operations

        procedure = self._procedure(provider_id)
        if procedure.state != RequestStatus.SIGNED:
            raise ProviderError(f"builtin: procedure {provider_id} is not signed")
        return [
            SignedFile(document.filename, operations.signed_document_bytes(document))
            for document in procedure.documents
            if document.role is DocumentRole.SIGN
        ]

    def audit_trail(self, provider_id: str, signer_id: str) -> SignedFile:
        """The procedure's audit trail: the engine writes one for all its signers."""
        from portal.core.signatures import operations

        procedure = self._procedure(provider_id)
        if not any(str(s.id) == str(signer_id) for s in procedure.signers):
            raise ProviderError(f"builtin: no signer {signer_id!r} in {provider_id}")
        content = operations.audit_trail_bytes(procedure)
        if content is None:
            raise ProviderError(f"builtin: procedure {provider_id} has no audit trail yet")
        return SignedFile(f"audit-trail-{procedure.reference}.pdf", content)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[OutcomeEvent]:
        return []


def factory(
    config: Mapping[str, Any],
    *,
    account: Any = None,
    profile: Any = None,
    owner: str | None = None,
) -> BuiltinProvider:
    """``provider = "builtin"`` (the default): nothing to configure; who asks comes as
    overrides."""
    return BuiltinProvider(account=account, profile=profile, owner=owner)
