"""« Nouvelle résiliation »: 1 Le souscripteur → 2 L'assureur → 3 Le contrat (its type, then its
form) → 4 Envoyer (the letter page), on the core's wizard (:mod:`portal.core.drafts.wizard`):
several letters in progress at once, each resumable from the plugin's home page, nothing lost on
reload, back, a refused post or a login another day.

The draft keeps codes (the directory entry's id, the type, the reason), never labels: each request
resolves them again — an insurer no longer in the directory, a type or a reason no longer offered,
sends the user back to that step. Beside each step, the letter's live preview is rendered from a
transient letter built from the draft (:func:`operations.letter_from_draft`).
"""

from __future__ import annotations

from flask import current_app, redirect, request, session, url_for
from markupsafe import Markup

from plugins.resiliation import forms, operations, rules
from plugins.resiliation.i18n import _, _l
from portal.core.directory import links, search
from portal.core.drafts.wizard import Refused, Step, Wizard, WizardDraft

# Where the insurer step's script puts what was typed in « Demander l'ajout d'une compagnie ».
TYPED = "__SAISIE__"
FINISHED = "resiliation_finished"  # draft key → the letter it became, in the user's session

# The manual's progress bar: the wizard's steps under each of its four stages.
STAGES = (
    (_l("Le souscripteur"), ("souscripteur",)),
    (_l("L'assureur"), ("assureur",)),
    (_l("Le contrat"), ("type", "contrat")),
    (_l("Envoyer"), ()),
)


def progress(current: str) -> list[dict]:
    """The four stages, the current one marked (``current``: a step name, or "envoyer")."""
    rows = []
    for number, (label, steps) in enumerate(STAGES, start=1):
        rows.append({"number": number, "label": label, "current": current in steps})
    if current == "envoyer":
        rows[-1]["current"] = True
    return rows


def preview(letter) -> Markup:
    """The letter's HTML (the document part's), or a placeholder until it is there."""
    try:
        from plugins.resiliation.document import render_letter_html
    except ImportError:  # the document part is not there yet
        return Markup('<p class="res-preview__pending">{}</p>').format(
            _("L'aperçu de la lettre sera affiché ici.")
        )
    return render_letter_html(letter)


def script_url() -> str | None:
    """The plugin's script (it only improves the pages), when the blueprint serves its files."""
    if "resiliation.static" not in current_app.view_functions:
        return None
    return url_for("resiliation.static", filename="resiliation.js")


def contract_type_of(draft: WizardDraft) -> rules.ContractType | None:
    try:
        return rules.ContractType(draft.value("type", "contract_type"))
    except ValueError:
        return None


class LetterWizard(Wizard):
    kind = "resiliation.letter"
    steps = (
        Step("souscripteur", forms.SubscriberForm, "resiliation/wizard/subscriber.html"),
        Step("assureur", forms.InsurerForm, "resiliation/wizard/insurer.html"),
        Step("type", forms.TypeForm, "resiliation/wizard/type.html"),
        Step("contrat", forms.ContractForm, "resiliation/wizard/contract.html"),
    )
    list_title = _l("Résiliations à terminer")
    discarded_message = _l("La résiliation en cours est abandonnée.")

    def prepare(self, step, form, draft):
        if step.name == "contrat":
            contract_type = contract_type_of(draft)
            reasons = rules.reasons_for(contract_type) if contract_type is not None else []
            form.for_type(contract_type, reasons)

    def title(self, draft):
        name = " ".join(
            part
            for part in (
                draft.value("souscripteur", "last_name"),
                draft.value("souscripteur", "first_name"),
            )
            if part
        )
        if draft.value("souscripteur", "professional") and draft.value(
            "souscripteur", "company_name"
        ):
            name = draft.value("souscripteur", "company_name")
        insurer = search.active_entry(draft.value("assureur", "insurer_id"))
        return " — ".join(part for part in (name, insurer.name if insurer else "") if part)

    def context(self, step, draft):
        insurer = search.active_entry(draft.value("assureur", "insurer_id"))
        context = {
            "progress": progress(step.name),
            "preview": preview(operations.letter_from_draft(draft)),
            "insurer": insurer,
            "resiliation_script": script_url(),
        }
        if step.name == "assureur":
            query = (request.args.get("q") or "").strip()[:100]
            context |= {
                "query": query,
                "results": search.search(query) if query else [],
                "too_short": bool(query) and not search.long_enough(query),
                # « Demander l'ajout d'une compagnie » with what was typed (the script puts the
                # text typed since in place of TYPED).
                "addition_url": links.request_addition_url(query),
                "addition_base": links.request_addition_url(""),
                "addition_template": links.request_addition_url(TYPED),
            }
        if step.name == "contrat":
            context |= {
                "contract_type": contract_type_of(draft),
                "type_label": rules.CONTRACT_TYPE_LABELS.get(contract_type_of(draft), ""),
                "fill_url": self.action_url("fill_address", draft) if draft.key else None,
            }
        return context

    def finish(self, draft):
        insurer = search.active_entry(draft.value("assureur", "insurer_id"))
        if insurer is None:
            raise Refused(_("Choisissez à nouveau l'assureur dans la liste."), "assureur")
        try:
            letter = operations.create_letter(
                draft.values("souscripteur"),
                insurer,
                {**draft.values("contrat"), "contract_type": draft.value("type", "contract_type")},
            )
        except operations.LetterRefused as refusal:
            raise Refused(str(refusal.message), "type") from refusal
        finished = dict(session.get(FINISHED) or {})
        finished = dict(list(finished.items())[-4:])  # the last few are enough
        finished[draft.key] = letter.id
        session[FINISHED] = finished
        return redirect(url_for(".letter", letter_id=letter.id))

    def finished(self, key):
        """The contract step posted again once the letter is written (a double click, the back
        button): the letter it became."""
        letter_id = (session.get(FINISHED) or {}).get(key)
        if letter_id is None:
            return None
        return redirect(url_for(".letter", letter_id=letter_id))

    def discarded(self):
        from flask import flash

        flash(self.discarded_message, "info")
        return redirect(url_for(".home"))


wizard = LetterWizard("wizard", url_prefix="/brouillons")


@wizard.action("contrat/adresse")
def fill_address(draft: WizardDraft):
    """« Utiliser l'adresse du souscripteur » (a submit button, no script needed): the contract
    form's values as typed are kept, its property address becomes the subscriber's."""
    form = forms.ContractForm()
    wizard.prepare(wizard.steps[3], form, draft)
    kept = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
    subscriber = draft.values("souscripteur")
    lines = [
        subscriber.get("street") or "",
        subscriber.get("complement") or "",
        " ".join(p for p in (subscriber.get("postal_code"), subscriber.get("city")) if p),
    ]
    kept["property_address"] = "\n".join(line for line in lines if line)
    draft.steps["contrat"] = kept
    wizard.save(draft)
    return redirect(wizard.step_url(draft, "contrat") + "#property_address")


def start_for_subscriber(letter) -> str:
    """« Nouvelle résiliation » for ``letter``'s subscriber: a new draft with the subscriber step
    filled in; the URL of its insurer step."""
    draft = WizardDraft(None)
    draft.steps["souscripteur"] = operations.subscriber_of(letter)
    wizard.save(draft)
    return wizard.step_url(draft, "assureur")
