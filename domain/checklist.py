"""Document checklists: which documents a case needs, and which of them it still lacks.

The statutory minimum is § 5 Abs. 1 BQFG (non-regulated professions) and § 12 Abs. 1 BQFG
(regulated ones); the NBQFG has the same list for professions regulated by Land law. Copies are
enough (§ 5 Abs. 2 S. 1, § 12 Abs. 2 S. 1), but the training certificates, the proof of work
experience and the certificate of the right to practise need a German translation by a publicly
appointed or sworn translator (§ 5 Abs. 2 S. 2, § 12 Abs. 2 S. 2). Some bodies still ask for officially
certified copies, and each body adds its own forms (domain.md §4).

All of that is data (`data/checklists.yaml`, where every rule names its source); this module turns
the parsed file into frozen values and rejects a broken entry with the file, line, entry and field
(`CatalogueError`). Reading the file is the caller's job (`adapters.catalogue.read_yaml`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

from domain.catalogue import GROUPS, LINE, PROCEDURES, Entry, Profession
from domain.errors import CatalogueError, InvalidInput, UnknownDistrict, _clip
from domain.text import fold_variants


class Stage(StrEnum):
    """When a document is due: with the application, or only before the licence is issued.

    Health professions prove good conduct and fitness only at the licensing stage, and the
    certificates may then be at most 3 months old (soziales.niedersachsen.de, domain.md §4).
    """

    APPLICATION = "application"
    LICENCE = "licence"


class ItemStatus(StrEnum):
    PRESENT = "present"
    MISSING = "missing"
    NOT_TRANSLATED = "not_translated"  # there, but the required sworn translation is not
    NOT_CERTIFIED = "not_certified"  # there, but not as the required officially certified copy


STATUS_DE = {
    ItemStatus.PRESENT: "vorhanden",
    ItemStatus.MISSING: "fehlt",
    ItemStatus.NOT_TRANSLATED: "Übersetzung fehlt",
    ItemStatus.NOT_CERTIFIED: "beglaubigte Kopie fehlt",
}

# When several documents cover one item the best counts. A translated copy that still lacks its
# certification is closer to done than an untranslated one: certifying takes a visit to the town
# hall, translating takes a sworn translator.
_RANK = {
    ItemStatus.MISSING: 0,
    ItemStatus.NOT_TRANSLATED: 1,
    ItemStatus.NOT_CERTIFIED: 2,
    ItemStatus.PRESENT: 3,
}

# File-name words this short ("cv", "id", "b2") must stand alone; longer ones may be part of a
# compound ("zeugnis" in "Abschlusszeugnis").
MIN_PART_LENGTH = 4

_LIST_SELECTORS = {"procedure": "procedure", "bodies": "body", "groups": "group", "professions": "profession"}
_FLAG_SELECTORS = ("regulated", "abroad", "name_changed")
_RULE_FIELDS = ("when", "unless", "required", "translation", "certified")
_ITEM_FIELDS = (
    "key", "title", "title_en", *_RULE_FIELDS, "stage", "source", "verified", "note", "filename_hints",
)
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseProfile:
    """The facts of a case that decide its documents: the routing result plus two facts about the person.

    `abroad`: the person lives outside the EU/EEA/CH and is not a national of those states, so must
    show an intent to work in Germany (§ 5 Abs. 6, § 12 Abs. 6 BQFG).
    """

    procedure: str
    regulated: bool
    body: str
    group: str
    abroad: bool = False
    name_changed: bool = False
    profession: str | None = None

    @classmethod
    def of(
        cls, profession: Profession, *, district: str, abroad: bool = False, name_changed: bool = False
    ) -> CaseProfile:
        body = profession.body_for(district)
        if body is None:
            raise UnknownDistrict(district, [served for served, _ in profession.bodies])
        return cls(
            procedure=profession.procedure,
            regulated=profession.regulated,
            body=body,
            group=profession.group,
            abroad=abroad,
            name_changed=name_changed,
            profession=profession.key,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Condition:
    """One condition of a rule in checklists.yaml: every selector given must fit the case."""

    procedure: frozenset[str] | None = None
    regulated: bool | None = None
    bodies: frozenset[str] | None = None
    groups: frozenset[str] | None = None
    professions: frozenset[str] | None = None
    abroad: bool | None = None
    name_changed: bool | None = None

    def fits(self, profile: CaseProfile) -> bool:
        return (
            (self.procedure is None or profile.procedure in self.procedure)
            and (self.regulated is None or profile.regulated == self.regulated)
            and (self.bodies is None or profile.body in self.bodies)
            and (self.groups is None or profile.group in self.groups)
            and (self.professions is None or profile.profession in self.professions)
            and (self.abroad is None or profile.abroad == self.abroad)
            and (self.name_changed is None or profile.name_changed == self.name_changed)
        )


Rule = tuple[Condition, ...]  # fits when any one condition fits
ALWAYS: Rule = (Condition(),)
NEVER: Rule = ()


def _fits(rule: Rule, profile: CaseProfile) -> bool:
    return any(condition.fits(profile) for condition in rule)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChecklistItem:
    """A document a procedure asks for, with the rules that say for whom and in which form."""

    key: str
    title: str
    title_en: str
    source: str
    verified: bool
    when: Rule
    unless: Rule = NEVER
    required: Rule = ALWAYS
    translation: Rule = NEVER
    certified: Rule = NEVER
    stage: Stage = Stage.APPLICATION
    filename_hints: tuple[str, ...] = ()
    note: str | None = None

    def applies_to(self, profile: CaseProfile) -> bool:
        return _fits(self.when, profile) and not _fits(self.unless, profile)


@dataclass(frozen=True, slots=True)
class ChecklistRules:
    file: str
    items: tuple[ChecklistItem, ...]
    translated_words: tuple[str, ...] = ()
    certified_words: tuple[str, ...] = ()

    def item(self, key: str) -> ChecklistItem:
        for item in self.items:
            if item.key == key:
                return item
        raise InvalidInput("checklist.unknown_item", "item", value=_clip(key), file=self.file)


@dataclass(frozen=True, slots=True, kw_only=True)
class DocumentFacts:
    """What is known about one stored document: the item it shows (None when unsorted), whether a
    sworn translation comes with it and whether it is an original or officially certified copy."""

    item: str | None
    translated: bool = False
    certified: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ChecklistLine:
    """One item of a case's checklist and how far the documents on file cover it."""

    item: ChecklistItem
    status: ItemStatus
    required: bool  # False: only "falls vorhanden" (where relevant), e.g. § 5 Abs. 1 Nr. 4 BQFG
    translation: bool  # a sworn translation must come with it
    certified_copy: bool  # an officially certified copy is needed

    @property
    def status_de(self) -> str:
        return STATUS_DE[self.status]

    @property
    def outstanding(self) -> bool:
        """Still to be delivered: anything not present, except an optional item nobody has."""
        if self.status is ItemStatus.PRESENT:
            return False
        return self.required or self.status is not ItemStatus.MISSING


