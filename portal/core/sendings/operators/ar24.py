"""The AR24 adapter (``PORTAL_LRE_OPERATOR=ar24``): the registered-email operator's REST API,
spoken as its SDKs do (connected-company/php-ar24-client; docs ar24.fr/documentation/api).

* ``POST attachment/`` (multipart ``file``, ``id_user``) → ``result.file_id``, per document;
* ``POST mail/`` (``id_user``, ``to_email``, ``to_firstname``, ``to_lastname``, ``to_company``,
  ``dest_statut``, ``ref_dossier`` = the portal's ``delivery_id``, ``ref_facturation``,
  ``attachment[]``; ``eidas=1`` for a qualified LRE) → the mail (``result.id``);
* ``GET mail/?id=`` → the mail: ``status`` (waiting, sent, AR, refused, negligence, bounced),
  ``date`` (deposit), ``ts_ev_date`` (notified), ``view_date`` (accepted), ``refused_date``,
  ``negligence_date`` and a proof URL per step (``proof_dp_url``, ``proof_ev_url``,
  ``proof_ar_url``, ``proof_rf_url``, ``proof_ng_url``) — polling builds the events from it;
* ``GET user/mail/?ref_dossier=`` → the user's mails under that reference (``find``).

Every call carries ``token`` and ``date`` (Paris time, valid 10 minutes); answers are
``{"status": "SUCCESS", "result": …}`` or ``{"status": "ERROR", "slug": …, "message": …}``.
AR24's AES signature of requests and encryption of answers are left to a later step (their
keys come with the production contract). The webhook (``id_mail``, ``new_state``,
``proof_url``) is checked by an HMAC-SHA256 of its body keyed by ``PORTAL_AR24_WEBHOOK_SECRET``
in ``X-AR24-Signature`` (set by the relay that receives AR24's fixed-IP calls), then the mail is
read back from the API: the callback only says "look again".

Settings: ``PORTAL_AR24_URL``, ``PORTAL_AR24_TOKEN``, ``PORTAL_AR24_USER_ID``,
``PORTAL_AR24_WEBHOOK_SECRET``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    import httpx

from portal.core import clock
from portal.core.sendings.operators import register
from portal.core.sendings.operators.base import (
    Accepted,
    CallbackRejected,
    Channel,
    Handover,
    HandoverRejected,
    Operator,
    OperatorEvent,
    OperatorUnavailable,
    ProofFile,
    ProofKind,
    SendingState,
)

PARIS = ZoneInfo("Europe/Paris")
SIGNATURE_HEADER = "X-AR24-Signature"
# AR24's answer slugs that mean "this letter can never go" (the others: try again later).
REJECTING_SLUGS = frozenset(
    {
        "invalid_email",
        "invalid_recipient",
        "missing_recipient",
        "attachment_too_big",
        "invalid_attachment",
        "user_not_eidas",
        "invalid_otp",
        "recipient_not_allowed",
    }
)
# (status word, date field, proof URL field, portal state, proof kind), in lifecycle order.
STEPS = (
    ("waiting", "date", "proof_dp_url", SendingState.HANDED_OVER, ProofKind.DEPOSIT),
    ("sent", "ts_ev_date", "proof_ev_url", SendingState.IN_PROGRESS, ProofKind.NOTIFICATION),
    ("AR", "view_date", "proof_ar_url", SendingState.DELIVERED, ProofKind.ACCEPTANCE),
    ("refused", "refused_date", "proof_rf_url", SendingState.REFUSED, ProofKind.REFUSAL),
    (
        "negligence",
        "negligence_date",
        "proof_ng_url",
        SendingState.NOT_CLAIMED,
        ProofKind.NEGLIGENCE,
    ),
)


class Ar24Operator(Operator):
    name = "ar24"
    channel = Channel.LRE

    def __init__(self, config: Mapping, client: httpx.Client | None = None):
        import httpx

        self.base_url = (config.get("PORTAL_AR24_URL") or "https://sandbox.ar24.fr/api/").rstrip(
            "/"
        ) + "/"
        self.token = config.get("PORTAL_AR24_TOKEN") or ""
        self.user_id = str(config.get("PORTAL_AR24_USER_ID") or "")
        self.webhook_secret = config.get("PORTAL_AR24_WEBHOOK_SECRET") or ""
        self.client = client or httpx.Client(timeout=20.0)

    # --- HTTP -------------------------------------------------------------------------------

    def _auth(self) -> dict:
        return {
            "token": self.token,
            "date": clock.now().astimezone(PARIS).strftime("%Y-%m-%d %H:%M:%S"),
        }

    def _call(self, method: str, path: str, *, params=None, data=None, files=None):
        import httpx

        try:
            if method == "GET":
                response = self.client.get(
                    self.base_url + path, params={**self._auth(), **(params or {})}
                )
            else:
                response = self.client.post(
                    self.base_url + path, data={**self._auth(), **(data or {})}, files=files
                )
        except httpx.HTTPError as exc:
            raise OperatorUnavailable(f"AR24 unreachable: {exc}") from exc
        if response.status_code >= 500:
            raise OperatorUnavailable(f"AR24 answered {response.status_code}")
        try:
            payload = response.json()
        except ValueError as exc:
            raise OperatorUnavailable("AR24 answered something that is not JSON") from exc
        if payload.get("status") != "SUCCESS":
            slug = str(payload.get("slug") or "")
            message = str(payload.get("message") or slug or "error")
            if slug in REJECTING_SLUGS or response.status_code in (400, 404, 422):
                raise HandoverRejected(f"AR24 : {message}")
            raise OperatorUnavailable(f"AR24 error {slug}: {message}")
        return payload.get("result")

    def _download(self, url: str) -> bytes:
        import httpx

        try:
            response = self.client.get(url, params=self._auth())
        except httpx.HTTPError as exc:
            raise OperatorUnavailable(f"AR24 proof unreachable: {exc}") from exc
        if response.status_code != 200:
            raise OperatorUnavailable(f"AR24 proof answered {response.status_code}")
        return response.content

    # --- Operator ---------------------------------------------------------------------------

    def hand_over(self, handover: Handover) -> Accepted:
        found = self.find(handover.delivery_id)
        if found is not None:
            return Accepted(found.operator_ref, found.tracking_number, existing=True)
        recipient = handover.recipient
        if not recipient.email:
            raise HandoverRejected("Le destinataire n'a pas d'adresse électronique.")
        file_ids = []
        for document in handover.documents:
            result = self._call(
                "POST",
                "attachment/",
                data={"id_user": self.user_id},
                files={"file": (document.filename, document.content, "application/pdf")},
            )
            file_ids.append(str(result["file_id"]))
        first, _, last = recipient.name.strip().partition(" ")
        qualified = bool(
            handover.options.get("qualified", True)
            and handover.sender.identified
            and recipient.identified
        )
        data = {
            "id_user": self.user_id,
            "to_email": recipient.email,
            "to_firstname": first,
            "to_lastname": last or first,
            "to_company": recipient.company or "",
            "dest_statut": "professionnel" if recipient.company else "particulier",
            "ref_dossier": handover.delivery_id,
            "ref_facturation": handover.delivery_id,
            "attachment[]": file_ids,
            "eidas": "1" if qualified else "0",
        }
        if qualified and handover.options.get("otp"):
            data["otp"] = str(handover.options["otp"])  # never stored: valid for this send only
        result = self._call("POST", "mail/", data=data)
        return Accepted(str(result["id"]))

    def find(self, delivery_id: str) -> Accepted | None:
        result = self._call(
            "GET", "user/mail/", params={"id_user": self.user_id, "ref_dossier": delivery_id}
        )
        for mail in result or ():
            if str(mail.get("ref_dossier")) == delivery_id:
                return Accepted(str(mail["id"]))
        return None

    def events(self, operator_ref: str) -> list[OperatorEvent]:
        mail = self._call("GET", "mail/", params={"id": operator_ref})
        return self.events_of_mail(mail)

    def events_of_mail(self, mail: Mapping) -> list[OperatorEvent]:
        """One event per step the mail went through, each with its proof."""
        mail_id = str(mail["id"])
        events = []
        for code, date_field, proof_field, state, kind in STEPS:
            when = _parse_date(mail.get(date_field))
            if when is None:
                continue
            proofs = ()
            if mail.get(proof_field):
                content = self._download(mail[proof_field])
                proofs = (ProofFile(kind, f"{kind.value}-{mail_id}.pdf", content),)
            events.append(
                OperatorEvent(
                    event_id=f"ar24-{mail_id}-{code}",
                    delivery_id=str(mail.get("ref_dossier") or ""),
                    operator_ref=mail_id,
                    code=code,
                    state=state,
                    occurred_at=when,
                    proofs=proofs,
                )
            )
        if mail.get("status") in ("bounced", "error"):
            events.append(
                OperatorEvent(
                    event_id=f"ar24-{mail_id}-{mail['status']}",
                    delivery_id=str(mail.get("ref_dossier") or ""),
                    operator_ref=mail_id,
                    code=str(mail["status"]),
                    state=SendingState.FAILED,
                    occurred_at=_parse_date(mail.get("send_fail_date")) or clock.now(),
                    detail=str(mail.get("send_fail") or ""),
                )
            )
        return events

    def parse_callback(self, headers: Mapping[str, str], body: bytes) -> list[OperatorEvent]:
        given = next(
            (value for key, value in headers.items() if key.lower() == SIGNATURE_HEADER.lower()),
            "",
        )
        expected = (
            "sha256=" + hmac.new(self.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
        )
        if not self.webhook_secret or not given or not hmac.compare_digest(given, expected):
            raise CallbackRejected("bad or missing signature")
        payload = _webhook_payload(body)
        mail_id = str(payload.get("id_mail") or "")
        if not mail_id:
            raise CallbackRejected("no id_mail in the webhook")
        return self.events(mail_id)


def _webhook_payload(body: bytes) -> dict:
    """AR24 posts its webhook as a form (``id_mail=…&new_state=…``); a JSON body is read too."""
    text = body.decode("utf-8", "replace").strip()
    if text.startswith("{"):
        try:
            return json.loads(text)
        except ValueError as exc:
            raise CallbackRejected(f"malformed body: {exc}") from exc
    return {key: values[0] for key, values in parse_qs(text).items()}


def _parse_date(value) -> datetime | None:
    """AR24's dates: ``YYYY-MM-DD HH:MM:SS`` in Paris time (or ISO 8601 with an offset)."""
    if not value:
        return None
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=PARIS)
    return parsed.astimezone(UTC)


register(Channel.LRE, "ar24", Ar24Operator)
