"""The platform's sealing identity: the key every signed PDF is sealed with, and what to trust.

Production configures a PKCS#12 file (``PORTAL_SIGNING_P12`` + ``PORTAL_SIGNING_P12_PASSWORD``),
issued by a qualified trust service provider. Without one, the platform runs on a **sandbox PKI**
generated at first use — a root CA, a sealing certificate and a timestamping certificate — kept
in the shared storage (``_platform/signing/…``, never in the repository) so that every web process
and worker of one installation seals with the same key.

Loading a key costs far more than using it: the signer is cached per process
(:func:`clear_cache` forgets it, as a new process would).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from flask import current_app, has_app_context
from pyhanko.sign.signers import SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore

from portal.core.storage import LocalStorage, Storage, validate_key

PLATFORM_NAME = "Portail"
SANDBOX_KEY = "_platform/signing/sandbox-v1.pem"
SANDBOX_CA_KEY = "_platform/signing/sandbox-v1-ca.pem"

# The sandbox certificates are valid from long before any frozen test clock to long after any
# installation: their dates must never be why a sandbox signature fails to validate.
_SANDBOX_NOT_BEFORE = datetime(2000, 1, 1, tzinfo=UTC)
_SANDBOX_LIFETIME = timedelta(days=365 * 40)


class SealingError(RuntimeError):
    """A PDF could not be sealed; the message says why (for logs and operators)."""


class SigningConfigError(SealingError):
    """The signing configuration cannot be used (missing file, wrong password, no key, an
    unknown timestamping setting)."""


class TimestampUnavailable(SealingError):
    """The timestamping authority did not grant a timestamp (down, refused, wrong credentials):
    nothing was sealed, trying again later may work."""


@dataclass(frozen=True)
class SandboxPki:
    """The generated sandbox certificates and keys (``cryptography`` objects)."""

    ca_cert: x509.Certificate
    seal_cert: x509.Certificate
    seal_key: rsa.RSAPrivateKey
    tsa_cert: x509.Certificate
    tsa_key: rsa.RSAPrivateKey

    def to_pem(self) -> bytes:
        """One object, so that the whole PKI is written (and wins a race) atomically."""
        return b"".join(
            [
                _cert_pem(self.ca_cert),
                _cert_pem(self.seal_cert),
                _key_pem(self.seal_key),
                _cert_pem(self.tsa_cert),
                _key_pem(self.tsa_key),
            ]
        )

    @classmethod
    def from_pem(cls, data: bytes) -> SandboxPki:
        certs = x509.load_pem_x509_certificates(data)
        pem_keys = [
            serialization.load_pem_private_key(block, password=None)
            for block in _pem_blocks(data, b"PRIVATE KEY")
        ]
        if len(certs) != 3 or len(pem_keys) != 2:
            raise SigningConfigError("the stored sandbox PKI is incomplete")
        return cls(certs[0], certs[1], pem_keys[0], certs[2], pem_keys[1])


@dataclass(frozen=True)
class SealingIdentity:
    """What seals the PDFs: pyHanko's signer, its certificate and the roots to trust."""

    signer: SimpleSigner
    certificate: asn1_x509.Certificate
    roots: tuple[asn1_x509.Certificate, ...]
    source: str  # "sandbox" or "pkcs12"

    @property
    def name(self) -> str:
        return self.certificate.subject.native.get("common_name", "")


_lock = threading.Lock()
_identities: dict[tuple, SealingIdentity] = {}
_pkis: dict[str, SandboxPki] = {}


def clear_cache() -> None:
    """Forget the loaded keys (a new process starts like this)."""
    with _lock:
        _identities.clear()
        _pkis.clear()


def setting(name: str) -> str | None:
    """A ``PORTAL_*`` setting: the app's config first, then the environment; empty is unset."""
    value = current_app.config.get(name) if has_app_context() else None
    if value in (None, ""):
        value = os.environ.get(name)
    return None if value in (None, "") else str(value)


def platform_storage() -> Storage:
    return current_app.extensions["portal.storage"]


