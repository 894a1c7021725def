"""Files on tickets: size and type limits from admin policies, checked by content, stored
under generated names, served to staff only."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from kefu.core import policies
from kefu.core.errors import DomainError
from kefu.customers.services import create_customer
from kefu.tickets import attachments, services
from kefu.tickets.models import Attachment, Message
from tests.factories import make_shop

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
PDF = b"%PDF-1.7\n" + b"x" * 100
DOCX = b"PK\x03\x04" + b"\x00" * 100


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def ticket(agent, shop):
    customer = create_customer(actor=None, name="周敏")
    return services.create_ticket(actor=None, customer=customer, shop=shop, subject="", body="破损")


def test_images_pdfs_office_files_and_text_pass(shop):
    checked = attachments.check(
        [
            upload("照片.png", PNG),
            upload("发票.pdf", PDF),
            upload("清单.docx", DOCX),
            upload("chat.txt", "聊天记录".encode()),
        ],
        shop,
    )
    assert [(c.name, c.content_type) for c in checked] == [
        ("照片.png", "image/png"),
        ("发票.pdf", "application/pdf"),
        (
            "清单.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("chat.txt", "text/plain"),
    ]


def test_a_file_over_the_policys_size_is_refused_naming_the_limit(shop, admin_user):
    big = upload("photo.png", PNG + b"\x00" * (10 * 1024 * 1024))
    with pytest.raises(DomainError) as refused:
        attachments.check([big], shop)
    assert refused.value.code == "attachment_too_large"
    assert "10 MB at most" in refused.value.message
    # an admin raises the limit for one shop
    policies.set_value(actor=admin_user, key="tickets.attachment_max_mb", value=20, shop=shop)
    assert attachments.check([big], shop)
    with pytest.raises(DomainError):
        attachments.check([big], make_shop())


def test_types_outside_the_list_and_disguised_files_are_refused(shop, admin_user):
    for name, content in (
        ("setup.exe", b"MZ\x90\x00"),
        ("logo.svg", b"<svg onload=alert(1)>"),
        ("photo.jpg", b"MZ\x90\x00 a program"),
        ("notes.txt", b"bin\x00ary"),
    ):
        with pytest.raises(DomainError) as refused:
            attachments.check([upload(name, content)], shop)
        assert refused.value.code == "attachment_type_not_allowed", name
    policies.set_value(actor=admin_user, key="tickets.attachment_types", value="pdf")
    with pytest.raises(DomainError, match="Allowed: pdf"):
        attachments.check([upload("a.png", PNG)], shop)


def test_empty_and_too_many_files_are_refused(shop):
    with pytest.raises(DomainError, match="is empty"):
        attachments.check([upload("a.png", b"")], shop)
    with pytest.raises(DomainError, match="at most 10 files"):
        attachments.check([upload(f"{i}.png", PNG) for i in range(11)], shop)


def test_a_reply_with_files_is_stored_under_generated_names(agent, ticket):
    message = services.post_message(
        actor=agent,
        ticket=ticket,
        kind="reply",
        body="退货地址见附件",
        files=[upload("../../etc/退货地址.pdf", PDF)],
    )
    (stored,) = message.attachments.all()
    assert stored.name == "退货地址.pdf"
    assert stored.file.name.startswith(f"attachments/{ticket.pk}/{message.pk}/")
    assert stored.file.name.endswith(".pdf") and "退货" not in stored.file.name


def test_an_oversized_file_refuses_the_whole_message(agent, login, ticket):
    big = upload("video.png", PNG + b"\x00" * (11 * 1024 * 1024))
    response = login(agent).post(
        f"/tickets/{ticket.pk}/messages/", {"kind": "reply", "body": "见附件", "files": [big]}
    )
    assert response.status_code == 400
    assert "files may be 10 MB at most" in response.content.decode()
    assert not Message.objects.filter(ticket=ticket, kind="reply").exists()
    assert not Attachment.objects.exists()


def test_files_are_served_to_staff_only_and_never_sniffed(agent, client, login, ticket):
    message = services.post_message(
        actor=agent,
        ticket=ticket,
        kind="note",
        body="证据",
        files=[upload("破损.png", PNG), upload("发票.pdf", PDF)],
    )
    photo, invoice = message.attachments.order_by("id")
    url = f"/tickets/{ticket.pk}/attachments/{photo.pk}/"
    assert client.get(url).status_code == 302  # signed out: to the sign-in page
    response = login(agent).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == PNG
    download = login(agent).get(f"/tickets/{ticket.pk}/attachments/{invoice.pk}/")
    assert download["Content-Disposition"].startswith("attachment;")
    other = services.create_ticket(
        actor=None, customer=ticket.customer, shop=ticket.shop, subject="", body="x"
    )
    assert login(agent).get(f"/tickets/{other.pk}/attachments/{photo.pk}/").status_code == 404


def test_the_thread_shows_files_with_their_size(agent, login, ticket):
    services.post_message(
        actor=agent, ticket=ticket, kind="note", body="见图", files=[upload("破损.png", PNG)]
    )
    html = login(agent).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "破损.png" in html and "108" in html and 'class="file-thumb"' in html
    assert 'accept=".jpg,.jpeg,.png' in html  # the picker offers the allowed types
