"""Tests for the school classification rules (spec/analysis.md) on hand-made cases and the sample set."""

from __future__ import annotations

import json
import random
import statistics
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.analysis.classify import (
    FEW_DATA,
    GROUPS,
    LOW_CONTEXT,
    RELIABLE,
    RESILIENT,
    RISK,
    SHNOR,
    SHNSU,
    Settings,
    classify,
    compare_runs,
    inputs_fingerprint,
    isbsh,
    percentile,
    to_json,
)
from tracker.analysis.loaders import ResultRow, RiskRow, SocialRow, load_results, load_social

# Copies of the shared samples live in the repository, so the suite never skips them.
SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "analysis"
Y = 2025


def result(
    code: str, procedure: str, participants: int, low: int, year: int = Y, name: str = ""
) -> ResultRow:
    """Build a results row for the classification tests."""
    return ResultRow(code, name or f"Школа {code}", "Город", year, procedure, procedure, participants, low)


def social(code: str, total: int = 100, both: int = 0, single: int = 0, registered: int = 0, year: int = Y):
    """Build a social passport row."""
    return SocialRow(code, year, total, both, single, registered)


def high_factors(code: str, count: int, year: int = Y) -> list[RiskRow]:
    """Build risk profile rows with ``count`` factors at the high level and one at the medium level."""
    rows = [RiskRow(code, year, f"Фактор {n}", "высокий") for n in range(1, count + 1)]
    return [*rows, RiskRow(code, year, "Фактор 10", "средний")]


def run(results=(), social_rows=(), risk=(), **options):
    """Classify and return the schools by code."""
    classification = classify(results, social_rows, risk, Settings(Y, **options))
    return {school.code: school for school in classification.schools}


# --- Low result -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("participants", "low", "is_low"),
    [
        (10, 3, True),
        (10, 2, False),
        (100, 30, True),
        (100, 29, False),
        (3, 1, True),
        (7, 2, False),
        (1, 0, False),
    ],
)
def test_low_is_at_least_thirty_percent_in_integers(participants: int, low: int, is_low: bool) -> None:
    school = run([result("1", "VPR-MA-5", participants, low)])["1"]
    assert school.low_procedures == (["VPR-MA-5"] if is_low else [])


def test_no_participants_is_not_applicable() -> None:
    school = run([result("1", "VPR-MA-5", 0, 0), result("1", "OGE-MA", 10, 5)])["1"]
    assert [row.procedure for row in school.counted_rows] == ["OGE-MA"]
    assert school.low_procedures == ["OGE-MA"]
    assert SHNOR not in school.groups


def test_a_procedure_not_taken_is_not_applicable_rather_than_not_low() -> None:
    # One low procedure and nothing else taken: exactly one low, so risk zone, and R uses OGE-MA only.
    schools = run([result("1", "OGE-MA", 10, 4), result("2", "OGE-MA", 10, 0)])
    assert schools["1"].groups == [RISK]
    assert schools["1"].results_index == pytest.approx(-1.0)


def test_min_participants_makes_small_groups_not_applicable() -> None:
    rows = [result("1", "VPR-MA-5", 4, 2), result("1", "OGE-MA", 30, 10)]
    assert run(rows)["1"].low_procedures == ["VPR-MA-5", "OGE-MA"]
    school = run(rows, min_participants=5)["1"]
    assert school.low_procedures == ["OGE-MA"]
    assert [row.procedure for row in school.counted_rows] == ["OGE-MA"]


def test_procedures_outside_the_counted_set_are_ignored() -> None:
    rows = [result("1", "OTHER:впр математика 4 класс", 10, 9), result("1", "OGE-MA", 10, 9)]
    assert run(rows)["1"].low_procedures == ["OGE-MA"]
    counted = run(rows, procedures=("OTHER:впр математика 4 класс", "OGE-MA"))["1"]
    assert counted.groups[0] == SHNOR


# --- ШНОР ------------------------------------------------------------------------------------------------


def test_two_low_procedures_in_the_year_make_shnor_with_reasons() -> None:
    school = run(
        [result("1", "VPR-MA-5", 50, 19), result("1", "EGE-RU", 10, 4), result("1", "OGE-RU", 10, 0)]
    )["1"]
    assert school.groups == [SHNOR]
    assert school.reasons == [
        "ВПР математика 5 кл.: 38% «2» (2025)",
        "ЕГЭ русский язык: 40% не преодолели порог (2025)",
    ]
    assert school.confidence == FEW_DATA


