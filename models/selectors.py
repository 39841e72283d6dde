"""Selectors: the one read API that the CLI, the web page, the flows and the services share.

Every read of a case, a person, a document or a letter takes the acting adviser (`actor`) and applies
the district scope itself, so that a page, a download, an upload or an export cannot reach another
district's data by forgetting a filter. `actor=None` is the operator of the whole service (the command
line, the scheduled runs): every district. Out of scope and absent look the same (`NotFound`): an
Osterholz adviser does not learn that a Verden reference exists. Keyword-only, no hidden globals.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, exists, false, func, literal, or_, union_all
from sqlalchemy import case as case_when
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import Join
from sqlmodel import Session, select

from domain.access import Actor, Role, districts_of, may_see
from domain.checklist import CaseProfile, ChecklistRules, DocumentFacts, checklist
from domain.deadlines import Kind
from domain.errors import InvalidInput, _clip
from domain.lifecycle import CaseState, DeadlineStatus, Event, offered_events
from domain.search import QueryWord, query_words
from models.adviser import Adviser
from models.audit import AuditEvent
from models.case import Case, CaseEvent, Deadline
from models.document import Document, IntakeFile
from models.letter import Letter
from models.outbox import OutboxMessage, OutboxState
from models.person import Consent, Person
from models.search import PlannedWord, SearchPlan, by_closeness, index_scans, matching_cases, plan_search

SORTS = ("next_due", "reference", "name", "state", "created")
MAX_PER_PAGE = 200
MAX_SEARCH_LENGTH = 100
MAX_MATCHES = 500  # a search lists at most this many cases (models.selectors.prepare_search)


class NotFound(InvalidInput):
    """Absent, or outside the actor's districts: the page says "Nicht gefunden" (404), the command
    line names the field and what a reference looks like."""

    def __init__(self, what: str, value: str) -> None:
        shown = _clip(str(value), 30)
        if what == "case":
            super().__init__("case.not_found", "reference", value=shown)
        else:
            super().__init__("record.not_found", what, what=what, value=shown)
        self.what, self.value = what, shown


# ------------------------------------------------------------------------------------ one thing by its key


def case_by_reference(session: Session, reference: str, *, actor: Actor | None = None) -> Case:
    """The case, or NotFound, also when it belongs to a district outside the actor's."""
    reference = (reference or "").strip().upper()[:30]
    case = session.exec(select(Case).where(Case.reference == reference, Case.district.in_(districts_of(actor)))).first()
    if case is None:
        raise NotFound("case", reference)
    return case


def person_by_id(session: Session, person_id: int, *, actor: Actor | None = None) -> Person:
    person = session.get(Person, person_id)
    if person is None or not may_see(actor, person.district):
        raise NotFound("person", str(person_id))
    return person


def document_by_id(session: Session, document_id: int, *, case: Case, actor: Actor | None = None) -> Document:
    """A document of `case` (already in the actor's scope), or NotFound."""
    document = session.get(Document, document_id)
    if document is None or document.case_id != case.id or not may_see(actor, case.district):
        raise NotFound("document", str(document_id))
    return document


def letter_by_id(session: Session, letter_id: int, *, case: Case, actor: Actor | None = None) -> Letter:
    """A letter of `case` (already in the actor's scope), or NotFound."""
    letter = session.get(Letter, letter_id)
    if letter is None or letter.case_id != case.id or not may_see(actor, case.district):
        raise NotFound("letter", str(letter_id))
    return letter


def person_of(session: Session, case: Case) -> Person:
    return session.get(Person, case.person_id)


def has_consent(session: Session, *, person_id: int) -> bool:
    """A recorded consent that has not been withdrawn."""
    return (
        session.exec(
            select(Consent.id).where(Consent.person_id == person_id, Consent.withdrawn_on.is_(None)).limit(1)
        ).first()
        is not None
    )


def consents_of(session: Session, *, person_id: int) -> list[Consent]:
    return list(session.exec(select(Consent).where(Consent.person_id == person_id).order_by(Consent.id)).all())


