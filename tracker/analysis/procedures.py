"""The catalogue of assessment procedures and the matching of procedure names found in data files.

Matching works on tokens rather than on a list of spellings: a name is split into words and numbers
(case, «ё» and punctuation ignored), and every token must be one the grammar knows — the kind of assessment
(ВПР, ОГЭ, ЕГЭ), the subject (математика, русский язык in their usual grammatical cases), the grade and, for
ЕГЭ mathematics, the level. Filler words («по», «класс», «уровень») are skipped. A name with any unknown
token (say «углублённая») is not matched, so nothing is counted on a guess.

A name that does not match the catalogue still gets a stable code, ``OTHER:<normalised name>``: such rows
(ВПР 4 класс, КДР, other subjects) are imported and shown but not counted unless the run's settings list
that code among the counted procedures.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

logger = logging.getLogger(__name__)

OTHER_PREFIX = "OTHER:"

# The fail wording follows the procedure: ЕГЭ in Russian and profile mathematics has no grade «2».
FAIL_GRADE_2 = "«2»"
FAIL_THRESHOLD = "не преодолели порог"


@dataclass(frozen=True, slots=True)
class Procedure:
    """One assessment procedure of the catalogue."""

    code: str
    title: str  # short display name used in reasons, e.g. «ВПР математика 5 кл.»
    names: tuple[str, ...]  # the names the spec requires to be recognised
    fail_label: str = FAIL_GRADE_2


CATALOGUE: dict[str, Procedure] = {
    p.code: p
    for p in (
        Procedure(
            "VPR-MA-5",
            "ВПР математика 5 кл.",
            ("ВПР математика 5 класс", "ВПР Математика 5", "ВПР по математике (5 класс)"),
        ),
        Procedure(
            "VPR-MA-6",
            "ВПР математика 6 кл.",
            ("ВПР математика 6 класс", "ВПР Математика 6", "ВПР по математике (6 класс)"),
        ),
        Procedure(
            "VPR-RU-5",
            "ВПР русский язык 5 кл.",
            ("ВПР русский язык 5 класс", "ВПР Русский язык 5", "ВПР по русскому языку (5 класс)"),
        ),
        Procedure(
            "VPR-RU-6",
            "ВПР русский язык 6 кл.",
            ("ВПР русский язык 6 класс", "ВПР Русский язык 6", "ВПР по русскому языку (6 класс)"),
        ),
        Procedure("OGE-MA", "ОГЭ математика", ("ОГЭ математика", "ОГЭ по математике")),
        Procedure("OGE-RU", "ОГЭ русский язык", ("ОГЭ русский язык", "ОГЭ по русскому языку")),
        Procedure(
            "EGE-MA-B",
            "ЕГЭ математика (базовая)",
            (
                "ЕГЭ математика (базовая)",
                "ЕГЭ математика базовый уровень",
                "ЕГЭ по математике (базовой)",
            ),
        ),
        Procedure(
            "EGE-MA-P",
            "ЕГЭ математика (профильная)",
            (
                "ЕГЭ математика (профильная)",
                "ЕГЭ математика профильный уровень",
                "ЕГЭ по математике (профильной)",
            ),
            FAIL_THRESHOLD,
        ),
        Procedure(
            "EGE-RU",
            "ЕГЭ русский язык",
            ("ЕГЭ русский язык", "ЕГЭ по русскому языку"),
            FAIL_THRESHOLD,
        ),
    )
}

# The procedures counted for ШНОР by default, in the catalogue's order.
COUNTED_CODES: tuple[str, ...] = tuple(CATALOGUE)

_KINDS = {"впр": "VPR", "огэ": "OGE", "егэ": "EGE"}
_SUBJECTS = {
    **dict.fromkeys(("математика", "математике", "математики", "математику", "матем"), "MA"),
    **dict.fromkeys(("русский", "русскому", "русского", "рус"), "RU"),
}
_LEVELS = {
    **dict.fromkeys(("базовая", "базовый", "базовой", "базового", "базовую", "база"), "B"),
    **dict.fromkeys(("профильная", "профильный", "профильной", "профильного", "профильную", "профиль"), "P"),
}
_FILLERS = frozenset(
    ("по", "класс", "класса", "классе", "классы", "кл", "й", "язык", "языку", "языка", "яз")
    + ("уровень", "уровня", "уровне", "ур")
)
# The grade a state exam is taken in may be written out («ОГЭ математика 9 класс») without changing it.
_EXAM_GRADES = {"OGE": 9, "EGE": 11}

_TOKEN_RE = re.compile(r"\d+|[^\W\d_]+")


def normalise_name(name: str) -> str:
    """Return the name lower-cased, with «ё» as «е», punctuation dropped and spaces collapsed."""
    return " ".join(_TOKEN_RE.findall(name.lower().replace("ё", "е")))


@lru_cache(maxsize=4096)
def match_procedure(name: str) -> str | None:
    """Return the catalogue code of a procedure name, or None when the name is not in the catalogue."""
    kind = subject = level = None
    grade: int | None = None
    for token in _TOKEN_RE.findall(name.lower().replace("ё", "е")):
        if token.isdigit():
            if grade is not None:
                return None
            grade = int(token)
        elif token in _KINDS:
            if kind is not None:
                return None
            kind = _KINDS[token]
        elif token in _SUBJECTS:
            if subject is not None and subject != _SUBJECTS[token]:
                return None
            subject = _SUBJECTS[token]
        elif token in _LEVELS:
            if level is not None and level != _LEVELS[token]:
                return None
            level = _LEVELS[token]
        elif token not in _FILLERS:
            return None
    if kind is None or subject is None:
        return None
    if kind == "VPR":
        code = None if level else f"VPR-{subject}-{grade}"
    elif grade is not None and grade != _EXAM_GRADES[kind]:
        code = None
    elif kind == "EGE" and subject == "MA":
        code = f"EGE-MA-{level}" if level else None
    else:
        code = None if level else f"{kind}-{subject}"
    return code if code in CATALOGUE else None


@lru_cache(maxsize=4096)
def procedure_code(name: str) -> str:
    """Return the catalogue code of a name, or a stable ``OTHER:<normalised name>`` code for the rest."""
    code = match_procedure(name)
    return code if code is not None else OTHER_PREFIX + normalise_name(name)


def procedure_title(code: str) -> str:
    """Return the display name of a procedure code, catalogued or derived."""
    procedure = CATALOGUE.get(code)
    if procedure is not None:
        return procedure.title
    return code.removeprefix(OTHER_PREFIX)


def fail_label(code: str) -> str:
    """Return how a fail on this procedure is called in reasons («2» or «не преодолели порог»)."""
    procedure = CATALOGUE.get(code)
    return procedure.fail_label if procedure is not None else FAIL_GRADE_2
