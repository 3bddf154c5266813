"""Changes to school data and classification runs; every function flushes and leaves the commit to the caller.

An uploaded file is checked completely before anything is stored (the loaders collect every row error),
kept on disk while the coordinator looks at the preview, and applied in one transaction: the rows of the
same kind and years within the uploader's scope are deleted and the file's rows inserted in batches.
"""

from __future__ import annotations

import logging
import shutil
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from flask import current_app
from sqlalchemy import delete, func, select

from tracker.analysis.classify import (
    Classification,
    Settings,
    classify,
    compare_runs,
    inputs_fingerprint,
)
from tracker.analysis.loaders import (
    ResultRow,
    RiskRow,
    SocialRow,
    load_results,
    load_risk,
    load_social,
    paused_gc,
)
from tracker.analysis.models import (
    GROUP_COLUMNS,
    AssessmentResult,
    ClassificationRun,
    DataImport,
    DataKind,
    ImportStatus,
    RiskFactor,
    RunSchool,
    SocialPassport,
)
from tracker.analysis.procedures import COUNTED_CODES, procedure_title
from tracker.analysis.scope import AREA_KINDS, SCHOOL_KINDS
from tracker.auth.models import User
from tracker.db import normalize_text, utcnow
from tracker.extensions import db
from tracker.orgs.models import Organization, OrgKind
from tracker.orgs.operations import create_organization

logger = logging.getLogger(__name__)

# Rows per INSERT batch: large enough for executemany to pay off, small enough to bound memory.
BATCH = 5000
# Codes per IN (…) query; SQLite limits bound parameters.
CHUNK = 500
UPLOAD_SUFFIXES = (".csv", ".xlsx")

CREATE = "create"
SKIP = "skip"
MATCH_PREFIX = "org:"

DataRow = ResultRow | SocialRow | RiskRow


class OperationError(Exception):
    """A change the rules refuse; ``code`` tells the view which message to show."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class _KindSpec:
    """How the rows of one kind are stored: model, loader, key and value columns (row attribute names)."""

    model: type
    loader: Callable[..., list[Any]]
    key: tuple[str, ...]
    values: tuple[str, ...]


KINDS: dict[DataKind, _KindSpec] = {
    DataKind.results: _KindSpec(
        AssessmentResult,
        load_results,
        ("year", "procedure"),
        ("procedure_name", "participants", "low", "grade3", "grade4", "grade5", "mean"),
    ),
    DataKind.social: _KindSpec(
        SocialPassport,
        load_social,
        ("year",),
        (
            "total",
            "both_parents_higher",
            "single_parent",
            "registered",
            "low_income",
            "disabilities",
            "non_native",
        ),
    ),
    DataKind.risk: _KindSpec(RiskFactor, load_risk, ("year", "factor"), ("level",)),
}


# --- data files -----------------------------------------------------------------------------------


def upload_dir() -> Path:
    """Return the folder where uploaded data files wait for confirmation and stay afterwards."""
    path = Path(current_app.config["UPLOAD_DIR"]) / "analysis"
    path.mkdir(parents=True, exist_ok=True)
    return path


def stored_path(item: DataImport) -> Path:
    """Return the path of an import's stored file."""
    return upload_dir() / item.stored_name


def read_rows(item: DataImport) -> list[DataRow]:
    """Read an import's stored file again; raises DataFileError if it is bad."""
    return KINDS[item.kind].loader(stored_path(item), filename=item.filename)


def store_upload(
    user: User, scope: Organization, kind: DataKind, stream: BinaryIO, filename: str
) -> DataImport:
    """Check an uploaded file and keep it as a pending import; a bad file raises and leaves nothing."""
    suffix = Path(filename).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise OperationError("suffix")
    path = upload_dir() / f"{uuid.uuid4().hex}{suffix}"
    with path.open("wb") as out:
        shutil.copyfileobj(stream, out)
    try:
        if path.stat().st_size > current_app.config["MAX_IMPORT_MB"] * 1024 * 1024:
            raise OperationError("too_large")
        rows = KINDS[kind].loader(path, filename=filename)
        if not rows:
            raise OperationError("empty")
    except Exception:
        path.unlink(missing_ok=True)
        raise
    item = DataImport(
        scope_organization_id=scope.id,
        kind=kind,
        filename=filename[:255],
        stored_name=path.name,
        rows=len(rows),
        years=sorted({row.year for row in rows}),
        created_by_id=user.id,
    )
    db.session.add(item)
    db.session.flush()
    logger.info("Stored %s import %s: %s rows from %s", kind.value, item.id, len(rows), filename)
    return item


