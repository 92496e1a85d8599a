"""The platform's seal on PDFs: PAdES B-T signatures that pyHanko's validator and poppler's
``pdfsig`` accept, several signers on one PDF, tampering detected, one sandbox key per
installation, and a production key from a PKCS#12 file."""

from __future__ import annotations

import shutil
import subprocess
import threading
from datetime import UTC, datetime
from io import BytesIO

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from flask import Flask
from pypdf import PdfReader, PdfWriter

from portal.core.signatures import sealing
from portal.core.signatures.sealing import keys
from portal.core.storage import LocalStorage

SIGNED_AT = datetime(2026, 12, 5, 13, 32, tzinfo=UTC)  # 14:32 in Paris


def blank_pdf(pages: int = 2) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def seal(pdf: bytes, name: str = "Camille Durand", slot: int = 0, **options) -> bytes:
    return sealing.seal_pdf(
        pdf,
        signer_name=name,
        signed_at=options.pop("signed_at", SIGNED_AT),
        field_name=options.pop("field_name", f"Signature{slot + 1}"),
        reason=options.pop("reason", "Signature du mandat de résiliation"),
        slot=slot,
        **options,
    )


def pdfsig(pdf: bytes, tmp_path) -> str:
    if shutil.which("pdfsig") is None:
        pytest.skip("pdfsig (Debian poppler-utils) is not installed")
    path = tmp_path / "signed.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(
        ["pdfsig", "-nocert", str(path)], capture_output=True, text=True, timeout=30
    )
    return result.stdout


def pdftotext(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, timeout=30
    ).stdout


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


def test_a_sealed_pdf_validates_intact_valid_trusted_and_timestamped(ctx, tmp_path):
    signed = seal(blank_pdf())

    [check] = sealing.validate_pdf(signed)
    assert check.field_name == "Signature1"
    assert check.signer_name == "Camille Durand"
    assert check.reason == "Signature du mandat de résiliation"
    assert (check.intact, check.valid, check.trusted, check.timestamped) == (True,) * 4
    assert check.coverage == "entire_file"
    assert check.certificate_name == "Portail Sandbox Seal"
    assert check.timestamp_at is not None
    # PAdES, not the legacy PKCS#7 flavour.
    assert b"/ETSI.CAdES.detached" in signed

    report = pdfsig(signed, tmp_path)
    assert "Signature Field Name: Signature1" in report
    assert "Signer Certificate Common Name: Portail Sandbox Seal" in report
    assert "Signature Type: ETSI.CAdES.detached" in report
    assert "Signing Hash Algorithm: SHA-256" in report
    assert "Total document signed" in report
    assert "Signature Validation: Signature is Valid." in report


def test_pdfsig_checks_the_certificate_and_only_lacks_the_sandbox_root(ctx, tmp_path):
    if shutil.which("pdfsig") is None:
        pytest.skip("pdfsig (Debian poppler-utils) is not installed")
    path = tmp_path / "signed.pdf"
    path.write_bytes(seal(blank_pdf()))
    report = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    assert "Signature Validation: Signature is Valid." in report
    # The sandbox CA is in nobody's trust store: the only complaint allowed.
    assert "Certificate Validation: Certificate issuer isn't Trusted." in report


def test_the_visible_block_names_the_signer_and_the_paris_time_on_the_last_page(ctx, tmp_path):
    signed = seal(blank_pdf(pages=2))

    last_page = PdfReader(BytesIO(signed)).pages[-1]
    [widget] = [a.get_object() for a in last_page["/Annots"]]
    x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
    assert y2 < 842 / 4 and x2 - x1 > 150  # a wide block in the bottom quarter
    text = pdftotext(signed, tmp_path)
    assert "Signé électroniquement par Camille Durand" in text
    assert "le 5 décembre 2026 à 14:32 (heure de Paris)" in text
    assert "Annots" not in str(PdfReader(BytesIO(signed)).pages[0].keys())


