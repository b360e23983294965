"""The register: published LDN studies from the domain brief, as design descriptions.

Each study is a TOML file in `studies/` (see docs/evidence.md for the fields). Loading checks
every file, so a broken entry fails the tests rather than the web page that shows it.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from nof1.evidence.design import StudyDesign, load_study
from nof1.exceptions import Nof1Error

__all__ = ["find_study", "load_register", "register_ids"]

_STUDIES = "studies"


def _files() -> list[Path]:
    folder = resources.files(__package__).joinpath(_STUDIES)
    return sorted(Path(str(item)) for item in folder.iterdir() if item.name.endswith(".toml"))


def register_ids() -> list[str]:
    """The ids of the bundled studies, e.g. 'bolton2020'."""
    return [path.stem for path in _files()]


def load_register() -> tuple[StudyDesign, ...]:
    """Every bundled study, oldest first (then by id)."""
    studies = [load_study(path) for path in _files()]
    return tuple(sorted(studies, key=lambda s: (s.year or 0, s.id)))


def find_study(study_id: str) -> StudyDesign:
    """The bundled study with this id; Nof1Error naming the ids when there is none."""
    for study in load_register():
        if study.id == study_id:
            return study
    raise Nof1Error(f"no study {study_id!r} in the register; ids: {', '.join(register_ids())}")
