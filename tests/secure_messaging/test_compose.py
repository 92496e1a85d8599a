"""Writing a secure message as a member does: theme → topic → reason, the online-service
dialog, the message (10 to 750 characters), the summary, the confirmation and its email and SMS.
Every step is driven without JavaScript, as a browser without it would. Each message being
written is a draft of its own, named in its URLs."""

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

NEW = "/secure-messaging/messages/nouveau"
TEXT = "Bonjour, nous avons eu un troisième enfant le 2 mars : que dois-je déclarer ?"


class Compose:
    """The URLs of one message being written: ``/messages/<key>/<step>`` once its theme is
    chosen (before that, the theme is asked at ``/messages/nouveau``)."""

    def __init__(self, client):
        self.client = client
        self.key = None

    def url(self, step: str) -> str:
        if self.key is None:
            return NEW
        return f"/secure-messaging/messages/{self.key}/{step}"

    @property
    def theme(self):
        return self.url("theme")

    @property
    def topic(self):
        return self.url("sujet")

    @property
    def reason(self):
        return self.url("motif")

    @property
    def message(self):
        return self.url("message")

    @property
    def summary(self):
        return self.url("recapitulatif")

    @property
    def dismiss(self):
        return self.url("service/fermer")

    @property
    def cancel(self):
        return self.url("abandonner")

    def choose(self, step: str, code: str):
        response = post_form(self.client, step, {"choice": code})
        if self.key is None and response.status_code == 302:
            self.key = re.search(r"/messages/([^/]+)/", location(response)).group(1)
        return response

    def choose_path(self, *codes):
        response = None
        for step, code in zip(("theme", "sujet", "motif"), codes, strict=False):
            response = self.choose(self.url(step), code)
            assert response.status_code == 302, text_of(response)
        return response

    def write(self, body: str):
        return post_form(self.client, self.message, {"body": body})

    def send(self):
        return post_form(self.client, self.summary, {})


def textarea(page: str) -> str:
    return re.search(r"<textarea[^>]*>\r?\n?(.*?)</textarea>", page, re.S).group(1)


def checked(page: str) -> list[str]:
    return re.findall(r'<input[^>]*checked[^>]*value="([^"]+)"', page) + re.findall(
        r'<input[^>]*value="([^"]+)"[^>]*checked', page
    )


def test_the_full_path_offers_the_online_service_then_the_message(member_client):
    draft = Compose(member_client)
    page = text_of(member_client.get(NEW))
    assert "Envoyer un message" in page and "Mon message concerne" in page
    assert "Famille, logement" in page and "Retraite" in page
    assert "Annuler" in page and "Valider" in page

    response = draft.choose(NEW, "famille")
    assert location(response).endswith(draft.topic)
    page = text_of(member_client.get(draft.topic))
    assert "Sujet" in page and "Allocations familiales" in page and "Aides au logement" in page
    assert re.search(r"Mon message concerne</dt>\s*<dd>Famille, logement", page)
    assert f'href="{draft.theme}"' in page and "Modifier" in page

    response = draft.choose(draft.topic, "allocations-familiales")
    assert location(response).endswith(draft.reason)
    page = text_of(member_client.get(draft.reason))
    assert "Motif" in page and "Changement de situation - Famille" in page
    assert f'href="{draft.topic}"' in page

    response = draft.choose(draft.reason, "changement-situation")
    assert location(response).endswith(draft.message)

    # Étape 3: the dialog, open in the server's page, the page behind it inert.
    page = text_of(member_client.get(draft.message))
    dialog = re.search(r"<dialog[^>]*>.*?</dialog>", page, re.S).group(0)
    assert re.search(r"<dialog open[^>]*aria-modal=\"true\"", dialog)
    assert 'aria-labelledby="sm-dialog-title"' in dialog
    assert "Un service en ligne correspond à votre demande" in dialog
    assert "Déclarer un changement de situation" in dialog
    assert 'href="https://www.msr.test/services/changement-situation"' in dialog
    assert "J'utilise le service en ligne" in dialog
    assert "Fermer et rédiger mon message" in dialog and f'action="{draft.dismiss}"' in dialog
    assert "Fermer et modifier ma sélection" in dialog and f'href="{draft.reason}"' in dialog
    assert '<div id="sm-page" inert>' in page

    response = post_form(member_client, draft.message, {"level": "2"}, action=draft.dismiss)
    assert location(response).endswith(draft.message)
    page = text_of(member_client.get(draft.message))
    assert "<dialog" not in page and "inert" not in page
    assert "Service en ligne" in page and "Déclarer un changement de situation" in page
    assert re.search(r"Motif</dt>\s*<dd>Changement de situation - Famille", page)
    assert "Mon message" in page
    assert (
        "Attention : nous vous conseillons de ne pas communiquer d'information relative à des "
        "données médicales." in page
    )
    box = re.search(r"<textarea[^>]*>", page).group(0)
    assert 'placeholder="Écrivez ici votre message (minimum 10 caractères)"' in box
    assert "maxlength" not in box
    assert re.search(r'aria-live="polite">750 caractères restants\.</p>', page)


