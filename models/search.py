"""The case search's own structures (migration 0011) and the reads and writes on them.

One document per case: the folded forms of the person's names (own script and Latin), the reference,
the profession as typed and the reference occupation (`domain.search.case_search_text`), written by
`services.search` whenever one of them changes. The databases' own engines find the documents:

The case's district is kept beside its document, so that the search keeps to the adviser's
districts without reading the (wide) case rows.

- SQLite: `case_search`, an FTS5 table with the trigram tokenizer (rowid = the case's id); a word of
  the query is a quoted phrase, so a part of a name matches ("enko") and nothing a person types is
  read as FTS5 syntax (`"`, `*`, `NEAR(`, `AND`: the fold leaves only letters, digits and spaces).
- PostgreSQL: `case_search (case_id, district, document)` with a GIN index `gin_trgm_ops` (pg_trgm): `LIKE
  '%enko%'` is answered from the index.

Typos are corrected against `search_word`, the distinct words of all documents (a few thousand where
there are 100,000 cases): the words sharing trigrams with the typed one (pg_trgm's `%` and `<%` on
PostgreSQL; an FTS5 trigram table over the words on SQLite), then the edit distance
(`domain.search.corrections`) keeps the close ones. A typed word is corrected only when it matches
nothing as it is, so a correction never hides an exact match.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Integer, bindparam, text
from sqlmodel import Session

from domain.search import QueryWord, corrections, document_words

CANDIDATE_WORDS = 300  # words fetched from the index per typo before the edit distance decides


# ------------------------------------------------------------------------------------ writes


def store_documents(session: Session, documents: Mapping[int, tuple[str, str]]) -> None:
    """Write the documents of these cases (case id → (district, document)), replacing what was
    stored, and add their words to `search_word`. The district is kept beside the document, so that
    the search keeps to the adviser's districts without reading the cases."""
    if not documents:
        return
    replaced = _stored_words(session, list(documents))
    rows = [{"id": case_id, "district": district, "document": document} for case_id, (district, document) in documents.items()]
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(
            "INSERT INTO case_search (case_id, district, document) VALUES (:id, :district, :document) "
            "ON CONFLICT (case_id) DO UPDATE SET district = excluded.district, document = excluded.document"
        ), rows)
    else:
        session.execute(text("DELETE FROM case_search WHERE rowid = :id"), [{"id": r["id"]} for r in rows])
        session.execute(text("INSERT INTO case_search (rowid, district, document) VALUES (:id, :district, :document)"), rows)
    words = {word for _, document in documents.values() for word in document_words(document)}
    add_words(session, words)
    drop_unused_words(session, replaced - words)


def delete_documents(session: Session, case_ids: Collection[int]) -> None:
    """Remove these cases' documents and the words no other document holds (a case erased leaves
    no name behind in the search's word list)."""
    ids = sorted(set(case_ids))
    if not ids:
        return
    words = _stored_words(session, ids)
    key = "case_id" if session.get_bind().dialect.name == "postgresql" else "rowid"
    session.execute(text(f"DELETE FROM case_search WHERE {key} = :id"), [{"id": i} for i in ids])
    drop_unused_words(session, words)


def _stored_words(session: Session, case_ids: list[int]) -> set[str]:
    """The words of the documents stored now for these cases (before they are replaced)."""
    if not case_ids:
        return set()
    key = "case_id" if session.get_bind().dialect.name == "postgresql" else "rowid"
    statement = text(f"SELECT document FROM case_search WHERE {key} IN :ids").bindparams(bindparam("ids", expanding=True))
    return {word for (document,) in session.execute(statement, {"ids": case_ids}) for word in document_words(document)}


def drop_unused_words(session: Session, words: Iterable[str]) -> int:
    """Delete from `search_word` those of `words` that no stored document contains any more, so that
    a corrected or erased name is no longer offered as a typo's correction. One index lookup per
    word (the few words of the documents just replaced); the number deleted."""
    postgres = session.get_bind().dialect.name == "postgresql"
    unused = []
    with index_scans(session):
        for word in sorted(set(words)):
            if postgres:
                used = session.execute(text("SELECT 1 FROM case_search WHERE document LIKE :p LIMIT 1"), {"p": _like(word)})
            else:
                used = session.execute(text("SELECT 1 FROM case_search WHERE case_search MATCH :m LIMIT 1"),
                                       {"m": _quoted(word)})
            if used.first() is None:
                unused.append({"word": word})
    if unused:
        session.execute(text("DELETE FROM search_word WHERE word = :word"), unused)
    return len(unused)


