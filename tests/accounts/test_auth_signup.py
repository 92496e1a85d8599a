"""Sign-up in its three modes: self (activation link), approval (operator), invite (operator)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email import policy as email_policy
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from portal.core.accounts.authentication import find_account
from portal.core.accounts.invitations import approve_signup, invite_account, reject_signup
from portal.core.accounts.models import Account, AccountStatus, AccountToken
from portal.core.accounts.validators import AccountDataError
from portal.core.audit import AuditEntry
from portal.core.tenants import tenant_scope, unscoped
from portal.extensions import db

PASSWORD = "Durant-Agence-2024!"  # noqa: S105 - a test password that meets the policy

FORM = {
    "email": "Paul.Durant@Agence-Durant.fr",
    "password": PASSWORD,
    "password_confirm": PASSWORD,
    "last_name": "Durant",
    "first_name": "Paul",
    "commercial_name": "Agence Axa Durant",
    "orias": "12 345 678",
    "siren": "732 829 320",
    "affiliation": "AXA",
    "address": "12 rue des Lilas",
    "address2": "Bâtiment B",
    "postal_code": "69003",
    "city": "Lyon",
    "phone": "04 72 00 00 00",
    "mobile": "06 12 34 56 78",
    "accept_terms": "y",
}


@pytest.fixture(autouse=True)
def _fast(fast_passwords):
    pass


def page_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def link_in(message, path: str) -> str:
    """The path of the link to ``path…`` in an email's text."""
    match = re.search(rf"https?://[^/\s]+({re.escape(path)}[\w-]+)", message.body_text)
    assert match, message.body_text
    return match.group(1)


def html_of(message) -> str:
    parsed = message_from_bytes(message.raw, policy=email_policy.default)
    return parsed.get_body(("html",)).get_content()


def account_of(app, tenant_id: int, email: str) -> Account | None:
    with app.app_context(), tenant_scope(tenant_id):
        account = db.session.scalar(select(Account).where(Account.email == email))
        if account is not None:
            account.profiles  # noqa: B018 - loaded before the session closes
            db.session.expunge_all()
        return account


def sign_up(client, csrf_token, **changes):
    page = client.get("/inscription?etape=formulaire&sans_orias=1").get_data(as_text=True)
    data = {**FORM, **changes}
    return client.post(
        "/inscription",
        data={k: v for k, v in data.items() if v is not None} | {"csrf_token": csrf_token(page)},
    )


def log_in(client, csrf_token, email, password):
    page = client.get("/connexion").get_data(as_text=True)
    return client.post(
        "/connexion", data={"csrf_token": csrf_token(page), "email": email, "password": password}
    )


def audit_actions(app, tenant_id) -> list[str]:
    with app.app_context():
        return db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.tenant_id == tenant_id)
            .order_by(AuditEntry.id.desc())
            .limit(20)
        ).all()


# --- Self sign-up (resilimo) ---------------------------------------------------------------------


def test_the_first_screen_asks_for_an_orias_number_or_continues_without(client_for):
    client = client_for("resilimo")
    page = page_of(client.get("/inscription"))
    assert "Vous avez un numéro ORIAS ?" in page and "Continuer sans ORIAS" in page

    page = page_of(client.get("/inscription?etape=formulaire&orias=12+345+678"))
    assert 'name="password_confirm"' in page and 'value="12 345 678"' in page

    page = page_of(client.get("/inscription?etape=formulaire&orias=1234"))
    assert "Le numéro ORIAS comporte 8 chiffres" in page and 'value="1234"' in page
    assert 'name="password"' not in page  # still the first screen

    page = page_of(client.get("/inscription?etape=formulaire&orias="))
    assert "Entrez votre numéro ORIAS, ou choisissez « Continuer sans ORIAS »." in page

    page = page_of(client.get("/inscription?etape=formulaire&sans_orias=1"))
    for name in (*FORM, "csrf_token"):
        assert f'name="{name}"' in page, name
    assert "Nom utilisé pour signer vos courriers" in page
    assert "Facultatif, pour vous contacter en cas d'urgence" in page
    assert "Je reconnais avoir lu et compris les" in page
    assert 'href="/pages/cgu"' in page  # the tenant's CGU page (portal.core.pages)
    assert "Pas d'affiliation" in page and "Courtier indépendant" in page