def test_the_seal_text_is_french_with_the_first_of_the_month_and_the_zone(ctx):
    text = sealing.seal_text("Zoé Lefèvre", datetime(2026, 12, 1, 8, 5, tzinfo=UTC))
    assert (
        text
        == "Signé électroniquement par Zoé Lefèvre\nle 1er décembre 2026 à 09:05 (heure de Paris)"
    )
    summer = sealing.seal_text("A", datetime(2026, 7, 14, 8, 5, tzinfo=UTC), "Indian/Reunion")
    assert summer.endswith("le 14 juillet 2026 à 12:05 (heure de La Réunion)")
    english = sealing.seal_text("A", datetime(2026, 7, 14, 8, 5, tzinfo=UTC), locale="en")
    assert english == "Electronically signed by A\non 14 July 2026 at 10:05 (Paris time)"


def test_a_second_seal_keeps_the_first_valid_and_does_not_overlap_it(ctx, tmp_path):
    first = seal(blank_pdf(), "Camille Durand", slot=0)
    both = seal(first, "Dominique Martin", slot=1)

    assert both.startswith(first)  # an incremental update: the first revision is untouched
    checks = sealing.validate_pdf(both)
    assert [c.signer_name for c in checks] == ["Camille Durand", "Dominique Martin"]
    assert all(c.ok for c in checks)
    assert [c.coverage for c in checks] == ["entire_revision", "entire_file"]

    rects = [
        tuple(float(v) for v in a.get_object()["/Rect"])
        for a in PdfReader(BytesIO(both)).pages[-1]["/Annots"]
    ]
    (ax1, ay1, ax2, ay2), (bx1, by1, bx2, by2) = rects
    assert ax2 <= bx1 or bx2 <= ax1 or ay2 <= by1 or by2 <= ay1  # disjoint boxes

    report = pdfsig(both, tmp_path)
    assert report.count("Signature Validation: Signature is Valid.") == 2
    assert "Not total document signed" in report  # the first one, before the update


def test_a_third_signer_starts_a_second_row(ctx):
    pdf = blank_pdf()
    for slot, name in enumerate(["A Un", "B Deux", "C Trois"]):
        pdf = seal(pdf, name, slot=slot)
    rects = [
        tuple(float(v) for v in a.get_object()["/Rect"])
        for a in PdfReader(BytesIO(pdf)).pages[-1]["/Annots"]
    ]
    assert rects[2][1] >= rects[0][3]  # above the first row
    assert all(c.ok for c in sealing.validate_pdf(pdf))


def test_an_invisible_seal_adds_no_block(ctx):
    signed = seal(blank_pdf(), "Plateforme", visible=False, field_name="Cachet")
    [check] = sealing.validate_pdf(signed)
    assert check.ok and check.field_name == "Cachet"
    for page in PdfReader(BytesIO(signed)).pages:
        for annot in page.get("/Annots") or []:
            rect = [float(v) for v in annot.get_object()["/Rect"]]
            assert rect[2] - rect[0] == 0 and rect[3] - rect[1] == 0


def test_altering_one_signed_byte_breaks_the_seal(ctx, tmp_path):
    signed = bytearray(seal(blank_pdf()))
    # The binary comment on the second line is inside the signed range and harmless to parse.
    position = signed.index(b"\n") + 2
    signed[position] ^= 0x01

    [check] = sealing.validate_pdf(bytes(signed))
    assert not check.intact
    assert not check.ok
    report = pdfsig(bytes(signed), tmp_path)
    assert "Signature is Valid" not in report


def test_tampering_with_the_first_revision_breaks_every_seal_that_covers_it(ctx):
    both = bytearray(seal(seal(blank_pdf()), "Dominique Martin", slot=1))
    both[both.index(b"\n") + 2] ^= 0x01
    assert [c.intact for c in sealing.validate_pdf(bytes(both))] == [False, False]


def test_an_unsigned_pdf_has_no_signature(ctx):
    assert sealing.validate_pdf(blank_pdf()) == []


def test_the_sandbox_keys_are_made_once_and_another_process_reuses_them(ctx, app):
    store = app.extensions["portal.storage"]
    identity = sealing.sealing_identity()
    assert store.exists(keys.SANDBOX_KEY)
    stored = store.read(keys.SANDBOX_KEY)
    assert identity.source == "sandbox"
    assert identity is sealing.sealing_identity()  # cached in the process

    sealing.clear_cache()  # a new process
    again = sealing.sealing_identity()
    assert again is not identity
    assert again.certificate.dump() == identity.certificate.dump()
    assert store.read(keys.SANDBOX_KEY) == stored
    # The CA is published beside it for people who want to trust it in their reader.
    assert b"BEGIN CERTIFICATE" in store.read(keys.SANDBOX_CA_KEY)
    assert [r.dump() for r in sealing.trust_roots()] == [identity.roots[0].dump()]


