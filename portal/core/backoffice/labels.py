"""Human labels of the values the back office shows: one place per rule.

No back-office page prints a stored code (``approved``, ``orias_certificate``, ``staff``,
``True``): it asks this module, which knows the French words (translated like every msgid). A
value nobody labelled yet comes out as it is stored, and the page test
(``tests/backoffice/test_readable_pages.py``) fails on it. The functions are template globals
(:func:`template_globals`) so the pages of other modules (verification, credits, messaging) use
them too.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from markupsafe import Markup

from portal.core.accounts.models import AccountStatus
from portal.core.backoffice.models import MandateChannel, MandateEvent, StaffRole

ACCOUNT_STATUS = {
    AccountStatus.PENDING_ACTIVATION: _l("En attente d'activation"),
    AccountStatus.PENDING_APPROVAL: _l("En attente de validation"),
    AccountStatus.INVITED: _l("Invité (mot de passe à créer)"),
    AccountStatus.ACTIVE: _l("Actif"),
    AccountStatus.REJECTED: _l("Refusé"),
    AccountStatus.CLOSING: _l("Clôture en cours"),
    AccountStatus.CLOSED: _l("Clôturé"),
}

SIGNUP_MODE = {
    "self": _l("Inscription libre (lien d'activation)"),
    "approval": _l("Inscription validée par un opérateur"),
    "invite": _l("Sur invitation"),
}

STAFF_ROLE = {
    StaffRole.SUPPORT: _l("Assistance"),
    StaffRole.ADMIN: _l("Administrateur"),
}

# The states of a professional document (``portal.core.verification.models.DocumentStatus``).
DOCUMENT_STATUS = {
    "pending": _l("En attente de vérification"),
    "approved": _l("Validé"),
    "rejected": _l("Refusé"),
}

# The movements of the credit ledger (``portal.core.credits.models.EntryKind``).
LEDGER_KIND = {
    "purchase": _l("Achat de crédit"),
    "charge": _l("Débit"),
    "refund": _l("Remboursement"),
    "fee": _l("Frais"),
    "adjustment": _l("Ajustement par un opérateur"),
    "payout": _l("Restitution du crédit"),
}

MANDATE_EVENT = {
    MandateEvent.REQUESTED: _l("Demandé par le titulaire"),
    MandateEvent.SENT: _l("Envoyé pour signature"),
    MandateEvent.RECEIVED: _l("Reçu signé"),
}

MANDATE_CHANNEL = {
    MandateChannel.HELP_REQUEST: _l("Demande d'aide"),
    MandateChannel.EMAIL: _l("E-mail"),
    MandateChannel.PHONE: _l("Téléphone"),
    MandateChannel.PAPER: _l("Courrier papier"),
    MandateChannel.OTHER: _l("Autre"),
}

ACTOR_TYPE = {
    "staff": _l("Opérateur"),
    "account": _l("Compte"),
    "system": _l("Plateforme"),
}

# What an audit entry is about (its ``target_type``, the model's class name).
TARGET_TYPE = {
    "Account": _l("Compte"),
    "Profile": _l("Utilisateur"),
    "StaffUser": _l("Opérateur"),
    "ProfessionalDocument": _l("Justificatif"),
    "PlatformMandate": _l("Mandat"),
    "RefundRequest": _l("Demande de remboursement"),
    "OnboardingSlot": _l("Créneau d'accompagnement"),
    "OnboardingBooking": _l("Réservation d'accompagnement"),
    "BillingDocument": _l("Document de facturation"),
    "MandateRecord": _l("Note de mandat"),
    "IdentityVerification": _l("Vérification d'identité"),
    "Conversation": _l("Conversation"),
    "LedgerEntry": _l("Mouvement de crédit"),
    "Payment": _l("Paiement"),
    "SignatureProcedure": _l("Procédure de signature"),
    "Sending": _l("Envoi"),
}

AUDIT_ACTION = {
    "account.activated": _l("Compte activé"),
    "account.closure_requested": _l("Clôture demandée"),
    "account.details_changed_by_staff": _l("Coordonnées modifiées par un opérateur"),
    "account.email_changed": _l("Adresse e-mail modifiée"),
    "account.exported": _l("Historique téléchargé"),
    "account.first_password_set": _l("Premier mot de passe créé"),
    "account.invited": _l("Compte invité"),
    "account.logged_out_everywhere": _l("Déconnexion de tous les appareils"),
    "account.mobile_changed": _l("Téléphone portable modifié"),
    "account.login": _l("Connexion"),
    "account.password_changed": _l("Mot de passe modifié"),
    "account.password_reset": _l("Mot de passe réinitialisé"),
    "account.phone_changed": _l("Téléphone modifié"),
    "account.profile_created": _l("Utilisateur créé"),
    "account.profile_deactivated": _l("Utilisateur désactivé"),
    "account.profile_erased": _l("Utilisateur effacé (données personnelles supprimées)"),
    "account.profile_reactivated": _l("Utilisateur réactivé"),
    "account.profile_updated": _l("Utilisateur modifié"),
    "account.purged": _l("Compte supprimé définitivement"),
    "account.signup": _l("Inscription"),
    "account.signup_approved": _l("Demande d'inscription validée"),
    "account.signup_rejected": _l("Demande d'inscription refusée"),
    "backoffice.login": _l("Connexion à l'espace opérateurs"),
    "backoffice.login_failed": _l("Échec de connexion à l'espace opérateurs"),
    "backoffice.login_throttled": _l("Connexion à l'espace opérateurs bloquée (trop d'échecs)"),
    "backoffice.logout": _l("Déconnexion de l'espace opérateurs"),
    "backoffice.mandate_recorded": _l("Mandat noté par un opérateur"),
    "backoffice.totp_enrolled": _l("Double authentification activée"),
    "backoffice.totp_failed": _l("Code de double authentification refusé"),
    "credits.adjusted": _l("Crédit ajusté"),
    "credits.closure_refunded": _l("Crédit restitué à la clôture"),
    "credits.payment_started": _l("Paiement commencé"),
    "credits.payment_succeeded": _l("Paiement accepté"),
    "credits.payment_declined": _l("Paiement refusé"),
    "credits.refund_executed": _l("Remboursement du crédit effectué"),
    "credits.refund_requested": _l("Remboursement du crédit demandé"),
    "messaging.assigned": _l("Conversation attribuée"),
    "messaging.closed": _l("Conversation close"),
    "messaging.conversation_started": _l("Conversation ouverte"),
    "messaging.documents_deposited": _l("Documents déposés"),
    "messaging.reopened": _l("Conversation rouverte"),
    "messaging.replied": _l("Réponse envoyée"),
    "onboarding.booked": _l("Accompagnement initial réservé"),
    "onboarding.cancelled": _l("Accompagnement initial annulé"),
    "onboarding.slot_withdrawn": _l("Créneau d'accompagnement retiré"),
    "onboarding.slots_published": _l("Créneaux d'accompagnement publiés"),
    "staff.created": _l("Opérateur créé"),
    "staff.deactivated": _l("Opérateur désactivé"),
    "staff.totp_reset": _l("Double authentification réinitialisée"),
    "verification.document_approved": _l("Justificatif validé"),
    "verification.document_rejected": _l("Justificatif refusé"),
    "verification.document_uploaded": _l("Justificatif déposé"),
    "verification.identity_started": _l("Vérification d'identité commencée"),
    "verification.mandate_signature_started": _l("Signature du mandat commencée"),
    "verification.mandate_signed": _l("Mandat de la plateforme signé"),
    "sendings.reconciled": _l("Envoi rapproché des événements de l'opérateur"),
    "resiliation.review_approved": _l("Première lettre de résiliation approuvée"),
    "resiliation.review_refused": _l("Première lettre de résiliation refusée"),
    "subscription.membership_created": _l("Adhésion créée"),
    "subscription.premium_movement": _l("Mouvement du compte cotisant enregistré"),
}

# The keys of an audit entry's details.
DETAIL_KEY = {
    "account_id": _l("Compte n°"),
    "amount_cents": _l("Montant"),
    "balance_cents": _l("Solde"),
    "changes": _l("Modifications"),
    "email": _l("E-mail"),
    "count": _l("Nombre"),
    "deletion_at": _l("Suppression prévue le"),
    "documents_deleted": _l("Justificatifs supprimés"),
    "enrolment": _l("Enrôlement"),
    "entry_id": _l("Mouvement de crédit n°"),
    "event": _l("Événement"),
    "failures": _l("Échecs"),
    "fee_cents": _l("Frais"),
    "iban": _l("IBAN"),
    "expires_on": _l("Valable jusqu'au"),
    "fields": _l("Champs"),
    "kind": _l("Type"),
    "mode": _l("Inscription"),
    "name": _l("Nom"),
    "new": _l("Nouvelle valeur"),
    "old": _l("Ancienne valeur"),
    "orias": _l("Numéro ORIAS"),
    "paid_cents": _l("Montant versé"),
    "provider": _l("Prestataire"),
    "procedure": _l("Procédure de signature"),
    "profile_id": _l("Utilisateur n°"),
    "reason": _l("Motif"),
    "role": _l("Rôle"),
    "slot_id": _l("Créneau n°"),
    "starts_at": _l("Début"),
    "statement": _l("Relevé"),
    "to": _l("Destinataire"),
    "reference": _l("Référence"),
    "operator": _l("Opérateur d'envoi"),
    "events": _l("Événements reçus de l'opérateur"),
    "applied": _l("Événements appliqués"),
    "found": _l("Trouvé chez l'opérateur"),
    "assigned": _l("Affecté au contrat"),
    "membership_number": _l("Numéro d'adhésion"),
}

# The values some details take.
DETAIL_VALUE = {
    ("reason", "unknown"): _l("adresse inconnue"),
    ("reason", "inactive"): _l("opérateur désactivé"),
    ("reason", "password"): _l("mauvais mot de passe"),
    ("operator", "sandbox"): _l("bac à sable"),
    ("kind", "unpaid"): _l("impayé"),
    ("kind", "payment"): _l("encaissement"),
}

# The account fields an operator may change (``account.details_changed_by_staff``).
ACCOUNT_FIELD = {
    "email": _l("Adresse e-mail (identifiant)"),
    "first_name": _l("Prénom"),
    "last_name": lazy_pgettext("last name", "Nom"),
    "commercial_name": _l("Nom commercial"),
    "orias": _l("Numéro ORIAS"),
    "paid_cents": _l("Montant versé"),
    "provider": _l("Prestataire"),
    "siren": _l("SIREN"),
    "affiliation": _l("Affiliation"),
    "address": _l("Adresse"),
    "address2": _l("Complément d'adresse"),
    "postal_code": _l("Code postal"),
    "city": _l("Ville"),
    "country": _l("Pays"),
    "phone": _l("Téléphone"),
    "mobile": _l("Téléphone portable"),
    "category": _l("Catégorie"),
}


def _label(mapping: dict, value) -> str:
    if value is None:
        return "—"
    key = getattr(value, "value", value)
    for candidate in (value, key):
        try:
            if candidate in mapping:
                return str(mapping[candidate])
        except TypeError:  # an unhashable value
            break
    return str(key)


def account_status_label(status) -> str:
    return _label(ACCOUNT_STATUS, status)


def signup_mode_label(mode: str) -> str:
    return _label(SIGNUP_MODE, mode)


def staff_role_label(role) -> str:
    return _label(STAFF_ROLE, role)


def document_status_label(status) -> str:
    return _label(DOCUMENT_STATUS, status)


def ledger_kind_label(kind) -> str:
    return _label(LEDGER_KIND, kind)


def mandate_event_label(event) -> str:
    return _label(MANDATE_EVENT, event)


def mandate_channel_label(channel) -> str:
    return _label(MANDATE_CHANNEL, channel)


def actor_type_label(actor_type: str) -> str:
    return _label(ACTOR_TYPE, actor_type)


def target_type_label(target_type: str | None) -> str:
    return _label(TARGET_TYPE, target_type) if target_type else ""


def audit_action_label(action: str) -> str:
    return _label(AUDIT_ACTION, action)


def account_field_label(name: str) -> str:
    return _label(ACCOUNT_FIELD, name)


def yes_no(value) -> str:
    """« oui » / « non » (never ``True``/``False``); « — » for an unknown."""
    if value is None:
        return "—"
    return _("oui") if value else _("non")


def detail_items(details: dict | None) -> list[tuple[str, str]]:
    """An audit entry's details as (label, value) pairs a reader understands: amounts in euros,
    booleans in words, known codes as labels, changed account fields by their names."""
    from portal.core.credits.ledger import euros

    items = []
    for key, value in (details or {}).items():
        label = _label(DETAIL_KEY, key)
        if key.endswith("_cents") and isinstance(value, int):
            shown = euros(value)
        elif isinstance(value, bool):
            shown = yes_no(value)
        elif key == "fields" and isinstance(value, list):
            shown = ", ".join(account_field_label(name) for name in value)
        elif key == "changes" and isinstance(value, dict):
            shown = "; ".join(
                f"{account_field_label(name)} : {change}" for name, change in value.items()
            )
        elif key == "role":
            shown = staff_role_label(value)
        elif key == "event":
            shown = mandate_event_label(value)
        elif key == "mode":
            shown = signup_mode_label(value)
        elif key.endswith("_on") and isinstance(value, str):
            shown = _date(value)
        elif key.endswith("_at") and isinstance(value, str):
            shown = _moment(value)
        elif isinstance(value, list | tuple):  # e.g. the references a purge removed
            shown = ", ".join(str(each) for each in value) or "—"
        elif isinstance(value, dict):
            shown = "; ".join(f"{name} : {each}" for name, each in value.items()) or "—"
        elif (key, value) in DETAIL_VALUE:
            shown = str(DETAIL_VALUE[(key, value)])
        elif value is None:
            shown = "—"
        else:
            shown = str(value)
        items.append((label, shown))
    return items


def _date(value: str) -> str:
    """An ISO date as the reader writes it (« 31 janv. 2027 »), else as it is."""
    from datetime import date

    from flask_babel import format_date

    try:
        return format_date(date.fromisoformat(value), "medium")
    except ValueError:
        return value


def _moment(value: str) -> str:
    """An ISO moment as the reader writes it (« 02/12/2026 14:30 »), else as it is."""
    from datetime import datetime

    from flask_babel import format_datetime

    try:
        return format_datetime(datetime.fromisoformat(value), "short")
    except ValueError:
        return value


def template_globals() -> dict:
    return {
        "account_status_label": account_status_label,
        "signup_mode_label": signup_mode_label,
        "staff_role_label": staff_role_label,
        "document_status_label": document_status_label,
        "ledger_kind_label": ledger_kind_label,
        "mandate_event_label": mandate_event_label,
        "mandate_channel_label": mandate_channel_label,
        "actor_type_label": actor_type_label,
        "target_type_label": target_type_label,
        "audit_action_label": audit_action_label,
        "audit_detail_items": detail_items,
        "yes_no": yes_no,
        "code": code,
        "sending_state_label": sending_state_label,
        "sending_channel_label": sending_channel_label,
        "proof_kind_label": proof_kind_label,
        "event_source_label": event_source_label,
        "sending_operator_label": sending_operator_label,
    }


def code(text: str) -> Markup:
    """``text`` (a file name, a command) as code inside a translated sentence."""
    return Markup("<code>%s</code>") % text


# --- Sendings (issue 14): states, channels, proofs and where a timeline's event came from. -------
# Keys are the stored values of ``portal.core.sendings.operators.base`` (plain strings: this
# module is imported before the sendings' models).

SENDING_STATE = {
    "draft": _l("Brouillon"),
    "validated": _l("Validé (débité)"),
    "scheduled": _l("Programmé"),
    "due": _l("À remettre à l'opérateur"),
    "handed_over": _l("Remis à l'opérateur"),
    "in_progress": _l("En cours chez l'opérateur"),
    "delivered": _l("Distribué ou accepté"),
    "refused": _l("Refusé par le destinataire"),
    "not_claimed": _l("Non réclamé"),
    "returned": _l("Retourné à l'expéditeur"),
    "failed": _l("Échec de l'envoi"),
    "cancelled": _l("Annulé (remboursé)"),
}

SENDING_CHANNEL = {
    "lre": _l("Lettre recommandée électronique"),
    "paper": _l("Courrier papier"),
}

PROOF_KIND = {
    "deposit": _l("Preuve de dépôt"),
    "notification": _l("Preuve de notification"),
    "acceptance": _l("Preuve de réception"),
    "refusal": _l("Preuve de refus"),
    "negligence": _l("Preuve de non-réclamation"),
    "delivery": _l("Preuve de distribution"),
    "return": _l("Preuve de retour"),
    "ar_scan": _l("Avis de réception numérisé"),
}

EVENT_SOURCE = {
    "portal": _l("Portail"),
    "callback": _l("Notification de l'opérateur"),
    "poll": _l("Interrogation de l'opérateur"),
    "staff": _l("Rapprochement par un opérateur"),
}


def sending_state_label(state) -> str:
    return _label(SENDING_STATE, state)


def sending_channel_label(channel) -> str:
    return _label(SENDING_CHANNEL, channel)


def proof_kind_label(kind) -> str:
    """A proof's kind, with or without its channel's prefix (``lre_deposit``, ``deposit``)."""
    key = str(getattr(kind, "value", kind) or "")
    for prefix in ("lre_", "paper_"):
        if key.startswith(prefix):
            key = key[len(prefix) :]
    return _label(PROOF_KIND, key) if key in PROOF_KIND else _label(PROOF_KIND, kind)


# The operators' configuration names (``PORTAL_LRE_OPERATOR`` / ``PORTAL_PAPER_OPERATOR``).
SENDING_OPERATOR = {
    "sandbox": _l("bac à sable"),
    "ar24": "AR24",
    "maileva": "Maileva",
}


def sending_operator_label(name) -> str:
    return _label(SENDING_OPERATOR, name)


def event_source_label(source) -> str:
    """Where a timeline event came from; ``operator:<name>`` names the operator."""
    key = str(getattr(source, "value", source) or "")
    if key.startswith("operator:"):
        return _("Opérateur %(name)s", name=sending_operator_label(key.split(":", 1)[1]))
    return _label(EVENT_SOURCE, key)