def test_confidence_is_reliable_when_every_low_procedure_had_twenty_participants() -> None:
    school = run([result("1", "VPR-MA-5", 20, 6), result("1", "OGE-MA", 40, 15)])["1"]
    assert school.confidence == RELIABLE
    school = run([result("1", "VPR-MA-5", 20, 6), result("1", "OGE-MA", 40, 15)], reliable_participants=21)[
        "1"
    ]
    assert school.confidence == FEW_DATA


def test_lows_in_two_years_any_procedure() -> None:
    rows = [result("1", "VPR-MA-5", 10, 3), result("1", "OGE-RU", 10, 3, year=Y - 1)]
    any_school = run(rows, two_year="any")["1"]
    assert any_school.groups == [SHNOR]
    assert any_school.reasons == ["ВПР математика 5 кл.: 30% «2» (2025)", "ОГЭ русский язык: 30% «2» (2024)"]
    same_school = run(rows, two_year="same")["1"]
    assert same_school.groups == [RISK]
    assert same_school.confidence is None


def test_lows_in_two_years_same_procedure() -> None:
    rows = [
        result("1", "VPR-MA-5", 25, 10),
        result("1", "VPR-MA-5", 12, 4, year=Y - 1),
        result("1", "OGE-RU", 10, 5, year=Y - 1),
    ]
    school = run(rows, two_year="same")["1"]
    assert school.groups == [SHNOR]
    # Only the matching Y−1 procedure supports the flag, so only it is listed and weighed for confidence.
    assert school.reasons == [
        "ВПР математика 5 кл.: 40% «2» (2025)",
        "ВПР математика 5 кл.: 33,3% «2» (2024)",
    ]
    assert school.confidence == FEW_DATA
    assert school.low_procedures_previous == ["VPR-MA-5", "OGE-RU"]


def test_lows_only_in_the_previous_year_are_not_shnor() -> None:
    rows = [result("1", "VPR-MA-5", 10, 0), result("1", "VPR-MA-5", 10, 5, year=Y - 1)]
    assert SHNOR not in run(rows)["1"].groups


def test_rows_of_other_years_are_ignored() -> None:
    rows = [result("1", "VPR-MA-5", 10, 5, year=Y - 2), result("1", "OGE-MA", 10, 5, year=Y + 1)]
    assert run(rows) == {}
    school = run([*rows, result("1", "OGE-RU", 10, 0)])["1"]
    assert (school.low_procedures, school.low_procedures_previous) == ([], [])


# --- ИСБШ and ШНСУ ---------------------------------------------------------------------------------------


def test_isbsh_formula() -> None:
    assert isbsh(social("1", total=84, both=16, single=39, registered=3)) == 76.25
    assert isbsh(social("1", total=10)) == 85
    assert isbsh(social("1", total=10, both=10)) == 100
    assert isbsh(social("1", total=10, single=10, registered=10)) == 0


def test_isbsh_falls_back_to_the_latest_year_up_to_y() -> None:
    rows = [
        social("1", total=100, both=100, year=Y - 2),
        social("1", total=100, single=50, year=Y - 1),
        social("1", total=100, registered=100, year=Y + 1),
    ]
    classification = classify([], rows, [], Settings(Y))
    school = classification.schools[0]
    assert (school.isbsh, school.isbsh_year) == (75.0, Y - 1)
    assert any("прошлых лет" in note for note in classification.notes)
    assert "данные 2024 г." in school.reasons_by_group[SHNSU][0]


def test_school_without_students_has_no_isbsh() -> None:
    classification = classify([result("1", "OGE-MA", 10, 0)], [social("1", total=0)], [], Settings(Y))
    assert classification.schools[0].isbsh is None
    assert classification.isbsh_threshold is None
    assert any("ИСБШ не вычислен" in note for note in classification.notes)


def test_shnsu_includes_ties_at_the_percentile() -> None:
    # ИСБШ 70, 70, 70, 80, 90: the 25th percentile is 70 exactly, so all three tied schools are ШНСУ.
    rows = [social(str(n), total=100, single=single) for n, single in enumerate((75, 75, 75, 25, 0))]
    schools = run([], rows)
    assert [code for code, s in schools.items() if SHNSU in s.groups] == ["0", "1", "2"]


