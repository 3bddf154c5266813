"""Classify schools for targeted support (spec/analysis.md): a pure builder over loaded rows.

Decisions where the spec leaves room:

* Only rows of the classification year Y and of Y−1 are read from the results, and only social passport
  and risk profile rows of years ≤ Y, so a list published for Y can be reproduced later from the same
  files even after newer data were added. The run covers every school met in those rows.
* ``min_participants`` makes a procedure "not applicable" everywhere: for low results, for the risk
  reasons and for the results index.
* The risk profile, like the social passport, is taken from the latest year ≤ Y.
* ШНОР reasons list the procedures low in Y and those low in Y−1 that support rule (2) (all of them for
  ``two_year='any'``, the same procedures for ``'same'``); the confidence label looks at exactly those.
* A procedure whose success share is the same at every school (population std 0) gives every school
  z = 0: it says nothing about who does better, and the school's results index stays defined.
* Shares in reasons are truncated, not rounded, to a tenth of a percent, so 29.96% reads «29,9%» and a
  share below a threshold never reads as one at the threshold.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from fractions import Fraction
from typing import Any

from tracker.analysis.loaders import RISK_HIGH, ResultRow, RiskRow, SocialRow, paused_gc
from tracker.analysis.procedures import COUNTED_CODES, fail_label, procedure_title

logger = logging.getLogger(__name__)

SHNOR = "SHNOR"
SHNSU = "SHNSU"
RISK = "RISK"
LOW_CONTEXT = "LOW_CONTEXT"
RESILIENT = "RESILIENT"
GROUPS = (SHNOR, SHNSU, RISK, LOW_CONTEXT, RESILIENT)  # the order groups and reasons are listed in
GROUP_LABELS = {
    SHNOR: "ШНОР",
    SHNSU: "ШНСУ",
    RISK: "зона риска",
    LOW_CONTEXT: "низкие результаты с учётом контекста",
    RESILIENT: "устойчивая школа",
}

RELIABLE = "надёжно"
FEW_DATA = "мало данных"


@dataclass(frozen=True)
class Settings:
    """Every rule's parameter for one run; stored with the run so its list can be reproduced."""

    year: int
    quantile: float = 25
    two_year: str = "any"  # 'any': any low in Y and any low in Y−1; 'same': the same procedure
    min_participants: int = 1
    procedures: tuple[str, ...] = COUNTED_CODES
    reliable_participants: int = 20
    high_risk_factors: int = 3
    low_share: float = 0.30
    risk_low_share_from: float = 0.20
    risk_rise_pp: float = 10
    context_threshold: float = 1.0
    min_regression_schools: int = 10

    def __post_init__(self) -> None:
        """Validate the values and freeze ``procedures`` as a tuple."""
        object.__setattr__(self, "procedures", tuple(self.procedures))
        if self.two_year not in ("any", "same"):
            raise ValueError(f"two_year must be 'any' or 'same', not {self.two_year!r}")
        if not 0 <= self.quantile <= 100:
            raise ValueError(f"quantile must be within 0…100, not {self.quantile!r}")
        if self.min_participants < 1:
            raise ValueError("min_participants must be at least 1")
        if not 0 <= self.risk_low_share_from <= self.low_share <= 1:
            raise ValueError("shares must satisfy 0 ≤ risk_low_share_from ≤ low_share ≤ 1")
        if self.min_regression_schools < 3:
            raise ValueError("min_regression_schools must be at least 3")

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as JSON-ready values."""
        data = asdict(self)
        data["procedures"] = list(self.procedures)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Settings:
        """Rebuild settings stored with ``to_dict``; unknown keys are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class SchoolResult:
    """One school's groups, indices and reasons."""

    code: str
    name: str
    municipality: str
    groups: list[str] = field(default_factory=list)
    isbsh: float | None = None
    isbsh_year: int | None = None  # the social passport year used (≤ Y)
    results_index: float | None = None
    residual: float | None = None  # standardised residual of the context regression
    confidence: str | None = None  # RELIABLE or FEW_DATA for ШНОР, None otherwise
    low_procedures: list[str] = field(default_factory=list)  # codes low in Y
    low_procedures_previous: list[str] = field(default_factory=list)  # codes low in Y−1
    high_risk_factors: list[str] = field(default_factory=list)
    counted_rows: list[ResultRow] = field(default_factory=list)  # applicable, Y−1 then Y, procedure order
    reasons_by_group: dict[str, list[str]] = field(default_factory=dict)

    @property
    def reasons(self) -> list[str]:
        """Return every reason, group by group in GROUPS order."""
        return [reason for group in self.groups for reason in self.reasons_by_group.get(group, ())]


