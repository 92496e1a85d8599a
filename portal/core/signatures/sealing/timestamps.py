"""Timestamping authorities (RFC 3161): where a sealed PDF's trusted time comes from.

``PORTAL_TSA=sandbox`` (default): a real RFC 3161 authority inside the process, signing with the
sandbox PKI's timestamping certificate, its time from :func:`portal.core.clock.now`.
``PORTAL_TSA=http``: an outside authority at ``PORTAL_TSA_URL`` (optional basic auth with
``PORTAL_TSA_USERNAME`` / ``PORTAL_TSA_PASSWORD``), reached with pyHanko's HTTP client.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from abc import ABC, abstractmethod

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper

from portal.core import clock
from portal.core.signatures.sealing.keys import (
    SandboxPki,
    SigningConfigError,
    extra_trust_roots,
    platform_storage,
    refuse_sandbox_in_production,
    sandbox_pki,
    setting,
    to_asn1_cert,
)

CONTENT_TYPE_QUERY = "application/timestamp-query"
CONTENT_TYPE_REPLY = "application/timestamp-reply"
# An OID under the ITU/ISO "example" arc (2.999): the sandbox's policy is nobody's real one.
SANDBOX_POLICY = "2.999.3161.1"
_DIGEST_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64, "sha3_256": 32, "sha3_512": 64}


class TimestampAuthority(ABC):
    """Where timestamps come from. :meth:`timestamper` is the pyHanko client seal_pdf uses."""

    name: str = ""

    @abstractmethod
    def timestamper(self) -> TimeStamper: ...

    def trust_roots(self) -> list[asn1_x509.Certificate]:
        """Roots that make this authority's tokens trusted (beyond the sealing key's)."""
        return []


class SandboxTimestampAuthority(TimestampAuthority):
    """A local RFC 3161 authority: DER ``TimeStampReq`` in, DER ``TimeStampResp`` out."""

    name = "sandbox"

    def __init__(self, pki: SandboxPki):
        self.certificate = to_asn1_cert(pki.tsa_cert)
        self.ca_certificate = to_asn1_cert(pki.ca_cert)
        self._key = pki.tsa_key
        self._timestamper = _LocalTimeStamper(self)

    def timestamper(self) -> TimeStamper:
        # One client for the process: pyHanko keeps a sample token in it to size signatures.
        return self._timestamper

    def trust_roots(self) -> list[asn1_x509.Certificate]:
        return [self.ca_certificate]

    def respond(self, request_der: bytes) -> bytes:
        """Answer one RFC 3161 request; a request it cannot grant gets a rejection, not an
        exception (the client reads the reason from ``failInfo``)."""
        return self.response_for(request_der).dump()

    def response_for(self, request_der: bytes) -> TimeStampResp:
        try:
            request = tsp.TimeStampReq.load(request_der)
            request.native  # noqa: B018 - parses every field now, so bad input fails here
        except Exception:  # noqa: BLE001 - any undecodable input is the client's error
            return _rejection("bad_data_format", "the request is not a DER TimeStampReq")
        if request["version"].native != "v1":
            return _rejection("bad_request", "only version 1 requests are served")
        imprint = request["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        if algorithm not in _DIGEST_SIZES:
            return _rejection("bad_alg", f"unsupported hash algorithm {algorithm}")
        if len(imprint["hashed_message"].native) != _DIGEST_SIZES[algorithm]:
            return _rejection("bad_data_format", "the imprint's length does not match its hash")
        policy = request["req_policy"].native
        if policy is not None and policy != SANDBOX_POLICY:
            return _rejection("unaccepted_policy", f"this authority serves {SANDBOX_POLICY}")
        if request["extensions"].native:
            return _rejection("unaccepted_extension", "no extension is supported")
        token = self._token(request)
        return TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token})

    def wsgi_app(self, environ, start_response):
        """The authority over HTTP (RFC 3161 §3.4): POST a query, get a reply."""
        if environ.get("REQUEST_METHOD") != "POST":
            start_response("405 Method Not Allowed", [("Allow", "POST")])
            return [b""]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(min(length, 64 * 1024))
        reply = self.respond(body)
        start_response(
            "200 OK",
            [("Content-Type", CONTENT_TYPE_REPLY), ("Content-Length", str(len(reply)))],
        )
        return [reply]

    def _token(self, request: tsp.TimeStampReq) -> cms.ContentInfo:
        # Whole seconds: the accuracy we claim is one second anyway.
        gen_time = clock.now().replace(microsecond=0)
        info = {
            "version": "v1",
            "policy": SANDBOX_POLICY,
            "message_imprint": request["message_imprint"],
            "serial_number": _serial_number(gen_time),
            "gen_time": gen_time,
            "accuracy": {"seconds": 1},
            "ordering": False,
            "tsa": asn1_x509.GeneralName(name="directory_name", value=self.certificate.subject),
        }
        if request["nonce"].native is not None:
            info["nonce"] = request["nonce"]
        tst_info = tsp.TSTInfo(info).dump()
        signed_attrs = cms.CMSAttributes(
            [
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute(
                    "signing_time", cms.Time({"utc_time": core.UTCTime(gen_time)})
                ),
                simple_cms_attribute("message_digest", hashlib.sha256(tst_info).digest()),
                simple_cms_attribute(
                    "signing_certificate_v2", as_signing_certificate_v2(self.certificate)
                ),
            ]
        )
        signature = self._key.sign(signed_attrs.dump(), PKCS1v15(), hashes.SHA256())
        digest_algorithm = algos.DigestAlgorithm({"algorithm": "sha256"})
        signer_info = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    name="issuer_and_serial_number",
                    value=cms.IssuerAndSerialNumber(
                        {
                            "issuer": self.certificate.issuer,
                            "serial_number": self.certificate.serial_number,
                        }
                    ),
                ),
                "digest_algorithm": digest_algorithm,
                "signed_attrs": signed_attrs,
                "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"}),
                "signature": signature,
            }
        )
        signed_data = {
            "version": "v3",
            "digest_algorithms": [digest_algorithm],
            "encap_content_info": {
                "content_type": "tst_info",
                "content": cms.ParsableOctetString(tst_info),
            },
            "signer_infos": [signer_info],
        }
        if request["cert_req"].native:
            signed_data["certificates"] = [self.certificate, self.ca_certificate]
        return cms.ContentInfo({"content_type": "signed_data", "content": signed_data})


class _LocalTimeStamper(TimeStamper):
    """pyHanko's client talking to the in-process authority, through the same DER bytes an
    HTTP exchange would carry."""

    def __init__(self, authority: SandboxTimestampAuthority):
        super().__init__()
        self.authority = authority

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        return tsp.TimeStampResp.load(self.authority.respond(req.dump()))


class HttpTimestampAuthority(TimestampAuthority):
    """An outside RFC 3161 authority over HTTP(S)."""

    name = "http"

    def __init__(
        self,
        url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10,
        roots: list[asn1_x509.Certificate] | None = None,
    ):
        if not url:
            raise SigningConfigError("PORTAL_TSA=http needs PORTAL_TSA_URL")
        self.url = url
        self._roots = list(roots or [])
        headers = {}
        if username:
            # A header rather than aiohttp's deprecated BasicAuth object.
            credentials = f"{username}:{password or ''}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(credentials).decode()
        self._timestamper = HTTPTimeStamper(url, timeout=timeout, headers=headers)

    def timestamper(self) -> TimeStamper:
        return self._timestamper

    def trust_roots(self) -> list[asn1_x509.Certificate]:
        return list(self._roots)


_lock = threading.Lock()
_authorities: dict[tuple, TimestampAuthority] = {}


def timestamp_authority() -> TimestampAuthority:
    """The configured authority (``PORTAL_TSA``: ``sandbox`` by default, or ``http``)."""
    kind = setting("PORTAL_TSA") or "sandbox"
    if kind == "sandbox":
        cache_key = ("sandbox", repr(platform_storage()))
    elif kind == "http":
        cache_key = ("http", setting("PORTAL_TSA_URL"), setting("PORTAL_TSA_USERNAME"))
    else:
        raise SigningConfigError(f"PORTAL_TSA must be 'sandbox' or 'http', not {kind!r}")
    authority = _authorities.get(cache_key)
    if authority is None:
        if kind == "sandbox":
            refuse_sandbox_in_production("PORTAL_TSA=sandbox")
            authority = SandboxTimestampAuthority(sandbox_pki())
        else:
            authority = HttpTimestampAuthority(
                setting("PORTAL_TSA_URL") or "",
                username=setting("PORTAL_TSA_USERNAME"),
                password=setting("PORTAL_TSA_PASSWORD"),
                roots=extra_trust_roots(),
            )
        with _lock:
            authority = _authorities.setdefault(cache_key, authority)
    return authority


def clear_cache() -> None:
    with _lock:
        _authorities.clear()


def _serial_number(at) -> int:
    """Unique without coordination between processes: the second, then 64 random bits."""
    return (int(at.timestamp()) << 64) | secrets.randbits(64)


class TimeStampResp(tsp.TimeStampResp):
    """RFC 3161's TimeStampResp, whose token is absent when the request is refused
    (asn1crypto declares it mandatory)."""

    _fields = [  # noqa: RUF012 - asn1crypto's declaration style
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


def _rejection(fail_info: str, text: str) -> TimeStampResp:
    return TimeStampResp(
        {
            "status": {
                "status": "rejection",
                "status_string": [text],
                "fail_info": {fail_info},
            }
        }
    )
