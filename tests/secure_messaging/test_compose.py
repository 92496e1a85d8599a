"""Writing a secure message as in the MSA guide: theme → topic → reason, the online-service
dialog, the message (10 to 750 characters), the summary, the confirmation and its email and SMS.
Every step is driven without JavaScript, as a browser without it would."""

from __future__ import annotations

import re

from smkit import (
    conversations,
    csrf_token,
    devbox,
    location,
    logged_in,
    make_member,
    post_form,
    text_of,
)

THEME, TOPIC, REASON = (
    "/secure-messaging/nouveau/theme",
    "/secure-messaging/nouveau/sujet",
    ("/secure-messaging/nouveau/motif"),
)
MESSAGE = "/secure-messaging/nouveau/message"
SUMMARY = "/secure-messaging/nouveau/recapitulatif"
DISMISS = "/secure-messaging/nouveau/service/fermer"
TEXT = "Bonjour, nous avons eu un troisième enfant le 2 mars : que dois-je déclarer ?"


def choose(client, step: str, code: str):
    return post_form(client, step, {"choice": code})


def choose_path(client, *codes):
    response = None
    for step, code in zip((THEME, TOPIC, REASON), codes, strict=False):
        response = choose(client, step, code)
        assert response.status_code == 302, text_of(response)
    return response


def write(client, body: str):
    return post_form(client, MESSAGE, {"body": body})


def textarea(page: str) -> str:
    return re.search(r"<textarea[^>]*>\r?\n?(.*?)</textarea>", page, re.S).group(1)


def checked(page: str) -> list[str]:
    return re.findall(r'<input[^>]*checked[^>]*value="([^"]+)"', page) + re.findall(
        r'<input[^>]*value="([^"]+)"[^>]*checked', page
    )


def test_the_full_path_offers_the_online_service_then_the_message(member_client):
    page = text_of(member_client.get(THEME))
    assert "Envoyer un message" in page and "Mon message concerne" in page
    assert "Famille, logement" in page and "Retraite" in page
    assert "Annuler" in page and "Valider" in page

    response = choose(member_client, THEME, "famille")
    assert location(response).endswith(TOPIC)
    page = text_of(member_client.get(TOPIC))
    assert "Sujet" in page and "Allocations familiales" in page and "Aides au logement" in page
    assert re.search(r"Mon message concerne</dt>\s*<dd>Famille, logement", page)
    assert f'href="{THEME}"' in page and "Modifier" in page

    response = choose(member_client, TOPIC, "allocations-familiales")
    assert location(response).endswith(REASON)
    page = text_of(member_client.get(REASON))
    assert "Motif" in page and "Changement de situation - Famille" in page
    assert f'href="{TOPIC}"' in page

    response = choose(member_client, REASON, "changement-situation")
    assert location(response).endswith(MESSAGE)

    # Étape 3: the dialog, open in the server's page, the page behind it inert.
    page = text_of(member_client.get(MESSAGE))
    dialog = re.search(r"<dialog[^>]*>.*?</dialog>", page, re.S).group(0)
    assert re.search(r"<dialog open[^>]*aria-modal=\"true\"", dialog)
    assert 'aria-labelledby="sm-dialog-title"' in dialog
    assert "Un service en ligne correspond à votre demande" in dialog
    assert "Déclarer un changement de situation" in dialog
    assert 'href="https://monespace.msr.test/services/changement-situation"' in dialog
    assert "J'utilise le service en ligne" in dialog
    assert "Fermer et rédiger mon message" in dialog and f'action="{DISMISS}"' in dialog
    assert "Fermer et modifier ma sélection" in dialog and f'href="{REASON}"' in dialog
    assert '<div id="sm-page" inert>' in page

    response = post_form(member_client, MESSAGE, {"level": "2"}, action=DISMISS)
    assert location(response).endswith(MESSAGE)
    page = text_of(member_client.get(MESSAGE))
    assert "<dialog" not in page and "inert" not in page
    assert "Service en ligne" in page and "Déclarer un changement de situation" in page
    assert re.search(r"Motif</dt>\s*<dd>Changement de situation - Famille", page)
    assert "Mon message" in page
    assert (
        "Attention : nous vous conseillons de ne pas communiquer d'information relative à des "
        "données médicales." in page
    )
    textarea = re.search(r"<textarea[^>]*>", page).group(0)
    assert 'placeholder="Écrivez ici votre message (minimum 10 caractères)"' in textarea
    assert "maxlength" not in textarea
    assert re.search(r'aria-live="polite">750 caractères restants\.</p>', page)