@dataclass(frozen=True, slots=True)
class Regression:
    """The context regression R = intercept + slope · ИСБШ, for the scatter chart."""

    intercept: float
    slope: float
    schools: int
    residual_std: float


@dataclass
class Classification:
    """The outcome of one run: schools in code order, run-level notes, regression and ШНСУ threshold."""

    settings: Settings
    schools: list[SchoolResult]
    notes: list[str] = field(default_factory=list)
    regression: Regression | None = None
    isbsh_threshold: float | None = None

    @property
    def year(self) -> int:
        """Return the classification year."""
        return self.settings.year

    def members(self) -> dict[str, list[str]]:
        """Return the school codes in each group."""
        result: dict[str, list[str]] = {group: [] for group in GROUPS}
        for school in self.schools:
            for group in school.groups:
                result[group].append(school.code)
        return result


class _School:
    """Working state of one school during a run."""

    __slots__ = (
        "code",
        "name",
        "municipality",
        "name_year",
        "current",
        "previous",
        "social",
        "risk_year",
        "risk_high",
        "result",
    )

    def __init__(self, code: str) -> None:
        self.code = code
        self.name = ""
        self.municipality = ""
        self.name_year = 0
        self.current: dict[str, ResultRow] = {}
        self.previous: dict[str, ResultRow] = {}
        self.social: SocialRow | None = None
        self.risk_year = 0
        self.risk_high: list[str] = []
        self.result: SchoolResult  # set by _base_results before anything reads it


class _Rules:
    """The run's share thresholds as exact integer tests (3 of 10 is exactly 30%), and its fixed wording."""

    def __init__(self, settings: Settings) -> None:
        # Through str: Fraction(0.3) would be the binary double just above 0.3, and 3 of 10 not low.
        self.low = Fraction(str(settings.low_share)).as_integer_ratio()
        self.near_low = Fraction(str(settings.risk_low_share_from)).as_integer_ratio()
        self.rise = (Fraction(str(settings.risk_rise_pp)) / 100).as_integer_ratio()
        # Reasons name procedures tens of thousands of times in a large region: look the words up once.
        self.labels = {code: (procedure_title(code), fail_label(code)) for code in settings.procedures}
        self.band = (
            f"от {_number(settings.risk_low_share_from * 100)} до {_number(settings.low_share * 100)}%"
        )

    def low_reason(self, row: ResultRow) -> str:
        """Return «ВПР математика 5 кл.: 38% «2» (2025)» for a row of a counted procedure."""
        title, label = self.labels[row.procedure]
        return f"{title}: {_percent(row.low, row.participants)} {label} ({row.year})"


def classify(
    results: Iterable[ResultRow],
    social: Iterable[SocialRow],
    risk: Iterable[RiskRow],
    settings: Settings,
) -> Classification:
    """Classify every school met in the inputs for ``settings.year``."""
    rules = _Rules(settings)
    notes: list[str] = []
    with paused_gc(long_lived=True):
        schools = _collect(results, social, risk, settings)
        ordered = [schools[code] for code in sorted(schools)]
        _base_results(ordered, settings.procedures, rules)
        _results_index(ordered, settings, notes)
        threshold = _isbsh_threshold(ordered, settings, notes)
        regression = _context_regression(ordered, settings, notes)
        _assign_groups(ordered, settings, rules, threshold)
    classification = Classification(settings, [s.result for s in ordered], notes, regression, threshold)
    logger.info(
        "Classified %s schools for %s: %s",
        len(ordered),
        settings.year,
        {group: len(codes) for group, codes in classification.members().items()},
    )
    return classification


def _collect(
    results: Iterable[ResultRow], social: Iterable[SocialRow], risk: Iterable[RiskRow], settings: Settings
) -> dict[str, _School]:
    """Group the rows that matter for the run by school, in one pass over each input."""
    year, previous_year = settings.year, settings.year - 1
    counted = frozenset(settings.procedures)
    min_participants = settings.min_participants
    schools: dict[str, _School] = {}
    # A school's rows usually come one after another: the school of the row before is reused without a lookup.
    code: str | None = None
    school: _School  # set by the first row, whose code differs from None
    for row in results:
        row_year = row.year
        if row_year != year and row_year != previous_year:
            continue
        if row.code != code:
            code = row.code
            school = schools.get(code)
            if school is None:
                school = schools[code] = _School(code)
        if row_year >= school.name_year and row.name:
            school.name, school.municipality, school.name_year = row.name, row.municipality, row_year
        procedure = row.procedure
        if procedure in counted and row.participants >= min_participants:
            bucket = school.current if row_year == year else school.previous
            if procedure in bucket:
                raise ValueError(f"duplicate result row: {row.code}, {row_year}, {procedure}")
            bucket[procedure] = row
    for row in social:
        row_year = row.year
        if row_year > year:
            continue
        if row.code != code:
            code = row.code
            school = schools.get(code)
            if school is None:
                school = schools[code] = _School(code)
        if school.social is not None and school.social.year == row_year:
            raise ValueError(f"duplicate social passport row: {row.code}, {row_year}")
        if school.social is None or row_year > school.social.year:
            school.social = row
    for row in risk:
        row_year = row.year
        if row_year > year:
            continue
        if row.code != code:
            code = row.code
            school = schools.get(code)
            if school is None:
                school = schools[code] = _School(code)
        if row_year > school.risk_year:
            school.risk_year, school.risk_high = row_year, []
        if row_year == school.risk_year and row.level == RISK_HIGH:
            school.risk_high.append(row.factor)
    return schools


