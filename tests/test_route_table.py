"""Every route of the application, tried by every role with municipality A's ids and with municipality B's.

CASES is the table: one line per route and method (the task actions one line each), with who may use it.
A route added without a line fails `test_every_route_is_in_the_table`, so its permissions are decided when
it is written. The callers are the users of municipality A (`permission_world`) and an anonymous visitor:

* with B's ids in the path, query or form, every line is refused and changes nothing;
* with A's path and B's ids in the query or form ("mixed"), the same;
* with ids of nothing at all, the same as with B's;
* with A's ids, the roles that may are served and the others refused without a change; what A's users do
  leaves B's rows as they were.

No answer may show a text only B's objects carry. Each test builds the world once and runs the lines as
subtests named by line and role.
"""

import io
import json
import string
import zipfile
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from tests.fixtures.auth import Browser
from tests.fixtures.permissions import (
    ROADMAP_FILE,
    ROLES,
    call,
    db_state,
    fill,
    fill_url,
    remember_imports,
    signed_in,
    upload_of,
)
from tests.fixtures.roadmaps import build_roadmap_docx
from tracker.auth.models import ApiToken, User
from tracker.auth.operations import issue_token
from tracker.extensions import db
from tracker.notifications.feeds import calendar_token, roadmap_calendar_token
from tracker.roadmaps import import_store

ANONYMOUS = "anonymous"
EVERYONE = frozenset(ROLES)
# Administrators and coordinators of the municipality: they edit its roadmaps and manage its analysis.
EDITORS = frozenset({"admin", "coordinator"})
CREATORS = EDITORS | {"school"}
ADMIN = frozenset({"admin"})
# Activity 1.1 falls to МКУ «ЦРО», where the executor works.
DOERS = EDITORS | {"executor"}
NOT_EDITORS = EVERYONE - EDITORS
# A school user's area is their school: the municipality's imports and classification runs do not exist.
SCHOOL = frozenset({"school"})
# Outcomes besides a status code: served (an answer below 400 other than the sign-in page, or 409 for a
# task in another state, or 422 for a form refused) and sent to the sign-in page.
OK = "served"
SIGN_IN = "sign-in"


@dataclass(frozen=True)
class Case:
    """One request of the table and who may make it."""

    method: str
    # Path with the world's ids in braces: {roadmap_id}, {task_id}, … (see permission_world).
    url: str
    # Form fields, filled in the same way; a callable gives a fresh file upload.
    data: dict | None = None
    # JSON body (the API's review routes).
    json: dict | None = None
    # Roles that may use the route on A's objects; the others get 403.
    may: frozenset = EVERYONE
    # Roles to whom A's object does not exist: 404.
    hidden: frozenset = frozenset()
    # Roles let through a role check made before any id is looked up; the others get 403 whatever the ids.
    gate: frozenset | None = None
    # The answer to B's ids for the roles let through: 404, or where only a form or query names them, the
    # form refused (200, 422) or a page showing none of B (200).
    foreign: int = 404
    # The answer to A's path with B's ids in the query or form, for lines whose query or form carries ids.
    mixed: int | None = None
    # Anonymous visitors are served like any role (sign-in page, health check, calendar links).
    public: bool = False
    # The answer to anonymous visitors when not the sign-in page (web) or 401 (API).
    anonymous: int | None = None
    # Changes what later lines use (deletes, replaced keys, applied files): run after the others.
    last: bool = False
    # Signs the browser out: run in a browser of its own.
    ends_session: bool = False

    @property
    def name(self) -> str:
        """Return the line's name in test reports."""
        return f"{self.method} {self.url}"

    @property
    def is_api(self) -> bool:
        """Tell whether the route belongs to the JSON API (bearer tokens, 401 instead of the sign-in page)."""
        return self.url.startswith("/api/")

    @property
    def names_ids(self) -> bool:
        """Tell whether the path, query or form names objects, so that B's ids can be put in."""
        values = [v for v in (self.data or {}).values() if isinstance(v, str)]
        return any(_placeholders(text) for text in (self.url, *values))