def test_quantile_setting_moves_the_threshold() -> None:
    rows = [social(str(n), total=100, registered=n) for n in range(10)]
    classification = classify([], rows, [], Settings(Y, quantile=20))
    values = sorted(isbsh(row) for row in rows)
    assert classification.isbsh_threshold == pytest.approx(values[1] + 0.8 * (values[2] - values[1]))
    assert sum(SHNSU in s.groups for s in classification.schools) == 2


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([1, 2, 3, 4], 25, 1.75),
        ([1, 2, 3, 4], 50, 2.5),
        ([15, 20, 35, 40, 50], 40, 29.0),
        ([15, 20, 35, 40, 50], 25, 20.0),
        ([3, 1, 2], 0, 1),
        ([3, 1, 2], 100, 3),
        ([7.5], 25, 7.5),
        ([10, 20], 90, 19.0),
        (list(range(1, 11)), 25, 3.25),
        (list(range(1, 11)), 20, 2.8),
    ],
)
def test_percentile_interpolates_like_numpy_and_excel(values: list[float], q: float, expected: float) -> None:
    assert percentile(values, q) == pytest.approx(expected, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=30), st.floats(0, 100))
def test_percentile_stays_within_the_data_and_grows_with_q(values: list[float], q: float) -> None:
    value = percentile(values, q)
    assert min(values) <= value <= max(values)
    assert percentile(values, min(q + 5, 100)) >= value


def test_percentile_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError):
        percentile([], 25)


# --- Results index and the context regression -----------------------------------------------------------


def test_results_index_is_the_participant_weighted_mean_of_z() -> None:
    rows = [
        result("1", "VPR-MA-5", 10, 5),
        result("2", "VPR-MA-5", 20, 2),
        result("3", "VPR-MA-5", 40, 0),
        result("1", "OGE-MA", 30, 3),
        result("2", "OGE-MA", 10, 0),
    ]
    schools = run(rows)
    success = {"VPR-MA-5": [0.5, 0.9, 1.0], "OGE-MA": [0.9, 1.0]}
    z = {
        code: [(s - statistics.fmean(values)) / statistics.pstdev(values) for s in values]
        for code, values in success.items()
    }
    assert schools["1"].results_index == pytest.approx((10 * z["VPR-MA-5"][0] + 30 * z["OGE-MA"][0]) / 40)
    assert schools["2"].results_index == pytest.approx((20 * z["VPR-MA-5"][1] + 10 * z["OGE-MA"][1]) / 30)
    assert schools["3"].results_index == pytest.approx(z["VPR-MA-5"][2])


def test_row_order_never_changes_a_bit_of_the_outcome() -> None:
    # Sums of floats run in the schools' and the procedures' order, whatever the order of the rows; schools
    # lack some procedures, and rows of one school are split up once shuffled. (Risk rows stay in order:
    # a school's high factors are listed as its rows list them.)
    rng = random.Random(5)
    procedures = ["VPR-MA-5", "OGE-MA", "EGE-RU", "OGE-RU", "VPR-RU-6"]
    rows = [
        result(str(code), procedure, participants, rng.randint(0, participants), year=year)
        for code in range(40)
        for year in (Y - 1, Y)
        for procedure in procedures
        if rng.random() < 0.8
        for participants in [rng.randint(1, 60)]
    ]
    socials = [
        social(str(code), total=300, both=rng.randint(0, 150), single=rng.randint(0, 90))
        for code in range(40)
    ]
    risks = [
        RiskRow(str(code), Y, f"Фактор {n}", rng.choice(["средний", "высокий"]))
        for code in range(40)
        for n in range(5)
    ]
    first = classify(rows, socials, risks, Settings(Y))
    for _ in range(5):
        rng.shuffle(rows)
        rng.shuffle(socials)
        again = classify(rows, socials, risks, Settings(Y))
        assert to_json(again) == to_json(first)
        assert again.notes == first.notes and again.regression == first.regression


def test_procedure_equal_everywhere_contributes_zero() -> None:
    classification = classify(
        [result("1", "EGE-MA-P", 10, 0), result("2", "EGE-MA-P", 5, 0)], [], [], Settings(Y)
    )
    assert [s.results_index for s in classification.schools] == [0.0, 0.0]
    assert any("ЕГЭ математика (профильная)" in note for note in classification.notes)