def _base_results(schools: Sequence[_School], procedures: Sequence[str], rules: _Rules) -> None:
    """Start each school's result: counted rows, low procedures and ИСБШ."""
    num, den = rules.low
    for school in schools:
        result = school.result = SchoolResult(school.code, school.name, school.municipality)
        counted_rows = result.counted_rows
        for bucket, low_list in (
            (school.previous, result.low_procedures_previous),
            (school.current, result.low_procedures),
        ):
            if not bucket:
                continue
            for code, row in zip(procedures, map(bucket.get, procedures), strict=True):
                if row is not None:
                    counted_rows.append(row)
                    if row.low * den >= num * row.participants:  # low / participants ≥ the low share
                        low_list.append(code)
        social = school.social
        if social is not None and social.total > 0:
            result.isbsh = isbsh(social)
            result.isbsh_year = social.year
        result.high_risk_factors = school.risk_high


def isbsh(row: SocialRow) -> float:
    """Return ИСБШ = 85 + 15·a − 20·b − 65·c for one social passport row with students."""
    # One integer numerator over the total: Python's int division rounds correctly, so equal inputs
    # give bit-equal indices and ties at the percentile stay ties.
    numerator = 85 * row.total + 15 * row.both_parents_higher - 20 * row.single_parent - 65 * row.registered
    return numerator / row.total


def percentile(values: Sequence[float], q: float) -> float:
    """Return the q-th percentile with linear interpolation (numpy's default, Excel's PERCENTILE.INC)."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * (q / 100)
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    a, b, t = ordered[lower], ordered[upper], position - lower
    # numpy interpolates from the nearer end; doing the same keeps thresholds bit-equal to its output.
    return b - (b - a) * (1 - t) if t >= 0.5 else a + (b - a) * t


def _results_index(schools: Sequence[_School], settings: Settings, notes: list[str]) -> None:
    """Set each school's participant-weighted mean z of success over the counted procedures of Y."""
    # A procedure at a time over all schools: a school without it adds an exact 0.0 and 0, which leaves its
    # sums as they were (they start at 0.0, so they are never −0.0), and the others add their terms in the
    # procedures' order as ever.
    index_sums = [0.0] * len(schools)
    index_weights = [0] * len(schools)
    currents = [school.current for school in schools]
    for code in dict.fromkeys(settings.procedures):
        rows = [current.get(code) for current in currents]
        shares = [(row.participants - row.low) / row.participants for row in rows if row is not None]
        if not shares:
            continue
        mean = sum(shares) / len(shares)
        std = math.sqrt(sum([(s - mean) ** 2 for s in shares]) / len(shares))
        if std == 0 and len(shares) > 1:
            notes.append(
                f"«{procedure_title(code)}»: у всех школ одинаковая доля успешных участников, "
                "процедура не влияет на индекс результатов"
            )
        if std > 0:
            terms = [
                0.0
                if row is None
                else row.participants * (((row.participants - row.low) / row.participants - mean) / std)
                for row in rows
            ]
        else:
            terms = [0.0 if row is None else row.participants * 0.0 for row in rows]
        index_sums = list(map(operator.add, index_sums, terms))
        weights = [0 if row is None else row.participants for row in rows]
        index_weights = list(map(operator.add, index_weights, weights))
    for school, index_sum, index_weight in zip(schools, index_sums, index_weights, strict=True):
        if index_weight:
            school.result.results_index = index_sum / index_weight


