"""Files agents attach to a ticket's messages: evidence (photos, waybill scans, chat
exports, invoices) kept with the case (002-篇4 §4: keep the evidence attached).

How large and which kinds are admin-editable policies. A file is checked by its
extension and by its first bytes, so a renamed program is not stored as a photo; its
stored name is generated (the name the agent gave is kept for display only), and it is
served only to signed-in staff, as a download unless it is an image.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import PurePath

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.core import policies
from kefu.core.errors import DomainError
from kefu.tickets.models import Attachment, Message

MAX_MB = policies.declare(
    "tickets.attachment_max_mb",
    10,
    int,
    gettext_lazy("Largest file (MB) an agent may attach to a ticket"),
    source="kefu default",
    minimum=1,
    maximum=500,
)
TYPES = policies.declare(
    "tickets.attachment_types",
    "jpg jpeg png gif webp heic pdf doc docx xls xlsx ppt pptx txt csv",
    str,
    gettext_lazy("File types agents may attach (extensions, separated by spaces)"),
    source="kefu default: images, PDF, office documents, text",
)
MAX_FILES = 10  # per message: more is an archive, better zipped by the sender

CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "heic": "image/heic",
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "txt": "text/plain",
    "csv": "text/csv",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "wav": "audio/wav",
    "zip": "application/zip",
}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office files
_ZIP = b"PK\x03\x04"  # Office Open XML is a zip
TEXT = {"txt", "csv"}
INLINE = {"jpg", "jpeg", "png", "gif", "webp"}  # shown in the page; everything else downloads


def _signature_ok(ext: str, head: bytes) -> bool:
    if ext in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if ext == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if ext == "gif":
        return head.startswith((b"GIF87a", b"GIF89a"))
    if ext == "webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if ext in ("heic", "mp4", "mov", "m4a"):
        return head[4:8] == b"ftyp"
    if ext == "pdf":
        return head.startswith(b"%PDF-")
    if ext in ("doc", "xls", "ppt"):
        return head.startswith(_OLE)
    if ext in ("docx", "xlsx", "pptx", "zip"):
        return head.startswith(_ZIP)
    if ext == "wav":
        return head[:4] == b"RIFF" and head[8:12] == b"WAVE"
    if ext == "mp3":
        return head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")
    if ext in TEXT:
        return b"\x00" not in head
    return False


def allowed_extensions(shop=None) -> list[str]:
    raw = str(TYPES.get(shop) or "").replace(",", " ").lower().split()
    return [e.lstrip(".") for e in dict.fromkeys(raw) if e.lstrip(".") in CONTENT_TYPES]


def limits(shop=None) -> dict:
    """What the upload field tells the agent, and what :func:`check` enforces."""
    extensions = allowed_extensions(shop)
    return {
        "max_mb": MAX_MB.get(shop),
        "extensions": extensions,
        "accept": ",".join("." + e for e in extensions),
        "max_files": MAX_FILES,
    }


@dataclass
class CheckedFile:
    upload: object
    name: str  # for display
    extension: str
    content_type: str
    size: int


def display_name(raw: str) -> str:
    """The name as given, without folders or control characters, at most 200 characters."""
    name = PurePath((raw or "").replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip() or "file"
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 190 - len(ext)] + dot + ext) if dot else name[:200]
    return name


@dataclass(frozen=True)
class FileRules:
    """What :func:`check_files` enforces, and how it words a refusal (a ticket's
    attachments, a claim's photos …)."""

    extensions: list[str]
    max_mb: int
    max_files: int
    code_prefix: str = "attachment"
    too_many_code: str = "too_many_attachments"
    too_many: str = gettext_lazy("Attach at most %(n)d files at once.")
    type_refused: str = gettext_lazy(
        "%(name)s: this type of file cannot be attached. Allowed: %(types)s."
    )
    too_large: str = gettext_lazy("%(name)s is %(size)s MB; files may be %(max)d MB at most.")


def check(uploads, shop=None, field: str = "files") -> list[CheckedFile]:
    """Every file in ``uploads`` checked, or a DomainError that names each refused file."""
    lim = limits(shop)
    rules = FileRules(extensions=lim["extensions"], max_mb=lim["max_mb"], max_files=MAX_FILES)
    return check_files(uploads, rules, field)


def check_files(uploads, rules: FileRules, field: str) -> list[CheckedFile]:
    """Each file checked by type (extension and first bytes) and size, or one DomainError
    that names every refused file."""
    uploads = [u for u in uploads or () if u is not None]
    if len(uploads) > rules.max_files:
        message = str(rules.too_many) % {"n": rules.max_files}
        raise DomainError(message, fields={field: [message]}, code=rules.too_many_code)
    max_bytes = rules.max_mb * 1024 * 1024
    problems: list[str] = []
    code = "validation_error"
    out = []
    for upload in uploads:
        name = display_name(getattr(upload, "name", ""))
        ext = PurePath(name).suffix.lower().lstrip(".")
        size = int(getattr(upload, "size", 0) or 0)
        if ext not in rules.extensions:
            code = f"{rules.code_prefix}_type_not_allowed"
            problems.append(
                str(rules.type_refused) % {"name": name, "types": ", ".join(rules.extensions)}
            )
            continue
        if size > max_bytes:
            code = f"{rules.code_prefix}_too_large"
            problems.append(
                str(rules.too_large)
                % {"name": name, "size": f"{size / 1024 / 1024:.1f}", "max": rules.max_mb}
            )
            continue
        if size == 0:
            problems.append(_("%(name)s is empty.") % {"name": name})
            continue
        upload.seek(0)
        head = upload.read(8192)
        upload.seek(0)
        if not _signature_ok(ext, head):
            code = f"{rules.code_prefix}_type_not_allowed"
            problems.append(
                _("%(name)s does not look like a .%(ext)s file.") % {"name": name, "ext": ext}
            )
            continue
        out.append(CheckedFile(upload, name, ext, CONTENT_TYPES[ext], size))
    if problems:
        raise DomainError(" ".join(problems), fields={field: problems}, code=code)
    return out


def store(message: Message, checked: CheckedFile) -> Attachment:
    """Save one checked file under a generated name; call inside the writing transaction."""
    attachment = Attachment(
        message=message,
        name=checked.name,
        size=checked.size,
        content_type=checked.content_type,
    )
    attachment.file.save(f"{uuid.uuid4().hex}.{checked.extension}", checked.upload, save=False)
    attachment.save()
    return attachment


def is_inline(attachment: Attachment) -> bool:
    return PurePath(attachment.file.name).suffix.lower().lstrip(".") in INLINE
