"""Searching the directory: folding (accents, case, punctuation), ranking, the 2-character
minimum, inactive entries hidden, tenants walled off; the agents' live-search endpoint."""

from __future__ import annotations

from dirkit import add_entries

from portal.core.directory.kinds import EntryKind
from portal.core.directory.search import active_entry, search, search_key


def names(found) -> list[str]:
    return [entry.name for entry in found]


def test_search_key_folds_accents_case_and_punctuation():
    assert search_key("  Thélem   Assurances ") == "thelem assurances"
    assert search_key("M.A.I.F") == "m a i f"
    assert search_key("Caisse d'Épargne") == "caisse d epargne"
    assert search_key("Cœur & Æther") == "coeur aether"


def test_accents_case_and_punctuation_do_not_matter(app, tenant_ids, in_tenant):
    add_entries(app, tenant_ids["resilimo"], "MAIF", "Thélem Assurances", "Caisse d'Épargne")
    add_entries(app, tenant_ids["resilimo"], "Caisse d'Épargne", kind=EntryKind.BANK)
    with in_tenant("resilimo"):
        for typed in ("maïf", "MAIF", "M.A.I.F", "m a i f", "Maif "):
            assert names(search(typed)) == ["MAIF"], typed
        assert names(search("THELEM")) == ["Thélem Assurances"]
        assert names(search("thé-lem")) == ["Thélem Assurances"]
        assert names(search("epargne", kind=EntryKind.BANK)) == ["Caisse d'Épargne"]
        assert names(search("d'épargne")) == ["Caisse d'Épargne"]  # an insurer of that name too


def test_names_starting_with_the_text_come_first_then_words_then_the_rest(
    app, tenant_ids, in_tenant
):
    add_entries(
        app,
        tenant_ids["resilimo"],
        "Harmonie Mutuelle",
        "Mutuelle de Poitiers",
        "MACIF",
        "MAAF Assurances",
        "Smacl",
        "Groupe Mac",
        "Matmut",
    )
    with in_tenant("resilimo"):
        # Starting with « mac », alphabetical; then a word starting with it; then inside a word.
        assert names(search("mac")) == ["MACIF", "Groupe Mac", "Smacl"]
        assert names(search("mutuelle")) == ["Mutuelle de Poitiers", "Harmonie Mutuelle"]
        assert names(search("ma")) == [
            "MAAF Assurances",
            "MACIF",
            "Matmut",
            "Groupe Mac",
            "Smacl",
        ]
        assert names(search("ma", limit=3)) == ["MAAF Assurances", "MACIF", "Matmut"]


def test_nothing_under_two_characters(app, tenant_ids, in_tenant):
    add_entries(app, tenant_ids["resilimo"], "AXA France IARD", "Allianz IARD")
    with in_tenant("resilimo"):
        assert search("") == [] and search("a") == [] and search(" a. ") == []
        assert search("é") == []
        assert names(search("ax")) == ["AXA France IARD"]
        assert names(search("a.x")) == ["AXA France IARD"]


def test_inactive_entries_and_other_kinds_are_never_offered(app, tenant_ids, in_tenant):
    (closed,) = add_entries(app, tenant_ids["resilimo"], "Assurances du Marais", active=False)
    (bank,) = add_entries(app, tenant_ids["resilimo"], "Banque du Marais", kind=EntryKind.BANK)
    with in_tenant("resilimo"):
        assert search("marais") == []
        assert names(search("marais", kind=EntryKind.BANK)) == ["Banque du Marais"]
        assert active_entry(closed) is None
        assert active_entry(bank) is None  # an insurer is asked for
        assert active_entry(bank, kind=EntryKind.BANK).name == "Banque du Marais"
        assert active_entry("not a number") is None and active_entry(None) is None


def test_another_tenants_entries_are_never_found_nor_loaded(app, tenant_ids, in_tenant):
    (foreign,) = add_entries(app, tenant_ids["horizon"], "Mutuelle Horizon")
    (own,) = add_entries(app, tenant_ids["resilimo"], "Mutuelle Résilimo")
    with in_tenant("resilimo"):
        assert names(search("mutuelle")) == ["Mutuelle Résilimo"]
        assert active_entry(foreign) is None
        assert active_entry(str(own)).name == "Mutuelle Résilimo"
    with in_tenant("horizon"):
        assert names(search("mutuelle")) == ["Mutuelle Horizon"]


def test_the_address_as_printed(app, tenant_ids, in_tenant):
    (entry_id,) = add_entries(
        app, tenant_ids["resilimo"], "GMF", complement="TSA 40001", city="ORLÉANS CEDEX 9"
    )
    with in_tenant("resilimo"):
        assert active_entry(entry_id).address_lines == [
            "1 rue de la Paix",
            "TSA 40001",
            "75002 ORLÉANS CEDEX 9",
        ]


# --- the live-search endpoint -----------------------------------------------------------------


def test_the_endpoint_answers_the_tenants_active_entries_as_json(
    app, tenant_ids, make_account, logged_in
):
    add_entries(app, tenant_ids["resilimo"], "MAIF", "MACIF", "MAAF Assurances")
    add_entries(app, tenant_ids["resilimo"], "Maison Close", active=False)
    add_entries(app, tenant_ids["resilimo"], "Banque Maison", kind=EntryKind.BANK)
    add_entries(app, tenant_ids["horizon"], "Mais Ailleurs")
    client = logged_in(make_account("resilimo"))
    found = client.get("/annuaire/recherche?q=ma%C3%AF")
    assert found.status_code == 200 and found.is_json
    assert found.json == [
        {"id": found.json[0]["id"], "name": "MAIF", "address": ["1 rue de la Paix", "75002 PARIS"]}
    ]
    assert [row["name"] for row in client.get("/annuaire/recherche?q=ma").json] == [
        "MAAF Assurances",
        "MACIF",
        "MAIF",
    ]
    banks = client.get("/annuaire/recherche?q=mai&kind=bank").json
    assert [row["name"] for row in banks] == ["Banque Maison"]
    assert client.get("/annuaire/recherche?q=m").json == []
    assert client.get("/annuaire/recherche").json == []
    assert client.get("/annuaire/recherche?q=ma&kind=nonsense").json == []


def test_the_endpoint_gives_ten_at_most(app, tenant_ids, make_account, logged_in):
    add_entries(app, tenant_ids["resilimo"], *(f"Assurance {n:02d}" for n in range(15)))
    client = logged_in(make_account("resilimo"))
    found = client.get("/annuaire/recherche?q=assurance").json
    assert [row["name"] for row in found] == [f"Assurance {n:02d}" for n in range(10)]


def test_the_endpoint_needs_a_login(client_for):
    answer = client_for("resilimo").get("/annuaire/recherche?q=maif")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/connexion?next=")