def test_the_dialog_is_not_shown_again_once_closed_and_the_script_may_close_it(member_client):
    draft = Compose(member_client)
    draft.choose_path("famille", "allocations-familiales", "changement-situation")
    token = csrf_token(member_client.get(draft.message).get_data(as_text=True))
    response = member_client.post(
        draft.dismiss,
        data={"csrf_token": token, "level": "2"},
        headers={"X-Requested-With": "fetch"},
    )
    assert response.status_code == 204
    assert "<dialog" not in text_of(member_client.get(draft.message))


def test_a_reason_without_service_goes_straight_to_the_message(member_client):
    draft = Compose(member_client)
    response = draft.choose_path("famille", "allocations-familiales", "autre-question")
    assert location(response).endswith(draft.message)
    page = text_of(member_client.get(draft.message))
    assert "<dialog" not in page and "Service en ligne" not in page
    assert "Autre question Allocations familiales" in page


def test_modify_goes_back_and_keeps_later_choices_only_while_they_are_valid(member_client):
    draft = Compose(member_client)
    draft.choose_path("famille", "allocations-familiales", "autre-question")
    draft.write(TEXT)

    # Back to the theme: the earlier answer is checked; the same theme keeps topic and reason.
    assert checked(text_of(member_client.get(draft.theme))) == ["famille"]
    draft.choose(draft.theme, "famille")
    assert checked(text_of(member_client.get(draft.topic))) == ["allocations-familiales"]
    assert checked(text_of(member_client.get(draft.reason))) == ["autre-question"]
    assert textarea(text_of(member_client.get(draft.message))) == TEXT

    # Another theme: its topics differ, so the topic and reason are asked again; the text stays.
    response = draft.choose(draft.theme, "retraite")
    assert location(response).endswith(draft.topic)
    assert checked(text_of(member_client.get(draft.topic))) == []
    assert location(member_client.get(draft.reason)).endswith(draft.topic)
    assert location(member_client.get(draft.message)).endswith(draft.topic)
    draft.choose_path("retraite", "depart", "demande-retraite")
    assert textarea(text_of(member_client.get(draft.message))) == TEXT


def test_a_step_cannot_be_skipped(member_client):
    draft = Compose(member_client)
    draft.choose(NEW, "famille")
    assert location(member_client.get(draft.reason)).endswith(draft.topic)
    assert location(member_client.get(draft.message)).endswith(draft.topic)
    assert location(member_client.get(draft.summary)).endswith(draft.topic)
    assert location(post_form(member_client, draft.topic, {}, action=draft.summary)).endswith(
        draft.topic
    )
    assert member_client.get(draft.url("inconnue")).status_code == 404


