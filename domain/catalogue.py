"""The catalogue: districts, responsible bodies, reference occupations and the procedure after a
decision, as frozen values.

`build_catalogue` turns the parsed data files into these values and rejects a broken file with the
file, the line, the entry and the field (`CatalogueError`). Reading the files is the caller's job
(`adapters.catalogue`), so the rules stay free of I/O.

What happens after a positive decision (the licence, the compensation measures, the language level,
the documents asked for only before the licence) is the same for whole families of professions, so
it lives once per family in `data/procedures.yaml` and each profession names its family
(`procedure_family`). Every fact there carries its own source and verified mark.

A parsed mapping may carry its source line under the key `LINE` (the YAML loader adds it).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from domain.errors import CatalogueError

if TYPE_CHECKING:  # domain.countries imports the field parsers, which import routing and so this module
    from domain.countries import CountryTable

from domain.text import fold_variants, trigrams

LINE = "__line__"

GROUPS = (
    "health", "medicine", "crafts", "ihk", "education", "engineering",
    "architecture", "agriculture", "social", "law", "academic", "school",
)
PROCEDURES = ("BQFG", "NBQFG", "none")
REQUIRED_LANGUAGES = ("de", "en", "uk")
# German, English, Ukrainian, Russian, Arabic, Turkish, Farsi/Dari: the languages of the people the
# Welcome Center advises; a synonym list under any other code is a typo in the data.
LANGUAGES = ("de", "en", "uk", "ru", "ar", "tr", "fa")
# What the law ties to the qualification (§ 3 Abs. 5 BQFG): the practice of the profession, only the
# use of the title (NIngG, NArchtG: the work itself is free), or nothing (not regulated).
REGULATES = ("activity", "title", "none")
# Compensation measures after a decision that finds significant differences (§ 10 BQFG; in the
# health professions the Kenntnisprüfung, e.g. § 3 Abs. 3 BÄO, § 40 Abs. 3 PflBG).
MEASURES = ("Kenntnisprüfung", "Anpassungslehrgang", "Eignungsprüfung")
CEFR_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")
STEM_PREFIX = 5  # an inflected word shares at least this many first letters with its synonym
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Contact:
    name: str
    street: str
    postcode: str
    city: str
    department: str | None = None
    phone: str | None = None
    email: str | None = None
    opening_hours: str | None = None
    placeholder: bool = False

    @property
    def address(self) -> str:
        return f"{self.street}, {self.postcode} {self.city}"


@dataclass(frozen=True, slots=True)
class District:
    key: str
    name: str
    short: str
    reference_prefix: str
    administration: Contact
    welcome_center: Contact
    source: str


@dataclass(frozen=True, slots=True)
class Body:
    """A responsible body (zuständige Stelle) with what an adviser needs to write to it."""

    key: str
    name: str
    street: str
    postcode: str
    city: str
    legal_basis: str
    source_url: str
    verified: bool
    districts: tuple[str, ...]
    department: str | None = None
    email: str | None = None
    phone: str | None = None
    fee_min_cents: int | None = None
    fee_max_cents: int | None = None
    fee_note: str | None = None
    verified_note: str | None = None

    @property
    def address(self) -> str:
        return f"{self.street}, {self.postcode} {self.city}"

    @property
    def fee_text(self) -> str:
        """The fee range in German form: "100–600 €", or "" when unknown."""
        if self.fee_min_cents is None:
            return self.fee_note or ""
        low, high = self.fee_min_cents // 100, (self.fee_max_cents or self.fee_min_cents) // 100
        text = f"{low:,} €".replace(",", ".") if low == high else f"{low:,}–{high:,} €".replace(",", ".")
        return f"{text} ({self.fee_note})" if self.fee_note else text


@dataclass(frozen=True, slots=True)
class Conflict:
    """domain.md records two possible bodies: the result must say so."""

    body: str
    note: str


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Fact(Generic[T]):
    """One fact about a procedure with where it was checked; `verified` is false where it was
    inferred or the source could not be confirmed, so a letter can say "bitte bestätigen"."""

    value: T
    source: str
    verified: bool
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Compensation:
    """The compensation measures a notice may impose (§ 10 BQFG and the professional laws).

    `applicant_chooses`: the applicant picks one of the measures (§ 11 BQFG, unless the professional
    law says otherwise); false where the law prescribes them (e.g. Eignungsprüfung for EU doctors).
    """

    measures: tuple[str, ...]
    applicant_chooses: bool = False


@dataclass(frozen=True, slots=True)
class Language:
    """The German a licence needs: the CEFR level, the exam and who holds it (None where no level is set)."""

    level: str | None
    exam: str | None = None
    body: str | None = None


@dataclass(frozen=True, slots=True)
class Procedure:
    """The procedure after a positive decision, for a family of reference occupations.

    Letters need it early: a person who hears at the first meeting that a C1 Fachsprachprüfung and a
    certificate of good conduct come at the end can plan the language course and the papers.
    """

    key: str
    name: str
    regulates: Fact[str]  # activity | title | none
    licence: Fact[str | None]  # Approbation, Berufserlaubnis, Erlaubnis zum Führen der Berufsbezeichnung, ...
    compensation_third_country: Fact[Compensation]
    compensation_eu: Fact[Compensation]
    language: Fact[Language | None]
    licence_documents: Fact[tuple[str, ...]]  # asked for only before the licence is issued

    def compensation(self, eu: bool) -> Fact[Compensation]:
        """By where the training was done: EU/EEA/CH or a third country (e.g. § 3 Abs. 2 and 3 BÄO)."""
        return self.compensation_eu if eu else self.compensation_third_country

    @property
    def facts(self) -> tuple[Fact, ...]:
        return (
            self.regulates, self.licence, self.compensation_third_country, self.compensation_eu,
            self.language, self.licence_documents,
        )

    @property
    def verified(self) -> bool:
        return all(fact.verified for fact in self.facts)

    @property
    def source(self) -> str:
        """Every source of the family's facts, each once, in the order of the facts."""
        return "; ".join(dict.fromkeys(fact.source for fact in self.facts))


