"""The roadmap page keeps its rendered table per state of the roadmap's content: every write shows at once."""

import re
from datetime import date

from sqlalchemy import select, update

from tests.fixtures.pages import captured
from tracker.extensions import db
from tracker.memo import Memo
from tracker.roadmaps.models import Activity, Roadmap
from tracker.tasks import operations as ops
from tracker.tasks.models import Evidence, EvidenceKind, Task, TaskStatus

TABLE = "roadmaps/_table.html"
PAGE = "roadmaps/_page.html"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]*)"')


def stamp(roadmap_id):
    return db.session.execute(select(Roadmap.content_stamp).where(Roadmap.id == roadmap_id)).scalar_one()


def test_every_write_to_what_the_table_shows_is_on_the_next_view(
    world, login_as, create_section, create_task
):
    coordinator = login_as(user=world.users["coordinator"])
    url = f"/roadmaps/{world.roadmap.id}"

    def page() -> str:
        response = coordinator.get(url)
        assert response.status_code == 200
        return response.text

    assert "Семинар для заместителей директоров" in page()
    stamps = [stamp(world.roadmap.id)]

    def changed() -> str:
        """Return the page after a write, checking the write gave the roadmap a stamp never seen before."""
        assert stamp(world.roadmap.id) not in stamps
        stamps.append(stamp(world.roadmap.id))
        return page()

    # An activity edited through the session.
    world.activity.title = "Совещание руководителей"
    db.session.commit()
    assert "Совещание руководителей" in changed()
    # Activities edited by one statement.
    of_roadmap = Activity.roadmap_id == world.roadmap.id
    db.session.execute(update(Activity).where(of_roadmap).values(result="Протокол"))
    db.session.commit()
    assert "Протокол" in changed()
    # A section added.
    create_section(world.roadmap, "Второе направление", "2")
    assert "Второе направление" in changed()
    # A task done and accepted: its completion mark and the activity's figures.
    ops.complete_task(world.users["executor"], world.task, world.roadmap, "Семинар проведён", [], [])
    ops.accept_task(world.users["coordinator"], world.task)
    db.session.commit()
    text = changed()
    assert "Семинар проведён" in text and "закрыто 1 из 1" in text
    # Evidence attached to the done task, then corrected by one statement.
    db.session.add(
        Evidence(
            task_id=world.task.id,
            kind=EvidenceKind.link,
            original_filename="отчёт",
            url="https://example.org/a",
        )
    )
    db.session.commit()
    assert "https://example.org/a" in changed()
    db.session.execute(update(Evidence).values(url="https://example.org/b"))
    db.session.commit()
    text = changed()
    assert "https://example.org/b" in text and "https://example.org/a" not in text
    # Tasks written by one statement.
    create_task(world.roadmap, world.activity, due=date(2026, 12, 31))
    text = changed()
    assert "закрыто 1 из 2" in text
    db.session.execute(update(Task).where(Task.roadmap_id == world.roadmap.id).values(status=TaskStatus.done))
    db.session.commit()
    assert "закрыто 2 из 2" in changed()


def test_a_view_reuses_the_table_until_the_roadmap_changes(app, world, login_as, create_roadmap, create_task):
    coordinator = login_as(user=world.users["coordinator"])
    url = f"/roadmaps/{world.roadmap.id}"

    def renders_table(path: str = url) -> bool:
        with captured(app) as seen:
            assert coordinator.get(path).status_code == 200
        return TABLE in {name for name, _ in seen}

    assert renders_table()
    before = stamp(world.roadmap.id)
    # Viewing writes nothing and renders the table no more.
    assert not renders_table() and stamp(world.roadmap.id) == before
    # Work on another roadmap leaves this one's stamp, and its kept table, as they were.
    other = create_roadmap(world.other["authority"], title="Карта Б")
    create_task(other, due=date(2026, 5, 31))
    assert stamp(world.roadmap.id) == before and not renders_table()
    # Filters are part of what is kept.
    assert renders_table(url + "?q=несуществующее") and not renders_table(url + "?q=несуществующее")
    # A change to this roadmap renders it again.
    world.activity.title = "Совещание руководителей"
    db.session.commit()
    assert renders_table()


def test_rights_are_part_of_what_is_kept(world, login_as):
    url = f"/roadmaps/{world.roadmap.id}"
    coordinator = login_as(user=world.users["coordinator"])
    observer = login_as(user=world.users["observer"])
    for _ in range(2):
        assert "Изменить раздел" in coordinator.get(url).text
        viewed = observer.get(url)
        assert viewed.status_code == 200 and "Семинар для заместителей директоров" in viewed.text
        assert "Изменить раздел" not in viewed.text and 'id="row-actions"' not in viewed.text


def test_each_viewer_gets_their_own_csrf_tokens_in_a_kept_page(app, world, login_as, create_user_):
    url = f"/roadmaps/{world.roadmap.id}"
    first = login_as(user=world.users["coordinator"])
    second = login_as(user=create_user_("coordinator", world.orgs["authority"]))
    with captured(app) as seen:
        pages = [first.get(url).text, second.get(url).text]
    # One rendering, two viewers: the second got the page kept for the first.
    assert [name for name, _ in seen].count(PAGE) == 1
    tokens = []
    for page in pages:
        # The status form and the rows' move buttons are in the kept part, the sign-out form is not.
        found = set(TOKEN.findall(page))
        assert len(TOKEN.findall(page)) >= 3 and len(found) == 1 and "\x00" not in page
        tokens.append(found.pop())
    assert tokens[0] != tokens[1]
    # The second viewer's token from the kept part is good for a change.
    move = f"/roadmaps/{world.roadmap.id}/activities/{world.activity.id}/move/down"
    response = second.client.post(move, data={"csrf_token": tokens[1]})
    assert response.status_code == 302
    assert first.client.post(move, data={"csrf_token": tokens[1]}).status_code == 400


def test_the_owner_and_the_passport_are_part_of_what_is_kept(world, login_as):
    coordinator = login_as(user=world.users["coordinator"])
    url = f"/roadmaps/{world.roadmap.id}"
    assert world.roadmap.organization.short_name in coordinator.get(url).text
    world.roadmap.organization.short_name = "Комитет по образованию"
    db.session.commit()
    assert "Комитет по образованию" in coordinator.get(url).text
    world.roadmap.title = "Дорожная карта на 2027 год"
    db.session.commit()
    assert "<title>Дорожная карта на 2027 год — Трекер</title>" in coordinator.get(url).text


def test_memo_drops_the_least_recently_used():
    memo: Memo[str] = Memo(2)
    computed = []

    def compute(value):
        def run():
            computed.append(value)
            return value

        return run

    assert memo.get("a", compute("A")) == "A"
    assert memo.get("b", compute("B")) == "B"
    assert memo.get("a", compute("A2")) == "A"  # kept; "a" is now the most recently used
    assert memo.get("c", compute("C")) == "C"  # "b" is dropped
    assert memo.get("b", compute("B2")) == "B2"
    assert memo.get("a", compute("A3")) == "A3"  # "a" went when "b" came back
    assert computed == ["A", "B", "C", "B2", "A3"] and len(memo) == 2