def test_the_sandbox_certificates_say_what_they_are_for(ctx):
    pki = keys.sandbox_pki()
    assert pki.ca_cert.subject.rfc4514_string().startswith("CN=Portail Sandbox Root CA")
    usage = pki.seal_cert.extensions.get_extension_for_class(x509_ext("KeyUsage"))
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    eku = pki.tsa_cert.extensions.get_extension_for_class(x509_ext("ExtendedKeyUsage"))
    assert eku.critical and [oid.dotted_string for oid in eku.value] == ["1.3.6.1.5.5.7.3.8"]


def x509_ext(name: str):
    from cryptography import x509

    return getattr(x509, name)


def test_processes_generating_at_once_all_end_up_with_the_stored_keys(tmp_path):
    """Several processes start on a fresh installation at the same moment."""
    app = Flask("race")
    app.extensions["portal.storage"] = LocalStorage(tmp_path / "files")
    workers = 3
    barrier = threading.Barrier(workers)
    seen: list[bytes] = []
    errors: list[BaseException] = []

    def start_process():
        try:
            with app.app_context():
                barrier.wait()
                seen.append(keys.sandbox_pki().ca_cert.fingerprint(keys.hashes.SHA256()))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    sealing.clear_cache()
    try:
        threads = [threading.Thread(target=start_process) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors
        with app.app_context():
            stored = keys.SandboxPki.from_pem(
                app.extensions["portal.storage"].read(keys.SANDBOX_KEY)
            )
        assert set(seen) == {stored.ca_cert.fingerprint(keys.hashes.SHA256())}
    finally:
        sealing.clear_cache()


def test_write_once_keeps_the_first_writer(tmp_path):
    store = LocalStorage(tmp_path)
    assert keys.store_once(store, "_platform/signing/x.pem", b"first") is True
    assert keys.store_once(store, "_platform/signing/x.pem", b"second") is False
    assert store.read("_platform/signing/x.pem") == b"first"
    assert not [p for p in (tmp_path / "_platform" / "signing").iterdir() if p.name != "x.pem"]


@pytest.fixture
def production_p12(tmp_path, ctx, monkeypatch):
    """A PKCS#12 file like a trust service provider's: key, certificate and CA chain."""
    pki = keys.generate_sandbox_pki("Acme Confiance")
    path = tmp_path / "seal.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"Acme seal",
            pki.seal_key,
            pki.seal_cert,
            [pki.ca_cert],
            serialization.BestAvailableEncryption(b"s3cret"),
        )
    )
    monkeypatch.setitem(ctx.config, "PORTAL_SIGNING_P12", str(path))
    monkeypatch.setitem(ctx.config, "PORTAL_SIGNING_P12_PASSWORD", "s3cret")
    sealing.clear_cache()
    yield path
    sealing.clear_cache()


def test_production_seals_with_the_configured_pkcs12(production_p12, tmp_path):
    identity = sealing.sealing_identity()
    assert identity.source == "pkcs12"
    assert identity.name == "Acme Confiance Sandbox Seal"

    signed = seal(blank_pdf())
    [check] = sealing.validate_pdf(signed)
    assert check.certificate_name == "Acme Confiance Sandbox Seal"
    assert check.ok  # its CA comes from the file's chain; the timestamp's from the sandbox TSA
    assert "Signer Certificate Common Name: Acme Confiance Sandbox Seal" in pdfsig(signed, tmp_path)


def test_a_wrong_pkcs12_password_is_named(production_p12, ctx, monkeypatch):
    monkeypatch.setitem(ctx.config, "PORTAL_SIGNING_P12_PASSWORD", "wrong")
    sealing.clear_cache()
    with pytest.raises(sealing.SigningConfigError, match="PORTAL_SIGNING_P12_PASSWORD"):
        sealing.sealing_identity()


