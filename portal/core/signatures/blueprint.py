"""Every URL rule of the e-signature module.

* ``signatures`` (``/signature``, no login): the signer's pages, reached by the secret link of
  their invitation (:mod:`.views`), and the outside providers' webhooks (:mod:`.webhooks`,
  CSRF-exempt: the provider signs its calls).
* ``signature_procedures`` (``/signatures``, a logged-in profile): the agent's procedures
  (:mod:`.agent_views`), each loaded through the current account.
"""

from __future__ import annotations

from flask import Blueprint, request

from portal.core.signatures import agent_views, views, webhooks
from portal.core.web.headers import send_no_referrer

signer_blueprint = Blueprint("signatures", __name__, url_prefix="/signature")
rule = signer_blueprint.add_url_rule
rule("/<token>", "signer_home", views.signer_home, methods=["GET", "POST"])
rule(
    "/<token>/documents/<int:position>",
    "signer_document",
    views.signer_document,
    methods=["GET", "POST"],
)
rule(
    "/<token>/documents/<int:position>/pages/<int:page>.png",
    "signer_page_image",
    views.signer_page_image,
)
rule("/<token>/documents/<int:position>/file", "signer_document_file", views.signer_document_file)
rule("/<token>/sign", "signer_sign", views.signer_sign, methods=["GET", "POST"])
rule("/<token>/decline", "signer_decline", views.signer_decline, methods=["GET", "POST"])
rule("/<token>/done", "signer_done", views.signer_done)
rule("/webhooks/<provider>", "webhook", webhooks.webhook, methods=["POST"])

signer_blueprint.context_processor(views.page_context)
signer_blueprint.after_request(views.no_store)
signer_blueprint.register_error_handler(429, views.too_many_attempts)


@signer_blueprint.before_request
def _no_referrer() -> None:
    """The link's token is in the URL of every signer's page: no referrer leaves them (a click
    on a footer link, an image fetched elsewhere)."""
    if (request.endpoint or "").startswith("signatures.signer_"):
        send_no_referrer()


agent_blueprint = Blueprint("signature_procedures", __name__, url_prefix="/signatures")
rule = agent_blueprint.add_url_rule
rule("/", "index", agent_views.index)
rule("/<reference>", "detail", agent_views.detail)
rule("/<reference>/cancel", "cancel", agent_views.cancel, methods=["POST"])
rule(
    "/<reference>/signers/<int:signer_id>/open",
    "open_signer",
    agent_views.open_signer,
    methods=["POST"],
)
rule(
    "/<reference>/signers/<int:signer_id>/resend",
    "resend",
    agent_views.resend,
    methods=["POST"],
)
rule("/<reference>/documents/<int:position>/signed", "signed_file", agent_views.signed_file)
rule("/<reference>/audit-trail", "audit_trail", agent_views.audit_trail)
