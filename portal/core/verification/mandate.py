"""The text of the platform mandate: the account holder authorises the tenant's legal entity to
send registered electronic letters and mail in the agency's name.

The text is built from the account and the tenant, in the reader's language; what the holder
signed is kept word for word (``PlatformMandate.text``) with its SHA-256.
"""

from __future__ import annotations

import hashlib

from flask_babel import gettext as _

from portal.core.accounts.models import Account
from portal.core.tenants.config import CurrentTenant

TITLE_SEPARATOR = "\n\n"


def mandate_text(account: Account, tenant: CurrentTenant) -> str:
    """The full mandate as plain text, paragraphs separated by blank lines."""
    legal = tenant.config.legal
    address = ", ".join(
        part
        for part in (account.address, account.address2, f"{account.postal_code} {account.city}")
        if part
    )
    principal = _(
        "%(agency)s, %(address)s, représentée par %(holder)s, titulaire du compte "
        "%(email)s sur le service %(service)s",
        agency=account.commercial_name,
        address=address,
        holder=account.holder_name,
        email=account.email,
        service=tenant.name,
    )
    if account.orias:
        principal += _(", immatriculée à l'ORIAS sous le n° %(orias)s", orias=account.orias)
    agent = legal.entity
    if legal.address:
        agent += ", " + legal.address
    if legal.registration:
        agent += " — " + legal.registration
    years = max(1, tenant.config.retention.proofs_days // 365)
    paragraphs = [
        _("MANDAT D'ENVOI DE COURRIERS AU NOM DE L'AGENCE"),
        _("Entre les soussignés :"),
        principal + _(" (ci-après « le Mandant »),"),
        _(
            "et %(agent)s, éditeur du service %(service)s (ci-après « le Mandataire »).",
            agent=agent,
            service=tenant.name,
        ),
        _("Article 1 — Objet"),
        _(
            "Le Mandant autorise le Mandataire à envoyer, en son nom et pour son compte, les "
            "lettres recommandées électroniques, simples ou qualifiées au sens du règlement (UE) "
            "n° 910/2014 dit « eIDAS » et de l'article L. 100 du Code des postes et des "
            "communications électroniques, ainsi que les courriers papier (lettres simples, "
            "suivies ou recommandées avec ou sans avis de réception) que le Mandant prépare et "
            "valide sur le service %(service)s.",
            service=tenant.name,
        ),
        _("Article 2 — Étendue du mandat"),
        _(
            "Le Mandataire n'agit que sur instruction : chaque envoi est préparé, relu et validé "
            "par le Mandant ou par un utilisateur de son compte. Le Mandataire n'intervient pas "
            "sur le contenu des courriers, dont le Mandant demeure seul responsable, de même que "
            "de l'existence et de la conservation des mandats que lui ont confiés ses propres "
            "clients."
        ),
        _("Article 3 — Identification de l'expéditeur"),
        _(
            "Le Mandant remet au Mandataire un justificatif d'identité professionnelle en cours "
            "de validité (attestation d'immatriculation ORIAS, statuts ou extrait Kbis) et "
            "l'informe sans délai de toute modification de sa situation. Le Mandataire peut "
            "suspendre les envois tant que ce justificatif n'a pas été vérifié ou a expiré."
        ),
        _("Article 4 — Preuves"),
        _(
            "Le Mandataire conserve les preuves de dépôt, les avis de réception et les avis de "
            "non-distribution des envois pendant %(years)s ans et les tient à la disposition du "
            "Mandant dans son espace.",
            years=years,
        ),
        _("Article 5 — Prix"),
        _(
            "Chaque envoi est facturé au tarif en vigueur affiché avant sa validation ; son prix "
            "est débité du crédit prépayé du compte au moment où l'envoi est validé."
        ),
        _("Article 6 — Durée et révocation"),
        _(
            "Le présent mandat prend effet à sa signature, pour une durée indéterminée. Il prend "
            "fin à la clôture du compte ou à sa révocation par le Mandant, notifiée au Mandataire "
            "par une demande d'aide ; la révocation est sans effet sur les envois déjà validés."
        ),
        _("Article 7 — Données personnelles"),
        _(
            "Les données nécessaires aux envois sont traitées par le Mandataire pour leur seule "
            "exécution et la conservation des preuves, conformément à sa politique de "
            "confidentialité."
        ),
        _(
            "Le Mandant signe le présent mandat électroniquement, en confirmant sa signature par "
            "un code à usage unique reçu par SMS sur son téléphone portable."
        ),
    ]
    return TITLE_SEPARATOR.join(paragraphs)


def paragraphs(text: str) -> list[str]:
    return text.split(TITLE_SEPARATOR)


def fingerprint(text: str) -> str:
    """SHA-256 of the exact text, hexadecimal."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