def test_self_signup_then_activation_then_login(
    app, client_for, csrf_token, sent_emails, tenant_ids
):
    client = client_for("resilimo")
    response = sign_up(client, csrf_token)
    assert response.status_code == 302
    page = page_of(client.get(response.headers["Location"]))
    assert (
        "Un e-mail a été envoyé à l'adresse paul.durant@agence-durant.fr. Il contient un lien "
        "d'activation sur lequel il vous faudra cliquer afin d'activer votre compte." in page
    )
    assert "spams" in page

    account = account_of(app, tenant_ids["resilimo"], "paul.durant@agence-durant.fr")
    assert account.status == AccountStatus.PENDING_ACTIVATION
    assert (account.phone, account.mobile) == ("+33472000000", "+33612345678")
    assert (account.orias, account.affiliation, account.address2) == (
        "12345678",
        "AXA",
        "Bâtiment B",
    )
    assert account.terms_accepted_at is not None and account.password_hash.startswith("$argon2")
    holder = account.holder_profile
    assert (holder.name, holder.email, holder.phone, holder.mobile) == (
        "Paul Durant",
        "paul.durant@agence-durant.fr",
        "+33472000000",
        "+33612345678",
    )

    # Not active yet: the right password gets a clear message, and no session.
    refused = page_of(log_in(client, csrf_token, "paul.durant@agence-durant.fr", PASSWORD))
    assert "Votre compte n'est pas encore activé" in refused

    [message] = sent_emails(tenant_ids["resilimo"])
    assert message.recipients == "paul.durant@agence-durant.fr"
    assert message.subject == "Activez votre compte"
    path = link_in(message, "/activation/")
    assert "Activer mon compte" in page_of(client.get(path))
    response = client.post(path, data={"csrf_token": csrf_token(client.get(path).get_data(True))})
    assert response.status_code == 302 and response.headers["Location"].endswith("/connexion")
    assert "Votre compte est activé" in page_of(client.get("/connexion"))

    account = account_of(app, tenant_ids["resilimo"], "paul.durant@agence-durant.fr")
    assert account.status == AccountStatus.ACTIVE and account.activated_at is not None
    assert {"account.signup", "account.activated"} <= set(audit_actions(app, account.tenant_id))

    response = log_in(client, csrf_token, "Paul.Durant@agence-durant.fr", PASSWORD)
    assert response.status_code == 302
    assert client.get("/compte/").status_code == 200


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"orias": "1234567"}, "orias", "Le numéro ORIAS comporte 8 chiffres"),
        ({"postal_code": "6900"}, "postal_code", "Le code postal comporte 5 chiffres."),
        ({"phone": "01 23"}, "phone", "Ce numéro de téléphone n'est pas valide."),
        ({"mobile": "04 72 00 00 00"}, "mobile", "Indiquez un numéro de téléphone portable."),
        ({"email": "paul@"}, "email", "Cette adresse e-mail n'est pas valide"),
        ({"commercial_name": ""}, "commercial_name", "Ce champ est obligatoire."),
        ({"accept_terms": None}, "accept_terms", "Acceptez les CGU et les CGV"),
        ({"affiliation": "Inconnue"}, "affiliation", None),
    ],
)
def test_each_mistake_is_explained_next_to_its_field_and_nothing_typed_is_lost(
    app, client_for, csrf_token, tenant_ids, changes, field, message
):
    client = client_for("resilimo")
    response = sign_up(client, csrf_token, **changes)
    assert response.status_code == 200
    page = page_of(response)
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page)
    assert error, field
    if message:
        assert message in error.group(1)
    assert f'aria-describedby="{field}-error"' in page or f"{field}-hint {field}-error" in page
    for name, value in FORM.items():
        if name not in changes and name not in ("accept_terms", "affiliation"):
            assert f'value="{value}"' in page, name  # kept, passwords included (they were fine)
    assert account_of(app, tenant_ids["resilimo"], "paul.durant@agence-durant.fr") is None


