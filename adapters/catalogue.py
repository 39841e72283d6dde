"""Reads the YAML files in data/ (with line numbers) and builds the catalogue, the checklist rules, the
reminder rules and the letter texts once per process.

The catalogue (professions with their search indexes, bodies, districts) takes about 0.15 s to build;
a command such as `welcome-center route` answers in less than that from a copy kept on disk
(`<state folder>/cache/catalogue-<fingerprint>.pickle`). The fingerprint is the SHA-256 of every
data file it was built from and of the rules' source (domain/*.py), so an adviser's correction to a
data file, or a new release, builds it afresh; a copy that cannot be read is built again.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from functools import lru_cache
from pathlib import Path

import yaml

import domain
from adapters.settings import get_settings
from domain.catalogue import LINE, Catalogue, build_catalogue
from domain.checklist import ChecklistRules, build_checklist_rules
from domain.errors import CatalogueError
from domain.letters.texts import LetterTexts, build_letter_texts
from domain.reminders import ReminderRule, build_reminder_rules


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """A SafeLoader that records, in every mapping, the line of the mapping and of each field."""

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE] = node.start_mark.line + 1
        for key_node, _ in node.value:
            mapping[f"{LINE}{key_node.value}"] = key_node.start_mark.line + 1
        return mapping


def read_yaml(path: Path, shown_as: str | None = None):
    name = shown_as or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogueError(name, None, None, "(file)", "does not exist") from None
    except UnicodeDecodeError as error:
        raise CatalogueError(name, None, None, "(file)", f"is not UTF-8 ({error.reason}); save it as UTF-8") from None
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise CatalogueError(name, line, None, "(syntax)", str(getattr(error, "problem", error))) from None


CACHE_FORMAT = 1


def _catalogue_files(data_dir: Path) -> tuple[Path, Path, list[Path]]:
    professions = sorted((data_dir / "professions").glob("*.yaml"))
    if not professions:
        raise CatalogueError("data/professions", None, None, "(folder)", "holds no *.yaml file")
    return data_dir / "districts.yaml", data_dir / "bodies.yaml", professions


def catalogue_fingerprint(data_dir: Path) -> str:
    """SHA-256 over the data files the catalogue is built from and the source of the rules that build
    and use it (a changed rule may index the catalogue differently)."""
    districts, bodies, professions = _catalogue_files(data_dir)
    digest = hashlib.sha256(f"{CACHE_FORMAT}|{sys.version_info[:2]}".encode())
    rules = sorted(Path(domain.__file__).parent.glob("*.py"))
    for path in (*rules, districts, bodies, *professions):
        digest.update(path.name.encode() + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"(unreadable)")
    return digest.hexdigest()[:32]


def load_catalogue_from(data_dir: Path, *, cache_dir: Path | None = None) -> Catalogue:
    """The catalogue built from `data_dir`; with `cache_dir`, read from the copy on disk when its
    fingerprint matches, else built and kept there (best effort: a read-only folder only costs time)."""
    cached = None
    if cache_dir is not None:
        cached = cache_dir / f"catalogue-{catalogue_fingerprint(data_dir)}.pickle"
        try:
            catalogue = pickle.loads(cached.read_bytes())  # noqa: S301 - our own file in the state folder
            if isinstance(catalogue, Catalogue):
                return catalogue
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            pass
    catalogue = _build_catalogue(data_dir)
    if cached is not None:
        _keep(catalogue, cached)
    return catalogue


def _build_catalogue(data_dir: Path) -> Catalogue:
    def shown(path: Path) -> str:
        return f"data/{path.relative_to(data_dir).as_posix()}"

    districts, bodies, professions = _catalogue_files(data_dir)
    return build_catalogue(
        districts=(shown(districts), read_yaml(districts, shown(districts))),
        bodies=(shown(bodies), read_yaml(bodies, shown(bodies))),
        professions=[(shown(p), read_yaml(p, shown(p))) for p in professions],
    )


def _keep(catalogue: Catalogue, path: Path) -> None:
    """Write the copy beside its name and rename it (two commands at once never read half a file);
    older copies go."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.part")
        partial.write_bytes(pickle.dumps(catalogue, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(partial, path)
        for old in path.parent.glob("catalogue-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass


@lru_cache(maxsize=4)
def load_catalogue(data_dir: Path | None = None) -> Catalogue:
    settings = get_settings()
    return load_catalogue_from(data_dir or settings.data_dir, cache_dir=settings.home / "cache")


@lru_cache(maxsize=4)
def load_checklist_rules(data_dir: Path | None = None) -> ChecklistRules:
    """data/checklists.yaml, checked against the catalogue's bodies and professions."""
    directory = data_dir or get_settings().data_dir
    catalogue = load_catalogue(data_dir)
    path = directory / "checklists.yaml"
    return build_checklist_rules(
        "data/checklists.yaml", read_yaml(path, "data/checklists.yaml"),
        bodies=catalogue.bodies.keys(), professions=catalogue.professions.keys(),
    )


@lru_cache(maxsize=4)
def load_reminder_rules(data_dir: Path | None = None) -> tuple[ReminderRule, ...]:
    """data/reminders.yaml: who is reminded of what, how far ahead."""
    path = (data_dir or get_settings().data_dir) / "reminders.yaml"
    return build_reminder_rules("data/reminders.yaml", read_yaml(path, "data/reminders.yaml"))


def load_letter_texts_from(data_dir: Path) -> LetterTexts:
    """data/letters/<language>.yaml: the letters' texts, German binding, one file per translation."""
    folder = data_dir / "letters"
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise CatalogueError("data/letters", None, None, "(folder)", "holds no *.yaml file; German and English are required")
    return build_letter_texts([(f"data/letters/{p.name}", read_yaml(p, f"data/letters/{p.name}")) for p in files])


@lru_cache(maxsize=4)
def load_letter_texts(data_dir: Path | None = None) -> LetterTexts:
    return load_letter_texts_from(data_dir or get_settings().data_dir)
