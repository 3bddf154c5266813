"""The status machine of a task, tried through the operations: every action from every status."""

from datetime import date

import pytest
from sqlalchemy import select

from tracker.extensions import db
from tracker.roadmaps import operations as roadmap_ops
from tracker.roadmaps.models import HistoryEntry
from tracker.storage import StoredFile
from tracker.tasks import operations as ops
from tracker.tasks.models import (
    TRANSITIONS,
    Evidence,
    Task,
    TaskAssignee,
    TaskComment,
    TaskOrigin,
    TaskStatus,
)

ALL = list(TaskStatus)


def _run(action: str, user, task: Task, roadmap):
    """Take an action with the text it needs."""
    if action == "start":
        ops.start_task(user, task)
    elif action == "complete":
        ops.complete_task(user, task, roadmap, "Сделано", [], [])
    elif action == "accept":
        ops.accept_task(user, task, "")
    elif action == "return":
        ops.return_task(user, task, "Доработать")
    elif action == "not_done":
        ops.mark_not_done(user, task, "Не успели")
    elif action == "cancel":
        ops.cancel_task(user, task, "Не нужно")
    elif action == "reopen":
        ops.reopen_task(user, task, "Ошибка")


@pytest.mark.parametrize("action", list(TRANSITIONS))
@pytest.mark.parametrize("status", ALL)
def test_every_action_from_every_status(world, action, status):
    task = db.session.get(Task, world.task.id)
    task.status = status
    db.session.commit()
    sources, target = TRANSITIONS[action]
    user = world.users["coordinator"]
    if status in sources:
        _run(action, user, task, world.roadmap)
        db.session.commit()
        assert db.session.get(Task, task.id).status == target
        entry = db.session.execute(select(HistoryEntry).where(HistoryEntry.task_id == task.id)).scalar_one()
        assert entry.action == f"task.{action}" and entry.user_id == user.id
        assert entry.before["status"] == status.value and entry.after["status"] == target.value
        assert entry.roadmap_id == world.roadmap.id and entry.entity_type == "task"
    else:
        with pytest.raises(ops.TaskError) as error:
            _run(action, user, task, world.roadmap)
        assert error.value.code == "state"
        db.session.rollback()
        assert db.session.get(Task, task.id).status == status
        assert not db.session.execute(select(HistoryEntry).where(HistoryEntry.task_id == task.id)).first()


def test_the_whole_path_planned_to_done(world):
    task, user, roadmap = world.task, world.users["executor"], world.roadmap
    controller = world.users["controller"]
    ops.start_task(user, task)
    stored = StoredFile("Протокол.pdf", "a" * 32, 10, "b" * 64, "application/pdf")
    assert (
        ops.complete_task(user, task, roadmap, "  Проведено  ", [stored], ["https://x.example/1"])
        == TaskStatus.submitted
    )
    assert task.note == "Проведено" and task.submitted_by_id == user.id and task.completed_dt
    ops.return_task(controller, task, "Нет подписи")
    assert task.status == TaskStatus.returned and task.completed_dt is None
    ops.complete_task(user, task, roadmap, "Подпись есть", [], [])
    ops.accept_task(controller, task, "Спасибо")
    db.session.commit()
    task = db.session.get(Task, task.id)
    assert task.status == TaskStatus.done and task.accepted_by_id == controller.id and task.accepted_dt
    comments = db.session.execute(
        select(TaskComment.action, TaskComment.body)
        .where(TaskComment.task_id == task.id)
        .order_by(TaskComment.id)
    ).all()
    assert comments == [("return", "Нет подписи"), ("accept", "Спасибо")]
    kinds = db.session.execute(
        select(Evidence.kind, Evidence.original_filename, Evidence.url)
        .where(Evidence.task_id == task.id)
        .order_by(Evidence.id)
    ).all()
    assert [(k.value, n, u) for k, n, u in kinds] == [
        ("file", "Протокол.pdf", None),
        ("link", "https://x.example/1", "https://x.example/1"),
    ]
    first_complete = (
        db.session.execute(
            select(HistoryEntry)
            .where(HistoryEntry.task_id == task.id, HistoryEntry.action == "task.complete")
            .order_by(HistoryEntry.id)
        )
        .scalars()
        .first()
    )
    assert first_complete.after["evidence"] == ["Протокол.pdf", "https://x.example/1"]
    assert first_complete.after["note"] == "Проведено" and first_complete.before["note"] == ""


