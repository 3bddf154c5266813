"""Standard target indicators whose actual values are computed from assessment results.

Pure: a computation takes plain result rows (one school × year × procedure, as the analysis loaders read
them: ``year``, ``procedure``, ``participants``, ``low`` and the optional grade counts) and returns a
value per year. Shares are pooled over all rows of the year — the number failing over the number taking
part across every school — rather than averaged over schools, so a school of 5 graduates weighs as
much as it counts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, Protocol

EGE = ("EGE-RU", "EGE-MA-B", "EGE-MA-P")
OGE = ("OGE-RU", "OGE-MA")
VPR = ("VPR-MA-5", "VPR-MA-6", "VPR-RU-5", "VPR-RU-6")
DECIMALS = 1

Measure = Literal["low_share", "quality_share"]


class ResultRow(Protocol):
    """What a computation reads from a result row (tracker.analysis.loaders.ResultRow has it all)."""

    year: int
    procedure: str
    participants: int
    low: int
    grade4: int | None
    grade5: int | None


@dataclass(frozen=True)
class StandardIndicator:
    """An indicator of the registry: its wording and the procedures and measure it is computed from."""

    code: str
    name: str
    unit: str
    method: str
    direction: Literal["up", "down"]
    procedures: tuple[str, ...]
    measure: Measure = "low_share"

    def compute(self, rows: Iterable[ResultRow]) -> dict[int, float]:
        """Return the value per year from the rows of this indicator's procedures; no data, no year."""
        hits: dict[int, int] = defaultdict(int)
        totals: dict[int, int] = defaultdict(int)
        for row in rows:
            if row.procedure not in self.procedures or row.participants <= 0:
                continue
            if self.measure == "low_share":
                hit = row.low
            elif row.grade4 is None or row.grade5 is None:
                # A file without the grade columns says nothing about quality; skip rather than count zero.
                continue
            else:
                hit = row.grade4 + row.grade5
            hits[row.year] += hit
            totals[row.year] += row.participants
        return {year: _percent(hits[year], totals[year]) for year in sorted(totals)}


def _percent(part: int, whole: int) -> float:
    # Half up, as in office practice: 5 of 80 is 6,3 %, where float rounding would give 6,2 %.
    share = (Decimal(100) * part / whole).quantize(Decimal(1).scaleb(-DECIMALS), ROUND_HALF_UP)
    return float(share)


REGISTRY: dict[str, StandardIndicator] = {
    s.code: s
    for s in (
        StandardIndicator(
            "EGE_LOW",
            "Доля выпускников, не преодолевших минимальный порог ЕГЭ",
            "%",
            "Число результатов ЕГЭ по русскому языку и математике ниже минимального порога / "
            "число участников этих экзаменов × 100 (основной период, выпускники текущего года)",
            "down",
            EGE,
        ),
        StandardIndicator(
            "EGE_RU_LOW",
            "Доля участников ЕГЭ по русскому языку, не преодолевших минимальный порог",
            "%",
            "Число не преодолевших минимальный порог ЕГЭ по русскому языку / число участников × 100",
            "down",
            ("EGE-RU",),
        ),
        StandardIndicator(
            "EGE_MA_LOW",
            "Доля участников ЕГЭ по математике, не преодолевших минимальный порог",
            "%",
            "Число не преодолевших минимальный порог ЕГЭ по математике (базовой и профильной) / "
            "число участников × 100",
            "down",
            ("EGE-MA-B", "EGE-MA-P"),
        ),
        StandardIndicator(
            "OGE_LOW",
            "Доля участников ОГЭ по русскому языку и математике, получивших «2»",
            "%",
            "Число отметок «2» на ОГЭ по русскому языку и математике / число участников × 100",
            "down",
            OGE,
        ),
        StandardIndicator(
            "OGE_QUALITY",
            "Доля участников ОГЭ по русскому языку и математике, получивших «4» и «5»",
            "%",
            "Число отметок «4» и «5» на ОГЭ по русскому языку и математике / число участников × 100",
            "up",
            OGE,
            "quality_share",
        ),
        StandardIndicator(
            "VPR_LOW",
            "Доля участников ВПР по русскому языку и математике (5–6 классы), получивших «2»",
            "%",
            "Число отметок «2» на ВПР по русскому языку и математике в 5–6 классах / число участников × 100",
            "down",
            VPR,
        ),
    )
}