def test_school_without_counted_procedures_has_no_results_index() -> None:
    assert run([], [social("1")])["1"].results_index is None


def test_regression_is_skipped_with_fewer_than_ten_schools() -> None:
    rows = [result(str(n), "OGE-MA", 10, n) for n in range(9)]
    classification = classify(rows, [social(str(n), single=n) for n in range(9)], [], Settings(Y))
    assert classification.regression is None
    assert all(s.residual is None for s in classification.schools)
    assert not any({LOW_CONTEXT, RESILIENT} & set(s.groups) for s in classification.schools)
    assert any("Регрессия" in note and "не менее 10" in note for note in classification.notes)


def _context_case() -> tuple[list[ResultRow], list[SocialRow]]:
    """Twelve schools whose success follows ИСБШ, except school 0 (poor context, strong results) and 11."""
    lows = [0, *(12 - n for n in range(1, 11)), 20]
    results = [result(str(n), "OGE-MA", 40, low) for n, low in enumerate(lows)]
    socials = [social(str(n), total=100, single=60 - 5 * n) for n in range(12)]
    return results, socials


def test_context_regression_matches_ordinary_least_squares() -> None:
    results, socials = _context_case()
    classification = classify(results, socials, [], Settings(Y))
    xs = [s.isbsh for s in classification.schools]
    ys = [s.results_index for s in classification.schools]
    slope, intercept = statistics.linear_regression(xs, ys)
    residuals = [y - (intercept + slope * x) for x, y in zip(xs, ys, strict=True)]
    sd = statistics.stdev(residuals)
    assert classification.regression is not None
    assert classification.regression.slope == pytest.approx(slope, rel=1e-9)
    assert classification.regression.intercept == pytest.approx(intercept, rel=1e-9)
    for school, e in zip(classification.schools, residuals, strict=True):
        assert school.residual == pytest.approx(e / sd, rel=1e-9, abs=1e-12)


def test_resilient_and_low_context() -> None:
    results, socials = _context_case()
    schools = run(results, socials)
    assert schools["0"].residual >= 1 and SHNSU in schools["0"].groups
    assert schools["0"].groups == [SHNSU, RISK, RESILIENT]
    assert "кандидат в школы-наставники" in schools["0"].reasons_by_group[RESILIENT][0]
    assert schools["11"].residual <= -1
    assert LOW_CONTEXT in schools["11"].groups
    assert "стандартизированный остаток −" in schools["11"].reasons_by_group[LOW_CONTEXT][0]
    assert not any(LOW_CONTEXT in schools[str(n)].groups for n in range(1, 11))


def test_shnor_school_is_never_resilient() -> None:
    results, socials = _context_case()
    # Everyone is low on two more procedures, school 0 least so: it stays far above expectations.
    for n in range(12):
        results += [result(str(n), "VPR-RU-5", 10, 5 - 2 * (n == 0)), result(str(n), "VPR-RU-6", 10, 5)]
    school = run(results, socials)["0"]
    assert school.residual >= 1
    assert school.groups == [SHNOR, SHNSU]


def test_context_threshold_setting() -> None:
    results, socials = _context_case()
    strict = run(results, socials, context_threshold=5.0)
    assert not any({LOW_CONTEXT, RESILIENT} & set(s.groups) for s in strict.values())


# --- Risk zone ------------------------------------------------------------------------------------------


def test_risk_exactly_one_low_procedure() -> None:
    school = run([result("1", "OGE-MA", 10, 3), result("1", "OGE-RU", 10, 0)])["1"]
    assert school.groups == [RISK]
    assert school.reasons == ["ОГЭ математика: 30% «2» (2025) — низкий результат по одной процедуре"]


@pytest.mark.parametrize(("low", "in_risk"), [(20, True), (29, True), (19, False)])
def test_risk_share_between_twenty_and_thirty_percent(low: int, in_risk: bool) -> None:
    school = run([result("1", "OGE-MA", 100, low)])["1"]
    assert (school.groups == [RISK]) is in_risk
    if in_risk:
        assert school.reasons == [f"ОГЭ математика: {low}% «2» (2025) — от 20 до 30%"]