def withdrawal_of(session: Session, *, person_id: int) -> Consent | None:
    """The withdrawn consent that stops the person's processing: the latest withdrawn one, when no
    consent stands (a consent given again after a withdrawal ends the stop). None: not withdrawn."""
    consents = consents_of(session, person_id=person_id)
    if not consents or any(c.withdrawn_on is None for c in consents):
        return None
    return max(consents, key=lambda c: (c.withdrawn_on, c.id))


def withdrawn_persons(session: Session, *, person_ids: Collection[int]) -> dict[int, date]:
    """Of these persons, those whose consent is withdrawn and not given again, with the day of the
    latest withdrawal (one query for a batch: the reminder selection, the letters)."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    other = aliased(Consent)
    standing = exists().where(other.person_id == Consent.person_id, other.withdrawn_on.is_(None))
    rows = session.exec(
        select(Consent.person_id, func.max(Consent.withdrawn_on))
        .where(Consent.person_id.in_(ids), Consent.withdrawn_on.is_not(None), ~standing)
        .group_by(Consent.person_id)
    ).all()
    return {person_id: on for person_id, on in rows}


def deadlines_of(session: Session, case: Case) -> list[Deadline]:
    return list(session.exec(select(Deadline).where(Deadline.case_id == case.id).order_by(Deadline.start)).all())


def events_of(session: Session, case: Case) -> list[CaseEvent]:
    return list(session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all())


def documents_of(session: Session, case: Case) -> list[Document]:
    return list(session.exec(select(Document).where(Document.case_id == case.id).order_by(Document.id)).all())


def intake_counts(session: Session) -> dict[str, int]:
    return dict(session.exec(select(IntakeFile.outcome, func.count()).group_by(IntakeFile.outcome)).all())


def rejected_reasons(session: Session, *, limit: int = 20) -> list[IntakeFile]:
    return list(
        session.exec(
            select(IntakeFile).where(IntakeFile.outcome.in_(("rejected", "duplicate"))).order_by(IntakeFile.id.desc()).limit(limit)
        ).all()
    )


def audit_history(session: Session, *, case_reference: str, person_id: int | None = None) -> list[AuditEvent]:
    """Everything recorded about the case (and about its person, when given), oldest first."""
    condition = AuditEvent.case_reference == case_reference
    if person_id is not None:
        condition = or_(condition, AuditEvent.person_id == person_id)
    return list(session.exec(select(AuditEvent).where(condition).order_by(AuditEvent.id)).all())


def checklist_profile(case: Case, person: Person) -> CaseProfile | None:
    """The facts that decide the case's documents; None until the reference occupation is fixed."""
    return profile_from(
        body_key=case.body_key, procedure=case.procedure, regulated=case.regulated, group=case.profession_group,
        occupation_key=case.reference_occupation_key, lives_abroad=person.lives_abroad, name_changed=person.name_changed,
    )


def profile_from(*, body_key, procedure, regulated, group, occupation_key, lives_abroad, name_changed) -> CaseProfile | None:
    if body_key is None or procedure is None:
        return None
    return CaseProfile(
        procedure=procedure, regulated=bool(regulated), body=body_key, group=group or "",
        abroad=bool(lives_abroad), name_changed=bool(name_changed), profession=occupation_key,
    )


def steps_offered(session: Session, case: Case) -> list[Event]:
    """The lifecycle steps offered for the case (domain.lifecycle.offered_events with its facts)."""
    person_open = session.exec(select(Deadline.id).where(
        Deadline.case_id == case.id, Deadline.kind == Kind.PERSON.value, Deadline.status == DeadlineStatus.OPEN.value,
    ).limit(1)).first() is not None
    extended = session.exec(select(CaseEvent.id).where(
        CaseEvent.case_id == case.id, CaseEvent.event == Event.EXTEND.value).limit(1)).first() is not None
    return offered_events(CaseState(case.state), person_deadline_open=person_open, extended=extended,
                          occupation_fixed=case.procedure is not None)


def case_checklist(session: Session, *, case: Case, person: Person, rules: ChecklistRules):
    """The case's checklist lines (present / missing / not translated / not certified)."""
    profile = checklist_profile(case, person)
    if profile is None:
        return ()
    facts = [DocumentFacts(item=d.item_key, translated=d.translated, certified=d.certified) for d in documents_of(session, case)]
    return checklist(rules, profile, facts)


