"""The letter page (manual §5.5 « Modifier une lettre de résiliation »): its blocks, and each edit
on its own page — the subscriber, a contract added (compatible types only), edited or removed, the
added text, the former manager — refused once the letter is validated; another account's letter
or another letter's contract is a 404; « Nouvelle résiliation » for the same subscriber."""

from __future__ import annotations

from datetime import date

import pytest
from letterkit import error_of, make_letter, text, value_of
from sqlalchemy import select

from plugins.resiliation.models import Letter
from plugins.resiliation.rules import ContractType, Reason
from portal.core.drafts.models import Draft
from portal.core.tenants import tenant_scope
from portal.extensions import db

HOME = [
    {"contract_type": ContractType.HOME_OWNER, "reference": "1234"},
]


@pytest.fixture
def agent(make_account):
    return make_account("resilimo", email="agent-letter@agence.fr")


@pytest.fixture
def client(agent, logged_in):
    return logged_in(agent)


def stored(app, agent, letter_id) -> Letter:
    with app.app_context(), tenant_scope(agent.tenant_id):
        letter = db.session.get(Letter, letter_id)
        list(letter.contracts)
        db.session.expunge_all()
        return letter


def url(letter_id, path=""):
    return f"/resiliation/lettres/{letter_id}{path}"


def test_the_letter_page_shows_the_manuals_blocks(client, app, agent):
    letter_id = make_letter(app, agent, client_reference="REF-CLIENT")
    page = client.get(url(letter_id))
    assert page.status_code == 200
    shown = text(page)
    for expected in (
        "Résiliation de Dupont Jean",
        "Créé le",
        "Géré par Jean Fournier",
        "Souscripteur",
        "Monsieur",
        "2 rue des fleurs",
        "38000 GRENOBLE",
        "jean.dupont@example.org",
        "Liste des contrats de la lettre",
        "Complémentaire Santé",
        "Numéro de l'ancien contrat 1234",
        "Échéance principale 01/07/2021",
        "Supprimer de la lettre",
        "Ajouter un contrat à cette lettre",
        "Texte ajouté à la lettre",
        "Informez l'ancien gérant du contrat",
    ):
        assert expected in shown, expected


def test_the_subscriber_is_edited_on_a_prefilled_form(client, post_form, app, agent):
    letter_id = make_letter(app, agent)
    form = client.get(url(letter_id, "/souscripteur"))
    assert value_of(form, "last_name") == "Dupont"
    assert value_of(form, "postal_code") == "38000"
    data = {
        "civility": "Mme",
        "last_name": "DUPONT",
        "first_name": "Jeanne",
        "street": "1 bis rue catane",
        "postal_code": "75001",
        "city": "PARIS",
        "email": "",
    }
    refused = post_form(client, url(letter_id, "/souscripteur"), data)
    assert error_of(refused, "email") == "Indiquez l'adresse e-mail du souscripteur."
    assert value_of(refused, "street") == "1 bis rue catane"
    assert stored(app, agent, letter_id).first_name == "Jean"  # nothing changed
    data["email"] = "dupontjeanne@example.org"
    done = post_form(client, url(letter_id, "/souscripteur"), data)
    assert done.headers["Location"].endswith(url(letter_id) + "#souscripteur")
    letter = stored(app, agent, letter_id)
    assert (letter.civility, letter.first_name, letter.city) == ("Mme", "Jeanne", "PARIS")


def test_only_compatible_types_are_offered_and_an_incompatible_one_is_refused(
    client, post_form, app, agent
):
    letter_id = make_letter(app, agent, reason=Reason.HAMON, contracts=HOME)
    page = client.get(url(letter_id, "/contrats/ajouter"))
    shown = text(page)
    assert "Assurance auto" in shown and "Assurance habitation (Locataire)" in shown
    assert "Prévoyance" not in shown  # no loi Hamon for provident insurance
    refused = client.get(url(letter_id, "/contrats/ajouter?type=prevoyance"))
    assert refused.status_code == 302
    assert "n'accepte pas le motif" in text(client.get(refused.headers["Location"]))
    refused = post_form(
        client,
        url(letter_id, "/contrats/ajouter?type=auto"),
        {"reference": "X", "reason": Reason.HAMON.value, "new_insurer": "AXA"},
        action=url(letter_id, "/contrats/ajouter?type=prevoyance"),
    )
    assert len(stored(app, agent, letter_id).contracts) == 1


