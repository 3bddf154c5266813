"""Evidence files on disk: checked by content and extension, stored under random names with a checksum.

Only formats people use as proof of an activity are accepted: PDF, Word, Excel, PowerPoint, OpenDocument,
JPEG and PNG. A file is accepted only when its content is of the kind its extension claims, so a renamed
executable or script never reaches the disk under its chosen name. Hand-written rather than `python-magic`:
that needs libmagic on the server and still cannot tell a .docx from any other ZIP archive.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)

_CHUNK = 1024 * 1024
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Office Open XML: the part that makes an archive a document of that kind.
_OOXML_MAIN = {
    "docx": "word/document.xml",
    "xlsx": "xl/workbook.xml",
    "pptx": "ppt/presentation.xml",
}
_ODF_MIME = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}
# Extension → MIME type sent back on download; the content decides whether the extension is honest.
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    **_ODF_MIME,
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
}
ALLOWED_EXTENSIONS = tuple(CONTENT_TYPES)


class UploadError(Exception):
    """A file that cannot be accepted; `code` is one of empty, too_large, extension, content."""

    def __init__(self, code: str, filename: str):
        super().__init__(f"{code}: {filename}")
        self.code = code
        self.filename = filename


@dataclass(frozen=True)
class StoredFile:
    """A checked file saved under UPLOAD_DIR."""

    original_filename: str
    stored_name: str
    size: int
    sha256: str
    content_type: str


def clean_filename(name: str | None) -> str:
    """Return the file name a user gave, without directories or control characters, at most 200 characters."""
    name = unicodedata.normalize("NFC", name or "")
    # Some browsers send the full client path («C:\\fakepath\\протокол.pdf»).
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if not name:
        return "file"
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 200 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name[:200]
    return name


def extension_of(name: str) -> str:
    """Return the lower-case extension of a file name without the dot, or an empty string."""
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def content_matches(ext: str, path: Path) -> bool:
    """Tell whether the file's content is of the kind its extension claims."""
    with path.open("rb") as handle:
        head = handle.read(1024)
    if ext == "pdf":
        return b"%PDF-" in head
    if ext in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if ext == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if ext in ("doc", "xls", "ppt"):
        return head.startswith(_OLE)
    if ext in _OOXML_MAIN or ext in _ODF_MIME:
        if not head.startswith(b"PK\x03\x04"):
            return False
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
                if ext in _OOXML_MAIN:
                    # Macros make a document an executable; they belong in .docm/.xlsm, which are refused.
                    has_macros = any(n.lower().endswith("vbaproject.bin") for n in names)
                    return "[Content_Types].xml" in names and _OOXML_MAIN[ext] in names and not has_macros
                info = archive.getinfo("mimetype") if "mimetype" in names else None
                # The mimetype entry is a few dozen bytes; a larger one is not OpenDocument.
                if info is None or info.file_size > 100:
                    return False
                return archive.read(info).decode("ascii", "replace").strip() == _ODF_MIME[ext]
        except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, NotImplementedError):
            return False
    return False


def _final_path(upload_dir: Path, stored_name: str) -> Path:
    """Return where a stored file lives; two-letter folders keep directories small."""
    return upload_dir / stored_name[:2] / stored_name


def path_of(upload_dir: Path | str, stored_name: str) -> Path:
    """Return the path of a stored file, refusing names that are not ours."""
    if len(stored_name) != 32 or not all(c in "0123456789abcdef" for c in stored_name):
        raise ValueError("not a stored file name")
    return _final_path(Path(upload_dir), stored_name)


def save_upload(stream: BinaryIO, filename: str | None, upload_dir: Path | str, max_bytes: int) -> StoredFile:
    """Check an uploaded file and store it under a random name; raise UploadError when it is refused."""
    name = clean_filename(filename)
    ext = extension_of(name)
    if ext not in CONTENT_TYPES:
        raise UploadError("extension", name)
    upload_dir = Path(upload_dir)
    tmp_dir = upload_dir / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16)
    tmp_path = tmp_dir / stored_name
    digest = hashlib.sha256()
    size = 0
    try:
        with tmp_path.open("wb") as out:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise UploadError("too_large", name)
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise UploadError("empty", name)
        if not content_matches(ext, tmp_path):
            raise UploadError("content", name)
        final = _final_path(upload_dir, stored_name)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp_path, final)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    log.debug("stored upload %s (%s bytes)", stored_name, size)
    return StoredFile(name, stored_name, size, digest.hexdigest(), CONTENT_TYPES[ext])


def save_bytes(data: bytes, filename: str, upload_dir: Path | str) -> StoredFile:
    """Check and store content held in memory (generated files, demo data)."""
    import io

    return save_upload(io.BytesIO(data), filename, upload_dir, len(data) + 1)


def remove_stored(upload_dir: Path | str, stored_names: list[str]) -> None:
    """Delete stored files; used when the transaction that referenced them did not commit."""
    for stored_name in stored_names:
        try:
            path_of(upload_dir, stored_name).unlink(missing_ok=True)
        except (ValueError, OSError):
            log.warning("could not remove stored file %s", stored_name)


def save_all(storages, upload_dir: Path | str, max_bytes: int) -> list[StoredFile]:
    """Check and store uploaded files (werkzeug FileStorage); on the first refused one remove the others."""
    stored: list[StoredFile] = []
    for storage in storages:
        if not storage or not storage.filename:
            # A file input left empty still sends a nameless part.
            continue
        try:
            stored.append(save_upload(storage.stream, storage.filename, upload_dir, max_bytes))
        except UploadError:
            remove_stored(upload_dir, [s.stored_name for s in stored])
            raise
    return stored


def send_stored(upload_dir: Path | str, stored_name: str, filename: str, content_type: str | None):
    """Answer a stored file as an attachment, or None when it is missing on disk."""
    from flask import send_file

    path = path_of(upload_dir, stored_name)
    if not path.is_file():
        log.warning("stored file %s is missing", stored_name)
        return None
    # Werkzeug writes both an ASCII filename and the RFC 5987 filename* that carries a Cyrillic name.
    response = send_file(
        path,
        mimetype=content_type or "application/octet-stream",
        as_attachment=True,
        download_name=filename,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