def required_items(rules: ChecklistRules, profile: CaseProfile) -> tuple[ChecklistItem, ...]:
    """The items that apply to a case, in the order of checklists.yaml.

    Items needed only where relevant (proof of work experience, § 5 Abs. 1 Nr. 4 BQFG) are included:
    the letter lists them as "falls vorhanden"; `checklist` marks them with `required=False`.
    """
    return tuple(item for item in rules.items if item.applies_to(profile))


def checklist(
    rules: ChecklistRules, profile: CaseProfile, documents: Iterable[DocumentFacts]
) -> tuple[ChecklistLine, ...]:
    """Each item of the case with its status; documents for items the case does not need are ignored."""
    on_file: dict[str, list[DocumentFacts]] = {}
    for document in documents:
        if document.item is not None:
            on_file.setdefault(document.item, []).append(document)
    lines = []
    for item in required_items(rules, profile):
        translation, certified = _fits(item.translation, profile), _fits(item.certified, profile)
        status = max(
            (_status(document, translation=translation, certified=certified) for document in on_file.get(item.key, ())),
            key=_RANK.__getitem__,
            default=ItemStatus.MISSING,
        )
        lines.append(
            ChecklistLine(
                item=item,
                status=status,
                required=_fits(item.required, profile),
                translation=translation,
                certified_copy=certified,
            )
        )
    return tuple(lines)


def _status(document: DocumentFacts, *, translation: bool, certified: bool) -> ItemStatus:
    if translation and not document.translated:
        return ItemStatus.NOT_TRANSLATED
    if certified and not document.certified:
        return ItemStatus.NOT_CERTIFIED
    return ItemStatus.PRESENT


