"""Import through the web: upload → preview → correction of a flagged deadline → save; limits, permissions."""

import io
import os
import re
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.roadmaps import import_store
from tracker.roadmaps.models import Activity, HistoryEntry, Roadmap, RoadmapStatus, Section
from tracker.tasks.models import Task

SAMPLES_DIR = Path(__file__).resolve().parents[1] / "samples" / "roadmaps"
DIRECTIONS = [
    ("Направление: оценка качества", [
        ("1.1", "Мониторинг ВПР", "Май 2026 г.", "Комитет образования"),
        ("1.2", "Совещание руководителей", "Ежегодно, сентябрь", "МКУ «ЦРО»"),
    ]),
    ("Направление: кадры", [("2.1", "Семинар для учителей ШНОР", "По плану ИРО", "МКУ «ЦРО»")]),
]  # fmt: skip


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar()


def _pending_files(app) -> set[str]:
    folder = Path(app.config["INSTANCE_DIR"]) / "imports"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def _upload(browser, data: bytes, filename: str, **fields):
    payload = {"file": (io.BytesIO(data), filename), **fields}
    return browser.post("/roadmaps/import", payload, page="/roadmaps/import")


@pytest.fixture
def coordinator(login_as, two_municipalities):
    return login_as("coordinator", two_municipalities["a"]["authority"])


def _token(response) -> str:
    assert response.status_code == 302, response.text
    match = re.search(r"/roadmaps/import/([0-9a-f]{32})$", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def test_list_offers_the_import(coordinator):
    page = coordinator.get("/roadmaps/").text
    assert "Импорт из Word/Excel" in page and "/roadmaps/import" in page


def test_upload_preview_correct_and_save(app, coordinator, two_municipalities, roadmap_docx):
    owner = two_municipalities["a"]["center"]
    form = coordinator.get("/roadmaps/import").text
    assert 'enctype="multipart/form-data"' in form and 'name="csrf_token"' in form
    token = _token(_upload(coordinator, roadmap_docx(DIRECTIONS), "карта.docx", organization_id=owner.id))
    preview = coordinator.get(f"/roadmaps/import/{token}")
    assert preview.status_code == 200
    page = preview.text
    # Title, the period with its source, every activity with its section path and dates.
    assert "Дорожная карта повышения качества образования на 2026-2028 годы" in page
    assert "1 января 2026 г." in page and "31 декабря 2028 г." in page and "взят из документа" in page
    for _, items in DIRECTIONS:
        for _number, title, deadline, _ in items:
            assert title in page and deadline in page
    assert "31 мая 2026 г." in page and "30 сентября 2027 г." in page
    assert "ежегодно" in page.lower()
    # The flagged activity (row 6) is highlighted, its warning listed with the row, and it can be corrected.
    assert re.search(r'<tr id="row-6" class="table-warning">', page)
    assert re.search(r'<a href="#row-6">6</a></td>\s*<td>Срок «По плану ИРО» не дал ни одной даты', page)
    assert page.count('class="section-row"') == 2 and "Направление: кадры" in page
    assert 'name="corrections-0-deadline_text"' in page and 'value="По плану ИРО"' in page
    assert 'id="row-3" class="">' in page  # a clean row is not highlighted
    assert _count(Roadmap) == 0

    recheck = coordinator.post(
        f"/roadmaps/import/{token}",
        {"corrections-0-row": "6", "corrections-0-deadline_text": "Октябрь 2026 г.",
         "period_start": "2026-01-01", "period_end": "2028-12-31", "recheck": "1"},
        page=f"/roadmaps/import/{token}",
    )  # fmt: skip
    assert recheck.status_code == 302 and recheck.headers["Location"].endswith(f"/roadmaps/import/{token}")
    page = coordinator.get(f"/roadmaps/import/{token}").text
    assert "31 октября 2026 г." in page and "не дал ни одной даты" not in page
    assert 'value="Октябрь 2026 г."' in page  # the corrected row keeps its input
    assert _count(Roadmap) == 0

    saved = coordinator.post(
        f"/roadmaps/import/{token}",
        {"corrections-0-row": "6", "corrections-0-deadline_text": "Октябрь 2026 г.",
         "period_start": "2026-01-01", "period_end": "2028-12-31", "save": "1"},
        page=f"/roadmaps/import/{token}",
    )  # fmt: skip
    roadmap = db.session.execute(select(Roadmap)).scalar_one()
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/roadmaps/{roadmap.id}")
    assert roadmap.organization_id == owner.id and roadmap.status == RoadmapStatus.draft
    assert roadmap.period == (date(2026, 1, 1), date(2028, 12, 31))
    activities = {a.number: a for a in db.session.execute(select(Activity)).scalars()}
    assert set(activities) == {"1.1", "1.2", "2.1"}
    seminar = activities["2.1"]
    assert seminar.deadline_text == "Октябрь 2026 г." and not seminar.is_review_needed
    dues = db.session.execute(select(Task.due).where(Task.activity_id == seminar.id)).scalars().all()
    assert dues == [date(2026, 10, 31)]
    assert _count(Section) == 2 and _count(Task) == 1 + 3 + 1
    assert db.session.execute(select(HistoryEntry.action)).scalars().all().count("roadmap.import") == 1
    # The upload is gone from the disk and from the session.
    assert not any(name.startswith(token) for name in _pending_files(app))
    shown = coordinator.get(saved.headers["Location"]).text
    assert "Дорожная карта импортирована как черновик: 3 мероприятия" in shown
    assert coordinator.get(f"/roadmaps/import/{token}").status_code == 404


def test_preview_of_sample_a_lists_all_activities_and_its_period_source(coordinator, two_municipalities):
    data = (SAMPLES_DIR / "A_ustilimsk_2030.docx").read_bytes()
    token = _token(
        _upload(coordinator, data, "A.docx", organization_id=two_municipalities["a"]["authority"].id)
    )
    page = coordinator.get(f"/roadmaps/import/{token}").text
    assert page.count('<tr id="row-') == 66
    assert "Год начала периода не указан" in page and "весь документ" in page
    assert page.count('class="table-warning"') == 8  # the sample's activities whose deadline needs review


def test_period_given_on_upload_is_used_and_reported(coordinator, two_municipalities, roadmap_docx):
    token = _token(
        _upload(coordinator, roadmap_docx(DIRECTIONS), "карта.docx",
                organization_id=two_municipalities["a"]["authority"].id,
                period_start="2026-09-01", period_end="2027-08-31")
    )  # fmt: skip
    page = coordinator.get(f"/roadmaps/import/{token}").text
    assert "1 сентября 2026 г." in page and "указан при загрузке" in page
    assert "30 сентября 2027 г." not in page  # September 2027 is outside the period given


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"just some text", "plan.docx", "не является документом Word"),
        (b"%PDF-1.4 fake", "plan.docx", "Это PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "plan.docx", "защищён паролем"),
    ],
)
def test_bad_file_is_refused_on_the_form(app, coordinator, two_municipalities, data, filename, message):
    before = _pending_files(app)
    response = _upload(coordinator, data, filename, organization_id=two_municipalities["a"]["authority"].id)
    assert response.status_code == 422
    assert message in response.text
    assert _count(Roadmap) == 0 and _pending_files(app) == before