def add_words(session: Session, words: Iterable[str]) -> None:
    words = sorted(set(words))
    if words:
        session.execute(text("INSERT INTO search_word (word) VALUES (:word) ON CONFLICT (word) DO NOTHING"),
                        [{"word": w} for w in words])


# ------------------------------------------------------------------------------------ reads


@dataclass(frozen=True)
class PlannedWord:
    """A query word with what it may match: its folded forms, and for a word that matched nothing as
    typed, the stored words it may have meant with their edits."""

    forms: tuple[str, ...]
    short: bool
    corrected: tuple[tuple[str, int], ...] = ()

    @property
    def alternatives(self) -> tuple[str, ...]:
        return self.forms + tuple(word for word, _ in self.corrected)


@dataclass(frozen=True)
class SearchPlan:
    """What a search text asks, resolved once per list: the words, and whether one of them can match
    nothing at all (then no case matches)."""

    words: tuple[PlannedWord, ...]
    impossible: bool = False

    @property
    def ranked(self) -> bool:
        """Some word was corrected: the closer corrections come first."""
        return any(w.corrected for w in self.words)

    @property
    def indexed(self) -> bool:
        """At least one word of three letters or more: the trigram index finds the candidates."""
        return any(not w.short for w in self.words)


def _quoted(form: str) -> str:
    """An FTS5 string: double quotes doubled (the fold leaves none; this is the second belt)."""
    return '"' + form.replace('"', '""') + '"'


def _like(form: str) -> str:
    return "%" + form.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _fts_match(alternatives_per_word: Iterable[Iterable[str]]) -> str:
    return " AND ".join("(" + " OR ".join(_quoted(a) for a in alts) + ")" for alts in alternatives_per_word)


def _has_match(session: Session, forms: tuple[str, ...], districts: Collection[str]) -> bool:
    """Whether a folded word matches some case of these districts as a substring."""
    params = {"districts": list(districts)}
    if session.get_bind().dialect.name == "postgresql":
        likes = " OR ".join(f"document LIKE :p{i}" for i in range(len(forms)))
        params.update({f"p{i}": _like(f) for i, f in enumerate(forms)})
        sql = f"SELECT 1 FROM case_search WHERE ({likes}) AND district IN :districts LIMIT 1"
    else:
        params["match"] = _fts_match([forms])
        sql = "SELECT 1 FROM case_search WHERE case_search MATCH :match AND district IN :districts LIMIT 1"
    statement = text(sql).bindparams(bindparam("districts", expanding=True))
    return session.execute(statement, params).first() is not None


def _trigrams(word: str) -> list[str]:
    return list(dict.fromkeys(word[i:i + 3] for i in range(len(word) - 2)))


def _candidate_words(session: Session, word: str) -> list[str]:
    """Stored words that share trigrams with `word`, the most alike first (bounded)."""
    if session.get_bind().dialect.name == "postgresql":
        sql = ("SELECT word FROM search_word WHERE word % :word OR :word <% word "
               "ORDER BY word_similarity(:word, word) DESC LIMIT :limit")
        return list(session.execute(text(sql), {"word": word, "limit": CANDIDATE_WORDS}).scalars())
    grams = _trigrams(word)
    if not grams:
        return []
    sql = ("SELECT word FROM search_word_trigram WHERE search_word_trigram MATCH :match "
           "ORDER BY rank LIMIT :limit")
    return list(session.execute(text(sql), {"match": " OR ".join(map(_quoted, grams)), "limit": CANDIDATE_WORDS}).scalars())