ROADMAP = "/roadmaps/{roadmap_id}"
ACTIVITY = ROADMAP + "/activities/{activity_id}"
TASK = "/tasks/{task_id}"
INDICATORS = "/reports/roadmaps/{roadmap_id}/indicators"
PERIOD = {"period_start": "2026-01-01", "period_end": "2030-12-31"}
ORDER = {"reason": "Приказ", "order_number": "1", "order_date": "2026-01-15"}

CASES = [
    # --- sign-in, profile, API keys
    Case("GET", "/", public=True),
    Case("GET", "/healthz", public=True),
    Case("GET", "/login", public=True),
    Case("POST", "/login", {}, anonymous=401),
    Case("POST", "/profile/password", {}),
    Case("POST", "/profile/tokens", {"label": "Скрипт"}),
    Case("POST", "/profile/tokens/{token_id}/revoke", {}, foreign=302),
    Case("GET", "/profile"),
    Case("POST", "/logout", {}, public=True, ends_session=True),
    # --- administration of users and organisations
    Case("GET", "/admin/users", may=ADMIN),
    Case("GET", "/admin/users/new", may=ADMIN),
    Case(
        "POST",
        "/admin/users/new",
        {
            "email": "new.user@example.test",
            "name": "Новый сотрудник",
            "role": "executor",
            "organization_id": "{org_id}",
            "password": "Secret-pass-1",
            "is_active_account": "y",
        },
        may=ADMIN,
        gate=ADMIN,
        foreign=200,
    ),
    Case("GET", "/admin/users/{user_id}", may=ADMIN, gate=ADMIN),
    Case(
        "POST",
        "/admin/users/{user_id}",
        {
            "email": "executor.a@example.test",
            "name": "Исполнитель A",
            "role": "executor",
            "organization_id": "{org_id}",
            "is_active_account": "y",
        },
        may=ADMIN,
        gate=ADMIN,
        mixed=200,
    ),
    Case("GET", "/admin/audit", may=ADMIN),
    Case("GET", "/admin/organizations", may=ADMIN),
    Case("GET", "/admin/organizations/new?parent={municipality_id}", may=ADMIN, gate=ADMIN, foreign=200),
    Case(
        "POST",
        "/admin/organizations/new",
        {"parent_id": "{municipality_id}", "name": "Новая школа", "short_name": "Новая", "kind": "school"},
        may=ADMIN,
        gate=ADMIN,
        foreign=200,
    ),
    Case("GET", "/admin/organizations/{org_id}", may=ADMIN, gate=ADMIN),
    Case(
        "POST",
        "/admin/organizations/{org_id}",
        {"parent_id": "{municipality_id}", "name": "МКУ «ЦРО»", "short_name": "ЦРО", "kind": "method_center"},
        may=ADMIN,
        gate=ADMIN,
        mixed=200,
    ),
    # --- roadmaps
    Case("GET", "/roadmaps/"),
    Case("GET", "/roadmaps/new", may=CREATORS),
    Case(
        "POST",
        "/roadmaps/new",
        {"title": "Новая карта", "organization_id": "{authority_id}", **PERIOD},
        may=CREATORS,
        gate=CREATORS,
        foreign=200,
    ),
    Case("GET", ROADMAP + "?direction={section_id}", mixed=200),
    Case("GET", ROADMAP + "/passport", may=EDITORS),
    Case(
        "POST",
        ROADMAP + "/passport",
        {"title": "Карта", "organization_id": "{authority_id}", **PERIOD},
        may=EDITORS,
    ),
    Case("POST", ROADMAP + "/status", {"status": "completed"}, may=EDITORS),
    Case("GET", ROADMAP + "/history"),
    Case("POST", ROADMAP + "/revise", ORDER, may=EDITORS),
    Case("GET", ROADMAP + "/review"),
    Case("GET", ROADMAP + "/deadline-preview?text=Май%202027"),
    Case("GET", ROADMAP + "/sections/new?parent={section_id}", may=EDITORS, mixed=200),
    Case(
        "POST",
        ROADMAP + "/sections/new",
        {"parent_id": "{section_id}", "number": "1.5", "title": "Подраздел"},
        may=EDITORS,
        mixed=200,
    ),
    Case("GET", ROADMAP + "/sections/{section_id}/edit", may=EDITORS),
    Case(
        "POST",
        ROADMAP + "/sections/{section_id}/edit",
        {"parent_id": "", "number": "1", "title": "Направление: сопровождение ШНОР"},
        may=EDITORS,
    ),
    Case("POST", ROADMAP + "/sections/{section_id}/move/down", {}, may=EDITORS),
    Case("POST", ROADMAP + "/sections/{spare_section_id}/delete", {}, may=EDITORS, last=True),
    Case("GET", ROADMAP + "/activities/new?section={section_id}", may=EDITORS, mixed=200),
    Case(
        "POST",
        ROADMAP + "/activities/new",
        {"section_id": "{section_id}", "number": "1.3", "title": "Новое мероприятие"},
        may=EDITORS,
        mixed=200,
    ),
    Case("GET", ACTIVITY),
    Case("GET", ACTIVITY + "/edit", may=EDITORS),
    Case(
        "POST",
        ACTIVITY + "/edit",
        {
            "section_id": "{section_id}",
            "number": "1.1",
            "title": "Семинар",
            "deadline_text": "Ежегодно, сентябрь",
        },
        may=EDITORS,
        mixed=200,
    ),
    Case("POST", ACTIVITY + "/move/up", {}, may=EDITORS),
    Case("GET", ACTIVITY + "/schedule", may=EDITORS),
    Case("POST", ACTIVITY + "/schedule", {"windows": "01.10.2026"}, may=EDITORS, last=True),
    Case("POST", ACTIVITY + "/schedule/reset", {}, may=EDITORS, last=True),
    Case("POST", ROADMAP + "/activities/{spare_activity_id}/delete", {}, may=EDITORS, last=True),
    Case("GET", ROADMAP + "/reminders", may=EDITORS),
    Case(
        "POST",
        ROADMAP + "/reminders",
        {"is_enabled": "y", "days_before": "3", "send_at": "09:00", "overdue_every_days": "7"},
        may=EDITORS,
    ),
    # --- roadmap import and re-import ({import_token}: an upload of the caller's, in their session)
    Case("GET", "/roadmaps/import", may=CREATORS),
    Case(
        "POST",
        "/roadmaps/import",
        {"file": upload_of("roadmap"), "organization_id": "{authority_id}"},
        may=CREATORS,
        gate=CREATORS,
        foreign=422,
    ),
    Case("GET", "/roadmaps/import/{import_token}", may=CREATORS, gate=CREATORS),
    Case("POST", "/roadmaps/import/{import_token}", {}, may=CREATORS, gate=CREATORS),
    Case("POST", "/roadmaps/import/{import_token}/cancel", {}, may=CREATORS, gate=CREATORS, last=True),
    Case("GET", ROADMAP + "/reimport", may=EDITORS),
    Case("POST", ROADMAP + "/reimport", {"file": upload_of("roadmap")}, may=EDITORS),
    Case("GET", ROADMAP + "/reimport/{reimport_token}", may=EDITORS),
    Case("POST", ROADMAP + "/reimport/{reimport_token}", ORDER, may=EDITORS, last=True),
    # --- reports and indicators
    Case("GET", "/reports/roadmaps/{roadmap_id}/approval.docx"),
    Case("GET", "/reports/roadmaps/{roadmap_id}/execution.docx?period=2026Q3"),
    Case("GET", "/reports/roadmaps/{roadmap_id}/annual.docx?year=2026"),
    Case("GET", INDICATORS),
    Case("GET", INDICATORS + "/new", may=EDITORS),
    Case("POST", INDICATORS + "/new", {"name": "Показатель", "direction": "up"}, may=EDITORS),
    Case("GET", INDICATORS + "/{indicator_id}/edit", may=EDITORS),
    Case(
        "POST",
        INDICATORS + "/{indicator_id}/edit",
        {"name": "Показатель", "direction": "up", "standard_code": ""},
        may=EDITORS,
    ),
    Case("GET", INDICATORS + "/{indicator_id}/actuals", may=EDITORS),
    Case("POST", INDICATORS + "/{indicator_id}/actuals", {"actual_2026": "5"}, may=EDITORS),
    Case("POST", INDICATORS + "/compute", {}, may=EDITORS),
    Case("POST", INDICATORS + "/{indicator_id}/delete", {}, may=EDITORS, last=True),
    # --- tasks ({task_id} is in progress; {evidence_task_id} was returned and keeps its file)
    Case("GET", "/tasks/"),
    Case("GET", "/tasks/overview?municipality={municipality_id}", foreign=200),
    Case("GET", TASK),
    Case("POST", TASK + "/start", {}, may=DOERS),
    Case("POST", TASK + "/not_done", {"reason": "Нет средств"}, may=DOERS),
    Case("POST", TASK + "/comments", {"body": "Вопрос"}, may=DOERS),
    Case("POST", TASK + "/complete", {"note": "Сделано"}, may=DOERS),
    Case("POST", TASK + "/return", {"comment": "Доработать"}, may=EDITORS),
    Case("POST", TASK + "/accept", {}, may=EDITORS),
    Case("POST", TASK + "/cancel", {"reason": "Не нужно"}, may=EDITORS),
    Case("POST", TASK + "/reopen", {"reason": "Нужно"}, may=EDITORS),
    Case("POST", TASK + "/assign", {"people": "{user_id}", "mode": "replace"}, may=EDITORS, mixed=404),
    Case("POST", TASK + "/reschedule", {"shift_days": "3", "reason": "Письмо"}, may=EDITORS),
    Case("GET", TASK + "/calendar.ics"),
    Case("GET", "/tasks/{evidence_task_id}/evidence/{evidence_id}"),
    Case("POST", "/tasks/{evidence_task_id}/evidence/{evidence_id}/remove", {}, may=DOERS, last=True),
    Case("GET", "/tasks/roadmaps/{roadmap_id}?org={org_id}", mixed=200),
    Case(
        "POST",
        "/tasks/roadmaps/{roadmap_id}/bulk",
        {"task_ids": "{task_id}", "action": "reschedule", "shift_days": "3", "reason": "Письмо"},
        may=EDITORS,
        mixed=404,
    ),
    Case("GET", "/tasks/roadmaps/{roadmap_id}/progress"),
    Case("GET", "/tasks/roadmaps/{roadmap_id}/timeline"),
    # --- calendars, reminders, digests, outbox ({feed_token}: B's is one replaced since)
    Case("GET", "/calendar/{feed_token}.ics", public=True),
    Case("GET", "/calendar/roadmap/{roadmap_feed_token}.ics", public=True, hidden=NOT_EDITORS),
    Case("POST", "/profile/calendar/regenerate", {}, last=True),
    Case("POST", "/profile/reminders", {"days_before": "3", "send_at": "09:00"}),
    Case("GET", "/notifications/digest", may=EDITORS),
    Case("POST", "/notifications/digest/send", {}, may=EDITORS),
    Case("GET", "/notifications/outbox", may=ADMIN),
    Case("POST", "/notifications/outbox/{message_id}/retry", {}, may=ADMIN, gate=ADMIN),
    Case("POST", "/notifications/outbox/{message_id}/confirm", {}, may=ADMIN, gate=ADMIN),
    # --- analysis
    Case("GET", "/analysis/"),
    Case("GET", "/analysis/support"),
    Case("GET", "/analysis/data", may=EDITORS),
    Case("POST", "/analysis/data/upload", {"kind": "results", "file": upload_of("results")}, may=EDITORS),
    Case("GET", "/analysis/data/templates/results.xlsx"),
    Case("GET", "/analysis/imports/{import_id}", may=EDITORS, hidden=SCHOOL),
    Case("POST", "/analysis/imports/{import_id}/apply", {}, may=EDITORS, hidden=SCHOOL),
    Case("POST", "/analysis/imports/{import_id}/discard", {}, may=EDITORS, hidden=SCHOOL),
    Case("GET", "/analysis/runs/new", may=EDITORS),
    Case(
        "POST",
        "/analysis/runs/new",
        {
            "year": "2025",
            "scope_id": "{municipality_id}",
            "quantile": "25",
            "two_year": "any",
            "min_participants": "1",
            "procedures": "VPR-MA-5",
        },
        may=EDITORS,
        gate=EDITORS,
        foreign=200,
    ),
    Case("GET", "/analysis/runs/{run_id}?compare={run_id}", hidden=SCHOOL, mixed=200),
    Case("GET", "/analysis/runs/{run_id}/chart.svg", hidden=SCHOOL),
    Case("GET", "/analysis/runs/{run_id}/export.xlsx", hidden=SCHOOL),
    Case("GET", "/analysis/runs/{run_id}/reproduce", hidden=SCHOOL),
    Case("GET", "/analysis/runs/{run_id}/retarget", may=EDITORS, hidden=SCHOOL),
    Case(
        "POST",
        "/analysis/runs/{run_id}/retarget",
        {"target_id": "{target_id}"},
        may=EDITORS,
        hidden=SCHOOL,
        mixed=302,
    ),
    Case("GET", "/analysis/schools/{school_id}"),
    Case("GET", "/analysis/roadmaps/{roadmap_id}/activities/{activity_id}/targets", may=EDITORS),
    Case(
        "POST",
        "/analysis/roadmaps/{roadmap_id}/activities/{activity_id}/targets",
        {"schools": "{school_id}", "groups": "{run_id}:SHNOR"},
        may=EDITORS,
        mixed=200,
    ),
    # --- the JSON API (a bearer token of the caller)
    Case("GET", "/api/openapi.json", public=True),
    Case("GET", "/api/v1/me"),
    Case("GET", "/api/v1/roadmaps"),
    Case("GET", "/api/v1/roadmaps/{roadmap_id}"),
    Case("GET", "/api/v1/tasks?roadmap_id={roadmap_id}", foreign=200),
    Case("GET", "/api/v1/tasks/{task_id}"),
    Case("GET", "/api/v1/tasks/{evidence_task_id}/evidence/{evidence_id}"),
    Case("POST", "/api/v1/tasks/{task_id}/complete", {"note": "Сделано"}, may=DOERS),
    Case("POST", "/api/v1/tasks/{task_id}/return", json={"comment": "Доработать"}, may=EDITORS),
    Case("POST", "/api/v1/tasks/{task_id}/accept", may=EDITORS),
]
# Lines that change what others use run last, in table order.
ORDERED = sorted(CASES, key=lambda case: case.last)
CALLERS = [*ROLES, ANONYMOUS]