def test_the_dialog_is_not_shown_again_once_closed_and_the_script_may_close_it(member_client):
    choose_path(member_client, "famille", "allocations-familiales", "changement-situation")
    token = csrf_token(member_client.get(MESSAGE).get_data(as_text=True))
    response = member_client.post(
        DISMISS,
        data={"csrf_token": token, "level": "2"},
        headers={"X-Requested-With": "fetch"},
    )
    assert response.status_code == 204
    assert "<dialog" not in text_of(member_client.get(MESSAGE))


def test_a_reason_without_service_goes_straight_to_the_message(member_client):
    response = choose_path(member_client, "famille", "allocations-familiales", "autre-question")
    assert location(response).endswith(MESSAGE)
    page = text_of(member_client.get(MESSAGE))
    assert "<dialog" not in page and "Service en ligne" not in page
    assert "Autre question Allocations familiales" in page


def test_modify_goes_back_and_keeps_later_choices_only_while_they_are_valid(member_client):
    choose_path(member_client, "famille", "allocations-familiales", "autre-question")
    write(member_client, TEXT)

    # Back to the theme: the earlier answer is checked; the same theme keeps topic and reason.
    assert checked(text_of(member_client.get(THEME))) == ["famille"]
    choose(member_client, THEME, "famille")
    assert checked(text_of(member_client.get(TOPIC))) == ["allocations-familiales"]
    assert checked(text_of(member_client.get(REASON))) == ["autre-question"]
    assert textarea(text_of(member_client.get(MESSAGE))) == TEXT

    # Another theme: its topics differ, so the topic and reason are dropped; the text stays.
    response = choose(member_client, THEME, "retraite")
    assert location(response).endswith(TOPIC)
    assert checked(text_of(member_client.get(TOPIC))) == []
    assert location(member_client.get(REASON)).endswith(TOPIC)
    assert location(member_client.get(MESSAGE)).endswith(TOPIC)
    choose_path(member_client, "retraite", "depart", "demande-retraite")
    assert textarea(text_of(member_client.get(MESSAGE))) == TEXT


def test_a_step_cannot_be_skipped(member_client):
    assert location(member_client.get(REASON)).endswith(THEME)
    assert location(member_client.get(MESSAGE)).endswith(THEME)
    assert location(member_client.get(SUMMARY)).endswith(THEME)
    choose(member_client, THEME, "famille")
    assert location(member_client.get(REASON)).endswith(TOPIC)
    assert location(member_client.get(SUMMARY)).endswith(TOPIC)


def test_the_message_length_is_checked_and_a_refused_text_is_kept(member_client):
    choose_path(member_client, "famille", "allocations-familiales", "autre-question")
    for body, error in (
        ("Trop court", None),  # 10 characters: accepted
        ("Trop cour", "au moins 10 caractères (il en compte 9)"),
        ("x" * 751, "ne peut pas dépasser 750 caractères (il en compte 751)"),
    ):
        response = write(member_client, body)
        if error is None:
            assert location(response).endswith(SUMMARY)
            continue
        assert response.status_code == 200
        page = text_of(response)
        assert re.search(r'<p class="error" id="body-error">[^<]*' + re.escape(error), page)
        assert 'aria-invalid="true"' in page
        assert textarea(page) == body
        # Kept in the draft: the step shown again later still holds it.
        assert textarea(text_of(member_client.get(MESSAGE))) == body
        assert location(member_client.get(SUMMARY)).endswith(MESSAGE)
    assert "1 caractère en trop." in text_of(member_client.get(MESSAGE))

    # 750 characters, line breaks sent as "\r\n" counted once, like the live counter does.
    body = "a" * 374 + "\r\n" + "b" * 375
    assert location(write(member_client, body)).endswith(SUMMARY)
    assert location(write(member_client, "x" * 750)).endswith(SUMMARY)
    assert re.search(r">0 caractères? restants?\.</p>", text_of(member_client.get(MESSAGE)))