def import_file(user: User | None, scope: Organization, kind: DataKind, path: Path) -> DataImport:
    """Load a data file at once, without a preview (demo data, scripts); unknown codes are skipped."""
    rows = KINDS[kind].loader(path)
    item = DataImport(
        scope_organization_id=scope.id,
        kind=kind,
        filename=path.name,
        stored_name="",
        rows=len(rows),
        years=sorted({row.year for row in rows}),
        created_by_id=user.id if user else None,
    )
    db.session.add(item)
    db.session.flush()
    apply_import(user, item, rows, {})
    return item


def discard_import(item: DataImport) -> None:
    """Throw a pending import away with its file."""
    if item.status != ImportStatus.pending:
        raise OperationError("not_pending")
    item.status = ImportStatus.discarded
    stored_path(item).unlink(missing_ok=True)
    db.session.flush()


@dataclass
class UnknownCode:
    """A code of the file that names no school in the system."""

    code: str
    name: str  # school name from the file, if the file has one
    municipality: str
    rows: int
    suggestion: int | None = None  # id of a school without a code whose name matches


@dataclass
class ImportPreview:
    """What applying an import would do."""

    rows: int
    years: list[int]
    schools: int  # known schools in the file
    procedures: list[tuple[str, str, bool, int]]  # (code, name as written, counted, rows) for results
    unknown: list[UnknownCode]
    foreign: list[str]  # codes of organisations outside the scope or not schools: rows are skipped
    foreign_rows: int
    added: int
    changed: int
    removed: int
    unchanged: int
    unknown_rows: int
    candidates: list[Organization] = field(default_factory=list)  # schools without a code, for matching
    known: dict[str, int] = field(default_factory=dict)  # codes of the scope's schools → their ids


def resolve_codes(codes: Iterable[str], scope: Organization) -> tuple[dict[str, int], set[str]]:
    """Return the codes naming schools within the scope (code → id) and the codes of other organisations."""
    known: dict[str, int] = {}
    foreign: set[str] = set()
    ordered = sorted(set(codes))
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        for org_id, code, path, kind in db.session.execute(
            select(Organization.id, Organization.code, Organization.path, Organization.kind).where(
                Organization.code.in_(chunk)
            )
        ):
            if path.startswith(scope.path) and kind in SCHOOL_KINDS:
                known[code] = org_id
            else:
                foreign.add(code)
    return known, foreign


def _scope_school_ids(scope: Organization):
    """Return a subquery of the ids of the schools within a scope."""
    return select(Organization.id).where(
        Organization.path.startswith(scope.path), Organization.kind.in_(SCHOOL_KINDS)
    )


def _existing(kind: DataKind, scope: Organization, years: Sequence[int]) -> dict[tuple, tuple]:
    """Return the stored rows of a kind for the scope and years: key → values."""
    spec = KINDS[kind]
    model = spec.model
    columns = [
        model.organization_id,
        *(getattr(model, n) for n in spec.key),
        *(getattr(model, n) for n in spec.values),
    ]
    width = 1 + len(spec.key)
    rows = db.session.execute(
        select(*columns).where(model.organization_id.in_(_scope_school_ids(scope)), model.year.in_(years))
    )
    return {tuple(row[:width]): tuple(row[width:]) for row in rows}