def missing_items(lines: Iterable[ChecklistLine], *, stage: Stage | None = None) -> tuple[ChecklistLine, ...]:
    """The lines still outstanding: what the acknowledgement of receipt must list as missing
    (§ 6 Abs. 2, § 13 Abs. 2 BQFG). With `stage`, only the documents due at that stage."""
    return tuple(line for line in lines if line.outstanding and (stage is None or line.item.stage is stage))


def is_complete(lines: Iterable[ChecklistLine], *, stage: Stage | None = None) -> bool:
    """True when nothing is outstanding. The decision period runs from complete documents
    (§ 6 Abs. 3, § 13 Abs. 3 BQFG): for that, ask with `stage=Stage.APPLICATION`."""
    return not missing_items(lines, stage=stage)


# --- Guessing from file names -------------------------------------------------------------------


def guess_item(filename: str, rules: ChecklistRules, *, profile: CaseProfile | None = None) -> str | None:
    """The key of the item a file name most likely shows, or None: a suggestion for the adviser.

    The longest matching hint wins ("Arbeitszeugnis" is work experience, not a training
    certificate); on a tie, the item listed first. With a profile, only the case's items compete.
    """
    names = _folded_name(filename)
    candidates = rules.items if profile is None else required_items(rules, profile)
    best, best_length = None, 0
    for item in candidates:
        length = _longest_match(item.filename_hints, names)
        if length > best_length:
            best, best_length = item.key, length
    return best


def looks_translated(filename: str, rules: ChecklistRules) -> bool:
    """Whether a file name says it is a translation ("Übersetzung_Diplom.pdf", "переклад")."""
    return _longest_match(rules.translated_words, _folded_name(filename)) > 0


def looks_certified(filename: str, rules: ChecklistRules) -> bool:
    """Whether a file name says it is an officially certified copy ("Diplom_beglaubigt.pdf")."""
    return _longest_match(rules.certified_words, _folded_name(filename)) > 0


def _folded_name(filename: str) -> set[str]:
    name = _EXTENSION.sub("", re.split(r"[\\/]", filename)[-1])
    return {" ".join(variant.split()) for variant in fold_variants(name)}


def _longest_match(words: tuple[str, ...], names: set[str]) -> int:
    best = 0
    for variant in _folded_words(words):
        if len(variant) >= MIN_PART_LENGTH:
            found = any(variant in name for name in names)
        else:
            found = any(variant in name.split() for name in names)
        if found:
            best = max(best, len(variant))
    return best


@lru_cache(maxsize=1024)
def _folded_words(words: tuple[str, ...]) -> tuple[str, ...]:
    """The hint words folded once (the rules never change while the process runs)."""
    return tuple(dict.fromkeys(" ".join(v.split()) for word in words for v in fold_variants(word)))


# --- Reading checklists.yaml ----------------------------------------------------------------------


def build_checklist_rules(
    file_name: str,
    parsed_yaml: Any,
    *,
    bodies: Collection[str] | None = None,
    professions: Collection[str] | None = None,
) -> ChecklistRules:
    """Validate parsed checklists.yaml into ChecklistRules.

    Body and profession keys are checked when the known keys are given (from the catalogue);
    procedures and groups always are.
    """
    if not isinstance(parsed_yaml, Mapping) or not isinstance(parsed_yaml.get("items"), list):
        raise CatalogueError(
            file_name, None, None, "items", "is missing; the file needs 'items:' with a list of documents"
        )
    known = {
        "procedure": PROCEDURES,
        "groups": GROUPS,
        "bodies": None if bodies is None else sorted(bodies),
        "professions": professions,
    }
    items: dict[str, ChecklistItem] = {}
    for position, raw in enumerate(parsed_yaml["items"], 1):
        entry = Entry(file_name, raw, position)
        key = entry.key()
        if key in items:
            raise entry.fail("key", f"'{key}' is defined twice; keys must be unique")
        items[key] = _item(entry, key, known)
    if not items:
        raise CatalogueError(file_name, parsed_yaml.get(f"{LINE}items"), None, "items", "lists no document")

    raw_words = parsed_yaml.get("filename_words") or {}
    if not isinstance(raw_words, Mapping):
        line = parsed_yaml.get(f"{LINE}filename_words")
        message = "must hold the lists 'translated:' and 'certified:'"
        raise CatalogueError(file_name, line, None, "filename_words", message)
    words = Entry(file_name, raw_words, 0, key_field=None)
    words.name = "filename_words"
    return ChecklistRules(
        file=file_name,
        items=tuple(items.values()),
        translated_words=_words(words, "translated"),
        certified_words=_words(words, "certified"),
    )