def test_a_weak_password_lists_what_it_lacks_and_is_not_echoed(client_for, csrf_token):
    client = client_for("resilimo")
    page = page_of(sign_up(client, csrf_token, password="durant", password_confirm="durant"))
    error = re.search(r'<p class="error" id="password-error">([^<]*)</p>', page).group(1)
    for missing in (
        "au moins 12 caractères",
        "une majuscule",
        "un chiffre",
        "un caractère spécial",
    ):
        assert missing in error
    assert "une minuscule" not in error
    assert 'value="durant"' not in page
    assert 'value="Agence Axa Durant"' in page


def test_different_passwords_are_refused(client_for, csrf_token):
    client = client_for("resilimo")
    page = page_of(sign_up(client, csrf_token, password_confirm=PASSWORD + "x"))
    error = re.search(r'<p class="error" id="password_confirm-error">([^<]*)</p>', page)
    assert "Les deux mots de passe ne sont pas identiques." in error.group(1)


def test_the_same_email_makes_two_accounts_on_two_tenants_but_one_per_tenant(
    app, client_for, csrf_token, sent_emails, tenant_ids
):
    resilimo, msr = client_for("resilimo"), client_for("msr")
    assert sign_up(resilimo, csrf_token).status_code == 302
    msr_form = msr.get("/inscription").get_data(as_text=True)
    data = {k: v for k, v in FORM.items() if not k.startswith("password")}
    response = msr.post(
        "/inscription",
        data={
            **data,
            "affiliation": "",
            "category": "individual",
            "csrf_token": csrf_token(msr_form),
        },
    )
    assert response.status_code == 302
    first = account_of(app, tenant_ids["resilimo"], "paul.durant@agence-durant.fr")
    second = account_of(app, tenant_ids["msr"], "paul.durant@agence-durant.fr")
    assert first.id != second.id and second.status == AccountStatus.PENDING_APPROVAL

    # Again on resilimo, once active: the same answer, no new account, the holder is told.
    with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        db.session.execute(update(Account).values(status=AccountStatus.ACTIVE))
        db.session.commit()
    again = sign_up(client_for("resilimo"), csrf_token, first_name="Intrus")
    assert again.status_code == 302 and again.headers["Location"].endswith("/inscription/envoyee")
    with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        assert db.session.scalar(select(db.func.count(Account.id))) == 1
    subjects = {m.subject: m for m in sent_emails(tenant_ids["resilimo"])}
    assert subjects.keys() == {
        "Activez votre compte",
        "Une inscription a été tentée avec votre adresse e-mail",
    }
    told = subjects["Une inscription a été tentée avec votre adresse e-mail"]
    assert "/mot-de-passe/oublie" in told.body_text


def test_signing_up_with_a_known_address_does_the_same_work(
    app, client_for, csrf_token, make_account, monkeypatch, sent_emails, tenant_ids
):
    """The password is hashed either way: the answer takes as long whether or not the address
    has an account (a timing would flake; the hasher's calls do not)."""
    from argon2 import PasswordHasher

    from portal.core.accounts import passwords

    hashed = []

    class CountingHasher(PasswordHasher):
        def hash(self, password, **kwargs):
            hashed.append(password)
            return super().hash(password, **kwargs)

    make_account(email="deja@agence-durant.fr")
    monkeypatch.setattr(passwords, "_hasher", CountingHasher(time_cost=1, memory_cost=1024))
    client = client_for("resilimo")
    new = sign_up(client, csrf_token)
    known = sign_up(client, csrf_token, email="deja@agence-durant.fr")
    assert new.headers["Location"] == known.headers["Location"]  # the same answer
    assert hashed == [PASSWORD, PASSWORD]  # after the same work
    subjects = sorted(m.subject for m in sent_emails(tenant_ids["resilimo"]))
    assert subjects == [
        "Activez votre compte",
        "Une inscription a été tentée avec votre adresse e-mail",
    ]