def test_risk_shnsu_school() -> None:
    schools = run([], [social("1", single=50), social("2"), social("3"), social("4")])
    assert schools["1"].groups == [SHNSU, RISK]
    assert schools["1"].reasons_by_group[RISK] == ["школа в неблагоприятных социальных условиях (ШНСУ)"]


@pytest.mark.parametrize(("before", "in_risk"), [((100, 0), True), ((1000, 1), False)])
def test_risk_rise_of_ten_percentage_points(before: tuple[int, int], in_risk: bool) -> None:
    rows = [result("1", "EGE-RU", 100, 10), result("1", "EGE-RU", *before, year=Y - 1)]
    school = run(rows)["1"]
    assert (school.groups == [RISK]) is in_risk
    if in_risk:
        assert school.reasons == [
            "ЕГЭ русский язык: не преодолели порог — рост на 10 п.п., с 0% (2024) до 10% (2025)"
        ]


def test_risk_rise_setting() -> None:
    rows = [result("1", "EGE-RU", 100, 10), result("1", "EGE-RU", 100, 3, year=Y - 1)]
    assert run(rows)["1"].groups == []
    assert run(rows, risk_rise_pp=7)["1"].groups == [RISK]


def test_risk_three_high_factors() -> None:
    school = run([result("1", "OGE-MA", 10, 0)], [], high_factors("1", 3))["1"]
    assert school.groups == [RISK]
    assert school.high_risk_factors == ["Фактор 1", "Фактор 2", "Фактор 3"]
    assert school.reasons == [
        "факторов риска на уровне «высокий» (2025 г.): 3 — Фактор 1; Фактор 2; Фактор 3"
    ]
    assert run([result("1", "OGE-MA", 10, 0)], [], high_factors("1", 2))["1"].groups == []


def test_risk_profile_uses_the_latest_year_up_to_y() -> None:
    older = high_factors("1", 4, year=Y - 1)
    assert run([], [], older)["1"].groups == [RISK]
    assert run([], [], [*older, *high_factors("1", 0)])["1"].groups == []
    assert run([], [], [*older, *high_factors("1", 0, year=Y + 1)])["1"].groups == [RISK]


def test_risk_lists_every_reason() -> None:
    rows = [
        result("1", "OGE-MA", 10, 4),
        result("1", "OGE-MA", 10, 1, year=Y - 1),
        result("1", "OGE-RU", 10, 2),
    ]
    school = run(rows, [], high_factors("1", 3))["1"]
    assert school.reasons == [
        "ОГЭ математика: 40% «2» (2025) — низкий результат по одной процедуре",
        "ОГЭ русский язык: 20% «2» (2025) — от 20 до 30%",
        "ОГЭ математика: «2» — рост на 30 п.п., с 10% (2024) до 40% (2025)",
        "факторов риска на уровне «высокий» (2025 г.): 3 — Фактор 1; Фактор 2; Фактор 3",
    ]


def test_shnor_school_is_not_in_the_risk_zone() -> None:
    rows = [result("1", "OGE-MA", 10, 4), result("1", "OGE-RU", 10, 2), result("1", "EGE-RU", 10, 5)]
    school = run(rows, [], high_factors("1", 5))["1"]
    assert school.groups == [SHNOR]


# --- Run-level behaviour --------------------------------------------------------------------------------


def test_schools_are_in_code_order_with_the_latest_name() -> None:
    rows = [
        result("b", "OGE-MA", 10, 0, name="Новое имя"),
        result("b", "OGE-MA", 10, 0, year=Y - 1, name="Старое имя"),
        result("a", "OGE-MA", 10, 0),
    ]
    classification = classify(rows, [social("c")], [], Settings(Y))
    assert [s.code for s in classification.schools] == ["a", "b", "c"]
    assert classification.schools[1].name == "Новое имя"


def test_groups_follow_the_fixed_order() -> None:
    results, socials = _context_case()
    for school in classify(results, socials, [], Settings(Y)).schools:
        assert school.groups == [g for g in GROUPS if g in school.groups]


def test_duplicate_rows_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        classify([result("1", "OGE-MA", 10, 0), result("1", "OGE-MA", 12, 0)], [], [], Settings(Y))
    with pytest.raises(ValueError, match="duplicate"):
        classify([], [social("1"), social("1")], [], Settings(Y))