def _diff(kind: DataKind, rows: Sequence[DataRow], code_map: dict[str, int], existing: dict[tuple, tuple]):
    """Count the rows that would be added, changed, left unchanged, and the stored ones removed."""
    spec = KINDS[kind]
    added = changed = unchanged = 0
    seen: set[tuple] = set()
    for row in rows:
        org_id = code_map.get(row.code)
        if org_id is None:
            continue
        key = (org_id, *(getattr(row, n) for n in spec.key))
        seen.add(key)
        old = existing.get(key)
        if old is None:
            added += 1
        elif old != tuple(getattr(row, n) for n in spec.values):
            changed += 1
        else:
            unchanged += 1
    removed = sum(1 for key in existing if key not in seen)
    return added, changed, unchanged, removed


def preview_import(item: DataImport, rows: Sequence[DataRow]) -> ImportPreview:
    """Describe what applying the import would change, without changing anything."""
    scope = item.scope
    per_code = Counter(row.code for row in rows)
    known, foreign = resolve_codes(per_code, scope)
    names: dict[str, tuple[str, str]] = {}
    procedures: Counter[tuple[str, str]] = Counter()
    for row in rows:
        if isinstance(row, ResultRow):
            names.setdefault(row.code, (row.name, row.municipality))
            procedures[(row.procedure, row.procedure_name)] += 1
    candidates = list(
        db.session.execute(
            select(Organization)
            .where(Organization.id.in_(_scope_school_ids(scope)), Organization.code.is_(None))
            .order_by(Organization.name)
        ).scalars()
    )
    by_name: dict[str, int] = {}
    for school in candidates:
        by_name.setdefault(normalize_text(school.name), school.id)
        by_name.setdefault(normalize_text(school.short_name), school.id)
    unknown = []
    for code in sorted(c for c in per_code if c not in known and c not in foreign):
        name, municipality = names.get(code, ("", ""))
        unknown.append(
            UnknownCode(code, name, municipality, per_code[code], by_name.get(normalize_text(name)))
        )
    added, changed, unchanged, removed = _diff(
        item.kind, rows, known, _existing(item.kind, scope, item.years)
    )
    return ImportPreview(
        rows=len(rows),
        years=sorted({row.year for row in rows}),
        schools=len(known),
        procedures=[
            (code, name, code in COUNTED_CODES, count) for (code, name), count in sorted(procedures.items())
        ],
        unknown=unknown,
        foreign=sorted(foreign),
        foreign_rows=sum(per_code[c] for c in foreign),
        added=added,
        changed=changed,
        removed=removed,
        unchanged=unchanged,
        unknown_rows=sum(u.rows for u in unknown),
        candidates=candidates,
        known=known,
    )


def _parent_for_new_school(scope: Organization, municipality_name: str) -> Organization:
    """Return where a new school goes: the scope's municipality, or the region's one named in the file."""
    if scope.kind != OrgKind.region or not municipality_name:
        return scope
    wanted = normalize_text(municipality_name)
    for area in db.session.execute(
        select(Organization).where(
            Organization.path.startswith(scope.path), Organization.kind == OrgKind.municipality
        )
    ).scalars():
        if wanted in (normalize_text(area.name), normalize_text(area.short_name)):
            return area
    return scope