def test_a_contract_is_added_with_the_letters_reason(client, post_form, app, agent):
    letter_id = make_letter(app, agent, reason=Reason.HAMON, contracts=HOME)
    form = client.get(url(letter_id, "/contrats/ajouter?type=auto"))
    shown = text(form)
    assert "Informations concernant le contrat à résilier chez MAAF" in shown
    assert "Motif de résiliation : Loi Hamon" in shown
    assert "Immatriculation" in shown
    refused = post_form(
        client, url(letter_id, "/contrats/ajouter?type=auto"), {"registration": "AA-123-BB"}
    )
    assert error_of(refused, "reference") == "Indiquez la référence du contrat."
    assert "nouvel assureur" in error_of(refused, "new_insurer")
    assert value_of(refused, "registration") == "AA-123-BB"
    done = post_form(
        client,
        url(letter_id, "/contrats/ajouter?type=auto"),
        {"reference": "12536985", "registration": "AA-123-BB", "new_insurer": "AXA FRANCE"},
    )
    assert done.headers["Location"].endswith("#contrats")
    letter = stored(app, agent, letter_id)
    assert [c.contract_type for c in letter.contracts] == [
        ContractType.HOME_OWNER,
        ContractType.AUTO,
    ]
    assert letter.contracts[1].registration == "AA-123-BB"
    assert letter.reason is Reason.HAMON


def test_a_contract_is_edited_and_its_reason_kept_common(client, post_form, app, agent):
    letter_id = make_letter(app, agent)
    contract_id = stored(app, agent, letter_id).contracts[0].id
    form = client.get(url(letter_id, f"/contrats/{contract_id}"))
    assert value_of(form, "reference") == "1234"
    assert value_of(form, "main_due_date") == "01/07/2021"
    done = post_form(
        client,
        url(letter_id, f"/contrats/{contract_id}"),
        {"reference": "5678", "reason": Reason.MAIN_DUE_DATE.value, "main_due_date": "2026-09-01"},
    )
    assert done.status_code == 302
    letter = stored(app, agent, letter_id)
    assert letter.contracts[0].reference == "5678"
    assert letter.contracts[0].main_due_date == date(2026, 9, 1)
    # with two contracts, only a reason both types accept
    make_two = make_letter(
        app,
        agent,
        reason=Reason.HAMON,
        last_name="Martin",
        contracts=[*HOME, {"contract_type": ContractType.AUTO, "reference": "A"}],
    )
    two = stored(app, agent, make_two)
    page = client.get(url(make_two, f"/contrats/{two.contracts[0].id}"))
    assert f'value="{Reason.RIA.value}"' not in page.get_data(as_text=True)


def test_a_contract_is_removed_and_the_letter_may_be_left_without_one(
    client, post_form, app, agent
):
    letter_id = make_letter(app, agent)
    contract_id = stored(app, agent, letter_id).contracts[0].id
    done = post_form(
        client, url(letter_id), {}, action=url(letter_id, f"/contrats/{contract_id}/supprimer")
    )
    assert done.status_code == 302
    assert stored(app, agent, letter_id).contracts == []
    assert "La lettre ne contient plus de contrat" in text(client.get(url(letter_id)))


