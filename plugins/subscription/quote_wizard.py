"""The agent's quote wizard (guide §2): « Vos besoins » → « Vos solutions » → « Vos coordonnées »
→ « Récapitulatif du DEVIS » → « Valider et envoyer le devis au client », on the core's wizard
(:mod:`portal.core.drafts.wizard`): several quotes in progress at once, resumable, nothing lost on
going back.

The draft keeps codes (product, formula, options, levels), never prices or labels: each request
prices again from the product file. ``draft.extra`` keeps what the wizard was started with: the
product (``product``, from « Vente directe »), the client of the portfolio (``client_id``) and,
for « Modifier », the quote whose next version the finish issues (``previous_id``). Those ids are
loaded again through the account wall at every use.
"""

from __future__ import annotations

from datetime import date

from flask import current_app, flash, redirect, request, session, url_for
from sqlalchemy import select

from plugins.subscription import forms, pricing, quotes, rules
from plugins.subscription.i18n import _, _l
from plugins.subscription.models import Client, Quote
from plugins.subscription.products import Product, product_of, tenant_products
from portal.core import clock
from portal.core.accounts.session import current_account, current_profile
from portal.core.accounts.validators import country_name
from portal.core.drafts.wizard import Refused, Step, Wizard, WizardDraft
from portal.core.tenants import current_tenant
from portal.extensions import db

FINISHED = "subscription_quote_finished"  # draft key → the quote it became (the session)

STEP_LABELS = {
    "besoins": _l("Vos besoins"),
    "solutions": _l("Vos solutions"),
    "coordonnees": _l("Vos coordonnées"),
    "recapitulatif": _l("Récapitulatif du DEVIS"),
}


def foreign_addresses() -> bool:
    return bool(current_tenant().config.accounts.foreign_addresses)


def products() -> list[Product]:
    return tenant_products(current_tenant())


def product_for(draft: WizardDraft) -> Product | None:
    """The product of the draft: given at the start, chosen at « Vos besoins », or the only one
    the tenant sells (None: still to choose, or no longer sold)."""
    code = draft.extra.get("product") or draft.value("besoins", "product")
    if code:
        return product_of(current_tenant(), code)
    sold = products()
    return sold[0] if len(sold) == 1 else None


def fixed_product(draft: WizardDraft) -> Product | None:
    """The product when it is not a choice of « Vos besoins »."""
    code = draft.extra.get("product")
    if code:
        return product_of(current_tenant(), code)
    sold = products()
    return sold[0] if len(sold) == 1 else None


def household_of(draft: WizardDraft, product: Product) -> rules.Household | None:
    """The household « Vos besoins » describes (None when the step is not filled)."""
    needs = draft.values("besoins")
    birth, effective = (
        rules.iso_date(needs.get("birth_date")),
        rules.iso_date(needs.get("effective_date")),
    )
    if birth is None or effective is None or not needs.get("regime"):
        return None
    return rules.Household(
        birth_date=birth,
        effective_date=effective,
        regime=needs["regime"],
        zone=rules.zone_for(product, needs.get("country") or "FR", needs.get("postal_code") or ""),
        spouse_birth_date=(
            rules.iso_date(needs.get("spouse_birth_date")) if needs.get("spouse") == "yes" else None
        ),
        children=int(needs.get("children") or 0) if needs.get("children_covered") == "yes" else 0,
    )


def wanted_levels(draft: WizardDraft) -> dict:
    return {need: draft.value("besoins", f"need_{need}") for need in rules.NEEDS}


def offers(product: Product, household: rules.Household, wanted: dict, options=()) -> list:
    """Every formula with its price for the household and the recommended one."""
    return pricing.offers(product, household, wanted, options)


def option_prices(product: Product, household: rules.Household) -> dict:
    """Each option's monthly cents for the household."""
    return pricing.option_prices(product, household)


