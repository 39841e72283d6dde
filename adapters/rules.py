"""Reads the rules an adviser corrects besides the catalogue: which documents each case needs
(data/checklists.yaml) and who is reminded of what, how far ahead (data/reminders.yaml); how long data is kept
(data/retention.yaml)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from adapters.catalogue import load_catalogue, read_yaml
from adapters.settings import get_settings
from domain.checklist import ChecklistRules, build_checklist_rules
from domain.reminders import ReminderRule, build_reminder_rules
from domain.retention import RetentionRules, build_retention_rules


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


@lru_cache(maxsize=4)
def load_retention_rules(data_dir: Path | None = None) -> RetentionRules:
    """data/retention.yaml: how long each kind of data is kept, with its source."""
    path = (data_dir or get_settings().data_dir) / "retention.yaml"
    return build_retention_rules("data/retention.yaml", read_yaml(path, "data/retention.yaml"))
