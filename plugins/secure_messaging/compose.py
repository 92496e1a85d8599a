"""« Envoyer un message »: theme → topic → reason, the online service, the message, the summary,
on the core's wizard (:mod:`portal.core.drafts.wizard`) — several messages may be in progress at
once, each resumable from « Ma messagerie », none lost between steps.

The draft keeps codes, never labels: each request resolves them again through the current
tenant's taxonomy, so a code that is not offered any more (another category, a changed taxonomy,
another tenant's) sends the user back to that choice instead of being trusted. A topic (or a
reason) is asked only where the node chosen before has children.

The draft's key is the request key of the conversation it becomes: the summary posted twice
(a double click, the back button) finds the conversation it already started.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import get_locale
from sqlalchemy import select

from plugins.secure_messaging import forms
from plugins.secure_messaging.i18n import _l
from portal.core.accounts.session import current_account, current_profile
from portal.core.drafts.wizard import Refused, Step, Wizard, WizardDraft
from portal.core.messaging import operations, taxonomy
from portal.core.messaging.models import Conversation, ConversationKind
from portal.core.messaging.rules import normalize_body
from portal.core.messaging.taxonomy import Selection, select_path
from portal.core.tenants import current_tenant
from portal.extensions import db

# The three choices a conversation keeps (theme, topic, reason): step, legend, summary label.
CHOICES = (
    Step("theme", forms.ChoiceForm, "secure_messaging/step.html"),
    Step("sujet", forms.ChoiceForm, "secure_messaging/step.html"),
    Step("motif", forms.ChoiceForm, "secure_messaging/step.html"),
)
LEGENDS = (_l("Mon message concerne"), _l("Sujet"), _l("Motif"))
SUMMARY_LABELS = (_l("Thème"), _l("Sujet"), _l("Motif"))


def _themes():
    tenant = current_tenant()
    return taxonomy.taxonomy(tenant, taxonomy.account_category(tenant, current_account()))


def request_key(draft_key: str) -> str:
    return f"secure_messaging:{draft_key}"


class MessageWizard(Wizard):
    kind = "secure_messaging.message"
    steps = (
        *CHOICES,
        Step("message", forms.MessageForm, "secure_messaging/message.html"),
        Step("recapitulatif", forms.SendForm, "secure_messaging/summary.html"),
    )
    list_title = _l("Messages en cours de rédaction")
    discarded_message = _l("Votre message a été abandonné.")

    # --- the choices ------------------------------------------------------------------------

    def chosen(self, draft: WizardDraft, upto: int = len(CHOICES)) -> Selection:
        """The longest valid path of the first ``upto`` choices kept, resolved through the
        taxonomy (a code not offered any more ends it)."""
        themes, found = _themes(), Selection(())
        for level, step in enumerate(CHOICES[:upto]):
            if len(found.nodes) < level or (level and not found.nodes[-1].children):
                break
            longer = select_path(themes, [*found.codes, draft.value(step.name, "choice")])
            if longer is None:
                break
            found = longer
        return found

    def needed(self, step, draft):
        """A topic, a reason: asked where the node chosen before has children."""
        if step not in CHOICES[1:]:
            return True
        before = self.chosen(draft, CHOICES.index(step))
        return not before.nodes or bool(before.nodes[-1].children)

    def prepare(self, step, form, draft):
        if step not in CHOICES:
            return
        level = CHOICES.index(step)
        before = self.chosen(draft, level)
        offered = before.options(_themes()) if len(before.nodes) == level else ()
        form.choice.label.text = LEGENDS[level]
        form.choice.choices = [(node.code, node.label) for node in offered]

    def title(self, draft):
        return " › ".join(self.chosen(draft).labels)

    # --- the pages ----------------------------------------------------------------------------

    def context(self, step, draft):
        chosen = self.chosen(draft)
        upto = CHOICES.index(step) if step in CHOICES else len(chosen.nodes)
        context = {
            "path": self._path_rows(draft, chosen, upto),
            "dialog": self._dialog(draft, chosen, upto),
            "level": upto,
            "step_legends": LEGENDS,
            "service": chosen.service,
        }
        settings = current_tenant().config.messaging
        if step.name == "message":
            length = len(normalize_body(draft.value("message", "body", "")))  # as typed
            context |= {
                "min_chars": settings.message_min_chars,
                "max_chars": settings.message_max_chars,
                "remaining": settings.message_max_chars - length,
            }
        if step.name == "recapitulatif":
            context |= {
                "rows": [
                    {"label": SUMMARY_LABELS[level], "value": node.label}
                    for level, node in enumerate(chosen.nodes)
                ],
                "body": draft.value("message", "body", ""),
            }
        return context

    def _path_rows(self, draft, chosen: Selection, upto: int) -> list[dict]:
        """The choices made before a page, each with its « Modifier » link."""
        return [
            {
                "legend": LEGENDS[level],
                "label": node.label,
                "url": self.step_url(draft, CHOICES[level].name),
            }
            for level, node in enumerate(chosen.nodes[:upto])
        ]

    def _dialog(self, draft, chosen: Selection, upto: int) -> dict | None:
        """The online service offered on a page that follows the first ``upto`` choices: the
        deepest chosen node with a service, unless the user closed its dialog."""
        for level in reversed(range(min(upto, len(chosen.nodes)))):
            node = chosen.nodes[level]
            if node.service_url:
                if is_dismissed(draft, chosen.codes[: level + 1]):
                    return None
                modify = self.step_url(draft, CHOICES[level].name)
                return {"node": node, "level": level, "modify_url": modify}
        return None

    # --- the end ------------------------------------------------------------------------------

    def finish(self, draft):
        try:
            conversation = operations.start_conversation(
                current_tenant(),
                current_account(),
                current_profile(),
                kind=ConversationKind.MESSAGE,
                selection=self.chosen(draft),
                body=draft.value("message", "body", ""),
                locale=str(get_locale()),
                request_key=request_key(draft.key),
            )
        except operations.MessagingError as error:  # raised before anything is written
            raise Refused(error.message, "message" if error.field == "body" else "theme") from error
        return redirect(url_for(".sent", conversation_id=conversation.id))

    def finished(self, key):
        """The summary posted again once sent: the conversation it became."""
        conversation_id = db.session.scalar(
            select(Conversation.id).where(
                Conversation.account_id == current_account().id,
                Conversation.request_key == request_key(key),
            )
        )
        if conversation_id is None:
            return None
        return redirect(url_for(".sent", conversation_id=conversation_id))

    def discarded(self):
        flash(self.discarded_message, "info")
        return redirect(url_for(".home"))


def is_dismissed(draft: WizardDraft, codes) -> bool:
    return list(codes) in (draft.extra.get("dismissed") or [])


compose = MessageWizard("message", url_prefix="/messages")


@compose.action("service/fermer")
def dismiss_service(draft: WizardDraft):
    """« Fermer et rédiger mon message »: that node's dialog is not offered again."""
    chosen = compose.chosen(draft)
    level = request.form.get("level", type=int)
    if level is None or not 0 <= level < len(chosen.nodes):
        level = len(chosen.nodes) - 1
    if level >= 0 and chosen.nodes[level].service_url:
        codes = list(chosen.codes[: level + 1])
        if not is_dismissed(draft, codes):
            draft.extra["dismissed"] = [*(draft.extra.get("dismissed") or []), codes]
            compose.save(draft)
    if request.headers.get("X-Requested-With") == "fetch":  # the dialog's script: stay there
        return "", 204
    return redirect(compose.next_url(draft, CHOICES[max(level, 0)].name))