def values_of(draft: WizardDraft, product: Product) -> quotes.QuoteValues:
    """The quote's values from a complete draft."""
    needs, solutions, details = (
        draft.values("besoins"),
        draft.values("solutions"),
        draft.values("coordonnees"),
    )
    household = household_of(draft, product)
    no_email = bool(details.get("no_email"))
    client = {
        "civility": details.get("civility"),
        "last_name": details.get("last_name") or "",
        "birth_name": details.get("birth_name") or "",
        "first_name": details.get("first_name") or "",
        "birth_date": rules.iso_date(details.get("birth_date")),
        "address": details.get("address") or "",
        "address_complement": details.get("address_complement") or "",
        "postal_code": details.get("postal_code") or "",
        "city": details.get("city") or "",
        "country": details.get("country") or "FR",
        "email": None if no_email else (details.get("email") or None),
        "mobile": details.get("mobile") or "",
    }
    return quotes.QuoteValues(
        product_code=product.code,
        needs=wanted_levels(draft),
        effective_date=household.effective_date,
        regime=household.regime,
        postal_code=needs.get("postal_code") or "",
        city=needs.get("city") or "",
        country=needs.get("country") or "FR",
        birth_date=household.birth_date,
        spouse_birth_date=household.spouse_birth_date,
        children=household.children,
        formula_code=solutions.get("formula") or "",
        options=tuple(solutions.get("options") or ()),
        client=client,
    )


def owned_client(client_id) -> Client | None:
    """The account's client ``client_id`` (None: not one of its clients)."""
    if not client_id:
        return None
    account = current_account()
    return db.session.scalar(
        select(Client).where(Client.id == int(client_id), Client.account_id == account.id)
    )


def owned_quote(quote_id) -> Quote | None:
    if not quote_id:
        return None
    account = current_account()
    return db.session.scalar(
        select(Quote).where(Quote.id == int(quote_id), Quote.account_id == account.id)
    )


def agent_emails() -> set[str]:
    """The logged-in account's own addresses: its email and its profiles'."""
    from portal.core.accounts.models import Profile

    account = current_account()
    found = {account.email} if account is not None and account.email else set()
    if account is not None:
        found |= set(
            db.session.scalars(select(Profile.email).where(Profile.account_id == account.id))
        )
    return {email.lower() for email in found if email}


def _isoformat(values: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items()}


def stages(current: str, draft: WizardDraft, wizard: QuoteWizard) -> list[dict]:
    """The step bar: the four steps, the current one marked, the ones reached as links."""
    rows = []
    reached = True
    for number, step in enumerate(wizard.steps, start=1):
        is_current = step.name == current
        link = (
            wizard.step_url(draft, step.name) if draft.key and reached and not is_current else None
        )
        rows.append(
            {
                "number": number,
                "label": STEP_LABELS[step.name],
                "current": is_current,
                "url": link,
            }
        )
        if reached and not wizard._valid(draft, step):
            reached = False
    return rows


def script_url() -> str | None:
    if "subscription.static" not in current_app.view_functions:
        return None
    return url_for("subscription.static", filename="quote_wizard.js")