@dataclass(frozen=True, slots=True)
class TrainingRoute:
    body: str
    note: str


@dataclass(frozen=True, slots=True)
class TrainingRoutes:
    """A body that depends on where the training was done, not on the district: teachers (EU/EEA/CH
    → RLSB Lüneburg, third country → Kultusministerium, Referat 35) and lawyers (EU → Eignungsprüfung
    nach § 16 EuRAG at the Gemeinsames Juristisches Prüfungsamt; third country → only § 206 BRAO)."""

    eu: TrainingRoute
    third_country: TrainingRoute
    source: str
    verified: bool

    def route(self, eu: bool) -> TrainingRoute:
        return self.eu if eu else self.third_country


@dataclass(frozen=True, slots=True)
class Profession:
    """A reference occupation (Referenzberuf): the current German qualification compared against."""

    key: str
    name: str
    group: str
    regulated: bool
    law: str
    legal_basis: str
    procedure: str
    bodies: tuple[tuple[str, str], ...]  # (district, body key), one per district served
    source: str
    verified: bool
    synonyms: tuple[tuple[str, tuple[str, ...]], ...]  # (language, words)
    note: str | None = None
    conflict: Conflict | None = None
    file: str = ""
    # the procedure family (data/procedures.yaml); its facts when the catalogue was built with them
    procedure_family: str = ""
    procedure_facts: Procedure | None = None
    by_training: TrainingRoutes | None = None

    def body_for(self, district: str, eu_training: bool | None = None) -> str | None:
        """The body for the district; where it depends on the country of training and that is
        known, the body for it. Unknown training (None) gives the default body of the entry."""
        if self.by_training is not None and eu_training is not None:
            return self.by_training.route(eu_training).body
        for served, body in self.bodies:
            if served == district:
                return body
        return None

    @property
    def family(self) -> str:
        """The procedure family and the bodies together. Two professions of one family are decided
        by the same body under the same procedure, so offering one for the other costs a correction
        on the form; offering one of another family sends the person to the wrong office."""
        bodies = sorted({body for _, body in self.bodies})
        return f"{self.procedure_family}@{'+'.join(bodies)}"

    def words(self, language: str) -> tuple[str, ...]:
        return dict(self.synonyms).get(language, ())