def test_another_letters_contract_or_another_accounts_letter_is_a_404(
    client, post_form, app, agent, make_account, logged_in, tenant_ids
):
    mine = make_letter(app, agent)
    other = make_account("resilimo", email="other-letter@agence.fr")
    theirs = make_letter(app, other, last_name="Autre")
    their_contract = stored(app, other, theirs).contracts[0].id
    assert client.get(url(theirs)).status_code == 404
    assert client.get(url(theirs, "/souscripteur")).status_code == 404
    assert client.get(url(mine, f"/contrats/{their_contract}")).status_code == 404
    removed = post_form(
        client, url(mine), {}, action=url(mine, f"/contrats/{their_contract}/supprimer")
    )
    assert removed.status_code == 404
    assert len(stored(app, other, theirs).contracts) == 1
    elsewhere = make_account("msr", email="msr-letter@agence.fr")
    foreign = make_letter(app, elsewhere)
    assert client.get(url(foreign)).status_code == 404
    assert logged_in(other).post(url(mine, "/nouvelle-resiliation")).status_code in (400, 404)


def test_the_added_text_and_the_former_manager(client, post_form, app, agent):
    letter_id = make_letter(app, agent)
    post_form(client, url(letter_id, "/texte"), {"added_text": "Merci de votre diligence."})
    assert stored(app, agent, letter_id).added_text == "Merci de votre diligence."
    assert "Merci de votre diligence." in text(client.get(url(letter_id)))
    refused = post_form(
        client, url(letter_id, "/ancien-gerant"), {"former_manager_email": "pas-un-email"}
    )
    assert "n'est pas valide" in error_of(refused, "former_manager_email")
    assert value_of(refused, "former_manager_email") == "pas-un-email"
    post_form(
        client, url(letter_id, "/ancien-gerant"), {"former_manager_email": "gerant@maaf.example"}
    )
    assert stored(app, agent, letter_id).former_manager_email == "gerant@maaf.example"
    assert "gerant@maaf.example" in text(client.get(url(letter_id)))
    post_form(client, url(letter_id, "/ancien-gerant"), {"none": "1"})
    assert stored(app, agent, letter_id).former_manager_email == ""


def test_a_validated_letter_refuses_every_edit(client, post_form, app, agent):
    letter_id = make_letter(app, agent, state="validated", added_text="Avant")
    contract_id = stored(app, agent, letter_id).contracts[0].id
    page = client.get(url(letter_id))
    assert "ne peut plus être modifiée" in text(page)
    assert "Supprimer de la lettre" not in text(page)
    for path in ("/souscripteur", "/texte", "/ancien-gerant", "/contrats/ajouter"):
        response = client.get(url(letter_id, path))
        assert response.status_code == 302, path
    response = post_form(
        client, url(letter_id), {"added_text": "Après"}, action=url(letter_id, "/texte")
    )
    assert response.headers["Location"].endswith(url(letter_id))
    post_form(
        client, url(letter_id), {}, action=url(letter_id, f"/contrats/{contract_id}/supprimer")
    )
    letter = stored(app, agent, letter_id)
    assert letter.added_text == "Avant" and len(letter.contracts) == 1
    assert "ne peut plus être modifiée" in text(client.get(url(letter_id)))


def test_a_new_termination_for_the_same_subscriber_starts_prefilled(client, post_form, app, agent):
    letter_id = make_letter(
        app,
        agent,
        professional=True,
        company_name="ACME",
        siret="73282932000074",
        co_last_name="Durand",
        co_first_name="Marie",
    )
    response = post_form(client, url(letter_id), {}, action=url(letter_id, "/nouvelle-resiliation"))
    assert response.headers["Location"].endswith("/assureur")
    insurer_step = client.get(response.headers["Location"])
    assert insurer_step.status_code == 200  # the subscriber step is valid: no redirect
    subscriber = client.get(response.headers["Location"].rsplit("/", 1)[0] + "/souscripteur")
    assert value_of(subscriber, "company_name") == "ACME"
    assert value_of(subscriber, "co_first_name") == "Marie"
    assert value_of(subscriber, "street") == "2 rue des fleurs"
    with app.app_context(), tenant_scope(agent.tenant_id):
        kinds = list(db.session.scalars(select(Draft.kind).where(Draft.account_id == agent.id)))
    assert kinds == ["resiliation.letter"]