# -- the sealing identity -----------------------------------------------------------------------


def sealing_identity() -> SealingIdentity:
    """The configured PKCS#12 identity, else the installation's sandbox one (cached)."""
    p12_path = setting("PORTAL_SIGNING_P12")
    cache_key = ("pkcs12", p12_path) if p12_path else ("sandbox", repr(platform_storage()))
    identity = _identities.get(cache_key)
    if identity is None:
        if p12_path:
            identity = load_pkcs12_identity(p12_path, setting("PORTAL_SIGNING_P12_PASSWORD"))
        else:
            refuse_sandbox_in_production("PORTAL_SIGNING_P12 is not set")
            identity = _sandbox_identity(sandbox_pki())
        with _lock:
            identity = _identities.setdefault(cache_key, identity)
    return identity


def load_pkcs12_identity(path: str | os.PathLike, password: str | None) -> SealingIdentity:
    """A production identity from a PKCS#12 file: the key, its certificate and its chain; the
    chain's self-signed certificates are the roots to trust."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SigningConfigError(f"PORTAL_SIGNING_P12: cannot read {path}: {exc}") from exc
    passphrase = password.encode() if password else None
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(data, passphrase)
    except ValueError as exc:
        raise SigningConfigError(
            f"PORTAL_SIGNING_P12: {path} cannot be opened (wrong PORTAL_SIGNING_P12_PASSWORD?)"
        ) from exc
    if key is None or cert is None:
        raise SigningConfigError(f"PORTAL_SIGNING_P12: {path} holds no key and certificate")
    chain_asn1 = [to_asn1_cert(c) for c in chain]
    roots = tuple(c for c in chain_asn1 if c.self_signed)
    return SealingIdentity(
        signer=SimpleSigner(
            signing_cert=to_asn1_cert(cert),
            signing_key=_to_asn1_key(key),
            cert_registry=SimpleCertificateStore.from_certs(chain_asn1),
        ),
        certificate=to_asn1_cert(cert),
        roots=roots,
        source="pkcs12",
    )


def _sandbox_identity(pki: SandboxPki) -> SealingIdentity:
    ca = to_asn1_cert(pki.ca_cert)
    cert = to_asn1_cert(pki.seal_cert)
    return SealingIdentity(
        signer=SimpleSigner(
            signing_cert=cert,
            signing_key=_to_asn1_key(pki.seal_key),
            cert_registry=SimpleCertificateStore.from_certs([ca]),
        ),
        certificate=cert,
        roots=(ca,),
        source="sandbox",
    )


def refuse_sandbox_in_production(why: str) -> None:
    """Production never seals with sandbox keys: a forgotten setting must not make signatures
    that no one can trust."""
    if setting("PORTAL_MODE") == "production":
        raise SigningConfigError(
            f"PORTAL_MODE=production refuses the sandbox signing keys ({why}): configure "
            "PORTAL_SIGNING_P12 and PORTAL_TSA=http, or run PORTAL_MODE=demo"
        )


def extra_trust_roots() -> list[asn1_x509.Certificate]:
    """Certificates listed in ``PORTAL_SIGNING_TRUST_ROOTS`` (a PEM file): e.g. the root of an
    outside timestamping authority."""
    path = setting("PORTAL_SIGNING_TRUST_ROOTS")
    if not path:
        return []
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SigningConfigError(f"PORTAL_SIGNING_TRUST_ROOTS: cannot read {path}") from exc
    return [to_asn1_cert(c) for c in x509.load_pem_x509_certificates(data)]


# -- the sandbox PKI ----------------------------------------------------------------------------


def sandbox_pki() -> SandboxPki:
    """The installation's sandbox PKI: read from the shared storage, generated there once."""
    store = platform_storage()
    cache_key = repr(store)
    pki = _pkis.get(cache_key)
    if pki is not None:
        return pki
    try:
        data = store.read(SANDBOX_KEY)
    except FileNotFoundError:
        # Two processes may get here at once: each offers its own PKI, only the first write
        # lands, and both read back the stored one.
        store_once(store, SANDBOX_KEY, generate_sandbox_pki().to_pem())
        data = store.read(SANDBOX_KEY)
    pki = SandboxPki.from_pem(data)
    ca_pem = _cert_pem(pki.ca_cert)
    with contextlib.suppress(OSError):  # a convenience copy for people who import it in readers
        if not store.exists(SANDBOX_CA_KEY) or store.read(SANDBOX_CA_KEY) != ca_pem:
            store.put(SANDBOX_CA_KEY, ca_pem, "application/x-pem-file")
    with _lock:
        return _pkis.setdefault(cache_key, pki)