# ------------------------------------------------------------------------------------ the case list


@dataclass(frozen=True)
class CaseRow:
    """A row of a case list: the CLI's `case list`, the web page's Fälle, the exports."""

    reference: str
    district: str
    state: str
    given_name: str
    family_name: str
    profession_text: str
    reference_occupation: str | None
    next_due: date | None
    adviser_name: str | None


def advisers_for(session: Session, *, actor: Actor | None = None) -> list[Adviser]:
    """The advisers whose cases the actor may filter by: those of the actor's districts, and leads."""
    return list(
        session.exec(
            select(Adviser)
            .where(Adviser.active, or_(Adviser.district.in_(districts_of(actor)), Adviser.role == Role.LEAD.value))
            .order_by(Adviser.name)
        ).all()
    )


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseRow]
    total: int
    page: int
    per_page: int
    capped: bool = False  # a search matched more than MAX_MATCHES cases: these are the first of them

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.total, self.page * self.per_page)


REFERENCE_LIKE = re.compile(r"^[A-Za-z]{2,4}-|\d")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_TOP = "\U0010ffff"


def _lowered_variants(word: str, dialect: str) -> tuple[str, ...]:
    """What lower(column) holds for a name starting with `word`. PostgreSQL's lower() folds every
    letter; SQLite's only A–Z, so "Петренко" stays "Петренко" there and the capitalised form is
    tried too (names are stored capitalised)."""
    if dialect == "postgresql":
        return (word.lower(),)
    return tuple(dict.fromkeys((word.translate(_ASCII_LOWER), (word[:1].upper() + word[1:].lower()).translate(_ASCII_LOWER))))


def _starts_with(column, prefix: str, dialect: str):
    """An index range: `column` starts with `prefix` (binary order on SQLite; LIKE on a
    text_pattern_ops index on PostgreSQL, right under any collation)."""
    if dialect == "postgresql":
        return column.like(_escape_like(prefix) + "%", escape="\\")
    return and_(column >= prefix, column < prefix + _TOP)


def _prefix_ids(words: list[QueryWord], text: str, dialect: str):
    """Cases where every (short) word starts the person's given or family name, or the text starts
    the profession as typed: index ranges on lower(…) (migration 0005). For words of one or two
    letters, which have no trigram for the search documents."""
    by_person = select(Case.id).join(Person, Person.id == Case.person_id).where(*(
        or_(*(
            _starts_with(func.lower(column), variant, dialect)
            for variant in _lowered_variants(word.typed, dialect)
            for column in (Person.family_name, Person.given_name)
        ))
        for word in words
    ))
    branches = [by_person]
    branches.extend(
        select(Case.id).where(_starts_with(func.lower(Case.profession_text), variant, dialect))
        for variant in _lowered_variants(text, dialect)
    )
    return branches


@dataclass(frozen=True)
class PreparedSearch:
    """A search text resolved once per list (its typos corrected within the actor's districts), and
    the matching cases: read once into `ids` when the matches are bounded (a list page runs its count
    and its page on them: two lookups by key of at most MAX_MATCHES cases each), else a subquery (the
    export). rank: 0 for a match as typed, else the edits of the corrections it needed, so that exact
    matches come first."""

    text: str
    plan: SearchPlan
    matches: object  # the subquery (id, rank)
    ids: list[int] | None = None
    ranks: dict[int, int] | None = None  # the ranks above 0

    @property
    def ranked(self) -> bool:
        return self.plan.ranked

    def condition(self, query):
        if self.ids is None:
            return query.join(self.matches, self.matches.c.id == Case.id)
        return query.where(Case.id.in_(self.ids) if self.ids else false())

    def rank(self):
        if self.ids is None:
            return self.matches.c.rank
        levels: dict[int, list[int]] = {}
        for case_id, rank in self.ranks.items():
            levels.setdefault(rank, []).append(case_id)
        if len(levels) + (len(self.ranks) < len(self.ids)) <= 1:
            return literal(0)  # one level: nothing to rank
        return case_when(*((Case.id.in_(ids), rank) for rank, ids in sorted(levels.items())), else_=0)


