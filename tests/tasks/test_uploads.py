"""Evidence files: checked by content and extension, size-limited, stored at random names, served safely."""

import hashlib
import io
import zipfile
from urllib.parse import quote

import pytest
from sqlalchemy import select

from tests.fixtures.tasks import EXE_BYTES, docx_bytes, odt_bytes, pdf_bytes, png_bytes, xlsx_bytes
from tracker.extensions import db
from tracker.storage import UploadError, clean_filename, path_of, save_bytes, save_upload
from tracker.tasks.models import Evidence, Task, TaskStatus


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


PPTX = _zip({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"})
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512


@pytest.mark.parametrize(
    "name, data, content_type",
    [
        ("Протокол.pdf", pdf_bytes(), "application/pdf"),
        (
            "Справка.DOCX",
            docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "Мониторинг.xlsx",
            xlsx_bytes(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "Презентация.pptx",
            PPTX,
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        ("Отчёт.odt", odt_bytes(), "application/vnd.oasis.opendocument.text"),
        ("Старый приказ.doc", OLE, "application/msword"),
        ("Таблица.xls", OLE, "application/vnd.ms-excel"),
        ("Фото.png", png_bytes(), "image/png"),
        ("Фото.jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 32, "image/jpeg"),
    ],
)
def test_accepted_formats_are_stored_with_a_checksum(tmp_path, name, data, content_type):
    stored = save_bytes(data, name, tmp_path)
    assert stored.original_filename == name and stored.content_type == content_type
    assert stored.size == len(data) and stored.sha256 == hashlib.sha256(data).hexdigest()
    path = path_of(tmp_path, stored.stored_name)
    assert path.read_bytes() == data
    # The name on disk is random and says nothing about the upload.
    assert len(stored.stored_name) == 32 and name.split(".")[0] not in str(path)
    assert not list((tmp_path / "tmp").iterdir())


@pytest.mark.parametrize(
    "name, data, code",
    [
        ("вирус.exe", EXE_BYTES, "extension"),
        ("скрипт.sh", b"#!/bin/sh\nrm -rf /", "extension"),
        ("страница.html", b"<script>alert(1)</script>", "extension"),
        ("макрос.docm", docx_bytes(), "extension"),
        ("архив.zip", _zip({"a.txt": b"a"}), "extension"),
        ("без расширения", pdf_bytes(), "extension"),
        (".pdf", pdf_bytes(), "extension"),
        ("отчёт.pdf", EXE_BYTES, "content"),
        ("отчёт.docx", EXE_BYTES, "content"),
        ("фото.jpg", EXE_BYTES, "content"),
        ("таблица.xls", EXE_BYTES, "content"),
        ("архив.docx", _zip({"a.txt": b"a"}), "content"),
        ("таблица.docx", xlsx_bytes(), "content"),
        (
            "с макросами.docx",
            _zip(
                {"[Content_Types].xml": b"<T/>", "word/document.xml": b"<d/>", "word/vbaProject.bin": b"\x00"}
            ),
            "content",
        ),
        ("не тот.odt", _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}), "content"),
        ("битый.xlsx", b"PK\x03\x04" + b"\x00" * 40, "content"),
        ("пустой.pdf", b"", "empty"),
    ],
)
def test_refused_files_leave_nothing_behind(tmp_path, name, data, code):
    with pytest.raises(UploadError) as error:
        save_bytes(data, name, tmp_path)
    assert error.value.code == code
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_oversized_files_are_cut_off_while_reading(tmp_path):
    with pytest.raises(UploadError) as error:
        save_upload(io.BytesIO(pdf_bytes() + b"0" * 2048), "большой.pdf", tmp_path, 1024)
    assert error.value.code == "too_large"
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    "given, kept",
    [
        ("C:\\fakepath\\Протокол № 3.pdf", "Протокол № 3.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("при\x00каз\n.pdf", "приказ.pdf"),
        ("Справка\u0301.pdf".replace("\u0301", ""), "Справка.pdf"),
        ("", "file"),
        ("а" * 300 + ".pdf", "а" * 196 + ".pdf"),
    ],
)
def test_file_names_are_cleaned_but_keep_cyrillic(given, kept):
    assert clean_filename(given) == kept


def test_stored_names_are_never_paths(tmp_path):
    for bad in ("../x", "a" * 31, "g" * 32, "/etc/passwd"):
        with pytest.raises(ValueError):
            path_of(tmp_path, bad)


# --- through the web page and the API ---------------------------------------------------------------


def _complete(browser, world, files, note="Семинар проведён", links=""):
    url = f"/tasks/{world.task.id}"
    return browser.post(
        f"{url}/complete",
        {"note": note, "links": links, "version": "1", "files": files},
        page=url,
        content_type="multipart/form-data",
    )


def _untouched(world) -> bool:
    task = db.session.get(Task, world.task.id)
    return task.status == TaskStatus.planned and not db.session.execute(select(Evidence)).first()


@pytest.fixture
def big_bodies_in_memory(monkeypatch):
    """Keep the test client's multipart bodies in memory: it never closes the temporary file it makes."""
    monkeypatch.setattr("werkzeug.test.TemporaryFile", lambda *args, **kwargs: io.BytesIO())


def test_oversized_upload_answers_413_and_keeps_the_form(
    world, login_as, app, monkeypatch, big_bodies_in_memory
):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 1)
    browser = login_as(user=world.users["executor"])
    big = pdf_bytes() + b"0" * (1024 * 1024)
    response = _complete(
        browser,
        world,
        [(io.BytesIO(big), "Большой протокол.pdf")],
        note="Мой подробный текст отметки",
        links="https://school.example.ru/news/7",
    )
    assert response.status_code == 413
    assert "Файл «Большой протокол.pdf» больше 1 МБ." in response.text
    assert (
        "Мой подробный текст отметки" in response.text and "https://school.example.ru/news/7" in response.text
    )
    assert _untouched(world)


def test_whole_request_over_the_limit_answers_413(world, login_as, app, client, api_token, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)
    browser = login_as(user=world.users["executor"])
    data = pdf_bytes() + b"0" * 4096
    response = _complete(browser, world, [(io.BytesIO(data), "протокол.pdf")])
    assert response.status_code == 413 and "Слишком большой" in response.text
    api = client.post(
        f"/api/v1/tasks/{world.task.id}/complete",
        data={"note": "x", "files": [(io.BytesIO(data), "протокол.pdf")]},
        headers=api_token(world.users["executor"]),
        content_type="multipart/form-data",
    )
    assert api.status_code == 413 and api.get_json()["error"]
    assert _untouched(world)


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("протокол.pdf", EXE_BYTES, "не соответствует его расширению"),
        ("setup.exe", EXE_BYTES, "Файлы такого типа не принимаются"),
        ("пустой.docx", b"", "пустой"),
    ],
)
def test_wrong_files_are_refused_with_the_form_kept(world, login_as, name, data, message):
    browser = login_as(user=world.users["executor"])
    response = _complete(
        browser,
        world,
        [(io.BytesIO(pdf_bytes()), "хороший.pdf"), (io.BytesIO(data), name)],
        note="Текст, который нельзя потерять",
    )
    assert response.status_code == 422
    assert message in response.text and "Текст, который нельзя потерять" in response.text
    assert _untouched(world)