def apply_import(
    user: User | None,
    item: DataImport,
    rows: Sequence[DataRow],
    decisions: dict[str, str],
    preview: ImportPreview | None = None,
) -> dict[str, int]:
    """Apply an import: settle unknown codes, replace the scope's rows of the file's years, insert the file's.

    ``decisions`` maps each unknown code to CREATE, SKIP or ``org:<id>`` (a school of the scope without a
    code, which then takes the code). Return the summary stored with the import.
    """
    if item.status != ImportStatus.pending:
        raise OperationError("not_pending")
    scope = item.scope
    # The view has just built the preview for the confirmation form; it is not computed twice.
    preview = preview or preview_import(item, rows)
    code_map = dict(preview.known)
    candidates = {school.id: school for school in preview.candidates}
    created = matched = settled_rows = 0
    taken: set[int] = set()
    for unknown in preview.unknown:
        decision = decisions.get(unknown.code, SKIP)
        if decision == CREATE:
            name = unknown.name or f"ОО {unknown.code}"
            parent = _parent_for_new_school(scope, unknown.municipality)
            school = create_organization(
                name[:400], name[:200], OrgKind.school, parent, parent.timezone, unknown.code
            )
            code_map[unknown.code] = school.id
            created += 1
            settled_rows += unknown.rows
        elif decision.startswith(MATCH_PREFIX):
            school = candidates.get(int(decision.removeprefix(MATCH_PREFIX)))
            if school is None or school.id in taken:
                raise OperationError("bad_match")
            taken.add(school.id)
            school.code = unknown.code
            code_map[unknown.code] = school.id
            matched += 1
            settled_rows += unknown.rows
        elif decision != SKIP:
            raise OperationError("bad_decision")
    db.session.flush()

    spec = KINDS[item.kind]
    model = spec.model
    db.session.execute(
        delete(model).where(model.organization_id.in_(_scope_school_ids(scope)), model.year.in_(item.years))
    )
    names = (*spec.key, *spec.values)
    batch: list[dict[str, Any]] = []
    inserted = skipped = 0
    for row in rows:
        org_id = code_map.get(row.code)
        if org_id is None:
            skipped += 1
            continue
        values = {n: getattr(row, n) for n in names}
        values["organization_id"] = org_id
        values["import_id"] = item.id
        batch.append(values)
        if len(batch) >= BATCH:
            db.session.execute(model.__table__.insert(), batch)
            inserted += len(batch)
            batch = []
    if batch:
        db.session.execute(model.__table__.insert(), batch)
        inserted += len(batch)
    summary = {
        "inserted": inserted,
        # Schools just created or matched had no code, hence no stored rows: all their rows are new.
        "added": preview.added + settled_rows,
        "changed": preview.changed,
        "unchanged": preview.unchanged,
        "removed": preview.removed,
        "skipped_rows": skipped,
        "created_schools": created,
        "matched_schools": matched,
    }
    item.status = ImportStatus.applied
    item.applied_dt = utcnow()
    item.summary = summary
    db.session.flush()
    logger.info(
        "Applied %s import %s by user %s: %s", item.kind.value, item.id, user.id if user else None, summary
    )
    return summary


def data_overview(scope: Organization) -> dict[int, dict[str, tuple[int, int]]]:
    """Return per year and kind the number of rows and of schools stored within the scope."""
    result: dict[int, dict[str, tuple[int, int]]] = {}
    for kind, spec in KINDS.items():
        model = spec.model
        for year, rows, schools in db.session.execute(
            select(model.year, func.count(model.id), func.count(model.organization_id.distinct()))
            .where(model.organization_id.in_(_scope_school_ids(scope)))
            .group_by(model.year)
        ):
            result.setdefault(year, {})[kind.value] = (rows, schools)
    return dict(sorted(result.items(), reverse=True))


# --- classification runs --------------------------------------------------------------------------


@dataclass
class SchoolInfo:
    """A school of the scope as a run sees it."""

    id: int
    code: str
    name: str
    municipality_id: int | None


@dataclass
class RunInputs:
    """The rows a run reads from the database, as the classifier's plain rows, and the schools behind them."""

    results: list[ResultRow]
    social: list[SocialRow]
    risk: list[RiskRow]
    schools: dict[str, SchoolInfo]  # by code

    def fingerprint(self) -> str:
        """Return the inputs' fingerprint."""
        return inputs_fingerprint(self.results, self.social, self.risk)


def school_code(org_id: int, code: str | None) -> str:
    """Return the code a school carries in runs: its «Код ОО», or its id for a school without one."""
    return code or f"#{org_id}"