def prepare_search(session: Session, search: str, *, districts: Collection[str], occupation_keys: Collection[str] | None = None,
                   tables: Mapping | None = None, cap: int | None = None) -> PreparedSearch:
    """The cases a search text matches (domain.search folds it as the documents were folded). Every
    word must match: a word of three letters or more as a part of a name, the reference, the
    profession or the reference occupation (the trigram index of migration 0011); if it matches
    nothing as typed, a stored word at most one or two edits away (models.search.plan_search); a
    shorter word as the start of a name. Or: the text starts the reference (when it looks like one:
    VER-…, or has a digit); or the case's reference occupation is one of `occupation_keys` (the
    catalogue's occupations whose name or a synonym in any language contains the text, which the
    caller finds: models does not read the catalogue).

    Each way of matching gives at most `cap` cases (None: all, for the export): "enko" is part of a
    third of the names at 100,000 cases, and listing them all in deadline order would read every one
    of them; the list then says that there are more and asks for more letters."""
    dialect = session.get_bind().dialect.name
    text = " ".join(search.split())[:MAX_SEARCH_LENGTH]
    words = query_words(text, tables=tables or {})
    with index_scans(session):
        return _prepared(session, text, words, dialect=dialect, districts=districts, occupation_keys=occupation_keys, cap=cap)


def _prepared(session: Session, text: str, words: list[QueryWord], *, dialect: str, districts: Collection[str],
              occupation_keys: Collection[str] | None, cap: int | None) -> PreparedSearch:
    # first every word as typed: when the cases found are not none, no word needs a correction (the
    # usual search costs one trip to the index); else each word is checked and corrected on its own
    as_typed = SearchPlan(tuple(PlannedWord(w.forms, w.short) for w in words))
    found_as_typed = None
    if cap is not None and as_typed.indexed and districts:
        documents = matching_cases(as_typed, dialect=dialect, districts=districts, cap=cap).subquery("documents")
        found_as_typed = session.exec(select(documents.c.id, documents.c.rank)).all() or None
    alone = found_as_typed is None and cap is not None and len(words) == 1 and as_typed.indexed and bool(districts)
    plan = as_typed if found_as_typed else plan_search(session, words, districts=districts, alone_unmatched=alone)
    branches = []
    # the branch's own index finds the cases; on SQLite the district's must not be chosen instead
    in_scope = (_unindexed(Case.district) if dialect == "sqlite" else Case.district).in_(list(districts))

    def bounded(query):
        return query.limit(cap) if cap is not None else query

    if plan.indexed and not plan.impossible:
        for closer in (by_closeness(plan) if cap is not None else [plan]):
            documents = matching_cases(closer, dialect=dialect, districts=districts, cap=cap).subquery("documents")
            branches.append(select(documents.c.id, documents.c.rank))
    elif words and not plan.indexed:
        for branch in _prefix_ids(words, text, dialect):
            ids = bounded(branch.where(in_scope)).subquery()
            branches.append(select(ids.c.id, literal(0).label("rank")))
    if REFERENCE_LIKE.search(text):
        ids = bounded(select(Case.id).where(_starts_with(Case.reference, text.upper(), dialect), in_scope)).subquery()
        branches.append(select(ids.c.id, literal(0).label("rank")))
    if occupation_keys:
        ids = bounded(select(Case.id).where(Case.reference_occupation_key.in_(sorted(occupation_keys)), in_scope)).subquery()
        branches.append(select(ids.c.id, literal(0).label("rank")))
    if not branches:
        matches = select(Case.id, literal(0).label("rank")).where(false()).subquery("matches")
    elif len(branches) == 1:
        matches = branches[0].subquery("matches")
    else:
        every = union_all(*branches).subquery("every_match")
        matches = select(every.c.id, func.min(every.c.rank).label("rank")).group_by(every.c.id).subquery("matches")
    if cap is None:
        return PreparedSearch(text, plan, matches)
    # one way of matching after the other, until `cap` cases are found: a list that says "more than"
    # needs no more of them
    ranks: dict[int, int] = {}
    for index, branch in enumerate(branches):
        found = found_as_typed if index == 0 and found_as_typed else session.exec(branch).all()
        for case_id, rank in found:
            ranks[case_id] = min(rank, ranks.get(case_id, rank))
        if len(ranks) >= cap:
            break
    return PreparedSearch(text, plan, matches, ids=sorted(ranks), ranks={k: v for k, v in ranks.items() if v})


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _unindexed(column):
    """The column as an expression no index serves: the filter is still applied, but SQLite's
    planner walks the sort order's index instead of a filter's index that would need a sort of all
    rows. Used on SQLite only: PostgreSQL plans ORDER BY … LIMIT from its statistics, and an
    expression there would only spoil its estimates."""
    return func.coalesce(column, column)


