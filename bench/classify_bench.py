"""Time loading and classifying a synthetic region of 40,000 schools; print {"classify_40000_s": seconds}."""

from __future__ import annotations

import csv
import json
import logging
import random
import sys
import tempfile
import time
from pathlib import Path

from tracker.analysis.classify import Settings, classify
from tracker.analysis.loaders import load_results, load_risk, load_social
from tracker.analysis.procedures import CATALOGUE

logger = logging.getLogger(__name__)

SCHOOLS = 40_000
YEARS = (2024, 2025)
FACTORS = tuple(f"Фактор риска {n}" for n in range(1, 11))
LEVELS = ("низкий", "средний", "высокий")


def write_inputs(folder: Path, schools: int = SCHOOLS, seed: int = 1) -> tuple[Path, Path, Path]:
    """Write results, social passport and risk profile CSV files for a synthetic region."""
    rng = random.Random(seed)
    names = [p.names[rng.randrange(len(p.names))] for p in CATALOGUE.values()]
    results, social, risk = folder / "results.csv", folder / "social.csv", folder / "risk.csv"
    with (
        results.open("w", newline="", encoding="utf-8") as r_file,
        social.open("w", newline="", encoding="utf-8") as s_file,
        risk.open("w", newline="", encoding="utf-8") as k_file,
    ):
        r_out, s_out, k_out = csv.writer(r_file), csv.writer(s_file), csv.writer(k_file)
        r_out.writerow(
            [
                "Код ОО",
                "Наименование ОО",
                "Муниципалитет",
                "Год",
                "Процедура",
                "Участников",
                "Получили «2» / не преодолели порог",
            ]
        )
        s_out.writerow(
            [
                "Код ОО",
                "Год",
                "Всего обучающихся",
                "Оба родителя с высшим образованием",
                "Из неполных семей",
                "Состоят на учёте",
            ]
        )
        k_out.writerow(["Код ОО", "Год", "Фактор риска", "Уровень"])
        for n in range(schools):
            code, name, place = str(100000 + n), f"МБОУ «СОШ № {n}»", f"Район {n % 300}"
            weakness = rng.random() * 0.4
            for year in YEARS:
                for procedure in names:
                    participants = rng.randint(5, 120)
                    low = min(participants, int(participants * weakness * rng.random() * 1.5))
                    r_out.writerow([code, name, place, year, procedure, participants, low])
            total = rng.randint(40, 1200)
            s_out.writerow(
                [
                    code,
                    2025,
                    total,
                    rng.randint(0, total // 2),
                    rng.randint(0, total // 3),
                    rng.randint(0, total // 10),
                ]
            )
            k_out.writerows([code, 2025, factor, rng.choice(LEVELS)] for factor in FACTORS)
    return results, social, risk


def main() -> None:
    """Generate the region, then load and classify it, timing only the latter."""
    with tempfile.TemporaryDirectory() as folder:
        results_path, social_path, risk_path = write_inputs(Path(folder))
        started, cpu_started = time.perf_counter(), time.process_time()
        results = load_results(results_path)
        social = load_social(social_path)
        risk = load_risk(risk_path)
        loaded = time.perf_counter()
        classification = classify(results, social, risk, Settings(2025))
        finished, cpu_finished = time.perf_counter(), time.process_time()
    # CPU time next to wall time tells a slow run from a busy machine.
    print(
        f"rows: {len(results)} results, {len(social)} social, {len(risk)} risk; "
        f"load {loaded - started:.2f} s, classify {finished - loaded:.2f} s, "
        f"CPU {cpu_finished - cpu_started:.2f} s, schools {len(classification.schools)}",
        file=sys.stderr,
    )
    print(json.dumps({"classify_40000_s": round(finished - started, 3)}))


if __name__ == "__main__":
    main()