@dataclass(frozen=True)
class Catalogue:
    districts: Mapping[str, District]
    bodies: Mapping[str, Body]
    professions: Mapping[str, Profession]
    # folded synonym → profession keys (more than one only for a truly ambiguous word)
    index: Mapping[str, tuple[str, ...]] = field(repr=False)
    # parallel lists for fuzzy matching: folded synonym and the professions it names
    choices: tuple[str, ...] = field(repr=False)
    owners: tuple[tuple[str, ...], ...] = field(repr=False)
    # character trigram → positions in `choices` (shortlist for ranking candidates)
    trigrams: Mapping[str, tuple[int, ...]] = field(repr=False)
    # NFC-casefolded synonym exactly as written → profession keys (tells "exact" from "normalised")
    literal: Mapping[str, tuple[str, ...]] = field(repr=False)
    # first STEM_PREFIX letters of each one-word choice → positions in `choices` (inflected forms:
    # "медсестрою" → "медсестра", "öğretmenim" → "öğretmen")
    stems: Mapping[str, tuple[int, ...]] = field(default_factory=dict, repr=False)
    # derived texts, filled on first use (the catalogue itself never changes)
    memo: dict = field(default_factory=dict, repr=False, compare=False)
    # countries of training (domain.countries.CountryTable), added by the loader
    countries: CountryTable | None = field(default=None, repr=False, compare=False)


class Entry:
    """Reads fields of one parsed mapping and raises CatalogueError that points at it."""

    def __init__(self, file: str, raw: Any, position: int, key_field: str | None = "key", prefix: str = ""):
        self.file = file
        self.prefix = prefix  # "compensation.eu." for a field inside a nested mapping
        if not isinstance(raw, Mapping):
            raise CatalogueError(file, None, f"#{position}", "(entry)", "expected a mapping of fields")
        self.raw = raw
        self.line = raw.get(LINE)
        self.name = str(raw.get(key_field)) if key_field and raw.get(key_field) else f"#{position}"

    def fail(self, field_name: str, message: str) -> CatalogueError:
        line = self.raw.get(f"{LINE}{field_name}", self.line)
        return CatalogueError(self.file, line, self.name, f"{self.prefix}{field_name}", message)

    def sub(self, name: str, hint: str) -> Entry:
        """The nested mapping under `name`, reporting its fields as `name.field` on their own lines."""
        value = self.raw.get(name)
        if value is None:
            raise self.fail(name, f"is missing; give {hint}")
        if not isinstance(value, Mapping):
            raise self.fail(name, f"must be a mapping: {hint}")
        inner = Entry(self.file, value, 0, key_field=None, prefix=f"{self.prefix}{name}.")
        inner.name = self.name
        return inner

    def choice(self, name: str, allowed: tuple[str, ...]) -> str:
        value = self.text(name)
        if value not in allowed:
            raise self.fail(name, f"'{value}' is not one of {', '.join(allowed)}")
        return value

    def texts(self, name: str, *, allowed: tuple[str, ...] | None = None) -> tuple[str, ...]:
        """A list of non-empty texts (an empty list is allowed: "none")."""
        value = self.raw.get(name)
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(name, "must be a list of non-empty texts, e.g. [Kenntnisprüfung] or []")
        items = tuple(v.strip() for v in value)
        for item in items:
            if allowed is not None and item not in allowed:
                raise self.fail(name, f"'{item}' is not one of {', '.join(allowed)}")
        return items

    def text(self, name: str, *, required: bool = True) -> str | None:
        value = self.raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.fail(name, "is missing; give a non-empty text")
            return None
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise self.fail(name, f"must be text, not {type(value).__name__}")
        return str(value).strip()

    def flag(self, name: str, *, default: bool | None = None) -> bool:
        value = self.raw.get(name, default)
        if not isinstance(value, bool):
            raise self.fail(name, "must be true or false")
        return value

    def cents(self, name: str) -> int | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(name, "must be a whole number of euro cents (e.g. 10000 for 100 €) or null")
        return value

    def key(self) -> str:
        value = self.text("key")
        if not _KEY.match(value):
            raise self.fail("key", f"'{value}' must be lowercase letters, digits and _ (e.g. ls_lueneburg)")
        return value

    def contact(self, name: str) -> Contact:
        inner = Entry(self.file, self.raw.get(name), 0, key_field=None)
        inner.name = self.name
        try:
            return Contact(
                name=inner.text("name"),
                street=inner.text("street"),
                postcode=inner.text("postcode"),
                city=inner.text("city"),
                department=inner.text("department", required=False),
                phone=inner.text("phone", required=False),
                email=inner.text("email", required=False),
                opening_hours=inner.text("opening_hours", required=False),
                placeholder=bool(inner.raw.get("placeholder", False)),
            )
        except CatalogueError as error:
            raise CatalogueError(error.file, error.line, self.name, f"{name}.{error.field}", error.message)


