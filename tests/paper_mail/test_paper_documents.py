"""A mail's documents: files accepted by what they are (not by their name), refused with a
sentence the user can act on (type, size, protected or broken PDF, virus) without touching the
mail's other documents; the order by buttons and by drag and drop; staples from 3 pages."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from papermailkit import letter_pdf, make_mail, png_page
from PIL import Image
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select

from plugins.paper_mail import documents
from plugins.paper_mail.documents import DocumentRefused, add_file, sniff
from plugins.paper_mail.models import DocumentStatus, MailState, PaperMail
from portal.core.antivirus.dev import EICAR
from portal.core.jobs.models import Job
from portal.core.storage import storage
from portal.core.tenants import tenant_directory, tenant_scope
from portal.extensions import db

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def pdfs():
    """Letters of 1, 2 and 3 pages (WeasyPrint is slow enough to build them once)."""
    return {pages: letter_pdf(pages=pages) for pages in (1, 2, 3)}


@pytest.fixture
def account(make_account):
    return make_account()


class Mail:
    """A mail loaded in an app context and its tenant's scope, for the duration of a test."""

    def __init__(self, app, account, mail_id):
        self.app, self.account, self.mail_id = app, account, mail_id

    def __enter__(self) -> PaperMail:
        self._context = self.app.app_context()
        self._context.push()
        self._scope = tenant_scope(self.account.tenant_id)
        self._scope.__enter__()
        return db.session.get(PaperMail, self.mail_id)

    def __exit__(self, *exc):
        db.session.rollback()
        self._scope.__exit__(*exc)
        self._context.pop()


def order_of(mail) -> list[str]:
    return [document.filename for document in sorted(mail.documents, key=lambda d: d.position)]


def test_a_pdf_is_a_pdf_whatever_its_name_and_ready_at_once(app, account, pdfs):
    mail_id = make_mail(app, account, documents=[])
    with Mail(app, account, mail_id) as mail:
        document = add_file(mail, io.BytesIO(pdfs[2]), "contrat signé.docx")
        db.session.commit()
        assert document.media_type == "application/pdf"
        assert document.filename == "contrat signé.pdf"
        assert (document.status, document.pages, document.position) == (DocumentStatus.READY, 2, 0)
        assert document.pdf_key == document.original_key
        assert documents.pdf_bytes(document) == pdfs[2]
        assert documents.ready(mail) and not documents.pending(mail)
        # Nothing to convert: no job queued.
        assert not db.session.scalars(select(Job).where(Job.actor_name.contains("convert"))).all()