def test_without_acceptance_completion_closes_the_task(world):
    world.roadmap.is_acceptance_required = False
    assert (
        ops.complete_task(world.users["executor"], world.task, world.roadmap, "Готово", [], [])
        == TaskStatus.done
    )
    assert world.task.accepted_by_id is None


@pytest.mark.parametrize(
    "call, code",
    [
        (lambda w: ops.complete_task(w.users["executor"], w.task, w.roadmap, "   ", [], []), "note_required"),
        (lambda w: ops.mark_not_done(w.users["executor"], w.task, ""), "reason_required"),
        (lambda w: ops.cancel_task(w.users["coordinator"], w.task, " \n"), "reason_required"),
        (lambda w: ops.add_comment(w.users["executor"], w.task, ""), "comment_required"),
    ],
)
def test_texts_that_are_required(world, call, code):
    with pytest.raises(ops.TaskError) as error:
        call(world)
    assert error.value.code == code


def test_return_needs_a_comment(world):
    ops.complete_task(world.users["executor"], world.task, world.roadmap, "Сделано", [], [])
    with pytest.raises(ops.TaskError) as error:
        ops.return_task(world.users["controller"], world.task, "")
    assert error.value.code == "comment_required"


def test_not_done_and_cancel_keep_the_reason_and_reopen_clears_it(world):
    ops.mark_not_done(world.users["executor"], world.task, "Семинар перенесён министерством")
    assert world.task.reason == "Семинар перенесён министерством"
    ops.reopen_task(world.users["coordinator"], world.task, "Семинар всё-таки состоялся")
    assert world.task.status == TaskStatus.in_progress and world.task.reason == ""
    ops.cancel_task(world.users["coordinator"], world.task, "Мероприятие исключено корректировкой")
    db.session.commit()
    actions = db.session.execute(
        select(HistoryEntry.action, HistoryEntry.after)
        .where(HistoryEntry.task_id == world.task.id)
        .order_by(HistoryEntry.id)
    ).all()
    assert [a for a, _ in actions] == ["task.not_done", "task.reopen", "task.cancel"]
    assert actions[2][1]["reason"] == "Мероприятие исключено корректировкой"


def test_a_stale_version_is_a_conflict(world):
    with pytest.raises(ops.TaskError) as error:
        ops.complete_task(
            world.users["executor"],
            world.task,
            world.roadmap,
            "Сделано",
            [],
            [],
            expected_version=world.task.version + 1,
        )
    assert error.value.code == "conflict"


def test_assign_replace_add_and_back_to_default(world):
    coordinator, a, b = world.users["coordinator"], world.users["executor"], world.users["executor2"]
    second = Task(
        activity_id=world.activity.id,
        roadmap_id=world.roadmap.id,
        start=date(2026, 10, 1),
        due=date(2026, 10, 31),
        origin=TaskOrigin.manual,
    )
    db.session.add(second)
    db.session.flush()
    assert ops.assign_tasks(coordinator, [world.task, second], [a], "replace") == 2
    assert ops.assign_tasks(coordinator, [world.task, second], [a], "replace") == 0
    assert ops.assign_tasks(coordinator, [world.task], [b], "add") == 1
    named = db.session.execute(
        select(TaskAssignee.user_id).where(TaskAssignee.task_id == world.task.id)
    ).scalars()
    assert set(named) == {a.id, b.id}
    assert ops.assign_tasks(coordinator, [world.task, second], [], "default") == 2
    assert not db.session.execute(select(TaskAssignee)).first()
    entries = (
        db.session.execute(
            select(HistoryEntry).where(HistoryEntry.action == "task.assign").order_by(HistoryEntry.id)
        )
        .scalars()
        .all()
    )
    assert [e.after["assignees"] for e in entries][:2] == [[a.name], [a.name]]
    with pytest.raises(ops.TaskError):
        ops.assign_tasks(coordinator, [world.task], [], "replace")