def entries(file: str, document: Any, what: str = "entries") -> list[Any]:
    """The entries of a parsed YAML list (none for an empty file); anything else is refused."""
    if document is None:
        return []
    if not isinstance(document, Sequence) or isinstance(document, (str, bytes)):
        raise CatalogueError(file, 1, None, "(file)", f"must be a YAML list of {what} (each starting with '- key:')")
    return list(document)


def _unique(file: str, entry: Entry, key: str, seen: Mapping[str, Any]) -> None:
    if key in seen:
        raise entry.fail("key", f"'{key}' is defined twice; keys must be unique")


def build_catalogue(
    *,
    districts: tuple[str, Any],
    bodies: tuple[str, Any],
    professions: Sequence[tuple[str, Any]],
    procedures: tuple[str, Any] | None = None,
) -> Catalogue:
    """Validate parsed data files (each given as (file name, parsed YAML)) into a Catalogue.

    `procedures` is data/procedures.yaml; without it the professions keep their family's key but
    carry no procedure facts (`Profession.procedure_facts is None`), so a caller that does not read
    the file yet still gets a working catalogue.
    """
    district_map: dict[str, District] = {}
    file, document = districts
    for position, raw in enumerate(entries(file, document), 1):
        entry = Entry(file, raw, position)
        key = entry.key()
        _unique(file, entry, key, district_map)
        district_map[key] = District(
            key=key,
            name=entry.text("name"),
            short=entry.text("short"),
            reference_prefix=entry.text("reference_prefix"),
            administration=entry.contact("administration"),
            welcome_center=entry.contact("welcome_center"),
            source=entry.text("source"),
        )
    if not district_map:
        raise CatalogueError(file, None, None, "(file)", "lists no district")

    body_map: dict[str, Body] = {}
    file, document = bodies
    for position, raw in enumerate(entries(file, document), 1):
        entry = Entry(file, raw, position)
        key = entry.key()
        _unique(file, entry, key, body_map)
        served = entry.raw.get("districts")
        if not isinstance(served, list) or not served:
            raise entry.fail("districts", f"must list the districts served, e.g. [{', '.join(district_map)}]")
        for district in served:
            if district not in district_map:
                raise entry.fail("districts", f"unknown district '{district}'; known: {', '.join(district_map)}")
        low, high = entry.cents("fee_min_cents"), entry.cents("fee_max_cents")
        if low is not None and high is not None and high < low:
            raise entry.fail("fee_max_cents", "is below fee_min_cents; swap them")
        body_map[key] = Body(
            key=key,
            name=entry.text("name"),
            department=entry.text("department", required=False),
            street=entry.text("street"),
            postcode=entry.text("postcode"),
            city=entry.text("city"),
            email=entry.text("email", required=False),
            phone=entry.text("phone", required=False),
            fee_min_cents=low,
            fee_max_cents=high,
            fee_note=entry.text("fee_note", required=False),
            legal_basis=entry.text("legal_basis"),
            source_url=entry.text("source_url"),
            verified=entry.flag("verified"),
            verified_note=entry.text("verified_note", required=False),
            districts=tuple(served),
        )

    procedure_map = _procedures(procedures) if procedures is not None else None

    profession_map: dict[str, Profession] = {}
    for file, document in professions:
        for position, raw in enumerate(entries(file, document), 1):
            entry = Entry(file, raw, position)
            key = entry.key()
            if key in profession_map:
                raise entry.fail("key", f"'{key}' is already defined in {profession_map[key].file}")
            profession_map[key] = _profession(entry, key, district_map, body_map, procedure_map)

    index, choices, owners = _build_index(profession_map)
    return Catalogue(
        districts=district_map,
        bodies=body_map,
        professions=profession_map,
        index=index,
        choices=choices,
        owners=owners,
        trigrams=_positions(choices, trigrams),
        literal=_literal(profession_map),
        stems=_positions(choices, lambda word: {word[:STEM_PREFIX]} if " " not in word and len(word) >= STEM_PREFIX else set()),
    )