def _placeholders(template: str) -> set[str]:
    """Return the names in braces of a template."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_route_is_in_the_table(app):
    """Fail for any route and method the table does not try, and for lines no route answers."""
    adapter = app.url_map.bind("tracker.test")
    covered = set()
    for case in CASES:
        path = case.url.partition("?")[0]
        dummy = {name: "1" for name in _placeholders(path)}
        try:
            endpoint, _ = adapter.match(path.format(**dummy), method=case.method)
        except HTTPException:
            pytest.fail(f"no route answers the line {case.name}")
        covered.add((endpoint, case.method))
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes - covered == set(), "routes missing from CASES: classify them"
    assert len(CASES) == len({c.name for c in CASES}), "a line appears twice"


@dataclass
class Caller:
    """A role's browser, API headers, the ids their requests are filled with, and what only B shows."""

    role: str
    user: User | None
    browser: Browser
    headers: dict
    own: dict
    foreign: dict
    foreign_texts: list
    # Path of B's organisations: what A's users do must leave B's rows as they are.
    foreign_path: str


def _caller(app, world, role: str) -> Caller:
    """Sign the role's user of A in and give them API keys, calendar links and pending uploads."""
    user = world.users.get(role)
    browser = signed_in(app, user)
    # An anonymous visitor tries the calendar links of A's coordinator.
    owner = user or world.users["coordinator"]
    own = world.a | {
        "feed_token": calendar_token(owner),
        "roadmap_feed_token": roadmap_calendar_token(owner, world.a["roadmap_id"]),
    }
    foreign = world.b | {"roadmap_feed_token": roadmap_calendar_token(owner, world.b["roadmap_id"])}
    headers = {}
    if user is not None:
        headers = {"Authorization": f"Bearer {issue_token(user, 'Таблица маршрутов')}"}
        issue_token(user, "Запасной")
        own["token_id"] = db.session.execute(
            select(ApiToken.id).where(ApiToken.user_id == user.id, ApiToken.label == "Запасной")
        ).scalar_one()
        upload = build_roadmap_docx(ROADMAP_FILE)
        new = import_store.create_pending(upload, user.id, "карта.docx", organization_id=user.organization_id)
        again = import_store.create_pending(upload, user.id, "карта.docx", roadmap_id=world.a["roadmap_id"])
        own |= {"import_token": new.token, "reimport_token": again.token}
        # B's uploads are put in the session too: only the user who uploaded a file may open it.
        remember_imports(browser, new.token, again.token, world.b["import_token"], world.b["reimport_token"])
    db.session.commit()
    foreign_path = world.orgs["b"]["region"].path
    return Caller(role, user, browser, headers, own, foreign, world.foreign_texts, foreign_path)


