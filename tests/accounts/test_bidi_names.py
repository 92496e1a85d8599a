"""Names and addresses refuse the invisible characters that reorder their display (U+202E shows
"Durant\u202efdp.exe" as "Durantexe.pdf"), next to the field, on every form that takes them."""

from __future__ import annotations

import re

import pytest
from test_auth_signup import FORM, account_of, page_of, sign_up

REFUSED = "Ce texte contient des caractères invisibles qui changent son sens de lecture"


def field_error(page: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page)
    return match.group(1) if match else ""


@pytest.fixture(autouse=True)
def _fast(fast_passwords):
    pass


@pytest.mark.parametrize(
    ("field", "mark"),
    [
        ("last_name", "\u202e"),
        ("first_name", "\u200f"),
        ("commercial_name", "\u2067"),
        ("city", "\u202a"),
        ("address", "\u2069"),
    ],
)
def test_sign_up_refuses_a_name_with_a_direction_control(
    app, client_for, csrf_token, tenant_ids, field, mark
):
    response = sign_up(client_for("resilimo"), csrf_token, **{field: f"{FORM[field]}{mark}ab"})
    assert response.status_code == 200
    assert REFUSED in field_error(page_of(response), field)
    assert account_of(app, tenant_ids["resilimo"], "paul.durant@agence-durant.fr") is None


def test_sign_up_keeps_accents_and_foreign_scripts(app, client_for, csrf_token, tenant_ids):
    response = sign_up(
        client_for("resilimo"), csrf_token, last_name="Lefèvre-Åström", first_name="Noor نور"
    )
    assert response.status_code == 302


def test_a_user_of_the_account_is_refused_such_a_name(client_for, make_account, sign_in, post_form):
    account = make_account()
    client = client_for("resilimo")
    sign_in(client, account, account.holder_profile_id)
    response = post_form(
        client,
        "/compte/utilisateurs/nouveau",
        {"name": "Charlotte\u202eexe.pdf", "email": "charlotte@agence-fournier.fr"},
    )
    assert response.status_code == 200
    assert REFUSED in field_error(page_of(response), "name")