def _procedures(procedures: tuple[str, Any]) -> dict[str, Procedure]:
    file, document = procedures
    table: dict[str, Procedure] = {}
    for position, raw in enumerate(entries(file, document), 1):
        entry = Entry(file, raw, position)
        key = entry.key()
        _unique(file, entry, key, table)
        compensation = entry.sub("compensation", "third_country and eu, each with value, source and verified")
        table[key] = Procedure(
            key=key,
            name=entry.text("name"),
            regulates=_fact(entry, "regulates", lambda f: f.choice("value", REGULATES)),
            licence=_fact(entry, "licence", lambda f: f.text("value", required=False)),
            compensation_third_country=_fact(compensation, "third_country", _compensation),
            compensation_eu=_fact(compensation, "eu", _compensation),
            language=_fact(entry, "language", _language),
            licence_documents=_fact(entry, "licence_documents", lambda f: f.texts("value")),
        )
    return table


def _fact(entry: Entry, name: str, value_of) -> Fact:
    inner = entry.sub(name, "value (or level), source and verified")
    return Fact(
        value=value_of(inner),
        source=inner.text("source"),
        verified=inner.flag("verified"),
        note=inner.text("note", required=False),
    )


def _compensation(entry: Entry) -> Compensation:
    measures = entry.texts("value", allowed=MEASURES)
    chooses = entry.flag("choice", default=False)
    if chooses and len(measures) < 2:
        raise entry.fail("choice", "is true but there is nothing to choose; list two measures or drop it")
    return Compensation(measures=measures, applicant_chooses=chooses)


def _language(entry: Entry) -> Language | None:
    level = entry.text("level", required=False)
    if level is None:
        return None
    if level not in CEFR_LEVELS:
        raise entry.fail("level", f"'{level}' is not a CEFR level ({', '.join(CEFR_LEVELS)}) or null")
    return Language(level=level, exam=entry.text("exam", required=False), body=entry.text("body", required=False))


def _training_routes(entry: Entry, bodies: Mapping[str, Body], districts: Mapping[str, District]) -> TrainingRoutes:
    inner = entry.sub("by_training", "eu and third_country, each with body and note, plus source and verified")
    routes = {}
    for origin in ("eu", "third_country"):
        route = inner.sub(origin, "body and note")
        body = route.text("body")
        if body not in bodies:
            raise route.fail("body", f"unknown body '{body}'; known: {', '.join(sorted(bodies))}")
        missing = [d for d in districts if d not in bodies[body].districts]
        if missing:
            raise route.fail("body", f"body '{body}' does not serve {', '.join(missing)} (see bodies.yaml)")
        routes[origin] = TrainingRoute(body=body, note=route.text("note"))
    return TrainingRoutes(
        eu=routes["eu"], third_country=routes["third_country"],
        source=inner.text("source"), verified=inner.flag("verified"),
    )