def test_signing_up_again_before_activating_sends_a_new_link(
    app, client_for, csrf_token, sent_emails, tenant_ids
):
    client = client_for("resilimo")
    sign_up(client, csrf_token)
    [first] = sent_emails(tenant_ids["resilimo"])  # jobs run in parallel: one at a time here
    sign_up(client, csrf_token)
    second = sent_emails(tenant_ids["resilimo"])[-1]
    assert first.subject == second.subject == "Activez votre compte"
    assert client.get(link_in(first, "/activation/")).status_code == 404  # replaced
    assert client.get(link_in(second, "/activation/")).status_code == 200


def test_an_activation_link_works_once_and_expires(
    app, client_for, csrf_token, sent_emails, tenant_ids
):
    client = client_for("resilimo")
    sign_up(client, csrf_token)
    path = link_in(sent_emails(tenant_ids["resilimo"])[0], "/activation/")
    token = csrf_token(client.get(path).get_data(as_text=True))

    with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        db.session.execute(
            update(AccountToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        db.session.commit()
    expired = client.get(path)
    assert expired.status_code == 404
    page = page_of(expired)
    assert "Ce lien n'est plus valable" in page and 'action="/activation/nouveau-lien"' in page
    assert client.post(path, data={"csrf_token": token}).status_code == 404

    # A new link, from the expired page's form.
    response = client.post(
        "/activation/nouveau-lien",
        data={"csrf_token": csrf_token(page), "email": "paul.durant@agence-durant.fr"},
    )
    assert response.status_code == 302
    fresh = link_in(sent_emails(tenant_ids["resilimo"])[-1], "/activation/")
    assert client.post(fresh, data={"csrf_token": token}).status_code == 302
    used = client.post(fresh, data={"csrf_token": token})
    assert used.status_code == 404 and "Ce lien n'est plus valable" in page_of(used)


def test_asking_for_a_new_activation_link_reveals_nothing(
    app, client_for, csrf_token, sent_emails, tenant_ids
):
    client = client_for("resilimo")
    sign_up(client, csrf_token)
    page = client.get("/activation/nouveau-lien").get_data(as_text=True)
    answers = []
    for address in ("paul.durant@agence-durant.fr", "personne@agence-durant.fr"):
        response = client.post(
            "/activation/nouveau-lien", data={"csrf_token": csrf_token(page), "email": address}
        )
        answers.append((response.status_code, response.headers["Location"]))
        answers.append(client.get(response.headers["Location"]).get_data())
    assert answers[0] == answers[2] and answers[1] == answers[3]
    assert [m.recipients for m in sent_emails(tenant_ids["resilimo"])] == [
        "paul.durant@agence-durant.fr",
        "paul.durant@agence-durant.fr",
    ]


def test_signup_and_login_refuse_a_post_without_csrf_token(client_for):
    client = client_for("resilimo")
    client.get("/inscription")
    assert client.post("/inscription", data=FORM).status_code == 400
    assert client.post("/connexion", data={"email": "a@b.fr", "password": "x"}).status_code == 400


# --- Approval (msr) ------------------------------------------------------------------------------


def test_approval_request_then_approval_then_first_password_then_login(
    app, client_for, csrf_token, sent_emails, tenant_ids
):
    client = client_for("msr")
    page = page_of(client.get("/inscription"))
    assert 'name="email"' in page and 'name="password"' not in page  # no password: a request
    # msr members are individuals, farmers or employers: their messaging themes differ.
    assert "Vous êtes" in page and ">Exploitant<" in page and ">Employeur<" in page
    # A member is no intermediary: no commercial name, ORIAS, SIREN nor affiliation.
    for name in ("commercial_name", "orias", "siren", "affiliation"):
        assert f'name="{name}"' not in page, name
    data = {k: v for k, v in FORM.items() if not k.startswith("password")}
    data |= {"csrf_token": csrf_token(page)}
    refused = client.post("/inscription", data={**data, "category": "astronaut"})
    assert refused.status_code == 200 and "Vous êtes" in page_of(refused)
    response = client.post("/inscription", data={**data, "category": "farmer"})
    assert response.status_code == 302
    assert "Votre demande de création de compte a bien été enregistrée" in page_of(
        client.get(response.headers["Location"])
    )
    [received] = sent_emails(tenant_ids["msr"])
    assert received.subject == "Votre demande d'inscription a bien été reçue"

    staff = SimpleNamespace(id=7, email="operatrice@portail.test")
    with app.app_context(), tenant_scope(tenant_ids["msr"]):
        account = find_account("paul.durant@agence-durant.fr")
        assert account.status == AccountStatus.PENDING_APPROVAL and account.password_hash is None
        assert account.category == "farmer"
        account_id = account.id
    # As the back office calls it: on its own host, unscoped.
    with app.test_request_context("/", base_url="http://backoffice.localhost"), unscoped():
        approve_signup(db.session.get(Account, account_id), staff)
        db.session.commit()
    approved = sent_emails(tenant_ids["msr"])[-1]
    assert approved.subject == "Votre compte est validé : créez votre mot de passe"
    path = link_in(approved, "/mot-de-passe/creer/")
    # Sent from the back office: the link points to the tenant's public address.
    assert approved.body_text.count("https://monespace.msr.test/mot-de-passe/creer/") == 1

    page = client.get(path).get_data(as_text=True)
    assert "paul.durant@agence-durant.fr" in page and 'name="accept_terms"' not in page
    response = client.post(
        path,
        data={"csrf_token": csrf_token(page), "password": PASSWORD, "password_confirm": PASSWORD},
    )
    assert response.status_code == 302
    assert client.get("/compte/").status_code == 200  # logged in at once
    account = account_of(app, tenant_ids["msr"], "paul.durant@agence-durant.fr")
    assert account.status == AccountStatus.ACTIVE and account.activated_at is not None
    assert client.get(path).status_code == 404  # used

    fresh = client_for("msr")
    assert log_in(fresh, csrf_token, "paul.durant@agence-durant.fr", PASSWORD).status_code == 302
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry)
            .where(
                AuditEntry.action == "account.signup_approved", AuditEntry.target_id == account.id
            )
            # The audit log outlives tests and ids of deleted accounts come back: newest first.
            .order_by(AuditEntry.id.desc())
            .limit(1)
        )
        assert (entry.actor_type, entry.actor_id, entry.tenant_id) == (
            "staff",
            7,
            account.tenant_id,
        )