def test_a_missing_pkcs12_file_is_named(ctx, monkeypatch, tmp_path):
    monkeypatch.setitem(ctx.config, "PORTAL_SIGNING_P12", str(tmp_path / "absent.p12"))
    sealing.clear_cache()
    try:
        with pytest.raises(sealing.SigningConfigError, match="PORTAL_SIGNING_P12"):
            sealing.sealing_identity()
    finally:
        sealing.clear_cache()


def test_a_seal_by_another_installation_is_not_trusted(ctx, tmp_path, monkeypatch):
    signed = seal(blank_pdf())
    other = Flask("other")
    other.extensions["portal.storage"] = LocalStorage(tmp_path / "other")
    with other.app_context():
        [check] = sealing.validate_pdf(signed)
    assert check.intact and check.valid
    assert not check.trusted


def test_what_is_not_a_pdf_is_refused_clearly(ctx):
    with pytest.raises(sealing.SealingError, match="not a PDF"):
        seal(b"%PDF-1.7 but nothing else")
    with pytest.raises(ValueError, match="not a readable PDF"):
        sealing.validate_pdf(b"hello")
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("secret")
    out = BytesIO()
    writer.write(out)
    with pytest.raises(sealing.SealingError, match="encrypted"):
        seal(out.getvalue())


def test_names_outside_latin1_stay_readable_in_the_block(ctx, tmp_path):
    signed = seal(blank_pdf(pages=1), "Œdipe Łukasz Müller-Søren")
    text = pdftotext(signed, tmp_path)
    assert "Signé électroniquement par OEdipe Lukasz Müller-Søren" in text
    # The signature itself keeps the exact spelling.
    assert sealing.validate_pdf(signed)[0].signer_name == "Œdipe Łukasz Müller-Søren"


def test_production_mode_refuses_the_sandbox_keys_and_authority(ctx, monkeypatch):
    monkeypatch.setitem(ctx.config, "PORTAL_MODE", "production")
    sealing.clear_cache()
    try:
        with pytest.raises(sealing.SigningConfigError, match="PORTAL_SIGNING_P12 is not set"):
            seal(blank_pdf())
        with pytest.raises(sealing.SigningConfigError, match="PORTAL_TSA=sandbox"):
            sealing.timestamp_authority()
    finally:
        sealing.clear_cache()


def test_production_mode_seals_with_its_pkcs12_and_an_outside_authority(
    production_p12, ctx, monkeypatch
):
    monkeypatch.setitem(ctx.config, "PORTAL_MODE", "production")
    monkeypatch.setitem(ctx.config, "PORTAL_TSA", "http")
    monkeypatch.setitem(ctx.config, "PORTAL_TSA_URL", "https://tsa.example.org/")
    sealing.clear_cache()
    assert sealing.sealing_identity().source == "pkcs12"
    assert sealing.timestamp_authority().name == "http"


def test_sealing_works_in_a_thread_that_runs_an_event_loop(ctx):
    """An async server's thread (or Playwright's sync API in the browser tests) runs a loop:
    pyHanko's own ``asyncio.run`` would be refused there."""
    import asyncio
    import contextvars

    async def inside_a_loop():
        return sealing.validate_pdf(seal(blank_pdf()))

    checks = []
    context = contextvars.copy_context()  # the app context, as a server's thread has its own
    thread = threading.Thread(
        target=lambda: checks.extend(context.run(asyncio.run, inside_a_loop()))
    )
    thread.start()
    thread.join(30)
    [check] = checks
    assert check.ok


def test_the_first_start_makes_the_sandbox_keys_once(app_config, fresh_database_url, tmp_path):
    from portal import create_app
    from portal.core.demo import load_demo

    config = {
        **app_config,
        "SQLALCHEMY_DATABASE_URI": fresh_database_url,
        "PORTAL_STORAGE_PATH": str(tmp_path / "files"),
    }
    sealing.clear_cache()
    try:
        first = create_app(config)
        with first.app_context():
            load_demo(first)  # what `portal run` does on a first start
            stored = first.extensions["portal.storage"].read(keys.SANDBOX_KEY)
        sealing.clear_cache()  # another process of the same installation
        second = create_app(config)
        with second.app_context():
            load_demo(second)
            assert second.extensions["portal.storage"].read(keys.SANDBOX_KEY) == stored
    finally:
        sealing.clear_cache()