def test_the_message_length_is_checked_and_a_refused_text_is_kept(member_client):
    draft = Compose(member_client)
    draft.choose_path("famille", "allocations-familiales", "autre-question")
    for body, error in (
        ("Trop court", None),  # 10 characters: accepted
        ("Trop cour", "au moins 10 caractères (il en compte 9)"),
        ("x" * 751, "ne peut pas dépasser 750 caractères (il en compte 751)"),
    ):
        response = draft.write(body)
        if error is None:
            assert location(response).endswith(draft.summary)
            continue
        assert response.status_code == 200
        page = text_of(response)
        assert re.search(r'<p class="error" id="body-error">[^<]*' + re.escape(error), page)
        assert 'aria-invalid="true"' in page
        assert textarea(page) == body
        # Kept in the draft: the step shown again later still holds it.
        assert textarea(text_of(member_client.get(draft.message))) == body
        assert location(member_client.get(draft.summary)).endswith(draft.message)
    assert "1 caractère en trop." in text_of(member_client.get(draft.message))

    # 750 characters, line breaks sent as "\r\n" counted once, like the live counter does.
    body = "a" * 374 + "\r\n" + "b" * 375
    assert location(draft.write(body)).endswith(draft.summary)
    assert location(draft.write("x" * 750)).endswith(draft.summary)
    assert re.search(r">0 caractères? restants?\.</p>", text_of(member_client.get(draft.message)))


def test_the_summary_then_one_conversation_even_when_sent_twice(app, member, member_client):
    draft = Compose(member_client)
    draft.choose_path("famille", "allocations-familiales", "changement-situation")
    post_form(member_client, draft.message, {"level": "2"}, action=draft.dismiss)
    assert location(draft.write(TEXT)).endswith(draft.summary)

    page = text_of(member_client.get(draft.summary))
    assert "Récapitulatif de ma demande" in page
    for label, value in (
        ("Thème", "Famille, logement"),
        ("Sujet", "Allocations familiales"),
        ("Motif", "Changement de situation - Famille"),
    ):
        assert re.search(rf"<dt>{label}</dt>\s*<dd>{re.escape(value)}</dd>", page)
    assert TEXT in page
    assert "Annuler" in page and f'href="{draft.message}">Précédent' in page and "Envoyer" in page

    data = {"csrf_token": csrf_token(member_client.get(draft.summary).get_data(as_text=True))}
    first = member_client.post(draft.summary, data=data)
    second = member_client.post(draft.summary, data=data)  # a double click, or back then send
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
    assert conversation["reference"] in page
    assert "Vous recevrez un e-mail de notification ainsi qu'un SMS de confirmation" in page
    assert f'href="/messagerie/conversations/{conversation["id"]}"' in page
    assert 'href="/secure-messaging/"' in page

    # The draft is gone: « Ma messagerie » lists no message in progress any more.
    assert draft.key not in text_of(member_client.get("/secure-messaging/"))

    [email] = [e for e in devbox(app, member.tenant_id, "email") if member.email in e.recipients]
    assert email.subject == "Nous avons bien reçu votre message"
    assert conversation["reference"] in email.body_text
    [sms] = devbox(app, member.tenant_id, "sms")
    assert sms.recipients == "+33612345678"
    assert conversation["reference"] in sms.body_text


def test_without_a_mobile_the_confirmation_mentions_no_sms(app, tenant_ids, client_for):
    member = make_member(app, "sans.mobile@example.fr", mobile=None)
    draft = Compose(logged_in(client_for, member))
    draft.choose_path("retraite", "depart", "demande-retraite")
    draft.write(TEXT)
    page = text_of(draft.client.get(location(draft.send())))
    page = page.split("<main", 1)[1].split("</main>", 1)[0]  # the page, not the banners
    assert "Votre message a bien été envoyé" in page
    assert "SMS" not in page and "Vous recevrez un e-mail de notification." in page
    assert len([e for e in devbox(app, member.tenant_id, "email") if member.email in e.recipients])
    assert devbox(app, member.tenant_id, "sms") == []