def test_a_rejected_request_is_told_why(app, client_for, csrf_token, sent_emails, tenant_ids):
    client = client_for("msr")
    page = client.get("/inscription").get_data(as_text=True)
    data = {k: v for k, v in FORM.items() if not k.startswith("password")}
    data |= {"affiliation": "", "category": "employer", "csrf_token": csrf_token(page)}
    client.post("/inscription", data=data)
    staff = SimpleNamespace(id=8, email="operateur@portail.test")
    with app.app_context(), tenant_scope(tenant_ids["msr"]):
        account = find_account("paul.durant@agence-durant.fr")
        with pytest.raises(AccountDataError):
            reject_signup(account, staff, "  ")
        reject_signup(account, staff, "Centre de gestion inconnu.")
        db.session.commit()
        assert account.status == AccountStatus.REJECTED
        with pytest.raises(ValueError):
            approve_signup(account, staff)
    [rejected] = [
        m
        for m in sent_emails(tenant_ids["msr"])
        if m.subject == "Votre demande d'inscription n'a pas été acceptée"
    ]
    assert "Centre de gestion inconnu." in rejected.body_text
    # The right password does not exist: the login page says nothing more than for a stranger.
    assert "Adresse e-mail ou mot de passe incorrect." in page_of(
        log_in(client, csrf_token, "paul.durant@agence-durant.fr", PASSWORD)
    )


# --- Invite (horizon) ----------------------------------------------------------------------------


def test_horizon_has_no_self_signup(client_for):
    client = client_for("horizon")
    assert client.get("/inscription").status_code == 404
    assert client.get("/inscription/envoyee").status_code == 404
    page = page_of(client.get("/connexion?lang=fr"))
    assert "Première connexion / créer mon mot de passe" in page and "/inscription" not in page


def invite(app, tenant_id, **changes):
    staff = SimpleNamespace(id=9, email="admin@portail.test")
    values = {
        "email": "Lea.Martin@Courtage-Martin.fr",
        "first_name": "Léa",
        "last_name": "Martin",
        "commercial_name": "Courtage Martin",
        "address": "5 cours Gambetta",
        "postal_code": "33000",
        "city": "Bordeaux",
        "phone": "05 56 00 00 00",
        **changes,
    }
    with app.app_context(), tenant_scope(tenant_id):
        account = invite_account(**values, staff=staff)
        db.session.commit()
        return account.id


