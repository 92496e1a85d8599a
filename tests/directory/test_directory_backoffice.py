"""The operators' « Annuaire »: the tenants, one tenant's list (search, filters, pages), an entry
created, edited, (de)activated, the CSV import (a dry run listing each bad line and what would
change, then the import), every change audit-logged; another tenant's entry is a 404."""

from __future__ import annotations

import io

from dirkit import add_entries, entries, text_of
from sqlalchemy import select

from portal.core.audit import AuditEntry
from portal.core.directory.kinds import EntryKind
from portal.core.tenants import unscoped
from portal.extensions import db
from portal.testing.web import csrf_token

HOME = "/backoffice/annuaire"
HEADER = "nom;type;adresse;complement;code_postal;ville;email_lre;destinataire_identifie;actif"


def url(slug: str, rest: str = "") -> str:
    return f"{HOME}/{slug}{rest}"


def audit_actions(app) -> list[str]:
    with app.app_context(), unscoped():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def entry_form(**fields) -> dict:
    return {
        "name": "Mutuelle des Tilleuls",
        "kind": "insurer",
        "street": "4 rue des Tilleuls",
        "complement": "",
        "postal_code": "69003",
        "city": "LYON",
        "lre_email": "",
        "active": "y",
        **fields,
    }


def upload(client, slug: str, content: str | bytes, name: str = "annuaire.csv"):
    page = client.get(url(slug, "/import"))
    data = content.encode() if isinstance(content, str) else content
    return client.post(
        url(slug, "/import"),
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "action": "check",
            "file": (io.BytesIO(data), name),
        },
        content_type="multipart/form-data",
    )


def test_the_menu_leads_to_each_tenants_directory(app, tenant_ids, staff_client):
    add_entries(app, tenant_ids["resilimo"], "MAIF", "MACIF")
    add_entries(app, tenant_ids["resilimo"], "Old Mutual", active=False)
    client, _staff = staff_client()
    dashboard = client.get("/backoffice/", follow_redirects=True).get_data(as_text=True)
    assert f'href="{HOME}"' in dashboard
    page = client.get(HOME).get_data(as_text=True)
    assert 'data-tenant="resilimo"' in page and 'data-tenant="horizon"' in page
    row = page.split('data-tenant="resilimo"')[1].split("</tr>")[0]
    assert ">2<" in row and ">3<" in row and "resiliation, emprunteur" in row
    assert client.get(url("nowhere")).status_code == 404


def test_the_list_searches_filters_and_pages(app, tenant_ids, staff_client):
    add_entries(app, tenant_ids["resilimo"], *(f"Assureur {n:02d}" for n in range(55)))
    add_entries(app, tenant_ids["resilimo"], "Thélem Assurances", active=False)
    add_entries(app, tenant_ids["resilimo"], "Crédit Mutuel", kind=EntryKind.BANK)
    client, _staff = staff_client()
    first = text_of(client.get(url("resilimo")))
    assert "Page 1 sur 2 (57 résultats)" in first and "Assureur 00" in first
    second = text_of(client.get(url("resilimo", "?page=2")))
    assert "Thélem Assurances" in second and "Assureur 00" not in second
    found = text_of(client.get(url("resilimo", "?q=THELEM")))
    assert "Thélem Assurances" in found and "Inactive" in found and "1 résultat" in found
    banks = text_of(client.get(url("resilimo", "?kind=bank")))
    assert "Crédit Mutuel" in banks and "Assureur" not in banks.split("Actions", 1)[1]
    inactive = text_of(client.get(url("resilimo", "?state=inactif")))
    assert "Thélem Assurances" in inactive and "Assureur 01" not in inactive