def test_wrong_extension_is_refused_by_the_form(coordinator, two_municipalities):
    response = _upload(
        coordinator, b"MZ\x90\x00", "plan.exe", organization_id=two_municipalities["a"]["authority"].id
    )
    assert response.status_code == 422
    assert "Загрузите документ Word (.docx), книгу Excel (.xlsx) или таблицу CSV" in response.text


def test_missing_file_is_explained(coordinator, two_municipalities):
    response = coordinator.post(
        "/roadmaps/import",
        {"organization_id": two_municipalities["a"]["authority"].id},
        page="/roadmaps/import",
    )
    assert response.status_code == 422 and "Выберите файл дорожной карты" in response.text


def test_oversized_upload_answers_413_in_russian(app, coordinator, two_municipalities, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_IMPORT_MB", 1)
    before = _pending_files(app)
    # The test client spools a large body to a temporary file; only with follow_redirects does closing
    # the response close that file too.
    response = coordinator.post(
        "/roadmaps/import",
        {"file": (io.BytesIO(b"0" * (2 * 1024 * 1024)), "big.docx"),
         "organization_id": two_municipalities["a"]["authority"].id},
        page="/roadmaps/import", follow_redirects=True,
    )  # fmt: skip
    response.close()
    assert response.status_code == 413
    assert "Слишком большой файл" in response.text
    assert _pending_files(app) == before and _count(Roadmap) == 0


def test_other_municipality_org_is_refused(app, coordinator, two_municipalities, roadmap_docx):
    before = _pending_files(app)
    response = _upload(coordinator, roadmap_docx(DIRECTIONS), "карта.docx",
                       organization_id=two_municipalities["b"]["authority"].id)  # fmt: skip
    assert response.status_code == 422 and "Выберите организацию из списка" in response.text
    assert _pending_files(app) == before and _count(Roadmap) == 0


def test_school_imports_only_for_its_school(login_as, two_municipalities, roadmap_docx):
    school = login_as("school", two_municipalities["a"]["school"])
    response = _upload(school, roadmap_docx(DIRECTIONS), "карта.docx",
                       organization_id=two_municipalities["a"]["authority"].id)  # fmt: skip
    assert response.status_code == 422
    response = _upload(school, roadmap_docx(DIRECTIONS), "карта.docx",
                       organization_id=two_municipalities["a"]["school"].id)  # fmt: skip
    assert response.status_code == 302


@pytest.mark.parametrize("role", ["executor", "observer"])
def test_executor_and_observer_cannot_import(login_as, two_municipalities, roadmap_docx, role):
    browser = login_as(role, two_municipalities["a"]["authority"])
    assert browser.get("/roadmaps/import").status_code == 403
    response = _upload(browser, roadmap_docx(DIRECTIONS), "карта.docx",
                       organization_id=two_municipalities["a"]["authority"].id)  # fmt: skip
    assert response.status_code == 403
    assert "Импорт из Word/Excel" not in browser.get("/roadmaps/").text
    assert _count(Roadmap) == 0


def test_another_users_token_answers_404(login_as, coordinator, two_municipalities, roadmap_docx):
    token = _token(_upload(coordinator, roadmap_docx(DIRECTIONS), "карта.docx",
                           organization_id=two_municipalities["a"]["authority"].id))  # fmt: skip
    other = login_as("coordinator", two_municipalities["a"]["authority"])
    assert other.get(f"/roadmaps/import/{token}").status_code == 404
    response = other.post(f"/roadmaps/import/{token}", {"save": "1"}, page="/roadmaps/import")
    assert response.status_code == 404
    assert other.post(f"/roadmaps/import/{token}/cancel", {}, page="/roadmaps/import").status_code == 404
    assert _count(Roadmap) == 0
    # The owner still has it.
    assert coordinator.get(f"/roadmaps/import/{token}").status_code == 200


@pytest.mark.parametrize("token", ["..%2F..%2Fconfig", "0" * 32, "x" * 32, "abc"])
def test_made_up_tokens_answer_404(coordinator, token):
    assert coordinator.get(f"/roadmaps/import/{token}").status_code == 404


def test_cancel_deletes_the_upload(app, coordinator, two_municipalities, roadmap_docx):
    token = _token(_upload(coordinator, roadmap_docx(DIRECTIONS), "карта.docx",
                           organization_id=two_municipalities["a"]["authority"].id))  # fmt: skip
    response = coordinator.post(f"/roadmaps/import/{token}/cancel", {}, page=f"/roadmaps/import/{token}")
    assert response.status_code == 302
    assert not any(name.startswith(token) for name in _pending_files(app))
    assert coordinator.get(f"/roadmaps/import/{token}").status_code == 404


def test_uploads_expire_after_a_day(app, coordinator, two_municipalities, roadmap_docx):
    token = _token(_upload(coordinator, roadmap_docx(DIRECTIONS), "карта.docx",
                           organization_id=two_municipalities["a"]["authority"].id))  # fmt: skip
    folder = Path(app.config["INSTANCE_DIR"]) / "imports"
    pending = import_store.load_pending(token, coordinator.user.id)
    pending.created -= import_store.MAX_AGE_SECONDS + 1
    import_store.save_pending(pending)
    assert coordinator.get(f"/roadmaps/import/{token}").status_code == 404
    assert not (folder / f"{token}.bin").exists()
    # Files nobody came back for are swept on the next upload.
    stale = folder / ("f" * 32 + ".bin")
    stale.write_bytes(b"old")
    old = time.time() - import_store.MAX_AGE_SECONDS - 60
    os.utime(stale, (old, old))
    _upload(
        coordinator,
        roadmap_docx(DIRECTIONS),
        "карта.docx",
        organization_id=two_municipalities["a"]["authority"].id,
    )
    assert not stale.exists()


def test_saving_twice_creates_one_roadmap(coordinator, two_municipalities, roadmap_docx):
    token = _token(_upload(coordinator, roadmap_docx(DIRECTIONS), "карта.docx",
                           organization_id=two_municipalities["a"]["authority"].id))  # fmt: skip
    url = f"/roadmaps/import/{token}"
    page = coordinator.get(url).text
    assert coordinator.post(url, {"save": "1"}, page=url).status_code == 302
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert coordinator.client.post(url, data={"csrf_token": csrf, "save": "1"}).status_code == 404
    assert _count(Roadmap) == 1


def test_forms_require_csrf(coordinator, two_municipalities, roadmap_docx):
    response = coordinator.client.post(
        "/roadmaps/import",
        data={"file": (io.BytesIO(roadmap_docx(DIRECTIONS)), "x.docx"),
              "organization_id": two_municipalities["a"]["authority"].id},
    )  # fmt: skip
    assert response.status_code == 400
    assert _count(Roadmap) == 0