@pytest.mark.parametrize(
    ("fixture", "media_type"),
    [
        ("letter.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("table.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (
            "slide.pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        ("letter.odt", "application/vnd.oasis.opendocument.text"),
        ("letter.doc", "application/msword"),
        ("scan.tiff", "image/tiff"),
        ("photo.gif", "image/gif"),
    ],
)
def test_office_files_and_images_are_recognised_by_their_content(fixture, media_type):
    assert sniff((FIXTURES / fixture).read_bytes()).media_type == media_type


def test_png_and_jpeg_are_recognised_and_a_zip_or_a_program_is_not():
    jpeg = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(jpeg, "JPEG")
    assert sniff(png_page(40, 60)).media_type == "image/png"
    assert sniff(jpeg.getvalue()).media_type == "image/jpeg"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as plain:
        plain.writestr("notes.txt", "bonjour")
    assert sniff(archive.getvalue()) is None
    assert sniff(b"MZ\x90\x00\x03" + bytes(200)) is None


def test_an_image_waits_for_its_conversion_job(app, account):
    mail_id = make_mail(app, account, documents=[])
    with Mail(app, account, mail_id) as mail:
        document = add_file(mail, io.BytesIO(png_page()), "photo.png")
        assert document.status == DocumentStatus.PENDING
        assert documents.pending(mail) and not documents.ready(mail)
        assert document.media_type == "image/png" and document.pdf_key is None
        queued = db.session.scalars(select(Job)).all()
        assert [job.args for job in queued if job.actor_name.endswith("convert_document")] == [
            [document.id]
        ]
        with pytest.raises(ValueError):
            documents.pdf_bytes(document)


REFUSALS = [
    (b"MZ\x90\x00\x03" + bytes(500), "programme.pdf", "Ce type de fichier n'est pas accepté"),
    (b"Bonjour, ceci est un texte.", "lettre.pdf", "Ce type de fichier n'est pas accepté"),
    (b"", "vide.pdf", "Le fichier est vide."),
    (b"%PDF-1.7\n1 0 obj garbage", "casse.pdf", "Ce PDF est illisible"),
]


@pytest.mark.parametrize(("data", "name", "message"), REFUSALS)
def test_a_refused_file_says_why_and_leaves_the_other_documents(
    app, account, pdfs, data, name, message
):
    mail_id = make_mail(app, account, documents=[pdfs[1]])
    with Mail(app, account, mail_id) as mail:
        with pytest.raises(DocumentRefused) as refused:
            add_file(mail, io.BytesIO(data), name)
        assert message in str(refused.value.message)
        db.session.commit()
        db.session.expire_all()
        assert order_of(mail) == ["document-1.pdf"]
        assert documents.ready(mail)


def test_a_password_protected_pdf_is_refused(app, account, pdfs):
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdfs[1])))
    writer.encrypt(user_password="", owner_password="secret")  # opens, but protected
    protected = io.BytesIO()
    writer.write(protected)
    mail_id = make_mail(app, account, documents=[])
    with Mail(app, account, mail_id) as mail:
        with pytest.raises(DocumentRefused) as refused:
            add_file(mail, io.BytesIO(protected.getvalue()), "protégé.pdf")
        assert "protégé par un mot de passe" in str(refused.value.message)
        assert mail.documents == []


def test_an_office_file_goes_through_the_antivirus(app, account):
    infected = io.BytesIO()
    with (
        zipfile.ZipFile(FIXTURES / "letter.docx") as source,
        zipfile.ZipFile(infected, "w", zipfile.ZIP_STORED) as copy,
    ):
        for item in source.infolist():
            copy.writestr(item.filename, source.read(item.filename))
        copy.writestr("word/media/eicar.txt", EICAR)
    mail_id = make_mail(app, account, documents=[])
    with Mail(app, account, mail_id) as mail:
        with pytest.raises(DocumentRefused) as refused:
            add_file(mail, io.BytesIO(infected.getvalue()), "lettre.docx")
        assert "virus" in str(refused.value.message)
        assert mail.documents == []


def test_the_size_limit_is_the_tenants(app, account, monkeypatch):
    mail_id = make_mail(app, account, documents=[])
    too_big = b"%PDF-1.7\n" + bytes(10 * 1024 * 1024)
    with Mail(app, account, mail_id) as mail:
        with pytest.raises(DocumentRefused) as refused:
            add_file(mail, io.BytesIO(too_big), "gros.pdf")
        assert str(refused.value.message).startswith("Le fichier dépasse 10 Mo")
        settings = tenant_directory().get(account.tenant_id).settings_for("paper_mail")
        monkeypatch.setattr(settings, "max_file_mb", 1)
        with pytest.raises(DocumentRefused) as refused:
            add_file(mail, io.BytesIO(png_page() + bytes(1024 * 1024)), "photo.png")
        assert str(refused.value.message).startswith("Le fichier dépasse 1 Mo")
        assert mail.documents == []


