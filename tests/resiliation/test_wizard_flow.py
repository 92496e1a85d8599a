"""« Nouvelle résiliation »: the four steps kept in a draft (subscriber, insurer, type, contract),
their checks next to each field, nothing lost on a refused post, a reload or going back, and
finishing creates the letter with its contract and the recipient copied from the directory."""

from __future__ import annotations

import html
import re

import pytest
from letterkit import error_of, make_insurer, make_letter, text, value_of
from sqlalchemy import select

from plugins.resiliation.models import Letter
from plugins.resiliation.rules import ContractType, Reason
from portal.core.drafts.models import Draft
from portal.core.tenants import tenant_scope
from portal.extensions import db

NEW = "/resiliation/brouillons/nouveau"
SUBSCRIBER = {
    "civility": "M",
    "last_name": "Dupont",
    "first_name": "Jean",
    "street": "2 rue des fleurs",
    "complement": "",
    "postal_code": "38000",
    "city": "GRENOBLE",
    "email": "jean.dupont@example.org",
    "client_reference": "CLI-42",
}


def checked(response, field: str) -> str | None:
    page = response.get_data(as_text=True)
    for tag in re.findall(rf'<input[^>]*\bname="{field}"[^>]*>', page):
        if re.search(r"\bchecked\b", tag):
            return html.unescape(re.search(r'\bvalue="([^"]*)"', tag).group(1))
    return None


@pytest.fixture
def agent(make_account):
    return make_account("resilimo", email="agent-wizard@agence.fr")


@pytest.fixture
def client(agent, logged_in):
    return logged_in(agent)


@pytest.fixture
def insurer(app, agent):
    return make_insurer(app, agent.tenant_id, name="MAAF Assurances")


def post(client, post_form, url, data):
    return post_form(client, url, data)


def start(client, post_form, **fields) -> str:
    """The subscriber step posted; the draft's insurer step URL."""
    response = post_form(client, NEW, {**SUBSCRIBER, **fields})
    assert response.status_code == 302, text(response)
    return response.headers["Location"]