def _item(entry: Entry, key: str, known: Mapping[str, Collection[str] | None]) -> ChecklistItem:
    for name in entry.raw:
        if not str(name).startswith(LINE) and name not in _ITEM_FIELDS:
            raise entry.fail(str(name), f"unknown field; use {', '.join(_ITEM_FIELDS)}")
    if entry.raw.get("when") is None:
        raise entry.fail("when", "is missing; say who needs the document, e.g. when: {procedure: [BQFG, NBQFG]}")
    stage_name = entry.text("stage", required=False) or Stage.APPLICATION.value
    try:
        stage = Stage(stage_name)
    except ValueError:
        raise entry.fail("stage", f"'{stage_name}' is not one of {', '.join(Stage)}") from None
    return ChecklistItem(
        key=key,
        title=entry.text("title"),
        title_en=entry.text("title_en"),
        source=entry.text("source"),
        verified=entry.flag("verified"),
        when=_rule(entry, "when", NEVER, known),
        unless=_rule(entry, "unless", NEVER, known),
        required=_rule(entry, "required", ALWAYS, known),
        translation=_rule(entry, "translation", NEVER, known),
        certified=_rule(entry, "certified", NEVER, known),
        stage=stage,
        filename_hints=_words(entry, "filename_hints"),
        note=entry.text("note", required=False),
    )


def _rule(entry: Entry, name: str, default: Rule, known: Mapping[str, Collection[str] | None]) -> Rule:
    value = entry.raw.get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        return ALWAYS if value else NEVER
    if isinstance(value, Mapping):
        return (_condition(entry, name, value, known),)
    if isinstance(value, list) and value:
        return tuple(_condition(entry, f"{name}[{n}]", raw, known) for n, raw in enumerate(value, 1))
    raise entry.fail(name, "must be true, false, a condition such as {bodies: [zab]} or a list of conditions")


def _condition(entry: Entry, path: str, raw: Any, known: Mapping[str, Collection[str] | None]) -> Condition:
    if not isinstance(raw, Mapping):
        line = entry.raw.get(f"{LINE}{path.split('[')[0]}", entry.line)
        raise CatalogueError(entry.file, line, entry.name, path, "must be a condition such as {bodies: [zab]}")

    def fail(selector: str, message: str) -> CatalogueError:
        line = raw.get(f"{LINE}{selector}", raw.get(LINE, entry.line))
        return CatalogueError(entry.file, line, entry.name, f"{path}.{selector}", message)

    selectors = {name: value for name, value in raw.items() if not str(name).startswith(LINE)}
    if not selectors:
        line = raw.get(LINE, entry.line)
        raise CatalogueError(entry.file, line, entry.name, path, "is empty; name a selector or write true")
    values: dict[str, Any] = {}
    for selector, value in selectors.items():
        if selector in _FLAG_SELECTORS:
            if not isinstance(value, bool):
                raise fail(selector, "must be true or false")
            values[selector] = value
        elif selector in _LIST_SELECTORS:
            keys = [value] if isinstance(value, str) else value
            if not isinstance(keys, list) or not keys or not all(isinstance(k, str) and k for k in keys):
                raise fail(selector, "must be a list of keys, e.g. [ls_lueneburg]")
            allowed = known[selector]
            for key in keys:
                if allowed is not None and key not in allowed:
                    raise fail(selector, _unknown(_LIST_SELECTORS[selector], key, allowed))
            values[selector] = frozenset(keys)
        else:
            raise fail(str(selector), f"unknown selector; use {', '.join([*_LIST_SELECTORS, *_FLAG_SELECTORS])}")
    return Condition(**values)


def _unknown(noun: str, key: str, allowed: Collection[str]) -> str:
    if noun == "profession":
        return f"unknown profession '{key}'; use a key from data/professions/*.yaml"
    return f"unknown {noun} '{key}'; known: {', '.join(allowed)}"


def _words(entry: Entry, name: str) -> tuple[str, ...]:
    value = entry.raw.get(name)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(word, str) and word.strip() for word in value):
        raise entry.fail(name, "must be a list of words, e.g. [diplom, diploma, диплом]")
    return tuple(word.strip() for word in value)