class QuoteWizard(Wizard):
    kind = "subscription.quote"
    steps = (
        Step("besoins", forms.NeedsForm, "subscription/quotes/needs.html"),
        Step("solutions", forms.SolutionsForm, "subscription/quotes/solutions.html"),
        Step("coordonnees", forms.DetailsForm, "subscription/quotes/details.html"),
        Step("recapitulatif", forms.SummaryForm, "subscription/quotes/summary.html"),
    )
    list_title = _l("Devis en cours")
    discarded_message = _l("Le devis en cours est abandonné.")

    def prepare(self, step, form, draft):
        today = clock.today(current_tenant())
        if step.name == "besoins":
            form.offer(products(), fixed_product(draft), today, foreign_addresses())
            return
        product = product_for(draft)
        if step.name == "solutions":
            if product is None:
                form.formula.choices, form.options.choices = [], []
                return
            form.offer(product)
            if not form.formula.data and request.method != "POST":
                household = household_of(draft, product)
                if household is not None:
                    recommended = next(
                        (
                            o
                            for o in offers(product, household, wanted_levels(draft))
                            if o.recommended
                        ),
                        None,
                    )
                    if recommended is not None:
                        form.formula.data = recommended.formula.code
        elif step.name == "coordonnees":
            form.offer(
                birth_date=rules.iso_date(draft.value("besoins", "birth_date")),
                forbidden_emails=agent_emails(),
                foreign_addresses=foreign_addresses(),
            )
            if not draft.values("coordonnees") and request.method != "POST":
                needs = draft.values("besoins")
                form.birth_date.data = rules.iso_date(needs.get("birth_date"))
                form.postal_code.data = needs.get("postal_code") or ""
                form.city.data = needs.get("city") or ""
                if "country" in form._fields:
                    form.country.data = needs.get("country") or "FR"

    def save(self, draft):
        draft.steps = {name: _isoformat(values) for name, values in draft.steps.items()}
        super().save(draft)

    def title(self, draft):
        product = product_for(draft)
        name = " ".join(
            part
            for part in (
                draft.value("coordonnees", "last_name"),
                draft.value("coordonnees", "first_name"),
            )
            if part
        )
        parts = [product.name if product else "", name]
        if draft.extra.get("previous_number"):
            parts.append(_("version suivante de %(number)s", number=draft.extra["previous_number"]))
        return " — ".join(part for part in parts if part)

    def context(self, step, draft):
        product = product_for(draft)
        context = {
            "stages": stages(step.name, draft, self),
            "product": product,
            "quote_script": script_url(),
            "previous_number": draft.extra.get("previous_number"),
            "rules": rules,
            "country_name": country_name,
            "document_url": lambda kind: document_url(kind, product),
        }
        household = household_of(draft, product) if product is not None else None
        if step.name == "solutions" and product is not None and household is not None:
            chosen = draft.value("solutions", "formula")
            options = tuple(draft.value("solutions", "options") or ())
            rows = offers(product, household, wanted_levels(draft))
            selected = product.formula(chosen) if chosen else None
            if selected is None:
                selected = next((row.formula for row in rows if row.recommended), None)
            selection = None
            if selected is not None:
                try:
                    selection = rules.price(product, selected, household, options)
                except rules.NotInsurable:
                    selection = None
            context |= {
                "offers": rows,
                "option_prices": option_prices(product, household),
                "selected_formula": selected,
                "selection": selection,
                "document_kinds": DOCUMENT_LABELS,
            }
        if step.name == "recapitulatif" and product is not None and household is not None:
            context |= summary_of_draft(draft, product, household)
        return context

    def finish(self, draft):
        product = product_for(draft)
        if product is None:
            raise Refused(_("Ce produit n'est plus proposé : choisissez-en un autre."), "besoins")
        previous = owned_quote(draft.extra.get("previous_id"))
        if draft.extra.get("previous_id") and previous is None:
            raise Refused(_("Le devis à modifier est introuvable."))
        if previous is not None and previous.state not in rules.REISSUABLE:
            raise Refused(
                _(
                    "Ce devis ne peut plus être modifié (état « %(state)s »).",
                    state=_(rules.QUOTE_STATE_LABELS[rules.QuoteState(previous.state)]),
                )
            )
        client = owned_client(draft.extra.get("client_id"))
        try:
            quote = quotes.issue_quote(
                values_of(draft, product),
                account=current_account(),
                profile=current_profile(),
                client=client,
                previous=previous,
            )
        except quotes.QuoteRefused as refusal:
            raise Refused(str(refusal.message), "solutions") from refusal
        number = quotes.display_number(quote)
        if quote.state == rules.QuoteState.VALIDATED:
            flash(
                _(
                    "Le devis n° %(number)s est validé : il est envoyé à %(email)s, vous en "
                    "recevez une copie.",
                    number=number,
                    email=quote.client.email,
                ),
                "success",
            )
        else:
            flash(
                _(
                    "Le devis n° %(number)s est enregistré « Incomplet » : votre client n'a pas "
                    "d'adresse e-mail, remettez-lui le bulletin d'adhésion papier.",
                    number=number,
                ),
                "warning",
            )
        finished = dict(list(dict(session.get(FINISHED) or {}).items())[-4:])
        finished[draft.key] = quote.id
        session[FINISHED] = finished
        return redirect(url_for("subscription.quote", quote_id=quote.id))

    def finished(self, key):
        quote_id = (session.get(FINISHED) or {}).get(key)
        if quote_id is None:
            return None
        return redirect(url_for("subscription.quote", quote_id=quote_id))