def _expected(case: Case, role: str, kind: str):
    """Return the answer due to a caller: a status code, OK or SIGN_IN; kind is own, foreign or mixed."""
    if role == ANONYMOUS and not case.public:
        return case.anonymous or (401 if case.is_api else SIGN_IN)
    if kind == "foreign":
        return 403 if case.gate is not None and role not in case.gate else case.foreign
    if role in case.hidden:
        return 404
    if role != ANONYMOUS and role not in case.may:
        return 403
    return OK if kind == "own" else case.mixed


def _matches(response, expected) -> bool:
    """Tell whether a response is the expected answer."""
    status = response.status_code
    to_sign_in = status == 302 and "/login?next=" in response.headers.get("Location", "")
    if expected == SIGN_IN:
        return to_sign_in
    if expected == OK:
        return status in (409, 422) or (status < 400 and not to_sign_in)
    return status == expected


def _text(response) -> str:
    """Return what a response shows: its text, the JSON without escapes, the XML inside .docx and .xlsx."""
    data = response.get_data()
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".xml"))
    if response.is_json:
        return json.dumps(response.get_json(), ensure_ascii=False)
    return data.decode("utf-8", "replace")


def _send(app, caller: Caller, case: Case, ids: dict, form_ids: dict):
    """Make the line's request: the web pages in the caller's browser, the API with their bearer token."""
    if case.is_api:
        url = fill_url(case.url, ids, form_ids)
        data = {name: fill(value, form_ids) for name, value in (case.data or {}).items()} or None
        # A client of its own: the API ignores the browser's cookies anyway.
        return app.test_client().open(
            url, method=case.method, headers=caller.headers, data=data, json=case.json
        )
    browser = signed_in(app, caller.user) if case.ends_session else caller.browser
    return call(browser, case.method, case.url, case.data, ids, form_ids)