def test_order_by_buttons_and_by_drag_and_drop(app, account, pdfs):
    mail_id = make_mail(app, account, documents=[pdfs[1], pdfs[2], pdfs[3]])
    other_id = make_mail(app, account, documents=[pdfs[1]])
    with Mail(app, account, mail_id) as mail:
        first, second, third = sorted(mail.documents, key=lambda d: d.position)
        documents.move(third, -1)
        assert order_of(mail) == ["document-1.pdf", "document-3.pdf", "document-2.pdf"]
        documents.move(first, -1)  # already first: stays
        documents.move(second, +5)  # already last: stays
        db.session.commit()
        db.session.expire_all()
        assert order_of(mail) == ["document-1.pdf", "document-3.pdf", "document-2.pdf"]

        # Drag and drop posts the ids as the form sends them: strings.
        documents.set_order(mail, [str(second.id), str(first.id), str(third.id)])
        db.session.commit()
        db.session.expire_all()
        assert order_of(mail) == ["document-2.pdf", "document-1.pdf", "document-3.pdf"]
        assert sorted(d.position for d in mail.documents) == [0, 1, 2]

        another = db.session.get(PaperMail, other_id).documents[0]
        for wrong in (
            [second.id, first.id, another.id],
            [second.id, first.id],
            [first.id, first.id, second.id, third.id],
            [second.id, first.id, "x"],
        ):
            with pytest.raises(ValueError):
                documents.set_order(mail, wrong)
        assert order_of(mail) == ["document-2.pdf", "document-1.pdf", "document-3.pdf"]

        # Removing one closes the gap; its files go once the removal is committed.
        key = first.pdf_key
        documents.remove(first)
        db.session.commit()
        db.session.expire_all()
        assert order_of(mail) == ["document-2.pdf", "document-3.pdf"]
        assert sorted(d.position for d in mail.documents) == [0, 1]
        with pytest.raises(FileNotFoundError):
            storage().read(key)


def test_staples_from_three_pages_one_per_file(app, account, pdfs):
    mail_id = make_mail(app, account, documents=[pdfs[1], pdfs[3], pdfs[2], pdfs[3]])
    with Mail(app, account, mail_id) as mail:
        one, three, two, another_three = sorted(mail.documents, key=lambda d: d.position)
        assert [documents.may_staple(d) for d in (one, three, two)] == [False, True, False]
        with pytest.raises(DocumentRefused) as refused:
            documents.set_staple(two, True)
        assert "à partir de 3 pages" in str(refused.value.message)
        documents.set_staple(three, True)
        assert documents.staple_all(mail) == 2
        db.session.commit()
        db.session.expire_all()
        assert [d.staple for d in (one, three, two, another_three)] == [False, True, False, True]
        documents.set_staple(three, False)  # un-stapling is always allowed
        assert not three.staple


def test_a_validated_mail_keeps_its_documents(app, account, pdfs):
    mail_id = make_mail(app, account, documents=[pdfs[3]])
    with Mail(app, account, mail_id) as mail:
        mail.state = MailState.SCHEDULED
        document = mail.documents[0]
        for change in (
            lambda: add_file(mail, io.BytesIO(pdfs[1]), "encore.pdf"),
            lambda: documents.remove(document),
            lambda: documents.move(document, 1),
            lambda: documents.staple_all(mail),
        ):
            with pytest.raises(DocumentRefused):
                change()
        assert len(mail.documents) == 1


def test_a_removal_rolled_back_keeps_the_files(app, account, pdfs):
    mail_id = make_mail(app, account, documents=[pdfs[1], pdfs[2]])
    with Mail(app, account, mail_id) as mail:
        document = mail.documents[0]
        key = document.pdf_key
        documents.remove(document)
        db.session.rollback()
        db.session.get(PaperMail, mail_id).colour = False
        db.session.commit()  # a later commit of the same session
        assert storage().read(key) == pdfs[1]
        assert len(db.session.get(PaperMail, mail_id).documents) == 2


def test_an_upload_rolled_back_leaves_no_file_and_a_committed_one_stays(app, account, pdfs):
    mail_id = make_mail(app, account, documents=[])
    with Mail(app, account, mail_id) as mail:
        dropped = add_file(mail, io.BytesIO(pdfs[1]), "abandonné.pdf").original_key
        db.session.rollback()
        with pytest.raises(FileNotFoundError):
            storage().read(dropped)
        mail = db.session.get(PaperMail, mail_id)
        kept = add_file(mail, io.BytesIO(pdfs[2]), "gardé.pdf").original_key
        db.session.commit()
        db.session.rollback()  # a later rollback of the same session
        assert storage().read(kept) == pdfs[2]