DOCUMENT_LABELS = {
    "ipid": _l("Document d'information sur le Produit d'Assurance (IPID)"),
    "general_rules": _l("Règles générales"),
    "reimbursement_examples": _l("Exemples de remboursements"),
    "brochure": _l("Découvrir le produit"),
    "guarantee_table": _l("Niveau des garanties"),
}


def summary_of_draft(draft: WizardDraft, product: Product, household: rules.Household) -> dict:
    """What « Récapitulatif du DEVIS » shows, from the draft (``_recap.html``)."""
    details = draft.values("coordonnees")
    formula = product.formula(draft.value("solutions", "formula") or "")
    options = tuple(draft.value("solutions", "options") or ())
    try:
        price = rules.price(product, formula, household, options) if formula else None
    except rules.NotInsurable:
        price = None
    return {
        "recap": {
            "effective_date": household.effective_date,
            "levels": wanted_levels(draft),
            "regime": household.regime,
            "spouse_birth_date": household.spouse_birth_date,
            "children": household.children,
            "formula_name": formula.name if formula else "",
            "monthly": price.monthly if price else 0,
            "annual": price.annual if price else 0,
            "option_names": [product.option(code).name for code in options if product.option(code)],
            "client": {
                **details,
                "birth_date": rules.iso_date(details.get("birth_date")),
                "email": None if details.get("no_email") else details.get("email"),
                "country": details.get("country") or "FR",
            },
        }
    }


def document_url(kind: str, product: Product | None) -> str | None:
    """The product document's link (None until the product helper's route is there)."""
    if product is None or "subscription.product_document" not in current_app.view_functions:
        return None
    return url_for("subscription.product_document", product=product.code, kind=kind)


wizard = QuoteWizard("quote", url_prefix="/devis/brouillons")


def start(*, product: Product | None, client: Client | None) -> str:
    """A new draft (the product chosen, the client's details when given); its first step's
    URL."""
    draft = WizardDraft(None)
    if product is not None:
        draft.extra["product"] = product.code
    if client is not None:
        draft.extra["client_id"] = client.id
        draft.steps["coordonnees"] = client_details(client)
        draft.steps["besoins"] = {
            "birth_date": client.birth_date.isoformat(),
            "postal_code": client.postal_code,
            "city": client.city,
            "country": client.country or "FR",
        }
    wizard.save(draft)
    return wizard.step_url(draft, "besoins")


def client_details(client: Client) -> dict:
    return {
        "civility": client.civility,
        "last_name": client.last_name,
        "birth_name": client.birth_name or "",
        "first_name": client.first_name,
        "birth_date": client.birth_date.isoformat(),
        "address": client.address,
        "address_complement": client.address_complement or "",
        "postal_code": client.postal_code,
        "city": client.city,
        "country": client.country or "FR",
        "no_email": not client.email,
        "email": client.email or "",
        "mobile": client.mobile or "",
    }


def start_modification(quote: Quote) -> str:
    """« Modifier »: a draft pre-filled from ``quote`` (every step), whose finish issues its next
    version; the URL of its first step."""
    needs = quote.needs or {}
    draft = WizardDraft(None)
    draft.extra |= {
        "product": quote.product_code,
        "client_id": quote.client_id,
        "previous_id": quote.id,
        "previous_number": quotes.display_number(quote),
    }
    levels = needs.get("levels") or {}
    draft.steps["besoins"] = {
        **{f"need_{need}": levels.get(need) for need in rules.NEEDS},
        "effective_date": quote.effective_date.isoformat(),
        "regime": needs.get("regime"),
        "country": needs.get("country") or "FR",
        "postal_code": needs.get("postal_code") or "",
        "city": needs.get("city") or "",
        "birth_date": needs.get("birth_date"),
        "spouse": "yes" if needs.get("spouse_birth_date") else "no",
        "spouse_birth_date": needs.get("spouse_birth_date"),
        "children_covered": "yes" if needs.get("children") else "no",
        "children": needs.get("children") or None,
    }
    draft.steps["solutions"] = {
        "formula": quote.formula_code,
        "options": list(quote.options or []),
    }
    draft.steps["coordonnees"] = client_details(quote.client)
    wizard.save(draft)
    return wizard.step_url(draft, "besoins")