def test_reschedule_moves_open_tasks_with_a_reason_and_survives_regeneration(world, create_activity):
    coordinator = world.users["coordinator"]
    activity = create_activity(world.roadmap, number="1.2", deadline_text="Октябрь 2026 г.")
    task = db.session.execute(select(Task).where(Task.activity_id == activity.id)).scalar_one()
    closed = Task(
        activity_id=activity.id,
        roadmap_id=world.roadmap.id,
        start=date(2026, 3, 1),
        due=date(2026, 3, 31),
        status=TaskStatus.done,
        origin=TaskOrigin.manual,
    )
    db.session.add(closed)
    db.session.flush()
    assert (
        ops.reschedule_tasks(coordinator, [task, closed], "Перенос по письму министерства", shift_days=14)
        == 1
    )
    assert task.due == date(2026, 11, 14) and task.schedule_due == date(2026, 10, 31)
    assert closed.due == date(2026, 3, 31)
    assert ops.reschedule_tasks(coordinator, [task], "Раньше", due=date(2026, 9, 20)) == 1
    assert task.start == date(2026, 9, 20) and task.schedule_start == date(2026, 10, 1)
    entry = (
        db.session.execute(
            select(HistoryEntry).where(HistoryEntry.action == "task.reschedule").order_by(HistoryEntry.id)
        )
        .scalars()
        .first()
    )
    assert entry.before["due"] == "2026-10-31" and entry.after == {
        "due": "2026-11-14",
        "reason": "Перенос по письму министерства",
    }
    db.session.commit()
    # Editing the activity regenerates its schedule: the moved task stays the one of its window.
    roadmap_ops.update_activity(
        coordinator,
        world.roadmap,
        activity,
        activity.section_id,
        deadline_text="Октябрь 2026 г.; ноябрь 2026 г.",
    )
    db.session.commit()
    rows = db.session.execute(
        select(Task.due, Task.is_orphaned)
        .where(Task.activity_id == activity.id, Task.status != TaskStatus.done)
        .order_by(Task.due)
    ).all()
    assert rows == [(date(2026, 9, 20), False), (date(2026, 11, 30), False)]
    for bad in ({"shift_days": 0}, {}, {"due": date(2026, 1, 1), "shift_days": 3}):
        with pytest.raises(ops.TaskError):
            ops.reschedule_tasks(coordinator, [task], "x", **bad)
    with pytest.raises(ops.TaskError):
        ops.reschedule_tasks(coordinator, [task], "", shift_days=1)


def test_evidence_is_removed_only_from_open_tasks_and_recorded(world):
    user = world.users["executor"]
    stored = StoredFile("Лишний.pdf", "c" * 32, 10, "d" * 64, "application/pdf")
    ops.complete_task(user, world.task, world.roadmap, "Сделано", [stored], [])
    evidence = db.session.execute(select(Evidence)).scalar_one()
    with pytest.raises(ops.TaskError):
        ops.remove_evidence(user, world.task, evidence)
    ops.return_task(world.users["controller"], world.task, "Не тот файл")
    assert ops.remove_evidence(user, world.task, evidence) == "c" * 32
    db.session.commit()
    assert not db.session.execute(select(Evidence)).first()
    entry = db.session.execute(
        select(HistoryEntry).where(HistoryEntry.action == "task.evidence_remove")
    ).scalar_one()
    assert entry.before == {"evidence": ["Лишний.pdf"], "sha256": "d" * 64}


def test_history_is_stamped_with_the_given_moment(world):
    from datetime import UTC, datetime

    moment = datetime(2026, 5, 5, 3, 0, tzinfo=UTC)
    ops.start_task(world.users["executor"], world.task, now=moment)
    db.session.commit()
    entry = db.session.execute(select(HistoryEntry).where(HistoryEntry.task_id == world.task.id)).scalar_one()
    assert entry.created_dt == moment