def test_bad_links_are_refused(world, login_as):
    browser = login_as(user=world.users["executor"])
    response = _complete(browser, world, [], links="javascript:alert(1)")
    assert response.status_code == 422 and "должна начинаться с http" in response.text
    assert _untouched(world)


def test_cyrillic_file_name_comes_back_as_an_attachment(world, login_as, client, api_token):
    browser = login_as(user=world.users["executor"])
    data = docx_bytes()
    assert _complete(browser, world, [(io.BytesIO(data), "Справка о семинаре № 3.docx")]).status_code == 302
    evidence = db.session.execute(select(Evidence)).scalar_one()
    for response in (
        browser.get(f"/tasks/{world.task.id}/evidence/{evidence.id}"),
        client.get(
            f"/api/v1/tasks/{world.task.id}/evidence/{evidence.id}", headers=api_token(world.users["school"])
        ),
    ):
        assert response.status_code == 200 and response.data == data
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert f"filename*=UTF-8''{quote('Справка о семинаре № 3.docx')}" in disposition
        assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response.headers["Cache-Control"]
        response.close()


def test_files_are_served_only_to_those_who_see_the_task(
    world, login_as, create_task, create_roadmap, client, api_token
):
    browser = login_as(user=world.users["executor"])
    assert (
        _complete(
            browser, world, [(io.BytesIO(pdf_bytes()), "протокол.pdf")], links="https://school.example.ru/a"
        ).status_code
        == 302
    )
    file_evidence, link_evidence = (
        db.session.execute(select(Evidence).order_by(Evidence.kind)).scalars().all()
    )
    url = f"/tasks/{world.task.id}/evidence/{file_evidence.id}"
    for role in ("school", "observer", "coordinator", "admin"):
        assert _status(login_as(user=world.users[role]).get(url)) == 200, role
    for role in ("other_coordinator", "other_executor"):
        assert login_as(user=world.users[role]).get(url).status_code == 404, role
        api = client.get(
            f"/api/v1/tasks/{world.task.id}/evidence/{file_evidence.id}", headers=api_token(world.users[role])
        )
        assert api.status_code == 404 and api.get_json()["error"]
    # An evidence id of this task asked through another task of the same roadmap is forged.
    other = create_task(world.roadmap, world.activity)
    assert browser.get(f"/tasks/{other.id}/evidence/{file_evidence.id}").status_code == 404
    assert browser.get(f"/tasks/{world.task.id}/evidence/{link_evidence.id}").status_code == 404
    assert browser.get(f"/tasks/{world.task.id}/evidence/999999").status_code == 404
    assert client.get(url).status_code == 302  # anonymous visitors sign in first


def _status(response) -> int:
    """Return the status of a response after closing it (a sent file stays open until then)."""
    response.close()
    return response.status_code


def test_removing_evidence_deletes_the_file_after_the_commit(world, login_as, app):
    browser = login_as(user=world.users["executor"])
    assert _complete(browser, world, [(io.BytesIO(pdf_bytes()), "лишний.pdf")]).status_code == 302
    evidence = db.session.execute(select(Evidence)).scalar_one()
    path = path_of(app.config["UPLOAD_DIR"], evidence.stored_name)
    assert path.is_file()
    url = f"/tasks/{world.task.id}/evidence/{evidence.id}/remove"
    # Submitted work is frozen: nothing can be taken off it.
    assert browser.post(url, page=f"/tasks/{world.task.id}").status_code == 403
    login_as(user=world.users["controller"]).post(
        f"/tasks/{world.task.id}/return", {"comment": "Не тот файл"}, page=f"/tasks/{world.task.id}"
    )
    assert login_as(user=world.users["executor2"]).post(url, page="/profile").status_code == 403
    response = browser.post(url, page=f"/tasks/{world.task.id}")
    assert response.status_code == 302
    assert not db.session.execute(select(Evidence)).first() and not path.exists()
    assert "Удалено подтверждение" in browser.get(f"/tasks/{world.task.id}").text