def _try(
    app, subtests, caller: Caller, case: Case, kind: str, ids: dict, form_ids: dict, said: str = ""
) -> None:
    """Make one request as a subtest: check the answer, what it shows and what a POST changed."""
    expected = _expected(case, caller.role, kind)
    said = said or kind
    with subtests.test(msg=f"{case.name} as {caller.role} with {said} ids"):
        # B's rows alone may be judged only where A's own may change.
        within = caller.foreign_path if kind == "own" and expected == OK else None
        before = db_state(within) if case.method == "POST" else None
        response = _send(app, caller, case, ids, form_ids)
        label = f"{case.name} as {caller.role} with {said} ids answered {response.status_code}"
        assert _matches(response, expected), f"{label}, expected {expected}"
        shown = [text for text in caller.foreign_texts if text in _text(response)]
        assert not shown, f"{label} and showed B's {shown}"
        if before is not None:
            changed = [name for name, value in db_state(within).items() if before.get(name) != value]
            assert not changed, f"{label} and changed {'B' if within else 'the database'}: {changed}"


@pytest.mark.parametrize("role", CALLERS)
def test_other_organisation_ids_are_refused(app, permission_world, subtests, role):
    """B's ids in the path, query or form: refused (or a form that offers none of B), nothing changed."""
    caller = _caller(app, permission_world, role)
    for case in ORDERED:
        if not case.names_ids:
            continue
        _try(app, subtests, caller, case, "foreign", caller.foreign, caller.foreign)
        if case.mixed is not None:
            _try(app, subtests, caller, case, "mixed", caller.own, caller.foreign)