def _isbsh_threshold(schools: Sequence[_School], settings: Settings, notes: list[str]) -> float | None:
    """Return the ШНСУ threshold, the q-th percentile of ИСБШ over the run, noting missing data."""
    values = [s.result.isbsh for s in schools if s.result.isbsh is not None]
    missing = [s.code for s in schools if s.result.isbsh is None]
    if missing:
        notes.append(
            f"ИСБШ не вычислен (нет социального паспорта за {settings.year} г. или ранее) — {_codes(missing)}"
        )
    older = [s.code for s in schools if s.result.isbsh_year not in (None, settings.year)]
    if older:
        notes.append(f"ИСБШ по данным прошлых лет — {_codes(older)}")
    if not values:
        return None
    return percentile(values, settings.quantile)


def _context_regression(
    schools: Sequence[_School], settings: Settings, notes: list[str]
) -> Regression | None:
    """Fit R on ИСБШ by least squares and set each school's standardised residual."""
    points = [s for s in schools if s.result.isbsh is not None and s.result.results_index is not None]
    n = len(points)
    skipped = "группы «низкие результаты с учётом контекста» и «устойчивая школа» не определялись"
    if n < settings.min_regression_schools:
        notes.append(
            f"Регрессия результатов на ИСБШ не построена: школ с обоими показателями {n}, "
            f"нужно не менее {settings.min_regression_schools}; {skipped}"
        )
        return None
    xs = [s.result.isbsh for s in points]
    ys = [s.result.results_index for s in points]
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    if sxx == 0:
        notes.append(f"Регрессия результатов на ИСБШ не построена: ИСБШ у всех школ одинаков; {skipped}")
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx
    intercept = mean_y - slope * mean_x
    residuals = [y - (intercept + slope * x) for x, y in zip(xs, ys, strict=True)]
    mean_e = sum(residuals) / n
    std_e = math.sqrt(sum((e - mean_e) ** 2 for e in residuals) / (n - 1))
    regression = Regression(intercept, slope, n, std_e)
    if std_e == 0:
        notes.append(f"Результаты точно следуют ИСБШ, остатки равны нулю; {skipped}")
        return regression
    for school, e in zip(points, residuals, strict=True):
        school.result.residual = e / std_e
    return regression


def _assign_groups(
    schools: Sequence[_School], settings: Settings, rules: _Rules, threshold: float | None
) -> None:
    """Decide each school's groups and write their reasons."""
    same = settings.two_year == "same"
    reliable_participants = settings.reliable_participants
    context = settings.context_threshold
    percentile_text = ""  # the end of the ШНСУ reason, the same for every school
    if threshold is not None:
        percentile_text = (
            f" — не выше {_number(settings.quantile)}-го процентиля по школам ({_number(threshold)})"
        )
    for school in schools:
        result = school.result
        reasons: dict[str, list[str]] = {}

        low_now = result.low_procedures
        if same:
            supporting = [code for code in result.low_procedures_previous if code in low_now]
        else:
            supporting = result.low_procedures_previous if low_now else []
        if len(low_now) >= 2 or supporting:
            basis = [school.current[code] for code in low_now] + [
                school.previous[code] for code in supporting
            ]
            reasons[SHNOR] = [rules.low_reason(row) for row in basis]
            reliable = all(row.participants >= reliable_participants for row in basis)
            result.confidence = RELIABLE if reliable else FEW_DATA

        value = result.isbsh
        is_shnsu = threshold is not None and value is not None and value <= threshold
        if is_shnsu:
            data_year = "" if result.isbsh_year == settings.year else f" (данные {result.isbsh_year} г.)"
            reasons[SHNSU] = [f"ИСБШ {_number(value)}{data_year}{percentile_text}"]

        if SHNOR not in reasons:
            risk = _risk_reasons(school, settings, rules, is_shnsu)
            if risk:
                reasons[RISK] = risk

        r = result.residual
        if r is not None and r <= -context:
            reasons[LOW_CONTEXT] = [
                f"результаты ниже ожидаемых при таком ИСБШ: стандартизированный остаток {_signed(r)}"
            ]
        if r is not None and is_shnsu and r >= context and SHNOR not in reasons:
            reasons[RESILIENT] = [
                f"ШНСУ с результатами выше ожидаемых: стандартизированный остаток {_signed(r)} — "
                "кандидат в школы-наставники"
            ]

        # Reasons are added in GROUPS order, so their keys are the groups in that order.
        result.groups = list(reasons)
        result.reasons_by_group = reasons