def _profession(
    entry: Entry,
    key: str,
    districts: Mapping[str, District],
    bodies: Mapping[str, Body],
    procedures: Mapping[str, Procedure] | None = None,
) -> Profession:
    group = entry.text("group")
    if group not in GROUPS:
        raise entry.fail("group", f"unknown group '{group}'; use one of {', '.join(GROUPS)}")
    procedure = entry.text("procedure")
    if procedure not in PROCEDURES:
        raise entry.fail("procedure", f"'{procedure}' is not one of {', '.join(PROCEDURES)}")

    body_field = entry.raw.get("body")
    if isinstance(body_field, str):
        per_district = {district: body_field for district in districts}
    elif isinstance(body_field, Mapping):
        per_district = {d: b for d, b in body_field.items() if not str(d).startswith(LINE)}
        for district in per_district:
            if district not in districts:
                raise entry.fail("body", f"unknown district '{district}'; known: {', '.join(districts)}")
        missing = [d for d in districts if d not in per_district]
        if missing:
            raise entry.fail("body", f"names no body for {', '.join(missing)}; give one per district")
    else:
        raise entry.fail("body", "is missing; give a body key from bodies.yaml or one per district")
    for district, body_key in per_district.items():
        if body_key not in bodies:
            raise entry.fail("body", f"unknown body '{body_key}'; known: {', '.join(sorted(bodies))}")
        if district not in bodies[body_key].districts:
            raise entry.fail("body", f"body '{body_key}' does not serve district '{district}' (see bodies.yaml)")

    conflict = None
    raw_conflict = entry.raw.get("conflict")
    if raw_conflict is not None:
        inner = Entry(entry.file, raw_conflict, 0, key_field=None)
        inner.name = key
        other = inner.text("body")
        if other not in bodies:
            raise entry.fail("conflict.body", f"unknown body '{other}'; known: {', '.join(sorted(bodies))}")
        conflict = Conflict(body=other, note=inner.text("note"))

    by_training = None
    if entry.raw.get("by_training") is not None:
        if conflict is not None:
            raise entry.fail("by_training", "and conflict both name a second body; keep one (by_training when the country of training decides)")
        by_training = _training_routes(entry, bodies, districts)
        either = {by_training.eu.body, by_training.third_country.body}
        if any(body not in either for body in per_district.values()):
            raise entry.fail("body", f"must be one of the by_training bodies ({', '.join(sorted(either))}): it is the body shown while the country of training is unknown")

    family = entry.text("procedure_family")
    facts = None
    if procedures is not None:
        facts = procedures.get(family)
        if facts is None:
            raise entry.fail("procedure_family", f"unknown family '{family}'; known: {', '.join(sorted(procedures))}")

    raw_synonyms = entry.raw.get("synonyms")
    if not isinstance(raw_synonyms, Mapping):
        raise entry.fail("synonyms", "is missing; give lists per language (de, en, uk required)")
    synonyms: list[tuple[str, tuple[str, ...]]] = []
    for language, words in raw_synonyms.items():
        if str(language).startswith(LINE):
            continue
        if language not in LANGUAGES:
            raise entry.fail(f"synonyms.{language}", f"unknown language '{language}'; use {', '.join(LANGUAGES)}")
        if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
            raise entry.fail(f"synonyms.{language}", "must be a list of non-empty texts")
        synonyms.append((str(language), tuple(w.strip() for w in words)))
    present = {language for language, words in synonyms if words}
    for language in REQUIRED_LANGUAGES:
        if language not in present:
            raise entry.fail(f"synonyms.{language}", "is missing; every entry needs German, English and Ukrainian words")

    regulated = entry.flag("regulated")
    if facts is not None and (facts.regulates.value != "none") != regulated:
        raise entry.fail(
            "procedure_family",
            f"family '{family}' regulates '{facts.regulates.value}' but the entry says regulated: {str(regulated).lower()}",
        )

    return Profession(
        key=key,
        name=entry.text("name"),
        group=group,
        regulated=regulated,
        law=entry.text("law"),
        legal_basis=entry.text("legal_basis"),
        procedure=procedure,
        bodies=tuple(per_district.items()),
        source=entry.text("source"),
        verified=entry.flag("verified"),
        note=entry.text("note", required=False),
        conflict=conflict,
        synonyms=tuple(synonyms),
        file=entry.file,
        procedure_family=family,
        procedure_facts=facts,
        by_training=by_training,
    )


def _name_parts(name: str) -> list[str]:
    """"Pflegefachfrau/Pflegefachmann" names two words; "Kaufmann/-frau im Einzelhandel" does not."""
    parts = name.split("/")
    if len(parts) > 1 and " " not in name and all(len(p) >= 4 and not p.startswith("-") for p in parts):
        return parts
    return []


def _build_index(professions: Mapping[str, Profession]):
    index: dict[str, list[str]] = {}
    for profession in professions.values():
        words = [profession.name, *_name_parts(profession.name)]
        for _, synonyms in profession.synonyms:
            words.extend(synonyms)
        for word in words:
            for folded in fold_variants(word):
                owners = index.setdefault(folded, [])
                if profession.key not in owners:
                    owners.append(profession.key)
    frozen = {word: tuple(keys) for word, keys in index.items()}
    choices = tuple(frozen)
    return frozen, choices, tuple(frozen[word] for word in choices)


def _positions(choices: tuple[str, ...], keys_of) -> dict[str, tuple[int, ...]]:
    """An inverted index: each key derived from a choice → the positions of the choices."""
    table: dict[str, list[int]] = {}
    for position, word in enumerate(choices):
        for key in keys_of(word):
            table.setdefault(key, []).append(position)
    return {key: tuple(positions) for key, positions in table.items()}


def _literal(professions: Mapping[str, Profession]) -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    for profession in professions.values():
        for word in (profession.name, *(w for _, ws in profession.synonyms for w in ws)):
            keys = table.setdefault(unicodedata.normalize("NFC", word).casefold(), [])
            if profession.key not in keys:
                keys.append(profession.key)
    return {word: tuple(keys) for word, keys in table.items()}