@pytest.mark.parametrize(
    "options",
    [{"two_year": "both"}, {"quantile": 101}, {"min_participants": 0}, {"risk_low_share_from": 0.4}],
)
def test_settings_are_validated(options: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Settings(Y, **options)


def test_settings_round_trip() -> None:
    original = Settings(Y, quantile=20, two_year="same", procedures=["OGE-MA", "OGE-RU"])
    assert original.procedures == ("OGE-MA", "OGE-RU")
    assert Settings.from_dict(json.loads(json.dumps(original.to_dict()))) == original


def test_to_json_has_the_spec_shape() -> None:
    classification = classify(
        [result("1", "OGE-MA", 10, 4), result("1", "OGE-RU", 10, 4)], [social("2")], [], Settings(Y)
    )
    data = to_json(classification)
    assert set(data) == {"year", "settings", "schools"}
    assert data["year"] == Y
    assert data["settings"]["quantile"] == 25 and data["settings"]["two_year"] == "any"
    first, second = data["schools"]
    assert set(first) == {"code", "name", "groups", "isbsh", "results_index", "residual", "reasons"}
    assert first["groups"] == [SHNOR] and first["isbsh"] is None and first["residual"] is None
    assert second["isbsh"] == 85.0 and second["results_index"] is None
    json.dumps(data, allow_nan=False)


def test_inputs_fingerprint_ignores_row_order_and_sees_every_value() -> None:
    rows = [result("1", "OGE-MA", 10, 4), result("2", "OGE-RU", 10, 1)]
    socials = [social("1"), social("2", single=3)]
    fingerprint = inputs_fingerprint(rows, socials, [])
    assert fingerprint == inputs_fingerprint(rows[::-1], socials[::-1], [])
    assert len(fingerprint) == 64
    changed = [result("1", "OGE-MA", 10, 5), rows[1]]
    assert inputs_fingerprint(changed, socials, []) != fingerprint
    assert inputs_fingerprint(rows, socials, high_factors("1", 1)) != fingerprint


def test_compare_runs_lists_joined_and_left_schools() -> None:
    before = classify([result("1", "OGE-MA", 10, 3), result("2", "OGE-MA", 10, 0)], [], [], Settings(Y))
    after = classify([result("1", "OGE-MA", 10, 0), result("2", "OGE-MA", 10, 2)], [], [], Settings(Y))
    expected = {group: {"joined": [], "left": []} for group in GROUPS}
    expected[RISK] = {"joined": ["2"], "left": ["1"]}
    assert compare_runs(before, after) == expected
    assert compare_runs(to_json(before), to_json(after)) == expected


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["VPR-MA-5", "OGE-MA", "EGE-RU"]),
            st.sampled_from([Y - 1, Y]),
            st.integers(0, 30),
            st.integers(0, 30),
        ),
        max_size=12,
    ),
    st.sampled_from(["any", "same"]),
)
def test_group_invariants(rows: list[tuple[str, int, int, int]], two_year: str) -> None:
    results = {
        (f"s{n % 4}", code, year): result(f"s{n % 4}", code, max(p, low), low, year=year)
        for n, (code, year, p, low) in enumerate(rows)
    }
    socials = [social(f"s{n}", single=10 * n) for n in range(4)]
    for school in classify(list(results.values()), socials, [], Settings(Y, two_year=two_year)).schools:
        groups = set(school.groups)
        assert not {SHNOR, RISK} <= groups
        assert RESILIENT not in groups or (SHNSU in groups and SHNOR not in groups)
        assert (school.confidence is not None) == (SHNOR in groups)
        assert all(school.reasons_by_group[g] for g in groups)


# --- The sample data set --------------------------------------------------------------------------------


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared sample data set not available")
@pytest.mark.parametrize("two_year", ["any", "same"])
def test_sample_data_set(two_year: str) -> None:
    expected = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))
    classification = classify(
        load_results(SAMPLES / "results.csv"),
        load_social(SAMPLES / "social.csv"),
        [],
        Settings(expected["year"], quantile=expected["quantile"], two_year=two_year),
    )
    wanted = expected["expected"][two_year]
    assert [s.code for s in classification.schools] == sorted(wanted)
    for school in classification.schools:
        want = wanted[school.code]
        assert set(school.groups) == set(want["groups"]), school.code
        for key in ("isbsh", "results_index", "residual"):
            assert getattr(school, key) == pytest.approx(want[key], rel=1e-9), (school.code, key)