def test_cancel_forgets_the_draft(member_client):
    draft = Compose(member_client)
    draft.choose_path("famille", "allocations-familiales", "autre-question")
    draft.write(TEXT)
    response = post_form(member_client, draft.summary, {}, action=draft.cancel)
    assert location(response).endswith("/secure-messaging/")
    page = text_of(member_client.get("/secure-messaging/"))
    assert "Votre message a été abandonné." in page and draft.key not in page
    assert member_client.get(draft.message).status_code == 404
    assert checked(text_of(member_client.get(NEW))) == []


def test_codes_of_another_tenant_or_category_are_refused_and_never_trusted(
    app, tenant_ids, client_for, member_client
):
    # "mon-compte" is a theme of resilimo (its help-request subjects), not of msr;
    # "cotisations-exploitants" is for farmers, "employeur" for employers.
    draft = Compose(member_client)
    for code in ("mon-compte", "cotisations-exploitants", "employeur", "nimporte-quoi"):
        response = draft.choose(NEW, code)
        assert response.status_code == 200
        page = text_of(response)
        assert re.search(
            r'<p class="error" id="choice-error">Choisissez une réponse dans la liste\.', page
        )
        assert draft.key is None  # no draft started
    assert "Mes messages en cours" not in text_of(member_client.get("/secure-messaging/"))

    # A topic of another theme is refused at the topic step too, and never leads further.
    draft.choose(NEW, "famille")
    assert draft.choose(draft.topic, "depart").status_code == 200
    assert location(member_client.get(draft.reason)).endswith(draft.topic)

    # Each category sees its own themes.
    farmer = logged_in(client_for, make_member(app, "f@example.fr", category="farmer"))
    page = text_of(farmer.get(NEW))
    assert (
        "Exploitants, cotisations" in page and "Cotisations et déclarations employeur" not in page
    )
    farmer_draft = Compose(farmer)
    assert location(farmer_draft.choose(NEW, "cotisations-exploitants")).endswith(
        farmer_draft.topic
    )
    employer = logged_in(client_for, make_member(app, "e@example.fr", category="employer"))
    page = text_of(employer.get(NEW))
    assert "Cotisations et déclarations employeur" in page and "Santé" not in page
    assert Compose(employer).choose(NEW, "famille").status_code == 200
    # No category: the tenant's first one (individual).
    nobody = logged_in(client_for, make_member(app, "n@example.fr", category=None))
    page = text_of(nobody.get(NEW))
    assert "Famille, logement" in page and "Exploitants, cotisations" not in page


def test_any_depth_a_leaf_theme_is_complete_and_a_theme_service_shows_on_the_next_step(
    monkeypatch, app, member, member_client
):
    from plugins.secure_messaging import compose
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
    monkeypatch.setattr(compose, "_themes", lambda: themes)

    # A theme without topics: straight to the message; the summary has the theme only.
    draft = Compose(member_client)
    assert location(draft.choose(NEW, "question")).endswith(draft.message)
    assert location(member_client.get(draft.topic)).endswith(draft.message)
    draft.write(TEXT)
    page = text_of(member_client.get(draft.summary))
    assert re.search(r"<dt>Thème</dt>\s*<dd>Question générale</dd>", page)
    assert "<dt>Sujet</dt>" not in page
    draft.send()
    [sent] = conversations(app, member.tenant_id, member.id)
    assert sent["codes"] == ("question", None, None)

    # A theme with a service: the dialog opens on the topic step, and leads back to the theme.
    draft = Compose(member_client)
    assert location(draft.choose(NEW, "paiement")).endswith(draft.topic)
    page = text_of(member_client.get(draft.topic))
    dialog = re.search(r"<dialog.*?</dialog>", page, re.S).group(0)
    assert "Payer en ligne" in dialog and f'href="{draft.theme}"' in dialog
    assert 'name="level" value="0"' in dialog
    response = post_form(member_client, draft.topic, {"level": "0"}, action=draft.dismiss)
    assert location(response).endswith(draft.topic)
    assert "<dialog" not in text_of(member_client.get(draft.topic))
    assert location(draft.choose(draft.topic, "echeance")).endswith(draft.message)
    page = text_of(member_client.get(draft.message))
    assert "<dialog" not in page and "Payer en ligne" in page