def test_unknown_ids_answer_as_other_organisation_ids(app, permission_world, subtests):
    """Ids of nothing at all, tried by the administrator, whom no role check stops before the lookup."""
    caller = _caller(app, permission_world, "admin")
    unknown = dict.fromkeys(caller.foreign, 999999)
    for case in ORDERED:
        if case.names_ids:
            _try(app, subtests, caller, case, "foreign", unknown, unknown, said="unknown")


@pytest.mark.parametrize("role", CALLERS)
def test_own_organisation_routes_answer_by_role(app, permission_world, subtests, role):
    """A's ids: served to the roles that may, refused without a change to the others, never an error."""
    caller = _caller(app, permission_world, role)
    for case in ORDERED:
        _try(app, subtests, caller, case, "own", caller.own, caller.own)


def test_texts_of_b_are_shown_to_b(app, permission_world):
    """Make sure the texts looked for on A's pages show on B's own, so that their absence means something."""
    b = permission_world.b
    admin = signed_in(app, permission_world.other_users["admin"])
    pages = "".join(
        _text(admin.get(url))
        for url in (
            "/admin/users",
            "/admin/organizations",
            "/roadmaps/",
            f"/tasks/{b['evidence_task_id']}",
            f"/reports/roadmaps/{b['roadmap_id']}/indicators",
            "/notifications/outbox",
            "/analysis/data",
        )
    )
    missing = [text for text in permission_world.foreign_texts if text not in pages]
    assert not missing