def load_inputs(scope: Organization, year: int) -> RunInputs:
    """Load the scope's rows a run for ``year`` reads: results of Y−1 and Y, the rest of years ≤ Y."""
    areas = set(
        db.session.execute(
            select(Organization.id).where(
                Organization.path.startswith(scope.path), Organization.kind.in_(AREA_KINDS)
            )
        ).scalars()
    )
    by_id: dict[int, SchoolInfo] = {}
    for org_id, code, short_name, path in db.session.execute(
        select(Organization.id, Organization.code, Organization.short_name, Organization.path).where(
            Organization.path.startswith(scope.path), Organization.kind.in_(SCHOOL_KINDS)
        )
    ):
        ancestors = [int(part) for part in path.strip("/").split("/")]
        municipality = next((i for i in reversed(ancestors) if i in areas), None)
        by_id[org_id] = SchoolInfo(org_id, school_code(org_id, code), short_name, municipality)
    in_scope = _scope_school_ids(scope)
    codes = {org_id: info.code for org_id, info in by_id.items()}
    # Core execution: a region's hundreds of thousands of rows skip the ORM's per-row work.
    connection = db.session.connection()
    with paused_gc():
        # Names are left empty: a renamed school must not change the fingerprint of unchanged data.
        results = [
            ResultRow(codes[org_id], "", "", y, procedure, name, participants, low, g3, g4, g5, mean)
            for org_id, y, procedure, name, participants, low, g3, g4, g5, mean in connection.execute(
                select(
                    AssessmentResult.organization_id,
                    AssessmentResult.year,
                    AssessmentResult.procedure,
                    AssessmentResult.procedure_name,
                    AssessmentResult.participants,
                    AssessmentResult.low,
                    AssessmentResult.grade3,
                    AssessmentResult.grade4,
                    AssessmentResult.grade5,
                    AssessmentResult.mean,
                ).where(
                    AssessmentResult.organization_id.in_(in_scope),
                    AssessmentResult.year.in_((year - 1, year)),
                )
            )
        ]
        social = [
            SocialRow(codes[org_id], y, total, both, single, registered, low_income, disabilities, non_native)
            for org_id, y, total, both, single, registered, low_income, disabilities, non_native in (
                connection.execute(
                    select(
                        SocialPassport.organization_id,
                        SocialPassport.year,
                        SocialPassport.total,
                        SocialPassport.both_parents_higher,
                        SocialPassport.single_parent,
                        SocialPassport.registered,
                        SocialPassport.low_income,
                        SocialPassport.disabilities,
                        SocialPassport.non_native,
                    ).where(SocialPassport.organization_id.in_(in_scope), SocialPassport.year <= year)
                )
            )
        ]
        risk = [
            RiskRow(codes[org_id], y, factor, level)
            for org_id, y, factor, level in connection.execute(
                select(RiskFactor.organization_id, RiskFactor.year, RiskFactor.factor, RiskFactor.level)
                .where(RiskFactor.organization_id.in_(in_scope), RiskFactor.year <= year)
                # The reasons list high factors in input order; a fixed order keeps a reproduction identical.
                .order_by(RiskFactor.organization_id, RiskFactor.year, RiskFactor.factor)
            )
        ]
    schools = {info.code: info for info in by_id.values()}
    return RunInputs(results, social, risk, schools)


def data_years(scope: Organization) -> list[int]:
    """Return the years with results or social passports within the scope, newest first."""
    years: set[int] = set()
    for model in (AssessmentResult, SocialPassport):
        years.update(
            db.session.execute(
                select(model.year).where(model.organization_id.in_(_scope_school_ids(scope))).distinct()
            ).scalars()
        )
    return sorted(years, reverse=True)


def other_procedures(scope: Organization) -> list[tuple[str, str]]:
    """Return the procedures outside the catalogue found in the scope's results: (code, title)."""
    codes = db.session.execute(
        select(AssessmentResult.procedure)
        .where(
            AssessmentResult.organization_id.in_(_scope_school_ids(scope)),
            AssessmentResult.procedure.notin_(COUNTED_CODES),
        )
        .distinct()
    ).scalars()
    return sorted((code, procedure_title(code)) for code in codes)


