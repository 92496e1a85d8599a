"""Wizards: a form in several steps, kept in a server-side draft between them.

A plugin declares its steps (each a WTForms form and a template) and what happens at the end;
the wizard gives it the pages, each through the request pipeline::

    from portal.core.drafts.wizard import Step, Wizard

    class LetterWizard(Wizard):
        kind = "resiliation.letter"
        steps = (
            Step("contrat", ContractForm, "resiliation/contract.html"),
            Step("motif", ReasonForm, "resiliation/reason.html"),
            Step("recapitulatif", ConfirmForm, "resiliation/summary.html"),
        )

        def prepare(self, step, form, draft): ...       # per-step choices
        def finish(self, draft):                         # the last step is valid
            letter = operations.create_letter(draft.values("contrat"), ...)
            return redirect(url_for(".letter", letter_id=letter.id))

    letters = LetterWizard("letter", url_prefix="/lettres")
    letters.mount(blueprint)   # blueprint.py

The rules it keeps for every wizard:

* an account has as many drafts of a kind as it likes, listed newest first (``<prefix>/``), each
  resumed where it stands or discarded; a draft is created when its first step is valid;
* each step's form is validated on its own; what was typed is kept even when refused, so going
  back and forward never loses anything;
* a step is reached only once the steps before it (those :meth:`Wizard.needed`) are valid — checked
  again from the kept values at every request, so a value that is no longer offered (a changed
  list, another tenant's) sends the user back to its step instead of being trusted;
* the last step's valid form hands the draft to :meth:`Wizard.finish`, and the draft is discarded
  in the same transaction;
* a draft is the account's (another account's or tenant's key: 404) and remembers the profile that
  last changed it.

Step forms hold JSON values (no files) and validate their ``data`` (``DataRequired``, not
``InputRequired``): a kept step is validated again without a posted form.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select

from portal.core import drafts
from portal.core.accounts.models import Profile
from portal.core.accounts.session import current_account, current_profile
from portal.core.drafts.models import Draft
from portal.core.web.pipeline import Access, handler
from portal.extensions import db

__all__ = ["KEEP_AT_MOST", "Refused", "Step", "Wizard", "WizardDraft"]

KEEP_AT_MOST = 20_000  # characters of a typed value kept (far beyond any field's limit)
FORM = ["GET", "POST"]
TEMPLATES = Path(__file__).parent / "templates"  # drafts/list.html, drafts/_list.html
# Every mounted wizard by its drafts' kind: the dashboard links each kind's drafts to its list.
MOUNTED: dict[str, Wizard] = {}


@dataclass(frozen=True)
class Step:
    """One page of a wizard: ``name`` is its URL segment, ``form`` a FlaskForm class, ``template``
    the page (it receives ``form``, ``step``, ``draft``, ``wizard``, ``back_url``, ``discard_url``
    and what :meth:`Wizard.context` adds)."""

    name: str
    form: type[FlaskForm]
    template: str


class Refused(Exception):
    """Raised by :meth:`Wizard.finish` (before it writes anything) when the draft cannot be
    finished: the message is shown on the ``step`` to fix (the last one by default)."""

    def __init__(self, message: str, step: str | None = None):
        super().__init__(message)
        self.message = message
        self.step = step


class WizardDraft:
    """A draft as the wizard's hooks see it: each step's kept values, and ``extra`` for what the
    plugin keeps beside them (e.g. a dialog the user closed)."""

    def __init__(self, row: Draft | None):
        self.row = row
        self.modified_by: str | None = None  # the name of the profile that changed it last
        data = dict(row.data) if row is not None else {}
        self.steps: dict[str, dict] = {k: dict(v) for k, v in (data.get("steps") or {}).items()}
        self.extra: dict[str, Any] = dict(data.get("extra") or {})

    @property
    def key(self) -> str | None:
        return self.row.key if self.row is not None else None

    def values(self, step: str) -> dict:
        """The values kept for ``step`` (field name → value), empty when never filled."""
        return dict(self.steps.get(step) or {})

    def value(self, step: str, field: str, default=None):
        return self.steps.get(step, {}).get(field, default)

    def as_data(self) -> dict:
        return {"steps": self.steps, "extra": self.extra}


class Wizard:
    """A wizard of a plugin. Subclass it: set :attr:`kind` and :attr:`steps`, implement
    :meth:`finish`, override the other hooks as needed; then :meth:`mount` it on a blueprint."""

    kind: str = ""  # "<plugin>.<wizard>", the drafts' kind
    steps: Sequence[Step] = ()
    access: Access = Access.PROFILE
    list_template = "drafts/list.html"
    list_title = _l("Brouillons")
    discarded_message = _l("Le brouillon est abandonné.")

    def __init__(self, name: str, *, url_prefix: str):
        self.name = name
        self.url_prefix = url_prefix.rstrip("/")
        self.blueprint_name: str | None = None
        self._actions: list[tuple[str, Callable, list[str]]] = []

    # --- hooks for the plugin ---------------------------------------------------------------

    def prepare(self, step: Step, form: FlaskForm, draft: WizardDraft) -> None:
        """Set what a step's form offers (choices, labels) before it is validated or shown."""

    def needed(self, step: Step, draft: WizardDraft) -> bool:
        """Whether ``step`` applies to this draft (a step left out is skipped both ways)."""
        return True

    def context(self, step: Step, draft: WizardDraft) -> dict:
        """More values for a step's template."""
        return {}

    def title(self, draft: WizardDraft) -> str:
        """What the list of drafts shows of one (e.g. the subject chosen so far)."""
        return ""

    def finish(self, draft: WizardDraft):
        """Every step is valid and the last one was posted: do the work, return the response
        (usually a redirect). Raise :class:`Refused` before writing anything to refuse."""
        raise NotImplementedError

    def finished(self, key: str):
        """A response for a draft that is gone (e.g. finished, then its last step posted again by a
        double click): what it became, or None for a 404."""
        return None

    def discarded(self):
        """The response once the user discarded a draft."""
        flash(self.discarded_message, "info")
        return redirect(self.list_url())

    # --- URLs -------------------------------------------------------------------------------

    def endpoint(self, view: str) -> str:
        return f"{self.blueprint_name}.{self.name}_{view}"

    def list_url(self) -> str:
        return url_for(self.endpoint("drafts"))

    def new_url(self) -> str:
        return url_for(self.endpoint("new"))

    def step_url(self, draft: WizardDraft, step: str) -> str:
        if draft.key is None:
            return self.new_url()
        return url_for(self.endpoint("step"), key=draft.key, step=step)

    def discard_url(self, draft: WizardDraft) -> str:
        return url_for(self.endpoint("discard"), key=draft.key)

    def action_url(self, view: str, draft: WizardDraft) -> str:
        return url_for(self.endpoint(view), key=draft.key)

    def resume_url(self, draft: WizardDraft) -> str:
        """Where the draft stands: its first step not valid yet, else its last step."""
        incomplete = self._first_incomplete(draft)
        return self.step_url(draft, (incomplete or self._needed(draft)[-1]).name)

    def next_url(self, draft: WizardDraft, step: str) -> str:
        """The step after ``step`` (the one that sends back to any step left invalid)."""
        following = self._after(draft, self._step(step))
        return self.step_url(draft, following.name) if following else self.resume_url(draft)

    def back_url(self, draft: WizardDraft, step: Step) -> str | None:
        """The step before ``step`` (None on the first one)."""
        needed = self._needed(draft)
        index = needed.index(step) if step in needed else 0
        return self.step_url(draft, needed[index - 1].name) if index else None

    # --- the account's drafts -----------------------------------------------------------------

    def drafts(self) -> list[WizardDraft]:
        """The logged-in account's drafts of this wizard, the most recently changed first."""
        found = [WizardDraft(row) for row in drafts.of_kind(current_account().id, self.kind)]
        ids = {draft.row.profile_id for draft in found if draft.row.profile_id}
        names = dict(
            db.session.execute(select(Profile.id, Profile.name).where(Profile.id.in_(ids))).all()
        )
        for draft in found:
            draft.modified_by = names.get(draft.row.profile_id)
        return found

    def save(self, draft: WizardDraft) -> None:
        """Keep the draft, changed now by the current profile (creating it if new)."""
        profile = current_profile()
        profile_id = profile.id if profile is not None else None
        if draft.row is None:
            draft.row = drafts.start(current_account().id, self.kind, profile_id=profile_id)
        drafts.save(draft.row, draft.as_data(), profile_id=profile_id, title=self.title(draft))

    def action(self, path: str, *, methods: Sequence[str] = ("POST",)):
        """Declare one more view of a draft, at ``<prefix>/<key>/<path>``: it receives the
        :class:`WizardDraft` (the account's, else 404) and saves it with :meth:`save`."""

        def register(view: Callable) -> Callable:
            self._actions.append((path, view, list(methods)))
            return view

        return register

    # --- mounting -----------------------------------------------------------------------------

    def mount(self, blueprint) -> None:
        """Add the wizard's URL rules to ``blueprint`` (every view through the pipeline)."""
        self.blueprint_name = blueprint.name
        MOUNTED[self.kind] = self
        blueprint.record_once(_add_templates)
        rule, prefix, name = blueprint.add_url_rule, self.url_prefix, self.name
        rule(f"{prefix}/", f"{name}_drafts", handler(self.access)(self._list_view))
        rule(f"{prefix}/nouveau", f"{name}_new", handler(self.access)(self._new_view), methods=FORM)
        rule(
            f"{prefix}/<key>/abandonner",
            f"{name}_discard",
            handler(self.access)(self._discard_view),
            methods=["POST"],
        )
        for path, view, methods in self._actions:
            rule(
                f"{prefix}/<key>/{path}",
                f"{name}_{view.__name__}",
                handler(self.access)(self._with_draft(view)),
                methods=methods,
            )
        rule(
            f"{prefix}/<key>/<step>",
            f"{name}_step",
            handler(self.access)(self._step_view),
            methods=FORM,
        )

    # --- views ----------------------------------------------------------------------------------

    def _list_view(self):
        return render_template(self.list_template, wizard=self, drafts=self.drafts())

    def _new_view(self):
        """The first step of a new draft: the draft is kept once this step is valid."""
        draft = WizardDraft(None)
        return self._run_step(draft, self.steps[0])

    def _step_view(self, key: str, step: str):
        found = self._step(step)
        draft = self._draft(key)
        if found is None:
            abort(404)
        if not self.needed(found, draft):  # skipped: on to the step after it
            return redirect(self.next_url(draft, found.name))
        incomplete = self._first_incomplete(draft, before=found)
        if incomplete is not None:
            return redirect(self.step_url(draft, incomplete.name))
        return self._run_step(draft, found)

    def _discard_view(self, key: str):
        draft = self._draft(key)
        drafts.discard(draft.row)
        return self.discarded()

    def _with_draft(self, view: Callable) -> Callable:
        def run(key: str):
            return view(self._draft(key))

        run.__name__ = view.__name__
        run.__doc__ = view.__doc__
        return run

    # --- the steps ------------------------------------------------------------------------------

    def _run_step(self, draft: WizardDraft, step: Step):
        posted = request.method == "POST"
        kept = draft.values(step.name)
        form = step.form() if posted else step.form(formdata=None, data=kept)
        self.prepare(step, form, draft)
        if posted:
            valid = form.validate()
            if not valid and draft.row is None:
                return self._page(draft, step, form)  # nothing kept before the first valid step
            draft.steps[step.name] = _kept(form)
            if valid and step is self._needed(draft)[-1]:
                return self._finish(draft, step)
            self.save(draft)
            if valid:
                return redirect(self.next_url(draft, step.name))
        return self._page(draft, step, form)

    def _finish(self, draft: WizardDraft, step: Step):
        try:
            response = self.finish(draft)
        except Refused as refusal:
            self.save(draft)
            flash(refusal.message, "error")
            return redirect(self.step_url(draft, refusal.step or step.name))
        if draft.row is not None:
            drafts.discard(draft.row)  # in the same transaction as what it became
        return response

    def _page(self, draft: WizardDraft, step: Step, form: FlaskForm):
        return render_template(
            step.template,
            wizard=self,
            draft=draft,
            step=step,
            form=form,
            back_url=self.back_url(draft, step),
            discard_url=self.discard_url(draft) if draft.key else None,
            **self.context(step, draft),
        )

    def _step(self, name: str) -> Step | None:
        return next((step for step in self.steps if step.name == name), None)

    def _draft(self, key: str) -> WizardDraft:
        row = drafts.find(current_account().id, self.kind, key)
        if row is not None:
            return WizardDraft(row)
        gone = self.finished(key)
        if gone is None:
            abort(404)
        abort(gone)

    def _after(self, draft: WizardDraft, step: Step) -> Step | None:
        """The first needed step after ``step``."""
        later = self.steps[list(self.steps).index(step) + 1 :]
        return next((each for each in later if self.needed(each, draft)), None)

    def _needed(self, draft: WizardDraft) -> list[Step]:
        return [step for step in self.steps if self.needed(step, draft)]

    def _first_incomplete(self, draft: WizardDraft, before: Step | None = None) -> Step | None:
        """The first needed step (before ``before``, if given) whose kept values are not valid."""
        for step in self._needed(draft):
            if step is before:
                return None
            if not self._valid(draft, step):
                return step
        return None

    def _valid(self, draft: WizardDraft, step: Step) -> bool:
        if step.name not in draft.steps:
            return False
        form = step.form(formdata=None, data=draft.values(step.name), meta={"csrf": False})
        self.prepare(step, form, draft)
        return form.validate()


def _kept(form: FlaskForm) -> dict:
    """The form's values as JSON (long texts cut far beyond any limit), valid or not."""
    kept = {}
    for name, field in form._fields.items():
        if name == "csrf_token":
            continue
        value = field.data
        kept[name] = value[:KEEP_AT_MOST] if isinstance(value, str) else value
    return kept


def _add_templates(state) -> None:
    """The drafts' list templates, once a wizard is mounted."""
    if TEMPLATES not in state.app.template_folders:
        state.app.template_folders.append(TEMPLATES)