def test_an_operator_creates_an_entry_with_each_error_next_to_its_field(
    app, tenant_ids, staff_client, post_form
):
    add_entries(app, tenant_ids["resilimo"], "MAIF")
    client, staff = staff_client()
    refused = post_form(
        client,
        url("resilimo", "/nouvelle"),
        entry_form(
            name="M.A.I.F",
            postal_code="6900",
            street="",
            lre_email="pas-une-adresse",
            recipient_identified="y",
        ),
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert 'id="name-error"' in page and "L'annuaire contient déjà « MAIF »" in text_of(refused)
    assert 'id="postal_code-error"' in page and "5 chiffres" in page
    assert 'id="street-error"' in page and "Indiquez l&#39;adresse postale." in page
    assert 'id="lre_email-error"' in page and "n&#39;est pas valide" in page
    assert 'value="6900"' in page and 'value="pas-une-adresse"' in page  # nothing typed is lost
    assert set(entries(app, tenant_ids["resilimo"])) == {"MAIF"}
    too_long = post_form(client, url("resilimo", "/nouvelle"), entry_form(name="M" * 201))
    assert "200 caractères au plus." in text_of(too_long)

    done = post_form(
        client,
        url("resilimo", "/nouvelle"),
        entry_form(lre_email="LRE@Tilleuls.example", recipient_identified="y"),
        follow_redirects=True,
    )
    assert "« Mutuelle des Tilleuls » est ajouté à l'annuaire." in text_of(done)
    entry = entries(app, tenant_ids["resilimo"])["Mutuelle des Tilleuls"]
    assert entry.lre_email == "lre@tilleuls.example" and entry.recipient_identified
    assert entry.address_lines == ["4 rue des Tilleuls", "69003 LYON"]
    assert "directory.entry_created" in audit_actions(app)


def test_an_operator_edits_and_deactivates_an_entry(app, tenant_ids, staff_client, post_form):
    (entry_id,) = add_entries(app, tenant_ids["resilimo"], "Matmut")
    client, _staff = staff_client()
    edit = url("resilimo", f"/{entry_id}")
    assert 'value="Matmut"' in client.get(edit).get_data(as_text=True)
    saved = post_form(
        client,
        edit,
        entry_form(name="Matmut", city="ROUEN", postal_code="76100"),
        follow_redirects=True,
    )
    assert "« Matmut » est enregistré." in text_of(saved)
    assert entries(app, tenant_ids["resilimo"])["Matmut"].city == "ROUEN"

    page = client.get(edit).get_data(as_text=True)
    off = client.post(
        url("resilimo", f"/{entry_id}/activation"),
        data={"csrf_token": csrf_token(page), "active": "0"},
        follow_redirects=True,
    )
    assert "« Matmut » n'est plus proposé aux agents." in text_of(off)
    assert not entries(app, tenant_ids["resilimo"])["Matmut"].active
    actions = audit_actions(app)
    assert "directory.entry_updated" in actions and "directory.entry_deactivated" in actions


def test_another_tenants_entry_is_a_404(app, tenant_ids, staff_client, post_form):
    (foreign,) = add_entries(app, tenant_ids["horizon"], "Mutuelle Horizon")
    client, _staff = staff_client()
    assert client.get(url("resilimo", f"/{foreign}")).status_code == 404
    token = csrf_token(client.get(url("resilimo")).get_data(as_text=True))
    moved = client.post(
        url("resilimo", f"/{foreign}/activation"), data={"csrf_token": token, "active": "0"}
    )
    assert moved.status_code == 404
    assert entries(app, tenant_ids["horizon"])["Mutuelle Horizon"].active
    assert client.get(url("horizon", f"/{foreign}")).status_code == 200


def test_the_dry_run_lists_each_bad_line_and_imports_nothing(app, tenant_ids, staff_client):
    add_entries(app, tenant_ids["resilimo"], "MAIF")
    client, _staff = staff_client()
    csv = "\n".join(
        [
            HEADER,
            "MAIF;assureur;200 avenue des Sociétaires;;79000;NIORT;;non;oui",
            "Nouvelle Mutuelle;assureur;3 rue Neuve;;7500;PARIS;;non;oui",
            "Sans Type;voiture;3 rue Neuve;;75001;PARIS;;non;oui",
            ";assureur;3 rue Neuve;;75001;PARIS;;non;oui",
            "Identifiée;banque;3 rue Neuve;;75001;PARIS;;oui;oui",
            "Trop;de;colonnes;;75001;PARIS;;non;oui;encore",
            "Doublon;assureur;1 rue A;;75001;PARIS;;non;oui",
            "DOUBLON;assureur;1 rue B;;75001;PARIS;;non;peut-être",
        ]
    )
    checked = upload(client, "resilimo", csv)
    page = text_of(checked)
    assert checked.status_code == 200 and "6 lignes en erreur" in page
    html = checked.get_data(as_text=True)
    for line in (3, 4, 5, 6, 7, 9):
        assert f'data-line="{line}"' in html.split("data-problems")[1].split("</table>")[0]
    assert "code_postal : Le code postal doit compter 5 chiffres." in page
    assert "type : Choisissez assureur ou banque." in page
    assert "nom : Indiquez le nom." in page
    assert "email_lre : Un destinataire identifié doit avoir une adresse" in page
    assert "10 colonnes au lieu de 9" in page
    assert "« DOUBLON » figure déjà ligne 8." in page
    assert "actif : « peut-être » n'est ni oui ni non." in page
    assert "Importer ce fichier" not in page
    assert set(entries(app, tenant_ids["resilimo"])) == {"MAIF"}


def test_a_good_file_is_checked_then_imported(app, tenant_ids, staff_client):
    (maif,) = add_entries(app, tenant_ids["resilimo"], "MAIF", city="PARIS")
    client, _staff = staff_client()
    csv = "\n".join(
        [
            HEADER.replace(";", ","),
            "M.A.I.F,assureur,200 avenue des Sociétaires,,79000,NIORT,,non,oui",
            'Groupama,Assureur,"18 chemin des Semailles, bât. B",,37000,TOURS,'
            "lre@groupama.example,OUI,",
            "Crédit Mutuel,banque,34 rue des Sociétaires,,67000,STRASBOURG,,,non",
        ]
    )
    checked = upload(client, "resilimo", ("\ufeff" + csv).encode())
    page = text_of(checked)
    assert "2 fiches seraient créées" in page and "1 fiche serait mise à jour" in page
    assert "mise à jour (nom, adresse, code_postal, ville)" in page
    assert set(entries(app, tenant_ids["resilimo"])) == {"MAIF"}  # a dry run
    html = checked.get_data(as_text=True)
    content = html.split('name="content"')[1].split('value="')[1].split('"')[0]
    imported = client.post(
        url("resilimo", "/import"),
        data={"csrf_token": csrf_token(html), "action": "import", "content": _unescape(content)},
        follow_redirects=True,
    )
    assert "2 fiches créées, 1 fiche mise à jour." in text_of(imported)
    found = entries(app, tenant_ids["resilimo"])
    assert set(found) == {"M.A.I.F", "Groupama", "Crédit Mutuel"}
    assert found["M.A.I.F"].id == maif and found["M.A.I.F"].city == "NIORT"
    assert found["Groupama"].street == "18 chemin des Semailles, bât. B"
    assert found["Groupama"].recipient_identified and found["Groupama"].active
    assert found["Crédit Mutuel"].kind == EntryKind.BANK and not found["Crédit Mutuel"].active
    actions = audit_actions(app)
    assert actions.count("directory.entry_imported") == 2
    assert actions.count("directory.entry_import_updated") == 1


def test_a_file_that_is_not_utf8_or_has_a_wrong_header_is_refused(app, staff_client):
    client, _staff = staff_client()
    latin = upload(
        client,
        "resilimo",
        (HEADER + "\nThélem;assureur;1 rue;;45000;ORLÉANS;;;\n").encode("latin-1"),
    )
    assert "n'est pas en UTF-8" in text_of(latin)
    wrong = text_of(upload(client, "resilimo", "name;kind\nMAIF;insurer\n"))
    assert "En-tête attendu : " + HEADER in wrong and "Colonnes manquantes : nom" in wrong


def test_the_export_reads_back(app, tenant_ids, staff_client):
    add_entries(app, tenant_ids["resilimo"], "Caisse d'Épargne", kind=EntryKind.BANK)
    client, _staff = staff_client()
    answer = client.get(url("resilimo", "/annuaire.csv"))
    assert answer.mimetype == "text/csv"
    text = answer.get_data(as_text=True).lstrip("\ufeff")
    assert text.splitlines() == [
        HEADER,
        "Caisse d'Épargne;banque;1 rue de la Paix;;75002;PARIS;;non;oui",
    ]
    assert "1 fiche inchangée" in text_of(upload(client, "resilimo", text))


def _unescape(value: str) -> str:
    import html

    return html.unescape(value)
