"""Configuration read from the environment (``PORTAL_*``), with embedded defaults.

With nothing set, the portal runs on a SQLite file, a local storage folder, in-process jobs and
development mail/SMS boxes under ``var/``. Production sets the database, Redis and S3 variables.

``PORTAL_MODE`` says what kind of deployment runs: ``production`` (the default, so a forgotten
setting never opens a development door), ``development`` (set by ``portal run`` and the tests) or
``demo`` (a public demonstration that keeps its sandboxes and says so on every page).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

MODES = ("production", "development", "demo")

# Settings whose value is a stand-in that must never serve real users: name → sandbox value.
SANDBOX_SETTINGS = {
    "PORTAL_MAIL": "dev",
    "PORTAL_SMS": "dev",
    "PORTAL_IDENTITY": "sandbox",
    "PORTAL_LRE_OPERATOR": "sandbox",
    "PORTAL_PAYMENT": "sandbox",
    "PORTAL_ANTIVIRUS": "dev",
    "PORTAL_TSA": "sandbox",
    "PORTAL_PAPER_OPERATOR": "sandbox",
}


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"PORTAL_{name}")
    return value if value not in (None, "") else default


def _secret_key(data_dir: Path) -> str:
    """A stable development secret kept in the data folder (production sets PORTAL_SECRET_KEY)."""
    explicit = _env("SECRET_KEY")
    if explicit:
        return explicit
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def sandboxes(config) -> list[str]:
    """The sandbox settings in use, as ``NAME=value``."""
    found = [
        f"{name}={value}" for name, value in SANDBOX_SETTINGS.items() if config.get(name) == value
    ]
    if not config.get("PORTAL_SIGNING_P12"):
        found.append("PORTAL_SIGNING_P12 (unset: sandbox sealing keys)")
    return found


def load_config(overrides: dict | None = None) -> dict:
    """Build the Flask config mapping; ``overrides`` (tests) win over the environment."""
    overrides = dict(overrides or {})
    data_dir = Path(overrides.get("PORTAL_DATA_DIR") or _env("DATA_DIR", str(PROJECT_ROOT / "var")))
    config = {
        "PORTAL_MODE": _env("MODE", "production"),
        "PORTAL_DATA_DIR": str(data_dir),
        "PORTAL_TENANTS_DIR": _env("TENANTS_DIR", str(PROJECT_ROOT / "tenants")),
        # Host suffix that maps <slug>.<suffix> to a tenant in development.
        "PORTAL_DEV_HOST_SUFFIX": _env("DEV_HOST_SUFFIX", "localhost"),
        # The operators' back office answers on this host only (never on a tenant's).
        "PORTAL_BACKOFFICE_HOST": _env("BACKOFFICE_HOST", "backoffice.localhost"),
        # Base URL of a tenant in emails sent outside a request, e.g. "https://{slug}.example.fr/".
        "PORTAL_TENANT_URL_TEMPLATE": _env("TENANT_URL_TEMPLATE"),
        # How long a process trusts its host → tenant look-up before asking the database again.
        "PORTAL_TENANT_CACHE_SECONDS": float(_env("TENANT_CACHE_SECONDS", "2")),
        "SQLALCHEMY_DATABASE_URI": _env("DATABASE_URL", f"sqlite:///{data_dir / 'portal.db'}"),
        "PORTAL_REDIS_URL": _env("REDIS_URL"),
        "PORTAL_STORAGE": _env("STORAGE", "local"),
        "PORTAL_STORAGE_PATH": _env("STORAGE_PATH", str(data_dir / "files")),
        "PORTAL_S3_BUCKET": _env("S3_BUCKET"),
        "PORTAL_S3_ENDPOINT_URL": _env("S3_ENDPOINT_URL"),
        "PORTAL_S3_REGION": _env("S3_REGION", "eu-west-3"),
        "PORTAL_MAIL": _env("MAIL", "dev"),
        "PORTAL_SMTP_HOST": _env("SMTP_HOST", "localhost"),
        "PORTAL_SMTP_PORT": int(_env("SMTP_PORT", "25")),
        "PORTAL_SMTP_USERNAME": _env("SMTP_USERNAME"),
        "PORTAL_SMTP_PASSWORD": _env("SMTP_PASSWORD"),
        "PORTAL_SMTP_STARTTLS": _env("SMTP_STARTTLS", "0") == "1",
        "PORTAL_SMS": _env("SMS", "dev"),
        "PORTAL_SMS_HTTP_URL": _env("SMS_HTTP_URL"),
        "PORTAL_SMS_HTTP_TOKEN": _env("SMS_HTTP_TOKEN"),
        # Strong identity verification (eIDAS): "sandbox" simulates the provider's whole lifecycle.
        "PORTAL_IDENTITY": _env("IDENTITY", "sandbox"),
        # Payment provider for buying credit: "sandbox" is a simulated bank with its own pages.
        "PORTAL_PAYMENT": _env("PAYMENT", "sandbox"),
        "PORTAL_IDENTITY_SANDBOX_DELAY_SECONDS": float(
            _env("IDENTITY_SANDBOX_DELAY_SECONDS", "20")
        ),
        "PORTAL_IDENTITY_SANDBOX_SMS_CODE": _env("IDENTITY_SANDBOX_SMS_CODE", "0") == "1",
        # Antivirus on every upload: "dev" refuses the EICAR test file only; "clamd" streams each
        # file to a ClamAV daemon ("host:port" or a Unix socket path). Down means refused.
        "PORTAL_ANTIVIRUS": _env("ANTIVIRUS", "dev"),
        # The platform's sealing key (PKCS#12) and timestamping authority (RFC 3161) of
        # e-signatures; unset, a sandbox PKI is made once in the storage and an in-process
        # authority answers (portal/core/signatures/sealing).
        "PORTAL_SIGNING_P12": _env("SIGNING_P12"),
        "PORTAL_SIGNING_P12_PASSWORD": _env("SIGNING_P12_PASSWORD"),
        "PORTAL_SIGNING_TRUST_ROOTS": _env("SIGNING_TRUST_ROOTS"),
        "PORTAL_TSA": _env("TSA", "sandbox"),
        "PORTAL_TSA_URL": _env("TSA_URL"),
        "PORTAL_TSA_USERNAME": _env("TSA_USERNAME"),
        "PORTAL_TSA_PASSWORD": _env("TSA_PASSWORD"),
        # Registered email (LRE) operator of sendings: "sandbox" (« Bac à sable LRE », its own
        # recipient pages; callbacks signed with the secret) or "ar24" (its API and webhooks).
        "PORTAL_LRE_OPERATOR": _env("LRE_OPERATOR", "sandbox"),
        "PORTAL_LRE_SANDBOX_SECRET": _env("LRE_SANDBOX_SECRET", "lre-sandbox-dev-secret"),
        "PORTAL_LRE_SANDBOX_DELAY_SECONDS": float(_env("LRE_SANDBOX_DELAY_SECONDS", "0")),
        "PORTAL_AR24_URL": _env("AR24_URL", "https://sandbox.ar24.fr/api/"),
        "PORTAL_AR24_TOKEN": _env("AR24_TOKEN"),
        "PORTAL_AR24_USER_ID": _env("AR24_USER_ID"),
        "PORTAL_AR24_WEBHOOK_SECRET": _env("AR24_WEBHOOK_SECRET"),
        # Postal printer of paper sendings: "sandbox" (a printer that runs in the portal, its
        # steps on the postal calendar or every PORTAL_PAPER_SANDBOX_SPEED seconds) or "maileva".
        "PORTAL_PAPER_OPERATOR": _env("PAPER_OPERATOR", "sandbox"),
        "PORTAL_PAPER_SANDBOX_SECRET": _env("PAPER_SANDBOX_SECRET", "paper-sandbox-dev-secret"),
        "PORTAL_PAPER_SANDBOX_SPEED": _env("PAPER_SANDBOX_SPEED", "real"),
        "PORTAL_MAILEVA_API_URL": _env("MAILEVA_API_URL", "https://api.sandbox.maileva.net"),
        "PORTAL_MAILEVA_AUTH_URL": _env(
            "MAILEVA_AUTH_URL",
            "https://connexion.sandbox.maileva.net/auth/realms/services/protocol/openid-connect/token",
        ),
        "PORTAL_MAILEVA_CLIENT_ID": _env("MAILEVA_CLIENT_ID"),
        "PORTAL_MAILEVA_CLIENT_SECRET": _env("MAILEVA_CLIENT_SECRET"),
        "PORTAL_MAILEVA_USERNAME": _env("MAILEVA_USERNAME"),
        "PORTAL_MAILEVA_PASSWORD": _env("MAILEVA_PASSWORD"),
        "PORTAL_MAILEVA_WEBHOOK_USERNAME": _env("MAILEVA_WEBHOOK_USERNAME"),
        "PORTAL_MAILEVA_WEBHOOK_PASSWORD": _env("MAILEVA_WEBHOOK_PASSWORD"),
        "PORTAL_CLAMD_ADDRESS": _env("CLAMD_ADDRESS", "127.0.0.1:3310"),
        "PORTAL_CLAMD_TIMEOUT_SECONDS": float(_env("CLAMD_TIMEOUT_SECONDS", "30")),
        "PORTAL_SCHEDULER_TICK_SECONDS": float(_env("SCHEDULER_TICK_SECONDS", "15")),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # The cookie is sent when the session changes (activity is marked once a minute), not
        # on every answer: see portal.core.accounts.session_records.SEEN_EVERY_SECONDS.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "SESSION_COOKIE_SECURE": _env("SECURE_COOKIES", "0") == "1",
        "WTF_CSRF_TIME_LIMIT": None,
        # Beyond this a request is refused whole (413). Below it, each file part keeps only what
        # the upload checks need, so an oversized file is refused next to its field.
        "MAX_CONTENT_LENGTH": 256 * 1024 * 1024,
    }
    config.update(overrides)
    if config["PORTAL_MODE"] not in MODES:
        raise ValueError(
            f"PORTAL_MODE must be one of {', '.join(MODES)}, not {config['PORTAL_MODE']!r}"
        )
    # Over HTTPS the __Host- prefix pins the cookie to this exact host, path / and Secure.
    config.setdefault(
        "SESSION_COOKIE_NAME", "__Host-session" if config["SESSION_COOKIE_SECURE"] else "session"
    )
    if "SECRET_KEY" not in config:
        config["SECRET_KEY"] = _secret_key(Path(config["PORTAL_DATA_DIR"]))
    return config