def test_the_summary_then_one_conversation_even_when_sent_twice(app, member, member_client):
    choose_path(member_client, "famille", "allocations-familiales", "changement-situation")
    post_form(member_client, MESSAGE, {"level": "2"}, action=DISMISS)
    assert location(write(member_client, TEXT)).endswith(SUMMARY)

    page = text_of(member_client.get(SUMMARY))
    assert "Récapitulatif de ma demande" in page
    for label, value in (
        ("Thème", "Famille, logement"),
        ("Sujet", "Allocations familiales"),
        ("Motif", "Changement de situation - Famille"),
    ):
        assert re.search(rf"<dt>{label}</dt>\s*<dd>{re.escape(value)}</dd>", page)
    assert TEXT in page
    assert "Annuler" in page and f'href="{MESSAGE}">Précédent' in page and "Envoyer" in page

    raw = member_client.get(SUMMARY).get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(raw),
        "draft_token": re.search(r'name="draft_token"[^>]*value="([^"]+)"', raw).group(1),
    }
    first = member_client.post(SUMMARY, data=data)
    second = member_client.post(SUMMARY, data=data)  # a double click, or back then send again
    assert first.status_code == second.status_code == 302
    assert location(first) == location(second)
    [conversation] = conversations(app, member.tenant_id, member.id)
    assert conversation["kind"] == "message"
    assert conversation["codes"] == ("famille", "allocations-familiales", "changement-situation")
    assert conversation["subject"] == (
        "Famille, logement › Allocations familiales › Changement de situation - Famille"
    )
    assert conversation["bodies"] == [TEXT]
    assert location(first).endswith(f"/secure-messaging/envoye/{conversation['id']}")

    page = text_of(member_client.get(location(first)))
    assert "Votre message a bien été envoyé" in page
    assert f"M-{conversation['id']:06d}" in page
    assert "Vous recevrez un email de notification ainsi qu'un SMS de confirmation" in page
    assert f'href="/messagerie/conversations/{conversation["id"]}"' in page
    assert 'href="/secure-messaging/"' in page

    # The draft is gone: a new message starts from the theme.
    assert location(member_client.get(MESSAGE)).endswith(THEME)

    [email] = [e for e in devbox(app, member.tenant_id, "email") if member.email in e.recipients]
    assert email.subject == "Nous avons bien reçu votre message"
    assert f"M-{conversation['id']:06d}" in email.body_text
    [sms] = devbox(app, member.tenant_id, "sms")
    assert sms.recipients == "+33612345678"
    assert f"M-{conversation['id']:06d}" in sms.body_text


def test_without_a_mobile_the_confirmation_mentions_no_sms(app, tenant_ids, client_for):
    member = make_member(app, "sans.mobile@example.fr", mobile=None)
    client = logged_in(client_for, member)
    choose_path(client, "retraite", "depart", "demande-retraite")
    write(client, TEXT)
    response = post_form(client, SUMMARY, {"draft_token": _draft_token(client)})
    page = text_of(client.get(location(response)))
    assert "Votre message a bien été envoyé" in page
    assert "SMS" not in page and "Vous recevrez un email de notification." in page
    assert len([e for e in devbox(app, member.tenant_id, "email") if member.email in e.recipients])
    assert devbox(app, member.tenant_id, "sms") == []


def _draft_token(client) -> str:
    raw = client.get(SUMMARY).get_data(as_text=True)
    return re.search(r'name="draft_token"[^>]*value="([^"]+)"', raw).group(1)


def test_cancel_forgets_the_draft(member_client):
    choose_path(member_client, "famille", "allocations-familiales", "autre-question")
    write(member_client, TEXT)
    response = post_form(member_client, SUMMARY, {}, action="/secure-messaging/nouveau/annuler")
    assert location(response).endswith("/secure-messaging/")
    assert "Votre message a été abandonné." in text_of(member_client.get("/secure-messaging/"))
    assert location(member_client.get(MESSAGE)).endswith(THEME)
    assert checked(text_of(member_client.get(THEME))) == []