def _hints(session: Session) -> bool:
    """Whether to steer the planner (SQLite, which keeps no statistics unless ANALYZE is run)."""
    return session.get_bind().dialect.name == "sqlite"


def _filtered(query, session: Session, actor: Actor | None, *, today: date, search: PreparedSearch | None = None,
              district=None, state=None, adviser_id=None, overdue=False, sort: str = "next_due", counting: bool = False):
    """The scope (the actor's districts) and the filters. Which condition may use its index is chosen
    so that each list is one index range at 100,000 cases: a search or an adviser starts from its
    (few) matches; the plain list of one district walks ix_case_district_next_due; otherwise the
    sort order's index is walked and the filters test each row."""
    searching = search is not None
    unindexed = _unindexed if _hints(session) else (lambda column: column)
    districts = districts_of(actor)
    if district is not None:
        districts = tuple(d for d in districts if d == district)
    selective = searching or adviser_id is not None
    if counting and searching:  # the search's matches come first: no filter may lure SQLite onto its index
        query = query.where(unindexed(Case.district).in_(districts))
        query = query.where(unindexed(Case.state) == state) if state else query
        query = query.where(unindexed(Case.adviser_id) == adviser_id) if adviser_id is not None else query
        query = query.where(unindexed(Case.next_due) < today) if overdue else query
    elif counting:  # no order to keep: every filter may use its index
        query = query.where(Case.district.in_(districts))
        query = query.where(Case.state == state) if state else query
        query = query.where(Case.adviser_id == adviser_id) if adviser_id is not None else query
        query = query.where(Case.next_due < today) if overdue else query
    elif len(districts) == 1 and sort == "next_due" and not selective and not state:
        query = query.where(Case.district == districts[0])
    else:
        query = query.where(unindexed(Case.district).in_(districts))
    if state and not counting:
        query = query.where((Case.state if not selective and sort == "state" else unindexed(Case.state)) == state)
    if adviser_id is not None and not counting:
        query = query.where(Case.adviser_id == adviser_id)
    if overdue and not counting:
        query = query.where((Case.next_due if not selective else unindexed(Case.next_due)) < today)
    if searching:
        # the (at most MAX_MATCHES) matches by key, or joined: the planner then starts from the matches
        # and sorts them, instead of walking every case of the district in list order to test each one
        query = search.condition(query)
    return query


def _order(sort: str, descending: bool, searching: bool = False):
    """ORDER BY for `sort`. When searching, the matches are few and sorting them is cheap; the first
    column is then wrapped so that no index serves the order (SQLite would otherwise walk the whole
    list in index order and test each case against the matches)."""
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}; one of {', '.join(SORTS)}")
    columns = {
        "next_due": (Case.next_due, Case.id),
        "reference": (Case.reference,),
        "name": (Person.family_name, Person.given_name, Case.id),
        "state": (Case.state, Case.id),
        "created": (Case.id,),
    }[sort]
    if searching:
        columns = (_unindexed(columns[0]), *columns[1:])
    return tuple(c.desc() if descending else c for c in columns)


class _PersonFirst(Join):
    """person JOIN recognition_case that SQLite must read person first (CROSS JOIN is SQLite's
    documented way to fix the loop order): the list sorted by name then walks ix_person_family_given
    and stops after one page, where the planner's own choice sorted every case (300 ms → 10 ms at
    100,000 cases). Other databases get a plain JOIN."""

    inherit_cache = True