def test_invited_account_creates_its_password_then_logs_in(
    app, client_for, csrf_token, sent_emails, tenant_ids
):
    invite(app, tenant_ids["horizon"], orias="11 222 333", mobile="06 00 00 00 01")
    account = account_of(app, tenant_ids["horizon"], "lea.martin@courtage-martin.fr")
    assert account.status == AccountStatus.INVITED and account.password_hash is None
    assert (account.orias, account.mobile, account.holder_profile.name) == (
        "11222333",
        "+33600000001",
        "Léa Martin",
    )
    [message] = sent_emails(tenant_ids["horizon"])
    assert 'lang="en"' in html_of(message)  # horizon speaks English by default
    path = link_in(message, "/mot-de-passe/creer/")
    assert "https://solutions.horizon-mutuelle.test/mot-de-passe/creer/" in message.body_text

    client = client_for("horizon")
    page = client.get(path + "?lang=fr").get_data(as_text=True)
    assert 'name="accept_terms"' in page  # never accepted: asked now
    token = csrf_token(page)
    weak = client.post(
        path, data={"csrf_token": token, "password": "abc", "password_confirm": "abc"}
    )
    assert weak.status_code == 200 and "au moins 12 caractères" in page_of(weak)
    no_terms = client.post(
        path, data={"csrf_token": token, "password": PASSWORD, "password_confirm": PASSWORD}
    )
    assert "Acceptez les conditions générales" in page_of(no_terms)
    response = client.post(
        path,
        data={
            "csrf_token": token,
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "accept_terms": "y",
        },
    )
    assert response.status_code == 302
    account = account_of(app, tenant_ids["horizon"], "lea.martin@courtage-martin.fr")
    assert account.status == AccountStatus.ACTIVE and account.terms_accepted_at is not None
    assert log_in(client_for("horizon"), csrf_token, account.email, PASSWORD).status_code == 302
    assert {"account.invited", "account.first_password_set"} <= set(
        audit_actions(app, tenant_ids["horizon"])
    )


def test_first_connection_sends_a_new_link_and_answers_the_same_for_anyone(
    app, client_for, csrf_token, sent_emails, tenant_ids
):
    invite(app, tenant_ids["horizon"])
    [first] = sent_emails(tenant_ids["horizon"])
    client = client_for("horizon")
    page = client.get("/premiere-connexion").get_data(as_text=True)
    answers = []
    for address in ("lea.martin@courtage-martin.fr", "inconnu@courtage-martin.fr"):
        response = client.post(
            "/premiere-connexion", data={"csrf_token": csrf_token(page), "email": address}
        )
        answers.append((response.status_code, response.headers["Location"]))
        answers.append(client.get(response.headers["Location"]).get_data())
    assert answers[0] == answers[2] and answers[1] == answers[3]
    _, second = sent_emails(tenant_ids["horizon"])
    assert second.recipients == "lea.martin@courtage-martin.fr"
    assert client.get(link_in(first, "/mot-de-passe/creer/")).status_code == 404  # replaced
    assert client.get(link_in(second, "/mot-de-passe/creer/")).status_code == 200
    assert client_for("resilimo").get("/premiere-connexion").status_code == 404


def test_invite_refuses_a_taken_address_and_bad_data(app, tenant_ids):
    invite(app, tenant_ids["horizon"])
    for changes, field in (
        ({"email": "LEA.martin@courtage-martin.fr"}, "email"),
        ({"email": "lea@"}, "email"),
        ({"email": "x@courtage-martin.fr", "postal_code": "330"}, "postal_code"),
        ({"email": "x@courtage-martin.fr", "phone": "12"}, "phone"),
    ):
        with pytest.raises(AccountDataError) as error:
            invite(app, tenant_ids["horizon"], **changes)
        assert error.value.field == field
    invite(app, tenant_ids["resilimo"], siren="732 829 320")  # another tenant: no clash