def _risk_reasons(school: _School, settings: Settings, rules: _Rules, is_shnsu: bool) -> list[str]:
    """Return the reasons a school not in ШНОР is in the risk zone (none when it is not)."""
    result = school.result
    current, previous = school.current, school.previous
    procedures = settings.procedures
    low_now = result.low_procedures
    reasons: list[str] = []
    if len(low_now) == 1:
        reasons.append(f"{rules.low_reason(current[low_now[0]])} — низкий результат по одной процедуре")
    if current:
        num, den = rules.near_low
        for code, row in zip(procedures, map(current.get, procedures), strict=True):
            if row is not None and code not in low_now and row.low * den >= num * row.participants:
                reasons.append(f"{rules.low_reason(row)} — {rules.band}")
    if is_shnsu:
        reasons.append("школа в неблагоприятных социальных условиях (ШНСУ)")
    if current and previous:
        num, den = rules.rise
        for code, now, before in zip(
            procedures, map(current.get, procedures), map(previous.get, procedures), strict=True
        ):
            if now is None or before is None:
                continue
            # The rise of the low share by at least the risk rise, in integers like the low test.
            gap = now.low * before.participants - before.low * now.participants
            if gap * den >= num * now.participants * before.participants:
                title, label = rules.labels[code]
                rise_tenths = 1000 * gap // (now.participants * before.participants)
                reasons.append(
                    f"{title}: {label} — рост на {_tenths(rise_tenths)} п.п., "
                    f"с {_percent(before.low, before.participants)} ({before.year}) "
                    f"до {_percent(now.low, now.participants)} ({now.year})"
                )
    if len(result.high_risk_factors) >= settings.high_risk_factors:
        reasons.append(
            f"факторов риска на уровне «высокий» ({school.risk_year} г.): {len(result.high_risk_factors)} — "
            + "; ".join(result.high_risk_factors)
        )
    return reasons


def _percent(count: int, of: int) -> str:
    """Return count/of as a Russian percentage truncated to a tenth: «38%», «37,5%»."""
    return _tenths(1000 * count // of) + "%"


def _tenths(tenths: int) -> str:
    whole, tenth = divmod(tenths, 10)
    return str(whole) if tenth == 0 else f"{whole},{tenth}"


def _number(value: float) -> str:
    """Return a number with at most one decimal, Russian style: «74,1», «25»."""
    text = f"{value:.1f}".replace(".", ",").removesuffix(",0")
    return text.replace("-", "−")


def _signed(value: float) -> str:
    text = f"{value:+.2f}".replace(".", ",")
    return text.replace("-", "−")


def _codes(codes: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(codes[:limit])
    more = f" и ещё {len(codes) - limit}" if len(codes) > limit else ""
    return f"школ: {len(codes)} ({shown}{more})"


def to_json(classification: Classification) -> dict[str, Any]:
    """Return the CLI's JSON object: year, settings and per school the groups, indices and reasons."""
    return {
        "year": classification.year,
        "settings": classification.settings.to_dict(),
        "schools": [
            {
                "code": school.code,
                "name": school.name,
                "groups": list(school.groups),
                "isbsh": school.isbsh,
                "results_index": school.results_index,
                "residual": school.residual,
                "reasons": school.reasons,
            }
            for school in classification.schools
        ],
    }


def inputs_fingerprint(
    results: Iterable[ResultRow], social: Iterable[SocialRow], risk: Iterable[RiskRow]
) -> str:
    """Return a sha256 of the inputs that does not depend on row order, to tie a run to its data."""
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    lines: list[str] = []
    with paused_gc():
        for kind, rows in (("results", results), ("social", social), ("risk", risk)):
            values: Any = None
            for row in rows:
                if values is None:
                    # One C-level getter per kind: a region's hundreds of thousands of rows add up.
                    values = operator.attrgetter(*(f.name for f in fields(row)))
                lines.append(encode([kind, *values(row)]))
        lines.sort()
    digest = hashlib.sha256(b"tracker-analysis-inputs/1\n")
    for line in lines:
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()


def compare_runs(
    previous: Classification | Mapping[str, Any], current: Classification | Mapping[str, Any]
) -> dict[str, dict[str, list[str]]]:
    """Return, per group, the school codes that joined it and those that left it between two runs."""
    before, after = _membership(previous), _membership(current)
    return {
        group: {
            "joined": sorted(after[group] - before[group]),
            "left": sorted(before[group] - after[group]),
        }
        for group in GROUPS
    }


def _membership(run: Classification | Mapping[str, Any]) -> dict[str, set[str]]:
    """Return the codes in each group of a run given as a Classification or as its ``to_json`` dict."""
    members: dict[str, set[str]] = {group: set() for group in GROUPS}
    if isinstance(run, Classification):
        pairs = [(s.code, s.groups) for s in run.schools]
    else:
        pairs = [(s["code"], s["groups"]) for s in run["schools"]]
    for code, groups in pairs:
        for group in groups:
            members.setdefault(group, set()).add(code)
    return members