def step_url(url: str, step: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + step


def to_contract(client, post_form, insurer, contract_type="sante", **fields) -> str:
    insurer_url = start(client, post_form, **fields)
    response = post_form(client, insurer_url, {"insurer_id": str(insurer)})
    assert response.headers["Location"].endswith("/type")
    response = post_form(client, response.headers["Location"], {"contract_type": contract_type})
    assert response.headers["Location"].endswith("/contrat")
    return response.headers["Location"]


def letters(app, agent):
    with app.app_context(), tenant_scope(agent.tenant_id):
        found = list(db.session.scalars(select(Letter).where(Letter.account_id == agent.id)))
        for letter in found:
            list(letter.contracts)
        db.session.expunge_all()
        return found


def drafts(app, agent):
    with app.app_context(), tenant_scope(agent.tenant_id):
        return list(
            db.session.scalars(
                select(Draft.key).where(
                    Draft.account_id == agent.id, Draft.kind == "resiliation.letter"
                )
            )
        )


# --- 1. the subscriber --------------------------------------------------------------------------


def test_the_subscriber_step_shows_its_fields_and_the_four_steps(client):
    page = client.get(NEW)
    assert page.status_code == 200
    shown = text(page)
    for label in ("1 - Le souscripteur", "2 - L'assureur", "3 - Le contrat", "4 - Envoyer"):
        assert label in shown
    for label in (
        "Civilité",
        "Nom",
        "Prénom",
        "Société et statut",
        "N° SIRET",
        "N° et rue",
        "Complément d'adresse",
        "Code postal",
        "Ville",
        "Votre référence pour ce client",
        "Ajouter un co-souscripteur",
    ):
        assert label in shown
    assert "Si vous n'avez pas son email, vous pouvez mettre le vôtre" in shown
    assert "Aperçu de la lettre" in shown


def test_required_fields_are_asked_next_to_each_field_and_nothing_typed_is_lost(
    client, post_form, agent, app
):
    response = post_form(client, NEW, {"first_name": "Jean", "postal_code": "3800"})
    assert response.status_code == 200
    assert error_of(response, "last_name") == "Indiquez le nom du souscripteur."
    assert error_of(response, "street") == "Indiquez le numéro et la rue."
    assert error_of(response, "city") == "Indiquez la ville."
    assert "e-mail" in error_of(response, "email")
    assert error_of(response, "postal_code")  # 5 digits
    assert value_of(response, "first_name") == "Jean"
    assert value_of(response, "postal_code") == "3800"
    assert drafts(app, agent) == []  # nothing kept before the first valid step


def test_a_professional_needs_a_company_name_and_a_valid_siret(client, post_form):
    response = post_form(client, NEW, {**SUBSCRIBER, "professional": "y"})
    assert error_of(response, "company_name") == "Indiquez le nom de la société."
    assert error_of(response, "siret") == "Indiquez le numéro SIRET de la société."
    response = post_form(
        client,
        NEW,
        {**SUBSCRIBER, "professional": "y", "company_name": "ACME", "siret": "73282932000075"},
    )
    assert "SIRET n'est pas valide" in error_of(response, "siret")
    assert value_of(response, "siret") == "73282932000075"
    response = post_form(
        client,
        NEW,
        {**SUBSCRIBER, "professional": "y", "company_name": "ACME", "siret": "732 829 320 00074"},
    )
    assert response.status_code == 302


def test_a_co_subscriber_needs_both_names(client, post_form):
    response = post_form(client, NEW, {**SUBSCRIBER, "co_last_name": "Dupont"})
    assert error_of(response, "co_first_name") == "Indiquez le prénom du co-souscripteur."
    assert '<details class="res-details" open>' in response.get_data(as_text=True)


def test_a_refused_step_is_kept_and_shown_again_on_reload(client, post_form, insurer):
    insurer_url = start(client, post_form)
    subscriber_url = step_url(insurer_url, "souscripteur")
    response = post_form(client, subscriber_url, {**SUBSCRIBER, "postal_code": "ABCDE"})
    assert error_of(response, "postal_code")
    reloaded = client.get(subscriber_url)
    assert value_of(reloaded, "postal_code") == "ABCDE"
    assert value_of(reloaded, "last_name") == "Dupont"
    # the later steps wait until it is valid again
    assert client.get(insurer_url).headers["Location"].endswith("/souscripteur")


# --- 2. the insurer -----------------------------------------------------------------------------


def test_the_insurer_is_searched_without_script_and_chosen(client, post_form, insurer, app, agent):
    make_insurer(app, agent.tenant_id, name="Allianz IARD")
    insurer_url = start(client, post_form)
    page = client.get(insurer_url)
    shown = text(page)
    assert "Assuré chez qui ?" in shown
    assert "Cherchez l'assureur ici, deux caractères minimum" in shown
    assert "topic=resiliation/ajout-compagnie" in page.get_data(as_text=True)
    found = client.get(insurer_url + "?q=maaf")
    assert "MAAF Assurances" in text(found) and "Allianz" not in text(found)
    assert f'name="insurer_id" value="{insurer}"' in found.get_data(as_text=True)
    # « Demander l'ajout d'une compagnie » opens a help request that says what was typed.
    help_url = html.unescape(
        re.search(r'<a data-res-help[^>]* href="([^"]+)"', found.get_data(as_text=True))[1]
    )
    asked = client.get(help_url).get_data(as_text=True)
    assert "Merci d'ajouter la compagnie suivante à l'annuaire : maaf" in html.unescape(asked)
    assert "deux caractères" in text(client.get(insurer_url + "?q=m"))
    refused = post_form(client, insurer_url, {"insurer_id": ""})
    assert error_of(refused, "q") == "Choisissez l'assureur dans la liste."
    chosen = post_form(client, insurer_url, {"insurer_id": str(insurer)})
    assert chosen.headers["Location"].endswith("/type")
    assert "Assureur choisi : MAAF Assurances" in text(client.get(insurer_url))


def test_another_tenants_or_an_inactive_insurer_is_refused(
    client, post_form, app, agent, tenant_ids, insurer
):
    other = make_insurer(app, tenant_ids["msr"], name="Ailleurs Assurances")
    insurer_url = start(client, post_form)
    response = post_form(client, insurer_url, {"insurer_id": str(other)})
    assert "n'est plus proposé" in error_of(response, "q")
    post_form(client, insurer_url, {"insurer_id": str(insurer)})
    with app.app_context(), tenant_scope(agent.tenant_id):
        from portal.core.directory.models import DirectoryEntry

        db.session.get(DirectoryEntry, insurer).active = False
        db.session.commit()
    # the type step sends back to the insurer, kept no longer valid
    assert client.get(step_url(insurer_url, "type")).headers["Location"].endswith("/assureur")


# --- 3. the type and the contract -----------------------------------------------------------------


def test_the_22_types_are_offered_with_a_request_for_a_missing_one(client, post_form, insurer):
    insurer_url = start(client, post_form)
    post_form(client, insurer_url, {"insurer_id": str(insurer)})
    page = client.get(step_url(insurer_url, "type"))
    shown = text(page)
    assert "Quel type de contrat souhaitez-vous résilier ?" in shown
    assert len(re.findall(r'name="contract_type"', page.get_data(as_text=True))) == 22
    for label in ("Assurance auto", "Complémentaire Santé", "Assurance Récolte", "Autre type"):
        assert label in shown
    assert "topic=resiliation/ajout-type-contrat" in page.get_data(as_text=True)
    refused = post_form(client, step_url(insurer_url, "type"), {})
    assert error_of(refused, "contract_type") == "Choisissez le type de contrat à résilier."


def test_the_reasons_offered_depend_on_the_type(client, post_form, insurer):
    health = client.get(to_contract(client, post_form, insurer, "sante"))
    offered = re.findall(r'name="reason"[^>]*value="([^"]*)"', health.get_data(as_text=True))
    offered += re.findall(r'value="([^"]*)"[^>]*name="reason"', health.get_data(as_text=True))
    assert Reason.RIA.value in offered
    auto = client.get(to_contract(client, post_form, insurer, "auto"))
    page = auto.get_data(as_text=True)
    assert f'value="{Reason.RIA.value}"' not in page
    assert f'value="{Reason.HAMON.value}"' in page
    assert "Immatriculation" in text(auto)  # a vehicle
    assert "Immatriculation" not in text(health)
    assert "chez MAAF Assurances" in text(auto)


def test_the_fields_required_follow_the_reason(client, post_form, insurer):
    contract_url = to_contract(client, post_form, insurer, "auto")
    response = post_form(client, contract_url, {"reason": Reason.HAMON.value})
    assert error_of(response, "reference") == "Indiquez la référence du contrat."
    assert "nouvel assureur" in error_of(response, "new_insurer")
    response = post_form(client, contract_url, {"reason": Reason.CUSTOM.value, "reference": "A1"})
    assert error_of(response, "custom_reason") == "Écrivez le motif de résiliation."
    assert error_of(response, "new_insurer") == ""
    response = post_form(
        client, contract_url, {"reason": Reason.MAIN_DUE_DATE.value, "main_due_date": "31/02/2025"}
    )
    assert "JJ/MM/AAAA" in error_of(response, "main_due_date")
    assert value_of(response, "main_due_date") == "31/02/2025"
    other_url = to_contract(client, post_form, insurer, "autre")
    response = post_form(client, other_url, {"reason": Reason.MOVE.value, "reference": "X"})
    assert error_of(response, "other_type") == "Indiquez le type de contrat."


def test_use_the_subscribers_address_without_script(client, post_form, insurer):
    contract_url = to_contract(client, post_form, insurer, "habitation_locataire")
    page = client.get(contract_url)
    action = re.search(r'formaction="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = post_form(client, contract_url, {"reference": "H-77"}, action=action)
    assert response.headers["Location"].startswith(contract_url)
    filled = client.get(contract_url)
    assert value_of(filled, "property_address") == "2 rue des fleurs\n38000 GRENOBLE"
    assert value_of(filled, "reference") == "H-77"  # what was typed is kept


def test_going_back_keeps_every_step(client, post_form, insurer):
    contract_url = to_contract(
        client,
        post_form,
        insurer,
        "auto",
        professional="y",
        company_name="ACME",
        siret="73282932000074",
    )
    post_form(client, contract_url, {"reference": "R-1", "reason": Reason.HAMON.value})
    assert checked(client.get(step_url(contract_url, "type")), "contract_type") == "auto"
    back = client.get(step_url(contract_url, "souscripteur"))
    assert value_of(back, "company_name") == "ACME"
    assert checked(back, "civility") == "M"
    again = client.get(contract_url)
    assert value_of(again, "reference") == "R-1"
    assert checked(again, "reason") == Reason.HAMON.value


def test_finishing_creates_the_letter_with_its_contract_and_the_recipient(
    client, post_form, insurer, app, agent
):
    contract_url = to_contract(
        client,
        post_form,
        insurer,
        "auto",
        co_civility="Mme",
        co_last_name="Durand",
        co_first_name="Marie",
    )
    response = post_form(
        client,
        contract_url,
        {
            "reference": "12536985",
            "registration": "AA-111-BB",
            "reason": Reason.HAMON.value,
            "new_insurer": "AXA FRANCE IARD",
            "new_reference": "N-9",
            "main_due_date": "01/07/2026",
            "custom_reason": "ignored",
        },
    )
    assert response.status_code == 302
    [letter] = letters(app, agent)
    assert response.headers["Location"].endswith(f"/resiliation/lettres/{letter.id}")
    assert letter.reference.startswith("RES-")
    assert (letter.last_name, letter.first_name, letter.civility) == ("Dupont", "Jean", "M")
    assert (letter.co_last_name, letter.co_civility) == ("Durand", "Mme")
    assert letter.client_reference == "CLI-42"
    assert letter.recipient_name == "MAAF Assurances"
    assert letter.recipient_postal_code == "79036"
    assert letter.recipient_email == "resiliation@maaf.example"
    assert letter.insurer_id == insurer
    assert letter.reason is Reason.HAMON and letter.custom_reason == ""
    assert letter.managed_by_id == agent.holder_profile_id
    [contract] = letter.contracts
    assert contract.contract_type is ContractType.AUTO
    assert (contract.reference, contract.registration) == ("12536985", "AA-111-BB")
    assert (contract.new_insurer, contract.new_reference) == ("AXA FRANCE IARD", "N-9")
    assert contract.main_due_date is None  # not asked for a loi Hamon letter
    assert drafts(app, agent) == []
    page = client.get(response.headers["Location"])
    assert "Résiliation de Dupont Jean" in text(page)


def test_a_drafts_key_of_another_account_is_a_404(client, post_form, make_account, logged_in):
    insurer_url = start(client, post_form)
    other = logged_in(make_account("resilimo", email="other-wizard@agence.fr"))
    assert other.get(insurer_url).status_code == 404
    assert other.get(step_url(insurer_url, "souscripteur")).status_code == 404


def test_drafts_and_letters_to_finish_are_listed_on_the_home_page_and_resumed(
    client, post_form, insurer, app, agent
):
    insurer_url = start(client, post_form, last_name="Martin")
    make_letter(app, agent, last_name="Leroy")
    home = client.get("/resiliation/")
    shown = text(home)
    assert "Nouvelle résiliation" in shown and "Lettres à terminer" in shown
    assert shown.index("Leroy Jean") < shown.index("Martin Jean")  # newest first
    assert "Jean Fournier" in shown  # géré par
    page = home.get_data(as_text=True)
    assert f'href="{insurer_url}"' in page  # resumed where it stands


def test_the_home_page_lists_ten_letters_a_page(client, app, agent):
    for number in range(12):
        make_letter(app, agent, last_name=f"Nom{number:02d}")
    first = text(client.get("/resiliation/"))
    assert "Nom11" in first and "Nom02" in first and "Nom01" not in first
    second = text(client.get("/resiliation/?page=2"))
    assert "Nom01" in second and "Nom00" in second and "Nom11" not in second


def test_the_preview_follows_the_draft(client, post_form, insurer):
    insurer_url = start(client, post_form)
    page = text(client.get(insurer_url))
    assert "Aperçu de la lettre" in page
    assert "Dupont Jean" in page and "38000 GRENOBLE" in page
    assert "CLI-42" not in page  # the agent's own reference is never printed
    contract_url = to_contract(client, post_form, insurer, "auto")
    assert "MAAF Assurances" in text(client.get(contract_url)).split("Aperçu de la lettre")[1]


def test_the_main_due_date_reason_needs_the_date(client, post_form, insurer):
    contract_url = to_contract(client, post_form, insurer, "sante")
    response = post_form(
        client, contract_url, {"reference": "1234", "reason": Reason.MAIN_DUE_DATE.value}
    )
    assert (
        error_of(response, "main_due_date") == "Indiquez la date d'échéance principale du contrat."
    )
    response = post_form(
        client,
        contract_url,
        {"reference": "1234", "reason": Reason.MAIN_DUE_DATE.value, "main_due_date": "01/07/2026"},
    )
    assert response.status_code == 302


def test_the_last_step_posted_twice_opens_the_letter_it_became(
    client, post_form, insurer, app, agent
):
    contract_url = to_contract(client, post_form, insurer, "sante")
    data = {"reference": "1234", "reason": Reason.MOVE.value, "event_date": "15/06/2026"}
    first = post_form(client, contract_url, data)
    second = post_form(client, first.headers["Location"], data, action=contract_url)
    assert second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert len(letters(app, agent)) == 1


def test_a_draft_is_discarded_from_the_home_page(client, post_form, app, agent):
    insurer_url = start(client, post_form)
    [key] = drafts(app, agent)
    assert "Dupont Jean" in text(client.get("/resiliation/brouillons/"))
    done = post_form(
        client, "/resiliation/", {}, action=f"/resiliation/brouillons/{key}/abandonner"
    )
    assert done.headers["Location"].endswith("/resiliation/")
    assert "La résiliation en cours est abandonnée." in text(client.get("/resiliation/"))
    assert drafts(app, agent) == []
    assert client.get(insurer_url).status_code == 404


def test_a_change_of_situation_asks_when_it_happened_and_the_letter_says_it(
    client, post_form, insurer, app, agent
):
    contract_url = to_contract(client, post_form, insurer, "sante")
    refused = post_form(client, contract_url, {"reference": "1234", "reason": Reason.MOVE.value})
    assert error_of(refused, "event_date") == (
        "Indiquez la date de l'événement : la lettre doit la mentionner."
    )
    made = post_form(
        client,
        contract_url,
        {"reference": "1234", "reason": Reason.MOVE.value, "event_date": "15/06/2026"},
    )
    assert made.status_code == 302
    page = client.get(made.headers["Location"])
    assert "survenu le 15 juin 2026" in text(page)
