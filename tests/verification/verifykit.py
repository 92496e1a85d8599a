"""Helpers of the verification tests: accounts logged in without the login page, staff logged
in through the back office's real login, CSRF tokens, small real files."""

from __future__ import annotations

import html
import io
import re
import time
from dataclasses import dataclass

from sqlalchemy import select

from portal.core.accounts.models import Account, AccountStatus, Profile
from portal.core.accounts.passwords import hash_password
from portal.core.tenants import tenant_scope, unscoped
from portal.extensions import db

PASSWORD = "Mandat-Signe-2024!"
_PASSWORD_HASH: list[str] = []  # hashed once per run: argon2 is slow on purpose


def csrf_token(page: str) -> str:
    """The CSRF token of the first form of an HTML page (any field ending in ``csrf_token``)."""
    match = re.search(r'name="[^"]*csrf_token"[^>]*value="([^"]+)"', page)
    assert match, "no csrf_token in the page"
    return match.group(1)


def form_token(client, url: str, base_url: str | None = None) -> str:
    kwargs = {"base_url": base_url} if base_url else {}
    response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return csrf_token(response.get_data(as_text=True))


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def png_bytes(size: tuple[int, int] = (4, 4)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (30, 30, 200)).save(out, "JPEG")
    return out.getvalue()


PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass
class Agent:
    tenant_id: int
    slug: str
    account_id: int
    holder_id: int
    collaborator_id: int
    email: str
    session_version: int = 1

    @property
    def host(self) -> str:
        return f"{self.slug}.localhost"


def make_agent(
    app,
    tenant_ids,
    slug: str = "resilimo",
    email: str = "agence@example.fr",
    *,
    with_password: bool = False,
    mobile: str | None = "+33612345678",
    orias: str | None = "12345678",
) -> Agent:
    if with_password and not _PASSWORD_HASH:
        _PASSWORD_HASH.append(hash_password(PASSWORD))
    tenant_id = tenant_ids[slug]
    with app.app_context(), tenant_scope(tenant_id):
        account = Account(
            email=email,
            password_hash=_PASSWORD_HASH[0] if with_password else None,
            status=AccountStatus.ACTIVE,
            first_name="Camille",
            last_name="Durand",
            commercial_name=f"Agence Durand {email.split('@')[0]}",
            orias=orias,
            address="1 rue de la Paix",
            postal_code="75002",
            city="Paris",
            phone="+33140000000",
            mobile=mobile,
        )
        holder = Profile(account=account, name="Camille Durand", email=email, is_holder=True)
        collaborator = Profile(account=account, name="Dominique Martin", email=email)
        db.session.add_all([account, holder, collaborator])
        db.session.commit()
        return Agent(tenant_id, slug, account.id, holder.id, collaborator.id, email)


def logged_in(client_for, agent: Agent, *, holder: bool = True):
    """A client on the agent's host, logged in as the holder (or the collaborator) profile."""
    client = client_for(agent.slug)
    with client.session_transaction(base_url=f"http://{client.host}") as session:
        session["_user_id"] = f"{agent.account_id}:{agent.session_version}"
        session["_fresh"] = True
        session["profile_id"] = agent.holder_id if holder else agent.collaborator_id
        session["last_seen"] = time.time()
    return client


def staff_client(app, client_for, email: str = "operatrice@portail.test"):
    """A back-office client with a staff member fully logged in (password, then TOTP code)."""
    import pyotp

    from portal.core.backoffice.models import StaffRole, StaffUser

    secret = pyotp.random_base32()
    if not _PASSWORD_HASH:
        _PASSWORD_HASH.append(hash_password(PASSWORD))
    with app.app_context(), unscoped():
        from datetime import UTC, datetime

        staff = StaffUser(
            email=email,
            name="Opératrice Support",
            password_hash=_PASSWORD_HASH[0],
            role=StaffRole.SUPPORT,
            totp_secret=secret,
            totp_confirmed_at=datetime.now(UTC),
        )
        db.session.add(staff)
        db.session.commit()
        staff_id, version = staff.id, staff.session_version
    client = client_for(app.config["PORTAL_BACKOFFICE_HOST"])
    if "backoffice.login" in {rule.endpoint for rule in app.url_map.iter_rules()}:
        token = form_token(client, "/backoffice/connexion")
        response = client.post(
            "/backoffice/connexion",
            data={"csrf_token": token, "email": email, "password": PASSWORD},
        )
        assert response.status_code == 302, text_of(response)
        token = form_token(client, response.headers["Location"])
        response = client.post(
            "/backoffice/connexion/code",
            data={"csrf_token": token, "code": pyotp.TOTP(secret).now()},
        )
        assert response.status_code == 302, text_of(response)
    else:  # the login pages are not there yet: the session keys session.py reads
        with client.session_transaction(base_url=f"http://{client.host}") as session:
            session.update(
                staff_id=staff_id, staff_version=version, staff_2fa=True, staff_seen=time.time()
            )
    client.staff_id = staff_id
    return client


def emails_to(app, tenant_id: int, address: str) -> list:
    from portal.core.devbox.models import DevboxMessage
    from portal.core.jobs import drain

    drain(app)
    with app.app_context(), tenant_scope(tenant_id):
        return list(
            db.session.scalars(
                select(DevboxMessage)
                .where(DevboxMessage.kind == "email", DevboxMessage.recipients.contains(address))
                .order_by(DevboxMessage.id)
            )
        )
