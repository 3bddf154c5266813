"""Tests of reminder planning on a fake clock."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.dates import is_working_day
from tracker.notifications.policy import (
    PlannedReminder,
    ReminderPolicy,
    merge_policy,
    plan_reminders,
)

MOSCOW = ZoneInfo("Europe/Moscow")
# A Thursday with no holiday in the three weeks before it.
DUE = date(2026, 4, 16)


def msk(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """Return a Moscow wall-clock moment."""
    return datetime(year, month, day, hour, minute, tzinfo=MOSCOW)


def plan(**kw: object) -> list[PlannedReminder]:
    """Plan with the defaults of an open task on an approved roadmap in Moscow."""
    args: dict[str, object] = {
        "due": DUE,
        "status": "planned",
        "roadmap_status": "approved",
        "policy": ReminderPolicy(),
        "tz": "Europe/Moscow",
        "now": msk(2026, 4, 1, 8, 0),
    }
    args.update(kw)
    return plan_reminders(**args)  # type: ignore[arg-type]


def summary(reminders: list[PlannedReminder]) -> list[tuple[str, int, date]]:
    """Reduce reminders to (kind, days, Moscow send date)."""
    return [(r.kind, r.days, r.planned_dt.astimezone(MOSCOW).date()) for r in reminders]


def test_default_schedule_of_an_open_task() -> None:
    assert summary(plan()) == [
        ("before", 14, date(2026, 4, 2)),
        ("before", 3, date(2026, 4, 13)),
        ("before", 1, date(2026, 4, 15)),
        ("due", 0, date(2026, 4, 16)),
        ("overdue", 1, date(2026, 4, 17)),
        ("overdue", 8, date(2026, 4, 24)),
        # The next nominal one, Friday 1 May, moves to Monday 4 May: past the 31-day horizon.
    ]


def test_reminders_are_at_nine_local_time_in_aware_utc() -> None:
    first = plan()[0]
    assert first.planned_dt == datetime(2026, 4, 2, 6, 0, tzinfo=UTC)
    assert first.planned_dt.utcoffset() == timedelta(0)
    assert first.key_suffix == "before:14:2026-04-02"


def test_time_zones_give_different_utc_moments() -> None:
    moscow = plan(tz="Europe/Moscow", now=datetime(2026, 4, 1, tzinfo=UTC))[0]
    irkutsk = plan(tz="Asia/Irkutsk", now=datetime(2026, 4, 1, tzinfo=UTC))[0]
    vladivostok = plan(tz="Asia/Vladivostok", now=datetime(2026, 4, 1, tzinfo=UTC))[0]
    assert moscow.planned_dt == datetime(2026, 4, 2, 6, 0, tzinfo=UTC)
    assert irkutsk.planned_dt == datetime(2026, 4, 2, 1, 0, tzinfo=UTC)
    assert vladivostok.planned_dt == datetime(2026, 4, 1, 23, 0, tzinfo=UTC)
    # Same local day, so the same key in every zone.
    assert moscow.key_suffix == irkutsk.key_suffix == vladivostok.key_suffix


def test_send_at_from_the_policy() -> None:
    first = plan(policy=ReminderPolicy(send_at=time(8, 30)))[0]
    assert first.planned_dt == datetime(2026, 4, 2, 5, 30, tzinfo=UTC)


def test_due_reminder_is_returned_while_fresh() -> None:
    reminders = plan(now=msk(2026, 4, 13, 9, 5))
    assert reminders[0].key_suffix == "before:3:2026-04-13"
    assert reminders[0].planned_dt <= msk(2026, 4, 13, 9, 5)
    assert all(r.planned_dt > msk(2026, 4, 13, 9, 5) for r in reminders[1:])


def test_due_reminder_expires_after_the_grace_window() -> None:
    reminders = plan(now=msk(2026, 4, 13, 21, 30))
    assert summary(reminders)[0] == ("before", 1, date(2026, 4, 15))
    late = plan(now=msk(2026, 4, 13, 21, 30), grace=timedelta(hours=13))
    assert summary(late)[0] == ("before", 3, date(2026, 4, 13))


def test_only_the_newest_missed_reminder_is_sent() -> None:
    # The sweep was down since 12 April: the 3-day reminder is superseded by today's 1-day one.
    now = msk(2026, 4, 15, 10, 0)
    reminders = plan(now=now)
    due_now = [r for r in reminders if r.planned_dt <= now]
    assert summary(due_now) == [("before", 1, date(2026, 4, 15))]


def test_task_created_late_gets_no_burst_of_old_reminders() -> None:
    created = msk(2026, 4, 14, 12, 0)
    reminders = plan(now=created, created_dt=created)
    assert summary(reminders)[:2] == [
        ("before", 1, date(2026, 4, 15)),
        ("due", 0, date(2026, 4, 16)),
    ]


def test_reminder_planned_before_creation_on_the_same_day_is_dropped() -> None:
    created = msk(2026, 4, 13, 10, 0)
    reminders = plan(now=created, created_dt=created)
    assert summary(reminders)[0] == ("before", 1, date(2026, 4, 15))


def test_weekend_reminders_move_to_the_previous_working_day_and_merge() -> None:
    # Due Monday 20 April: the 1-day reminder (Sunday) joins the 3-day one on Friday.
    reminders = plan(due=date(2026, 4, 20), now=msk(2026, 4, 1, 8, 0))
    assert summary(reminders)[:3] == [
        ("before", 14, date(2026, 4, 6)),
        ("before", 3, date(2026, 4, 17)),
        ("due", 0, date(2026, 4, 20)),
    ]


def test_due_on_saturday_is_reminded_on_friday() -> None:
    reminders = plan(due=date(2026, 4, 18), now=msk(2026, 4, 10, 8, 0))
    assert ("before", 1, date(2026, 4, 17)) in summary(reminders)
    assert all(r.kind != "due" for r in reminders)


def test_new_year_holidays_pull_reminders_into_december() -> None:
    reminders = plan(due=date(2026, 1, 12), now=msk(2025, 12, 20, 10, 0))
    assert summary(reminders)[:3] == [
        ("before", 14, date(2025, 12, 29)),
        ("before", 13, date(2025, 12, 30)),  # 3 and 1 days before, on 9 and 11 Jan, merged
        ("due", 0, date(2026, 1, 12)),
    ]


def test_overdue_cadence_is_next_day_then_weekly_on_working_days() -> None:
    now = msk(2026, 6, 1, 10, 0)
    assert summary(plan(now=now)) == [
        ("overdue", 50, date(2026, 6, 5)),
        ("overdue", 60, date(2026, 6, 15)),  # 12 June is a holiday, the 13th and 14th a weekend
        ("overdue", 64, date(2026, 6, 19)),
        ("overdue", 71, date(2026, 6, 26)),
    ]


def test_first_overdue_reminder_goes_out_the_day_after() -> None:
    now = msk(2026, 4, 17, 9, 0)
    assert summary(plan(now=now))[0] == ("overdue", 1, date(2026, 4, 17))


def test_overdue_on_a_weekend_moves_forward() -> None:
    # Due Friday 17 April: "overdue" on Saturday would move back onto the due day, so it goes Monday.
    reminders = plan(due=date(2026, 4, 17), now=msk(2026, 4, 17, 10, 0))
    assert summary(reminders)[:2] == [("due", 0, date(2026, 4, 17)), ("overdue", 3, date(2026, 4, 20))]


def test_overdue_once_when_repeats_are_off() -> None:
    reminders = plan(now=msk(2026, 4, 16, 10, 0), policy=ReminderPolicy(overdue_every_days=0))
    assert [r.kind for r in reminders] == ["due", "overdue"]


def test_long_overdue_task_is_still_planned() -> None:
    reminders = plan(now=msk(2029, 4, 2, 8, 0))
    assert reminders
    assert all(r.kind == "overdue" for r in reminders)
    assert all(is_working_day(r.planned_dt.astimezone(MOSCOW).date()) for r in reminders)


def test_pause_drops_reminders_up_to_its_last_day() -> None:
    reminders = plan(paused_until=date(2026, 4, 15))
    assert summary(reminders)[0] == ("due", 0, date(2026, 4, 16))
    assert plan(now=msk(2026, 4, 15, 9, 30), paused_until=date(2026, 4, 15))[0].kind == "due"


@pytest.mark.parametrize("status", ["planned", "in_progress", "returned"])
def test_open_statuses_remind_the_assignee(status: str) -> None:
    assert plan(status=status)


@pytest.mark.parametrize("status", ["done", "cancelled", "not_done", "submitted"])
def test_other_statuses_send_nothing_to_the_assignee(status: str) -> None:
    assert plan(status=status) == []


@pytest.mark.parametrize("status", ["planned", "in_progress", "returned", "done", "cancelled", "not_done"])
def test_controller_is_reminded_of_submitted_tasks_only(status: str) -> None:
    assert plan(status=status, recipient_role="controller", submitted_on=date(2026, 4, 1)) == []


@pytest.mark.parametrize("roadmap_status", ["draft", "review", "archived"])
def test_unapproved_or_archived_roadmap_sends_nothing(roadmap_status: str) -> None:
    assert plan(roadmap_status=roadmap_status) == []


@pytest.mark.parametrize("roadmap_status", ["approved", "in_progress", "completed"])
def test_live_roadmaps_send_reminders(roadmap_status: str) -> None:
    assert plan(roadmap_status=roadmap_status)


def test_disabled_policy_sends_nothing() -> None:
    assert plan(policy=ReminderPolicy(enabled=False)) == []


def test_controller_review_reminders() -> None:
    # Submitted Friday 6 March 2026; Monday 9 March is a holiday, so two working days end on the 11th.
    reminders = plan(
        status="submitted",
        recipient_role="controller",
        submitted_on=date(2026, 3, 6),
        now=msk(2026, 3, 6, 15, 0),
    )
    assert summary(reminders) == [
        ("review", 5, date(2026, 3, 11)),
        ("review", 12, date(2026, 3, 18)),
        ("review", 19, date(2026, 3, 25)),
        ("review", 26, date(2026, 4, 1)),
    ]


def test_controller_reminders_need_the_submission_date() -> None:
    with pytest.raises(ValueError):
        plan(status="submitted", recipient_role="controller")


def test_enum_like_statuses_are_accepted() -> None:
    class Status(str):
        pass

    assert plan(status=Status("planned"), roadmap_status=Status("approved"))


@pytest.mark.parametrize(
    "kw",
    [
        {"status": "lost"},
        {"recipient_role": "director"},
        {"now": datetime(2026, 4, 1, 8, 0)},
        {"created_dt": datetime(2026, 4, 1, 8, 0)},
    ],
)
def test_invalid_arguments_are_refused(kw: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        plan(**kw)


def test_keys_are_deterministic_and_unique() -> None:
    first, second = plan(), plan()
    assert first == second
    keys = [r.key_suffix for r in first]
    assert len(keys) == len(set(keys))


def test_moving_the_due_date_gives_new_keys() -> None:
    old = {r.key_suffix for r in plan()}
    new = {r.key_suffix for r in plan(due=DUE + timedelta(days=7))}
    assert not old & new


def test_merge_policy_layers_roadmap_then_user() -> None:
    default = ReminderPolicy()
    merged = merge_policy(
        default,
        {"days_before": [7, 1, 0], "overdue_every_days": 3},
        {"send_at": "08:30", "overdue_every_days": None},
    )
    assert merged.days_before == (7, 1, 0)
    assert merged.send_at == time(8, 30)
    assert merged.overdue_every_days == 3
    assert merge_policy(default, None, {}) == default
    assert merge_policy(default, {"days_before": [3]}, {"days_before": [1, 0]}).days_before == (1, 0)
    assert merge_policy(default, {"enabled": False}, {"enabled": True}).enabled


def test_days_before_are_normalised() -> None:
    assert ReminderPolicy(days_before=(0, 3, 3, 14)).days_before == (14, 3, 0)


@pytest.mark.parametrize(
    "override",
    [
        {"colour": "red"},
        {"days_before": "14,3"},
        {"days_before": [-1]},
        {"send_at": 9},
        {"enabled": "yes"},
        {"overdue_every_days": "7"},
        {"overdue_first_after_days": 0},
        {"review_every_days": -1},
    ],
)
def test_merge_policy_refuses_bad_overrides(override: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        merge_policy(ReminderPolicy(), override, None)


ZONES = st.sampled_from(["Europe/Moscow", "Asia/Irkutsk", "Asia/Vladivostok", "Europe/Kaliningrad"])


@given(
    due=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)),
    offset_hours=st.integers(min_value=-40 * 24, max_value=60 * 24),
    tz=ZONES,
)
@settings(max_examples=150, deadline=None)
def test_plan_invariants(due: date, offset_hours: int, tz: str) -> None:
    zone = ZoneInfo(tz)
    now = datetime.combine(due, time(12, 0), tzinfo=zone) + timedelta(hours=offset_hours)
    reminders = plan(due=due, tz=tz, now=now)
    assert [r.planned_dt for r in reminders] == sorted(r.planned_dt for r in reminders)
    assert len([r for r in reminders if r.planned_dt <= now]) <= 1
    assert len({r.key_suffix for r in reminders}) == len(reminders)
    for r in reminders:
        local = r.planned_dt.astimezone(zone)
        assert r.planned_dt.tzinfo is UTC
        assert local.time() == time(9, 0)
        assert is_working_day(local.date())
        assert now - r.planned_dt <= timedelta(hours=12)
        assert r.planned_dt <= now + timedelta(days=31)
        assert (r.kind == "overdue") == (local.date() > due)
        assert (r.kind == "due") == (local.date() == due)
