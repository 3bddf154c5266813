"""Demo school data: results, social passports and risk profiles, a stored run and one aimed activity."""

import logging
from pathlib import Path

from sqlalchemy import exists, select

from tracker.analysis import operations as ops
from tracker.analysis import targeting
from tracker.analysis.classify import SHNOR, SHNSU, Settings
from tracker.analysis.models import ActivityTarget, AssessmentResult, ClassificationRun, DataKind
from tracker.auth.models import User
from tracker.extensions import db
from tracker.orgs.models import Organization
from tracker.roadmaps.models import Activity, Roadmap
from tracker.tasks.models import Task, TaskStatus

log = logging.getLogger(__name__)

DEMO_YEAR = 2025
# The demo roadmap's activity aimed at ШНОР and ШНСУ: «Проведение комплексного анализа … в ШНОР и/или ШНСУ».
DEMO_ACTIVITY_WORDS = ("комплексного анализа", "ШНОР")


def seed_analysis(scope: Organization, user: User, roadmap: Roadmap, seed_dir: Path) -> ClassificationRun:
    """Load seed/analysis_*.csv for the scope once, classify its schools and aim one activity at groups."""
    in_scope = select(Organization.id).where(Organization.path.startswith(scope.path))
    if not db.session.execute(
        select(exists().where(AssessmentResult.organization_id.in_(in_scope)))
    ).scalar():
        ops.import_file(user, scope, DataKind.results, seed_dir / "analysis_results.csv")
        ops.import_file(user, scope, DataKind.social, seed_dir / "analysis_social.csv")
        ops.import_file(user, scope, DataKind.risk, seed_dir / "analysis_risk.csv")
    run = db.session.execute(
        select(ClassificationRun)
        .where(ClassificationRun.scope_organization_id == scope.id)
        .order_by(ClassificationRun.id)
        .limit(1)
    ).scalar_one_or_none()
    if run is None:
        run = ops.create_run(user, scope, Settings(DEMO_YEAR), "демонстрационный расчёт")
    activity = next(
        (
            a
            for a in db.session.execute(
                select(Activity).where(Activity.roadmap_id == roadmap.id).order_by(Activity.id)
            ).scalars()
            if all(word in a.title for word in DEMO_ACTIVITY_WORDS)
        ),
        None,
    )
    if activity is not None and _untouched(activity):
        targeting.set_targets(
            user,
            roadmap,
            activity,
            [targeting.group_spec(run.id, SHNOR), targeting.group_spec(run.id, SHNSU)],
        )
    log.info("demo data: analysis run %s for %s", run.id, scope.short_name)
    return run


def _untouched(activity: Activity) -> bool:
    """Tell whether the activity has neither targets nor work, so aiming it changes nobody's work."""
    targeted = db.session.execute(select(exists().where(ActivityTarget.activity_id == activity.id))).scalar()
    worked = db.session.execute(
        select(exists().where(Task.activity_id == activity.id, Task.status != TaskStatus.planned))
    ).scalar()
    return not targeted and not worked