def test_a_long_paste_is_kept_whole_on_the_server_and_the_session_stays_small(
    app, member, member_client, client_for
):
    draft = Compose(member_client)
    draft.choose_path("famille", "allocations-familiales", "autre-question")
    pasted = "Un très long texte collé, avec des accents : éàçù. " * 100  # never cut silently
    response = draft.write(pasted)
    assert textarea(text_of(response)) == pasted
    assert "ne peut pas dépasser 750 caractères" in text_of(response)
    assert len(response.headers.get("Set-Cookie", "")) < 1000  # the draft is not in the cookie
    assert textarea(text_of(member_client.get(draft.message))) == pasted
    # Another session of the same member (another browser, after a new login) finds it too.
    elsewhere = logged_in(client_for, member)
    assert textarea(text_of(elsewhere.get(draft.message))) == pasted


def test_several_messages_are_written_at_once_each_resumed_from_the_list(member_client):
    first, second = Compose(member_client), Compose(member_client)
    first.choose_path("famille", "allocations-familiales", "autre-question")
    first.write(TEXT)
    second.choose_path("retraite")
    assert first.key != second.key

    home = text_of(member_client.get("/secure-messaging/"))
    assert "Mes messages en cours de rédaction" in home
    # Newest first, each titled by its path, resumed where it stands.
    assert home.index(f'data-draft="{second.key}"') < home.index(f'data-draft="{first.key}"')
    assert f'href="{second.topic}">Retraite</a>' in home
    assert f'href="{first.summary}">Famille, logement › Allocations familiales' in home
    assert "modifié par Claire Martin" in home
    assert textarea(text_of(member_client.get(first.message))) == TEXT
    assert checked(text_of(member_client.get(second.theme))) == ["retraite"]


def test_the_list_names_the_profile_that_changed_a_draft_last(
    app, client_for, member, member_client, make_profile
):
    draft = Compose(member_client)
    draft.choose_path("famille", "allocations-familiales", "autre-question")
    assert "modifié par Claire Martin" in text_of(member_client.get("/secure-messaging/"))
    assistant = logged_in(client_for, member, make_profile(member, name="Léa Martin"))
    post_form(assistant, draft.message, {"body": TEXT})
    home = text_of(member_client.get("/secure-messaging/"))
    assert "modifié par Léa Martin" in home and "modifié par Claire Martin" not in home


def test_another_account_gets_404_for_a_draft_and_cannot_discard_it(app, client_for, member_client):
    draft = Compose(member_client)
    draft.choose_path("famille", "allocations-familiales", "autre-question")
    other = logged_in(client_for, make_member(app, "voisine@example.fr"))
    for step in ("theme", "sujet", "message", "recapitulatif"):
        assert other.get(draft.url(step)).status_code == 404, step
    token = csrf_token(other.get(NEW).get_data(as_text=True))
    for action in (draft.cancel, draft.dismiss, draft.summary):
        assert other.post(action, data={"csrf_token": token}).status_code == 404, action
    assert textarea(text_of(member_client.get(draft.message))) == ""
    assert location(member_client.get(draft.summary)).endswith(draft.message)


def test_the_wizards_own_list_resumes_and_discards(member_client):
    draft = Compose(member_client)
    draft.choose_path("retraite")
    page = text_of(member_client.get("/secure-messaging/messages/"))
    assert "Messages en cours de rédaction" in page and f'href="{NEW}"' in page
    assert f'href="{draft.topic}">Retraite</a>' in page
    response = post_form(member_client, "/secure-messaging/messages/", {}, action=draft.cancel)
    assert location(response).endswith("/secure-messaging/")
    assert "Aucun brouillon en cours." in text_of(member_client.get("/secure-messaging/messages/"))