def store_once(store: Storage, key: str, data: bytes) -> bool:
    """Write ``data`` under ``key`` unless something is there already; ``True`` if it landed.

    Atomic on a local folder (a hard link fails on an existing name) and on S3 (a conditional
    ``If-None-Match: *`` write); other backends check first, which leaves a short race.
    """
    if isinstance(store, LocalStorage):
        return _local_store_once(store, key, data)
    client = getattr(store, "client", None)
    bucket = getattr(store, "bucket", None)
    if client is not None and bucket:
        from botocore.exceptions import ClientError

        try:
            client.put_object(
                Bucket=bucket,
                Key=key,
                Body=data,
                ContentType="application/x-pem-file",
                IfNoneMatch="*",
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code in ("PreconditionFailed", "ConditionalRequestConflict"):
                return False
            raise
        return True
    if store.exists(key):
        return False
    store.put(key, data, "application/x-pem-file")
    return True


def _local_store_once(store: LocalStorage, key: str, data: bytes) -> bool:
    target = store.root.joinpath(*validate_key(key).split("/"))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)  # private keys
        try:
            os.link(tmp, target)
        except FileExistsError:
            return False
        return True
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def generate_sandbox_pki(platform: str = PLATFORM_NAME) -> SandboxPki:
    """A root CA, a sealing certificate (digitalSignature + nonRepudiation) and a timestamping
    certificate (extendedKeyUsage timeStamping, critical), all RSA 2048 / SHA-256."""
    not_before = _SANDBOX_NOT_BEFORE
    not_after = datetime.now(UTC) + _SANDBOX_LIFETIME
    ca_key = _rsa_key()
    ca_name = _name(f"{platform} Sandbox Root CA", platform)
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            _key_usage(key_cert_sign=True, crl_sign=True, digital_signature=True), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )

    def leaf(common_name: str, key, *extensions) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name, platform))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
            )
        )
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical=critical)
        return builder.sign(ca_key, hashes.SHA256())

    seal_key = _rsa_key()
    seal_cert = leaf(
        f"{platform} Sandbox Seal",
        seal_key,
        (_key_usage(digital_signature=True, content_commitment=True), True),
    )
    tsa_key = _rsa_key()
    tsa_cert = leaf(
        f"{platform} Sandbox TSA",
        tsa_key,
        (_key_usage(digital_signature=True), True),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True),
    )
    return SandboxPki(ca_cert, seal_cert, seal_key, tsa_cert, tsa_key)


# -- conversions --------------------------------------------------------------------------------


def to_asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _to_asn1_key(key) -> asn1_keys.PrivateKeyInfo:
    return asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def certificate_fingerprint(cert: asn1_x509.Certificate) -> str:
    """SHA-256 of the DER certificate, hex (how people compare certificates)."""
    return hashlib.sha256(cert.dump()).hexdigest()


def _rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"{organisation} (sandbox)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(**enabled: bool) -> x509.KeyUsage:
    flags = dict.fromkeys(
        (
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
            "encipher_only",
            "decipher_only",
        ),
        False,
    )
    flags.update(enabled)
    return x509.KeyUsage(**flags)


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _pem_blocks(data: bytes, label: bytes) -> list[bytes]:
    begin, end = b"-----BEGIN " + label + b"-----", b"-----END " + label + b"-----"
    blocks, start = [], data.find(begin)
    while start != -1:
        stop = data.index(end, start) + len(end)
        blocks.append(data[start:stop])
        start = data.find(begin, stop)
    return blocks