@compiles(_PersonFirst, "sqlite")
def _person_first_sqlite(join, compiler, **kw):
    as_from, plain = {**kw, "asfrom": True}, {k: v for k, v in kw.items() if k != "asfrom"}
    return (
        f"{compiler.process(join.left, **as_from)} CROSS JOIN {compiler.process(join.right, **as_from)} "
        f"ON {compiler.process(join.onclause, **plain)}"
    )


@compiles(_PersonFirst)
def _person_first(join, compiler, **kw):
    return compiler.visit_join(join, **kw)


def _row_query(*, person_first: bool = False):
    columns = (
        Case.reference, Case.district, Case.state, Person.given_name, Person.family_name, Case.profession_text,
        Case.reference_occupation, Case.next_due, Adviser.name,
    )
    if person_first:
        joined = _PersonFirst(Person, Case, Person.id == Case.person_id)
        return select(*columns).select_from(joined.outerjoin(Adviser, Adviser.id == Case.adviser_id))
    return (
        select(*columns)
        .join(Person, Person.id == Case.person_id)
        .outerjoin(Adviser, Adviser.id == Case.adviser_id)
    )


@dataclass(frozen=True)
class CaseSelection:
    """Which cases a list or an export shows: the filters of the case list, all optional."""

    search: str | None = None
    district: str | None = None
    state: str | None = None
    adviser_id: int | None = None
    overdue: bool = False
    sort: str = "next_due"
    descending: bool = False
    occupation_keys: Collection[str] | None = None
    search_tables: Mapping | None = None  # the transliteration tables (adapters.transliteration.load_tables)

    def as_args(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    def described(self) -> dict:
        """What the audit trail keeps of a selection (not the search text: it may be a person's name)."""
        return {"search": bool(self.search), "district": self.district, "state": self.state,
                "adviser_id": self.adviser_id, "overdue": self.overdue, "sort": self.sort}


def _prepared_filters(session: Session, actor: Actor | None, chosen: CaseSelection, today: date,
                      bounded: bool = True) -> dict:
    """The keyword arguments of `_filtered` for a selection, the search resolved once."""
    filters = {**chosen.as_args(), "today": today}
    for name in ("descending", "occupation_keys", "search_tables"):
        del filters[name]
    if chosen.search and chosen.search.strip():
        districts = [d for d in districts_of(actor) if chosen.district is None or d == chosen.district]
        filters["search"] = prepare_search(session, chosen.search, districts=districts,
                                           occupation_keys=chosen.occupation_keys, tables=chosen.search_tables,
                                           cap=MAX_MATCHES + 1 if bounded else None)  # one more: "more than"
    else:
        filters["search"] = None
    return filters


def cases_page(session: Session, *, actor: Actor | None = None, today: date, page: int = 1, per_page: int = 50,
               **selection) -> CasePage:
    """One page of the cases the actor may see (filters: the fields of `CaseSelection`), with the total
    for the pager.

    By next deadline, cases without an open deadline come last in both directions. That is read as
    two index ranges (dated cases in deadline order, then the others by number) rather than one
    ORDER BY with NULLS LAST, which no index serves: 2 ms instead of a sort of every case. A search
    that needed typo corrections lists the closest matches first (then in the order asked for)."""
    chosen = CaseSelection(**selection)
    adviser_id, sort, descending = chosen.adviser_id, chosen.sort, chosen.descending
    page = max(1, page)
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    filters = _prepared_filters(session, actor, chosen, today)
    search: PreparedSearch | None = filters["search"]
    if search is not None and search.ids is not None and not (chosen.state or adviser_id is not None or chosen.overdue):
        total = dated_total = len(search.ids)  # the matches are in scope already; nothing else filters them
    else:
        total, dated_total = session.exec(
            _filtered(select(func.count(), func.count(Case.next_due)).select_from(Case), session, actor, **filters, counting=True)
        ).one()
    capped = search is not None and total > MAX_MATCHES
    if capped:
        total = dated_total = MAX_MATCHES
    offset = (page - 1) * per_page
    searching = (search is not None or adviser_id is not None) and _hints(session)
    rows = []
    if offset >= total:
        pass
    elif search is not None:  # at most MAX_MATCHES cases: one sort of them (the closest corrections first)
        order = _order(sort, descending, _hints(session))
        if sort == "next_due":
            order = (Case.next_due.is_(None), *order)
        if search.ranked:
            order = (search.rank(), *order)
        # the page's cases first, then their persons: joining the persons of every match before the
        # sort made PostgreSQL read the whole person table (48 ms at 100,000)
        ids = select(Case.id).join(Person, Person.id == Case.person_id) if sort == "name" else select(Case.id)
        ids = list(session.exec(_filtered(ids, session, actor, **filters).order_by(*order).limit(min(per_page, total - offset)).offset(offset)).all())
        place = {case_id: index for index, case_id in enumerate(ids)}
        found = session.exec(_row_query().add_columns(Case.id).where(Case.id.in_(ids) if ids else false())).all()
        rows = [row[:-1] for row in sorted(found, key=lambda row: place[row[-1]])]
    elif sort != "next_due":
        query = _row_query(person_first=sort == "name" and not searching and _hints(session))
        query = _filtered(query, session, actor, **filters).order_by(*_order(sort, descending, searching))
        rows = list(session.exec(query.limit(per_page).offset(offset)).all())
    else:
        if offset < dated_total:
            due = _unindexed(Case.next_due) if searching else Case.next_due
            query = _filtered(_row_query(), session, actor, **filters).where(due.is_not(None))
            query = query.order_by(*_order("next_due", descending, searching))
            rows = list(session.exec(query.limit(per_page).offset(offset)).all())
        if len(rows) < per_page and total > dated_total:
            due = _unindexed(Case.next_due) if searching else Case.next_due
            query = _filtered(_row_query(), session, actor, **filters).where(due.is_(None))
            query = query.order_by(*_order("created", descending, searching))
            rows += session.exec(query.limit(per_page - len(rows)).offset(max(0, offset - dated_total))).all()
    return CasePage(rows=[CaseRow(*row) for row in rows], total=total, page=page, per_page=per_page, capped=capped)


def case_count(session: Session, *, actor: Actor | None = None, today: date, **selection) -> int:
    """How many cases the filters match in scope, every match of a search counted (the export's
    audit entry; the list stops at MAX_MATCHES)."""
    filters = _prepared_filters(session, actor, CaseSelection(**selection), today, bounded=False)
    query = _filtered(select(func.count()).select_from(Case), session, actor, **filters, counting=True)
    return session.exec(query).one()


def export_rows(session: Session, *, actor: Actor | None = None, today: date, **selection) -> Iterator[CaseRow]:
    """Every case the filters (the fields of `CaseSelection`) match, in scope, for the CSV export (read
    in batches)."""
    chosen = CaseSelection(**selection)
    sort, descending = chosen.sort, chosen.descending
    filters = _prepared_filters(session, actor, chosen, today, bounded=False)  # the export: every match
    order = _order(sort, descending)
    if sort == "next_due":
        order = (Case.next_due.is_(None), *order)
    if filters["search"] is not None and filters["search"].ranked:
        order = (filters["search"].rank(), *order)
    query = _filtered(_row_query(), session, actor, **filters).order_by(*order)
    for row in session.exec(query.execution_options(yield_per=2000)):
        yield CaseRow(*row)


# ------------------------------------------------------------------------------------ the overview


def _mine(query, actor: Actor | None, *, by_due: bool = False):
    """An adviser's own cases and the unassigned ones of their district; a lead's or a reader's: all.
    `by_due`: the query walks the next_due index (overdue, due this week), so on SQLite the district
    filter must not lure the planner onto the district index (137 ms → 2 ms for a lead at 100,000)."""
    district = _unindexed(Case.district) if by_due else Case.district
    query = query.where(district.in_(districts_of(actor)))
    if actor is not None and actor.role == Role.ADVISER:
        query = query.where(or_(Case.adviser_id == actor.id, Case.adviser_id.is_(None)))
    return query


def due_cases(session: Session, *, actor: Actor | None = None, today: date, limit: int = 100) -> tuple[list[CaseRow], list[CaseRow]]:
    """(overdue, due from today to Sunday) among the actor's cases, earliest first."""
    week_end = today + timedelta(days=6 - today.weekday())
    query = _row_query()
    # an adviser's query is served by ix_case_district_next_due_adviser; a lead's walks ix_case_next_due
    query = _mine(query, actor, by_due=_hints(session) and (actor is None or actor.role != Role.ADVISER))
    overdue = session.exec(query.where(Case.next_due < today).order_by(Case.next_due, Case.id).limit(limit)).all()
    this_week = session.exec(
        query.where(Case.next_due >= today, Case.next_due <= week_end).order_by(Case.next_due, Case.id).limit(limit)
    ).all()
    return [CaseRow(*r) for r in overdue], [CaseRow(*r) for r in this_week]


def due_counts(session: Session, *, actor: Actor | None = None, today: date) -> tuple[int, int]:
    week_end = today + timedelta(days=6 - today.weekday())
    base = _mine(select(func.count()).select_from(Case), actor)
    overdue = session.exec(base.where(Case.next_due < today)).one()
    this_week = session.exec(base.where(Case.next_due >= today, Case.next_due <= week_end)).one()
    return overdue, this_week


def state_counts(session: Session, *, actor: Actor | None = None, district: str | None = None) -> dict[tuple[str, str], int]:
    """Cases per (district, state) in the actor's districts (or in `district`)."""
    districts = [d for d in districts_of(actor) if district is None or d == district]
    query = (
        select(Case.district, Case.state, func.count())
        .where(Case.district.in_(districts))
        .group_by(Case.district, Case.state)
    )
    return {(d, s): n for d, s, n in session.exec(query).all()}


def failed_reminders(session: Session, *, actor: Actor | None = None, limit: int = 20) -> tuple[list[OutboxMessage], int]:
    condition = (OutboxMessage.state == OutboxState.FAILED.value, OutboxMessage.district.in_(districts_of(actor)))
    rows = session.exec(select(OutboxMessage).where(*condition).order_by(OutboxMessage.id.desc()).limit(limit)).all()
    total = session.exec(select(func.count()).select_from(OutboxMessage).where(*condition)).one()
    return list(rows), total


def quarantined_files(session: Session, *, actor: Actor | None = None, limit: int = 20) -> tuple[list[IntakeFile], int]:
    """Files the inbox turned away into quarantine, for cases of the actor's districts. A file whose
    folder names no known case belongs to no district; only a lead (both districts) sees it."""
    # correlated through the unique reference index: quarantined files are few, cases many (an IN over
    # every reference of a district took 340 ms at 100,000 cases)
    in_scope = exists().where(Case.reference == IntakeFile.case_reference, Case.district.in_(districts_of(actor)))
    if actor is None or actor.role == Role.LEAD:
        in_scope = or_(
            in_scope,
            IntakeFile.case_reference.is_(None),
            IntakeFile.case_reference.not_in(select(Case.reference)),
        )
    condition = (IntakeFile.quarantine_path.is_not(None), IntakeFile.outcome != "released", in_scope)
    rows = session.exec(select(IntakeFile).where(*condition).order_by(IntakeFile.id.desc()).limit(limit)).all()
    total = session.exec(select(func.count()).select_from(IntakeFile).where(*condition)).one()
    return list(rows), total


def quarantined_file_by_id(session: Session, file_id: int, *, actor: Actor | None = None) -> IntakeFile:
    """One file in quarantine of a case in the actor's districts (NotFound otherwise, as for a case)."""
    row = session.get(IntakeFile, file_id)
    if row is None or row.quarantine_path is None or row.case_reference is None:
        raise NotFound("file", str(file_id))
    case = session.exec(select(Case).where(Case.reference == row.case_reference)).first()
    if case is None or case.district not in districts_of(actor):
        raise NotFound("file", str(file_id))
    return row


def next_deadline_kinds(session: Session, *, references: Collection[str]) -> dict[str, str]:
    """reference → the kind of the case's earliest open deadline (the one `Case.next_due` holds), for
    the lists that name the deadline beside its date."""
    if not references:
        return {}
    rows = session.exec(
        select(Case.reference, Deadline.kind).join(Case, Case.id == Deadline.case_id)
        .where(Case.reference.in_(list(references)), Deadline.status == "open", Deadline.due.is_not(None))
        .order_by(Deadline.due.desc())
    ).all()
    return dict(rows)  # the earliest due comes last and wins
