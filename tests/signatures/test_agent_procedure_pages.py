"""The agent's pages of signature procedures: the account's list and one procedure's follow-up
(each signer's history in French, the deadline in the tenant's time zone), reached only through
the account that asked; cancelling, opening the signer's pages in person, resending, and the
signed files once everything is signed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from webkit import PDF_BYTES, text_of

from portal.core import clock
from portal.core.jobs import drain
from portal.core.tenants import tenant_scope
from portal.extensions import db
from portal.testing.web import csrf_token

PARIS = ZoneInfo("Europe/Paris")
INDEX = "/signatures/"


def _deadline() -> datetime:
    """The day after tomorrow at 20:00, Paris time (the manual's « avant le … à 20h00 »), in UTC
    as stored."""
    day = clock.now().astimezone(PARIS).date() + timedelta(days=2)
    return datetime.combine(day, time(20, 0), tzinfo=PARIS).astimezone(UTC)


def _create(app, account, *, in_person=False, title="Mandat de résiliation — AUTO-123") -> str:
    """A started procedure of ``account`` (one signer, one document to sign); its reference."""
    from portal.core.accounts.models import Account, Profile
    from portal.core.signatures import operations
    from portal.core.signatures.operations import NewDocument, NewSigner
    from portal.core.signatures.providers.base import Delivery

    host = f"http://{account.host}"
    with app.test_request_context(base_url=host), tenant_scope(account.tenant_id):
        procedure = operations.create_and_start(
            account=db.session.get(Account, account.id),
            profile=db.session.get(Profile, account.holder_profile_id),
            owner="resiliation",
            title=title,
            documents=[
                NewDocument(
                    title="Mandat de résiliation",
                    filename="mandat.pdf",
                    content=PDF_BYTES,
                    acceptance_boxes=("J'ai lu le mandat et je l'accepte",),
                )
            ],
            signers=[NewSigner("Claire", "Petit", "claire.petit@example.org", "+33612345678")],
            deadline=_deadline(),
            delivery=Delivery.IN_PERSON if in_person else Delivery.REMOTE,
        )
        db.session.commit()
        return procedure.reference


def _with_signer(app, account, reference, action) -> None:
    """Run ``action(operations, signer)`` as the signer's pages would, then commit."""
    from portal.core.signatures import operations
    from portal.core.signatures.models import SignatureProcedure

    host = f"http://{account.host}"
    with app.test_request_context(base_url=host), tenant_scope(account.tenant_id):
        procedure = db.session.scalar(
            select(SignatureProcedure).where(SignatureProcedure.reference == reference)
        )
        action(operations, procedure.signers[0])
        db.session.commit()


def _state(app, account, reference) -> str:
    from portal.core.signatures.models import SignatureProcedure

    with app.app_context(), tenant_scope(account.tenant_id):
        return db.session.scalar(
            select(SignatureProcedure.state).where(SignatureProcedure.reference == reference)
        ).value


def _post(client, page: str, action: str, data: dict | None = None):
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(action, data={"csrf_token": token, **(data or {})})


@pytest.fixture
def agency(make_account):
    return make_account("resilimo", email="agence@example.fr")


@pytest.fixture
def agency_client(logged_in, agency):
    return logged_in(agency)


def test_the_list_shows_the_accounts_procedures_newest_first(app, agency, agency_client):
    first = _create(app, agency, title="Mandat de résiliation — AUTO-1")
    second = _create(app, agency, in_person=True, title="Mandat de résiliation — MRH-2")
    page = text_of(agency_client.get(INDEX))
    assert page.index(second) < page.index(first)  # newest first
    assert "Mandat de résiliation — MRH-2" in page and "Claire Petit" in page
    assert "En cours de signature" in page
    limit = _deadline()
    assert f"{limit.astimezone(PARIS):%d/%m/%Y} à 20h00" in page  # in the tenant's time zone


def test_the_list_shows_20_procedures_a_page(app, agency, agency_client):
    references = [_create(app, agency, title=f"Mandat n° {n}") for n in range(21)]
    first = agency_client.get(INDEX).get_data(as_text=True)
    assert first.count("data-procedure=") == 20
    assert references[0] not in first  # the oldest is on the next page
    assert "Page 1 sur 2" in first and "Plus anciennes" in first
    second = agency_client.get(f"{INDEX}?page=2").get_data(as_text=True)
    assert second.count("data-procedure=") == 1 and references[0] in second


def test_the_detail_tells_each_signers_story_in_french(app, agency, agency_client):
    reference = _create(app, agency)
    detail = f"/signatures/{reference}"
    page = text_of(agency_client.get(detail))
    assert "Mandat de résiliation — AUTO-123" in page
    assert "Invitation envoyée" in page
    assert "À distance : lien envoyé par e-mail" in page
    assert "Renvoyer l'invitation" in page
    assert "Télécharger le document signé" not in page and "Dossier de preuve" not in page

    def read_and_ask_code(operations, signer):
        operations.record_opened(signer, ip="192.0.2.1", user_agent="test")
        document = signer.procedure.documents[0]
        operations.accept_boxes(signer, document, [b.id for b in document.acceptance_boxes])
        operations.send_code(signer)

    _with_signer(app, agency, reference, read_and_ask_code)
    page = text_of(agency_client.get(detail))
    assert "Lien ouvert" in page
    assert "Code envoyé au +33 6 •• •• •• 78" in page
    assert re.search(r"\d{2}:\d{2}</time> — Code envoyé", page)  # each line says when

    _with_signer(
        app,
        agency,
        reference,
        lambda ops, signer: ops.decline(signer, "Le montant est faux", ip=None, user_agent=None),
    )
    page = text_of(agency_client.get(detail))
    assert "Refusé : Le montant est faux" in page
    assert "Refusée" in page
    assert "Annuler la procédure" not in page  # over: nothing left to cancel


def test_a_bounced_invitation_is_highlighted_with_what_to_do(app, agency, agency_client):
    from portal.core.signatures.models import SignatureProcedure, SignerEvent

    reference = _create(app, agency)
    with app.app_context(), tenant_scope(agency.tenant_id):
        procedure = db.session.scalar(
            select(SignatureProcedure).where(SignatureProcedure.reference == reference)
        )
        signer = procedure.signers[0]
        signer.invitation_bounced_at = clock.now()
        db.session.add(
            SignerEvent(
                tenant_id=agency.tenant_id,
                procedure_id=procedure.id,
                signer_id=signer.id,
                kind="invitation_bounced",
                at=clock.now(),
                details={},
            )
        )
        db.session.commit()
    page = text_of(agency_client.get(f"/signatures/{reference}"))
    assert "Invitation non remise" in page
    assert "l'e-mail envoyé à claire.petit@example.org" in page
    assert "Vérifiez l'adresse avec votre client" in page


def test_resend_queues_the_invitation_again(app, agency, agency_client, in_tenant):
    from portal.core.devbox.models import DevboxMessage

    reference = _create(app, agency)
    detail = f"/signatures/{reference}"
    drain(app)
    with in_tenant("resilimo"):
        before = db.session.scalar(
            select(db.func.count())
            .select_from(DevboxMessage)
            .where(DevboxMessage.recipients.contains("claire.petit@example.org"))
        )
    signer = re.search(r"/signers/(\d+)/resend", agency_client.get(detail).get_data(as_text=True))
    response = _post(agency_client, detail, f"{detail}/signers/{signer.group(1)}/resend")
    assert response.status_code == 302
    assert "Invitation renvoyée à claire.petit@example.org." in text_of(agency_client.get(detail))
    drain(app)
    with in_tenant("resilimo"):
        after = db.session.scalar(
            select(db.func.count())
            .select_from(DevboxMessage)
            .where(DevboxMessage.recipients.contains("claire.petit@example.org"))
        )
    assert after == before + 1


def test_cancel_needs_the_confirmation_then_ends_the_procedure(app, agency, agency_client):
    reference = _create(app, agency)
    detail = f"/signatures/{reference}"
    response = _post(agency_client, detail, f"{detail}/cancel", {"reason": "Erreur de contrat"})
    assert response.status_code == 422
    assert "Cochez la case pour confirmer l'annulation." in text_of(response)
    assert _state(app, agency, reference) == "ongoing"

    response = _post(
        agency_client, detail, f"{detail}/cancel", {"reason": "Erreur de contrat", "confirm": "y"}
    )
    assert response.status_code == 302
    assert _state(app, agency, reference) == "cancelled"
    page = text_of(agency_client.get(detail))
    assert "La procédure de signature est annulée." in page
    assert "Procédure annulée : Erreur de contrat" in page
    assert "Annulée" in page


def test_in_person_the_agent_opens_the_signers_pages_on_this_screen(app, agency, agency_client):
    reference = _create(app, agency, in_person=True)
    detail = f"/signatures/{reference}"
    page = agency_client.get(detail).get_data(as_text=True)
    text = text_of(agency_client.get(detail))
    assert "Le lien de signature est prêt" in text
    assert "en la présence de votre client" in text
    day = f"{_deadline().astimezone(PARIS):%d/%m/%Y}"
    assert f"La signature doit impérativement être réalisée avant le {day} à 20h00." in text
    assert "Renvoyer l'invitation" not in text  # nothing is emailed in person
    signer_id = re.search(r"/signers/(\d+)/open", page).group(1)
    response = _post(agency_client, detail, f"{detail}/signers/{signer_id}/open")
    assert response.status_code == 302
    assert "/signature/" in response.headers["Location"]
    assert "Signature ouverte sur l'écran de l'agent" in text_of(agency_client.get(detail))

    remote = _create(app, agency)
    remote_page = agency_client.get(f"/signatures/{remote}").get_data(as_text=True)
    remote_signer = re.search(r"/signers/(\d+)/resend", remote_page).group(1)
    assert "Ouvrir la signature sur cet écran" not in remote_page
    opened = _post(agency_client, INDEX, f"/signatures/{remote}/signers/{remote_signer}/open")
    assert opened.status_code == 404


def test_another_accounts_or_tenants_reference_is_not_found(
    app, agency, make_account, logged_in, make_profile
):
    reference = _create(app, agency)
    neighbour = logged_in(make_account("resilimo", email="voisin@example.fr"))
    for url in (
        f"/signatures/{reference}",
        f"/signatures/{reference}/documents/1/signed",
        f"/signatures/{reference}/audit-trail",
    ):
        assert neighbour.get(url).status_code == 404
    assert reference not in text_of(neighbour.get(INDEX))
    response = _post(neighbour, INDEX, f"/signatures/{reference}/cancel", {"confirm": "y"})
    assert response.status_code == 404
    assert _state(app, agency, reference) == "ongoing"

    elsewhere = logged_in(make_account("horizon", email="agence@example.fr", kind="sales_agent"))
    assert elsewhere.get(f"/signatures/{reference}").status_code == 404

    # A collaborator of the same account follows the account's procedures.
    collaborator = logged_in(agency, make_profile(agency, name="Dominique Martin"))
    assert collaborator.get(f"/signatures/{reference}").status_code == 200


def test_downloads_only_once_everything_is_signed(app, agency, agency_client, in_tenant):
    from portal.core.devbox.models import DevboxMessage

    reference = _create(app, agency)
    detail = f"/signatures/{reference}"
    signed_url, trail_url = f"{detail}/documents/1/signed", f"{detail}/audit-trail"
    assert agency_client.get(signed_url).status_code == 404
    assert agency_client.get(trail_url).status_code == 404

    def ask_code(operations, signer):
        document = signer.procedure.documents[0]
        operations.accept_boxes(signer, document, [b.id for b in document.acceptance_boxes])
        operations.send_code(signer)

    _with_signer(app, agency, reference, ask_code)
    with in_tenant("resilimo"):
        sms = db.session.scalars(
            select(DevboxMessage).where(DevboxMessage.kind == "sms").order_by(DevboxMessage.id)
        ).all()[-1]
    code = re.search(r"\b(\d{6})\b", sms.body_text).group(1)
    _with_signer(
        app, agency, reference, lambda ops, signer: ops.sign(signer, code, ip=None, user_agent=None)
    )
    page = text_of(agency_client.get(detail))
    assert "Signée" in page and "Signé" in page
    assert "Télécharger le document signé" in page and "Dossier de preuve" in page
    signed = agency_client.get(signed_url)
    assert signed.status_code == 200 and signed.data.startswith(b"%PDF-")
    assert b"/ByteRange" in signed.data
    trail = agency_client.get(trail_url)
    assert trail.status_code == 200 and trail.data.startswith(b"%PDF-")


def test_the_menu_entry_exists_for_professionals_only(app, tenant_ids):
    from portal.core.signatures.agent_views import menu_items
    from portal.core.tenants import tenant_directory

    with app.test_request_context():
        directory = tenant_directory()
        resilimo = directory.get(tenant_ids["resilimo"])
        msr = directory.get(tenant_ids["msr"])
        (item,) = menu_items(resilimo, None, None)
        assert str(item.label) == "Signatures électroniques"
        assert item.endpoint == "signature_procedures.index"
        assert menu_items(msr, None, None) == []