@contextmanager
def index_scans(session: Session):
    """On PostgreSQL, the trigram indexes for the statements inside. Its estimate for `LIKE '%…%'`
    is a guess (a few rows), so with a LIMIT it walks the table or its key instead, hoping for an
    early hit: 42 ms for a word that matches nothing at 100,000 cases, against 5 ms from the trigram
    index. Set for the transaction and taken back at the end of the block."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(text("SET LOCAL enable_seqscan = off"))
        session.execute(text("SET LOCAL enable_indexscan = off"))
    try:
        yield
    finally:
        if postgres:
            session.execute(text("SET LOCAL enable_seqscan = on"))
            session.execute(text("SET LOCAL enable_indexscan = on"))


def plan_search(session: Session, words: list[QueryWord], *, districts: Collection[str], alone_unmatched: bool = False) -> SearchPlan:
    """Resolve the query words: a word of three letters or more that matches no case of the
    districts as typed gets the stored words it may have meant (none: the search finds nothing).
    `alone_unmatched`: the caller knows that the query, one word, matched nothing as typed."""
    planned = []
    impossible = False
    for word in words:
        if word.short or not districts or (not alone_unmatched and _has_match(session, word.forms, districts)):
            planned.append(PlannedWord(word.forms, word.short))
            continue
        found: dict[str, int] = {}
        for form in word.forms:
            if " " in form:
                continue  # a hyphenated word ("haj-ali") is corrected word by word only when typed apart
            for stored, edits in corrections(form, _candidate_words(session, form)):
                found[stored] = min(edits, found.get(stored, edits))
        corrected = tuple(sorted(found.items(), key=lambda item: (item[1], item[0])))
        impossible = impossible or not corrected
        planned.append(PlannedWord(word.forms, word.short, corrected))
    return SearchPlan(tuple(planned), impossible)


def by_closeness(plan: SearchPlan) -> list[SearchPlan]:
    """The plan as plans to run one after the other, closest first: when one word was corrected, one
    plan per number of edits (each a bounded index lookup, no sort of every candidate by its rank);
    otherwise the plan itself."""
    corrected = [i for i, w in enumerate(plan.words) if w.corrected]
    if len(corrected) != 1:
        return [plan]
    index = corrected[0]
    word = plan.words[index]
    levels = sorted({edits for _, edits in word.corrected})
    return [
        SearchPlan(plan.words[:index] + (PlannedWord((), False, tuple(c for c in word.corrected if c[1] == level)),)
                   + plan.words[index + 1:], plan.impossible)
        for level in levels
    ]


def matching_cases(plan: SearchPlan, *, dialect: str, districts: Collection[str], cap: int | None = None):
    """SELECT id, rank FROM the documents of cases in `districts` matching every word of the plan (one
    of its alternatives as a substring; a short word as the start of a word). rank: the edits of the
    corrections used, 0 for a match as typed. At most `cap` rows (the closest first when some word
    was corrected): a part of a name that thousands of cases share is answered from the first ones
    the index gives, in a bounded time, and the page asks for more letters. Needs `plan.indexed`."""
    long_words = [w for w in plan.words if not w.short]
    short_words = [w for w in plan.words if w.short]
    params: dict[str, object] = {"districts": list(districts)}
    postgres = dialect == "postgresql"
    document = "document"
    position = "strpos" if postgres else "instr"
    conditions = []
    if postgres:
        for i, word in enumerate(long_words):
            likes = []
            for j, alternative in enumerate(word.alternatives):
                params[f"w{i}_{j}"] = _like(alternative)
                likes.append(f"{document} LIKE :w{i}_{j}")
            conditions.append("(" + " OR ".join(likes) + ")")
    else:
        params["match"] = _fts_match(w.alternatives for w in long_words)
        conditions.append("case_search MATCH :match")
    conditions.append("district IN :districts")
    for i, word in enumerate(short_words):
        starts = []
        for j, form in enumerate(word.forms):
            params[f"s{i}_{j}"] = " " + form
            starts.append(f"{position}(' ' || {document}, :s{i}_{j}) > 0")
        conditions.append("(" + " OR ".join(starts) + ")")
    rank_terms = []
    corrected = [w for w in long_words if w.corrected]
    if len(corrected) == 1 and len({edits for _, edits in corrected[0].corrected}) == 1:
        rank_terms.append(str(int(corrected[0].corrected[0][1])))  # one word, its corrections all as close
        corrected = []
    for i, word in enumerate(corrected):
        whens = []
        for j, (stored, edits) in enumerate(word.corrected):
            params[f"r{i}_c{j}"] = stored
            whens.append(f"WHEN {position}({document}, :r{i}_c{j}) > 0 THEN {int(edits)}")
        rank_terms.append("(CASE " + " ".join(whens) + " ELSE 9 END)")
    rank = " + ".join(rank_terms) if rank_terms else "0"
    ordered = bool(corrected)
    key = "case_id" if postgres else "rowid"
    sql = f"SELECT {key} AS id, {rank} AS rank FROM case_search WHERE " + " AND ".join(conditions)
    if ordered:
        sql += " ORDER BY rank"
    if cap is not None:
        sql += f" LIMIT {int(cap)}"
    statement = text(sql).bindparams(bindparam("districts", expanding=True)).bindparams(**params)
    return statement.columns(id=Integer, rank=Integer)