# Nonsense a form or query may carry: nothing, far too much, a number past any column, markup.
GARBAGE = ["", "я" * 5000, "9" * 30, "-1.5e309 <script>‮"]
# Query parameters the pages read (filters, pages, periods), tried on every page.
QUERY_NAMES = (
    "page",
    "year",
    "status",
    "q",
    "direction",
    "responsible",
    "municipality",
    "kind",
    "due",
    "sort",
)


def _garbled(case: Case, junk: str) -> tuple[str, dict | None]:
    """Return the line's URL with every query value, and its form with every text field, replaced by junk."""
    path, _, query = case.url.partition("?")
    names = [pair.partition("=")[0] for pair in query.split("&") if pair] + list(QUERY_NAMES)
    garbled_query = "&".join(f"{name}={junk}" for name in dict.fromkeys(names))
    data = {name: value if callable(value) else junk for name, value in (case.data or {}).items()}
    return f"{path}?{garbled_query}", data or None


def test_malformed_input_never_fails(app, permission_world, subtests):
    """Every web line's query and form filled with nonsense by an administrator: an answer, never an error.

    The API has its own fuzzing from its OpenAPI description (tests/api/test_fuzz.py).
    """
    caller = _caller(app, permission_world, "admin")
    for case in ORDERED:
        # A POST without fields would simply be made; signing out would end the session.
        if case.is_api or case.ends_session or (case.method == "POST" and not case.data):
            continue
        for junk in GARBAGE:
            url, data = _garbled(case, junk)
            with subtests.test(msg=f"{case.name} with {junk[:12]!r}"):
                response = call(caller.browser, case.method, url, data, caller.own)
                assert response.status_code < 500, (
                    f"{case.name} with {junk[:12]!r} answered {response.status_code}"
                )