def test_codes_of_another_tenant_or_category_are_refused_and_never_stored(
    app, tenant_ids, client_for, member_client
):
    # "mon-compte" is a theme of resilimo (its help-request subjects), not of msr;
    # "cotisations-exploitants" is for farmers, "employeur" for employers.
    for code in ("mon-compte", "cotisations-exploitants", "employeur", "nimporte-quoi"):
        response = choose(member_client, THEME, code)
        assert response.status_code == 200
        page = text_of(response)
        assert re.search(
            r'<p class="error" id="choice-error">Choisissez une réponse dans la liste\.', page
        )
        assert location(member_client.get(TOPIC)).endswith(THEME)  # nothing stored

    # A topic of another theme is refused at the topic step too.
    choose(member_client, THEME, "famille")
    assert choose(member_client, TOPIC, "depart").status_code == 200
    assert location(member_client.get(REASON)).endswith(TOPIC)

    # Each category sees its own themes.
    farmer = logged_in(client_for, make_member(app, "f@example.fr", category="farmer"))
    page = text_of(farmer.get(THEME))
    assert (
        "Exploitants, cotisations" in page and "Cotisations et déclarations employeur" not in page
    )
    assert location(choose(farmer, THEME, "cotisations-exploitants")).endswith(TOPIC)
    employer = logged_in(client_for, make_member(app, "e@example.fr", category="employer"))
    page = text_of(employer.get(THEME))
    assert "Cotisations et déclarations employeur" in page and "Santé" not in page
    assert choose(employer, THEME, "famille").status_code == 200
    # No category: the tenant's first one (individual).
    nobody = logged_in(client_for, make_member(app, "n@example.fr", category=None))
    page = text_of(nobody.get(THEME))
    assert "Famille, logement" in page and "Exploitants, cotisations" not in page


def test_any_depth_a_leaf_theme_is_complete_and_a_theme_service_shows_on_the_next_step(
    monkeypatch, app, member, member_client
):
    from plugins.secure_messaging import views
    from portal.core.plugins import TaxonomyNode

    themes = (
        TaxonomyNode("question", "Question générale"),
        TaxonomyNode(
            "paiement",
            "Paiements",
            children=(TaxonomyNode("echeance", "Échéance"),),
            service_title="Payer en ligne",
            service_url="https://paiement.msr.test/",
        ),
    )
    monkeypatch.setattr(views, "_themes", lambda: themes)

    # A theme without topics: straight to the message; the summary has the theme only.
    assert location(choose(member_client, THEME, "question")).endswith(MESSAGE)
    assert location(member_client.get(TOPIC)).endswith(MESSAGE)
    write(member_client, TEXT)
    page = text_of(member_client.get(SUMMARY))
    assert re.search(r"<dt>Thème</dt>\s*<dd>Question générale</dd>", page)
    assert "<dt>Sujet</dt>" not in page
    post_form(member_client, SUMMARY, {"draft_token": _draft_token(member_client)})
    [sent] = conversations(app, member.tenant_id, member.id)
    assert sent["codes"] == ("question", None, None)

    # A theme with a service: the dialog opens on the topic step, and leads back to the theme.
    assert location(choose(member_client, THEME, "paiement")).endswith(TOPIC)
    page = text_of(member_client.get(TOPIC))
    dialog = re.search(r"<dialog.*?</dialog>", page, re.S).group(0)
    assert "Payer en ligne" in dialog and f'href="{THEME}"' in dialog
    assert 'name="level" value="0"' in dialog
    response = post_form(member_client, TOPIC, {"level": "0"}, action=DISMISS)
    assert location(response).endswith(TOPIC)
    assert "<dialog" not in text_of(member_client.get(TOPIC))
    assert location(choose(member_client, TOPIC, "echeance")).endswith(MESSAGE)
    page = text_of(member_client.get(MESSAGE))
    assert "<dialog" not in page and "Payer en ligne" in page


def test_a_long_paste_is_kept_whole_on_the_server_and_the_session_stays_small(
    app, member, member_client, client_for
):
    choose_path(member_client, "famille", "allocations-familiales", "autre-question")
    pasted = "Un très long texte collé, avec des accents : éàçù. " * 100  # never cut silently
    response = write(member_client, pasted)
    assert textarea(text_of(response)) == pasted
    assert "ne peut pas dépasser 750 caractères" in text_of(response)
    assert len(response.headers.get("Set-Cookie", "")) < 1000  # the draft is not in the cookie
    assert textarea(text_of(member_client.get(MESSAGE))) == pasted
    # Another session of the same member (another browser, after a new login) finds it too.
    elsewhere = logged_in(client_for, member)
    assert textarea(text_of(elsewhere.get(MESSAGE))) == pasted