def create_run(
    user: User | None, scope: Organization, settings: Settings, title: str = ""
) -> ClassificationRun:
    """Classify the scope's schools from the stored data and store the run with every school's outcome."""
    inputs = load_inputs(scope, settings.year)
    classification = classify(inputs.results, inputs.social, inputs.risk, settings)
    run = ClassificationRun(
        scope_organization_id=scope.id,
        year=settings.year,
        title=title.strip()[:300],
        settings=settings.to_dict(),
        fingerprint=inputs.fingerprint(),
        schools_count=len(classification.schools),
        group_counts={group: len(codes) for group, codes in classification.members().items()},
        notes=list(classification.notes),
        regression=asdict(classification.regression) if classification.regression else None,
        isbsh_threshold=classification.isbsh_threshold,
        created_by_id=user.id if user else None,
    )
    db.session.add(run)
    db.session.flush()
    with paused_gc():
        _store_schools(run, classification, inputs)
    db.session.flush()
    logger.info("Stored run %s for %s (%s): %s schools", run.id, scope.id, settings.year, run.schools_count)
    return run


def _store_schools(run: ClassificationRun, classification: Classification, inputs: RunInputs) -> None:
    """Insert every school's outcome of a run in batches."""
    batch: list[dict[str, Any]] = []
    for school in classification.schools:
        info = inputs.schools[school.code]
        values = {
            "run_id": run.id,
            "organization_id": info.id,
            "municipality_id": info.municipality_id,
            "code": school.code[:40],
            "name": info.name[:400],
            "search_text": normalize_text(f"{school.code} {info.name}"),
            "isbsh": school.isbsh,
            "isbsh_year": school.isbsh_year,
            "results_index": school.results_index,
            "residual": school.residual,
            "confidence": school.confidence,
            "reasons": school.reasons_by_group,
        }
        values.update({column: group in school.groups for group, column in GROUP_COLUMNS.items()})
        batch.append(values)
        if len(batch) >= BATCH:
            db.session.execute(RunSchool.__table__.insert(), batch)
            batch = []
    if batch:
        db.session.execute(RunSchool.__table__.insert(), batch)


def run_settings(run: ClassificationRun) -> Settings:
    """Return the settings a run was made with."""
    return Settings.from_dict(run.settings)


@dataclass
class Reproduction:
    """A run computed again from today's data with its stored settings."""

    fingerprint: str
    is_same_data: bool
    is_same_result: bool
    changed: list[tuple[RunSchool | None, str, list[str], list[str]]]  # (stored row, code, before, after)
    classification: Classification


def reproduce_run(run: ClassificationRun) -> Reproduction:
    """Classify again with the run's settings and tell whether the data and the groups are the same."""
    inputs = load_inputs(run.scope, run.year)
    classification = classify(inputs.results, inputs.social, inputs.risk, run_settings(run))
    stored = {
        row.code: row
        for row in db.session.execute(select(RunSchool).where(RunSchool.run_id == run.id)).scalars()
    }
    fresh = {school.code: school for school in classification.schools}
    changed = []
    for code in sorted(stored.keys() | fresh.keys()):
        before = stored[code].groups if code in stored else []
        after = list(fresh[code].groups) if code in fresh else []
        same_indices = (
            code in stored
            and code in fresh
            and all(
                getattr(stored[code], name) == getattr(fresh[code], name)
                for name in ("isbsh", "results_index", "residual")
            )
        )
        if before != after or not same_indices:
            changed.append((stored.get(code), code, before, after))
    fingerprint = inputs.fingerprint()
    return Reproduction(fingerprint, fingerprint == run.fingerprint, not changed, changed, classification)


def run_membership(run: ClassificationRun) -> dict[str, Any]:
    """Return a run as compare_runs reads it, keyed by organisation id so renamed codes still match."""
    groups = list(GROUP_COLUMNS)
    rows = db.session.execute(
        select(RunSchool.organization_id, *(getattr(RunSchool, GROUP_COLUMNS[g]) for g in groups)).where(
            RunSchool.run_id == run.id
        )
    )
    return {
        "schools": [
            {"code": str(org_id), "groups": [g for g, flag in zip(groups, flags, strict=True) if flag]}
            for org_id, *flags in rows
        ]
    }


def compare(previous: ClassificationRun, current: ClassificationRun) -> dict[str, dict[str, list[int]]]:
    """Return per group the ids of the schools that joined it and that left it from one run to the other."""
    changes = compare_runs(run_membership(previous), run_membership(current))
    return {
        group: {side: [int(code) for code in codes] for side, codes in sides.items()}
        for group, sides in changes.items()
    }
