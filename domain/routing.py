"""Routing: profession as typed → reference occupation (Referenzberuf) → regulated or not →
responsible body (zuständige Stelle) for the person's district, with the reason shown.

The match goes from certain to less certain: the exact synonym, then the synonym after folding
case, diacritics, punctuation and gender suffixes, then a fuzzy match with a score. When the match
is not certain, routing offers up to five ranked candidates instead of a guess.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from domain.catalogue import Body, Catalogue, Profession
from domain.errors import InvalidInput, UnknownDistrict, _clip
from domain.text import (
    FILLER,
    MAX_QUERY_LENGTH,
    deletions,
    fold,
    fold_variants,
    trigrams,
)

# A fuzzy match is taken as certain only when it is this close (Levenshtein ratio, 0–100) and this
# far ahead of the next reference occupation; otherwise candidates are offered. Tuned on
# tests/test_routing.py: a single typo in a word of 5+ letters scores ≥ 88.
FUZZY_ACCEPT = 88
FUZZY_LEAD = 4
FUZZY_FLOOR = 60
MAX_CANDIDATES = 5
SHORTLIST = 25  # words scored for candidates, chosen by shared trigrams
COMMON_TRIGRAM = 250  # trigrams in more words than this are skipped for the shortlist

Method = Literal["exact", "normalised", "fuzzy"]

REGULATED_DEFINITION = "§ 3 Abs. 5 BQFG"


@dataclass(frozen=True, slots=True)
class Candidate:
    profession: Profession
    score: int
    body: Body


@dataclass(frozen=True, slots=True)
class Routing:
    query: str
    district: str
    method: Method | None
    score: int
    profession: Profession | None
    body: Body | None
    reason: str
    candidates: tuple[Candidate, ...]
    conflict: str | None = None

    @property
    def matched(self) -> bool:
        return self.profession is not None

    def as_dict(self) -> dict:
        """The JSON shape of `welcome-center route --json`."""
        profession = self.profession
        return {
            "query": self.query,
            "district": self.district,
            "reference_occupation": profession.name if profession else None,
            "reference_occupation_key": profession.key if profession else None,
            "regulated": profession.regulated if profession else None,
            "law": profession.law if profession else None,
            "legal_basis": profession.legal_basis if profession else None,
            "body": _body_dict(self.body) if self.body else None,
            "reason": self.reason,
            "match": self.method,
            "score": self.score,
            "conflict": self.conflict,
            "candidates": [
                {
                    "key": c.profession.key,
                    "reference_occupation": c.profession.name,
                    "score": c.score,
                    "regulated": c.profession.regulated,
                    "body": c.body.key,
                }
                for c in self.candidates
            ],
        }


def _body_dict(body: Body) -> dict:
    return {
        "key": body.key,
        "name": body.name,
        "department": body.department,
        "address": body.address,
        "email": body.email,
        "phone": body.phone,
        "verified": body.verified,
    }


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc


def resolve_district(value: str | None, catalogue: Catalogue) -> str:
    """Accept the key in any case, the official name or the reference prefix (VER, OHZ)."""
    aliases = catalogue.memo.get("district aliases")
    if aliases is None:
        aliases = catalogue.memo["district aliases"] = {
            alias.casefold(): key
            for key, district in catalogue.districts.items()
            for alias in (key, district.name, district.short, district.reference_prefix)
        }
    key = aliases.get((value or "").strip().casefold())
    if key is None:
        raise UnknownDistrict(value or "", list(catalogue.districts))
    return key


def validate_profession_text(text: str | None) -> str:
    """The profession as typed: non-empty, at most MAX_QUERY_LENGTH characters, no control characters."""
    if text is None or not text.strip():
        raise InvalidInput("profession.empty", "profession")
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidInput("profession.too_long", "profession", length=len(text), limit=MAX_QUERY_LENGTH)
    text = text.strip()  # a trailing newline from a pasted value is harmless
    control = _CONTROL.search(text)
    if control:
        raise InvalidInput("profession.control_character", "profession", character=f"U+{ord(control.group()):04X}")
    return text


def route(text: str | None, district: str | None, catalogue: Catalogue) -> Routing:
    """Route one profession for one district. Raises InvalidInput for bad input."""
    query = validate_profession_text(text)
    district_key = resolve_district(district, catalogue)

    keys, method, score = _exact(query, catalogue)
    if len(keys) == 1:
        return _matched(query, district_key, catalogue.professions[keys[0]], method, score, catalogue)
    if len(keys) > 1:
        ranked = [(catalogue.professions[k], 100) for k in keys]
        return _unmatched(query, district_key, ranked, catalogue, ambiguous=True)

    folded = fold(query)
    ranked = _near(folded, catalogue)
    if ranked:
        (best, best_score), runner_up = ranked[0], (ranked[1][1] if len(ranked) > 1 else 0)
        if best_score >= FUZZY_ACCEPT and best_score - runner_up >= FUZZY_LEAD:
            return _matched(query, district_key, best, "fuzzy", best_score, catalogue)
    return _unmatched(query, district_key, _candidates(folded, ranked, catalogue), catalogue, ambiguous=False)


def _exact(query: str, catalogue: Catalogue) -> tuple[tuple[str, ...], Method | None, int]:
    folded = fold(query)
    keys = catalogue.index.get(folded)
    if keys:
        return keys, ("exact" if _is_literal_synonym(query, keys, catalogue) else "normalised"), 100
    for variant in fold_variants(query):
        keys = catalogue.index.get(variant)
        if keys:
            return keys, "normalised", 100
    return (), None, 0


def _is_literal_synonym(query: str, keys: tuple[str, ...], catalogue: Catalogue) -> bool:
    literal = catalogue.literal.get(unicodedata.normalize("NFC", query).casefold(), ())
    return any(key in literal for key in keys)


def _near(folded: str, catalogue: Catalogue) -> list[tuple[Profession, int]]:
    """Matches that may be taken as certain, best first, each with its score.

    - A typo: the query and a synonym share a one-character deletion (symmetric-delete index), so
      they are at most two edits apart; the plain Levenshtein ratio is the score. This covers a
      dropped, doubled, wrong or swapped letter.
    - A sentence: the query contains a whole synonym as words ("Ich bin Krankenschwester"); the
      longest synonym wins, and it is certain only when the other words are filler.
    "Tierärztin" only overlaps "Ärztin" and is neither, so it is offered, never guessed.
    """
    best: dict[str, int] = {}
    positions = set(catalogue.deletions.get(folded, ()))
    for variant in deletions(folded):
        positions.update(catalogue.deletions.get(variant, ()))
    for position in positions:
        score = round(fuzz.ratio(folded, catalogue.choices[position]))
        for key in catalogue.owners[position]:
            best[key] = max(best.get(key, 0), score)

    words = folded.split()
    if len(words) > 1:
        for size in range(len(words) - 1, 0, -1):
            for i in range(len(words) - size + 1):
                keys = catalogue.index.get(" ".join(words[i : i + size]), ())
                if not keys:
                    continue
                rest = words[:i] + words[i + size :]
                # only filler around it ("Ich bin gelernte ...") makes it certain; other words
                # ("Ingenieur Elektrik", "Krankenschwester aus Kiew") make it a candidate
                score = FUZZY_ACCEPT + 2 if all(w in FILLER for w in rest) else FUZZY_ACCEPT - 8
                for key in keys:
                    best[key] = max(best.get(key, 0), score)
            if best:
                break
    ranked = sorted(best.items(), key=lambda item: (-item[1], catalogue.professions[item[0]].name))
    return [(catalogue.professions[key], score) for key, score in ranked]


def _candidates(folded: str, near: list[tuple[Profession, int]], catalogue: Catalogue) -> list[tuple[Profession, int]]:
    """Up to MAX_CANDIDATES reference occupations ranked by similarity (rapidfuzz WRatio, which
    also weighs shared parts of words: "Bauarbeiter" ranks the Bau- trades first).

    Only the words sharing the most character trigrams with the query are scored: a shortlist
    from the trigram index instead of a scan of every synonym.
    """
    best = {profession.key: score for profession, score in near}
    shared: Counter[int] = Counter()
    for gram in trigrams(folded):
        postings = catalogue.trigrams.get(gram, ())
        if len(postings) <= COMMON_TRIGRAM:  # "er " or " ka" select nothing and cost the most
            shared.update(postings)
    for position, _ in shared.most_common(SHORTLIST):
        score = round(fuzz.WRatio(folded, catalogue.choices[position], score_cutoff=FUZZY_FLOOR))
        if score >= FUZZY_FLOOR:
            for key in catalogue.owners[position]:
                best[key] = max(best.get(key, 0), score)
    ranked = sorted(best.items(), key=lambda item: (-item[1], catalogue.professions[item[0]].name))
    return [(catalogue.professions[key], score) for key, score in ranked[:MAX_CANDIDATES]]


def _body(profession: Profession, district: str, catalogue: Catalogue) -> Body:
    return catalogue.bodies[profession.body_for(district)]


_METHOD_TEXT = {
    "exact": "Treffer in der Synonymliste",
    "normalised": "Treffer nach Vereinheitlichung von Groß-/Kleinschreibung, Akzenten und Genderformen",
}


def _regulation_text(profession: Profession) -> str:
    if profession.group == "academic":
        return (
            "Der Abschluss führt nicht zu einem reglementierten Beruf: Es gibt kein Anerkennungsverfahren, "
            "die ZAB stellt eine Zeugnisbewertung aus (Vergleich, keine Anerkennung; domain.md §1)."
        )
    if profession.regulated:
        return (
            f"Der Beruf ist reglementiert ({REGULATED_DEFINITION}): Die Anerkennung ist Pflicht, "
            "bevor der Beruf ausgeübt oder die Berufsbezeichnung geführt wird."
        )
    return (
        f"Der Beruf ist nicht reglementiert ({REGULATED_DEFINITION}): Er darf ohne Anerkennung ausgeübt "
        "werden; die Anerkennung ist freiwillig, hilft aber bei Bewerbungen."
    )


def explain(profession: Profession, district_key: str, catalogue: Catalogue) -> tuple[str, str | None]:
    """The part of the reason that depends only on the profession and the district, and the
    conflict note; computed once per pair (the catalogue is frozen)."""
    memo_key = ("explain", profession.key, district_key)
    cached = catalogue.memo.get(memo_key)
    if cached is not None:
        return cached
    body = _body(profession, district_key, catalogue)
    district = catalogue.districts[district_key]
    parts = [
        _regulation_text(profession),
        f"Rechtsgrundlage: {profession.legal_basis}"
        + ("" if profession.law in profession.legal_basis else f" ({profession.law})")
        + ".",
        f"Zuständig für {district.name}: {body.name}"
        + (f", {body.department}" if body.department else "")
        + f", {body.address}.",
        f"Quelle: {profession.source}" + ("" if profession.verified else " (ungeprüft)") + ".",
    ]
    if profession.note:
        parts.append(f"Hinweis: {profession.note}")
    if not body.verified and body.verified_note:
        parts.append(f"Angaben zur Stelle teilweise ungeprüft: {body.verified_note}.")
    conflict = None
    if profession.conflict:
        other = catalogue.bodies[profession.conflict.body]
        conflict = (
            f"Zuständigkeit nicht eindeutig: {profession.conflict.note} "
            f"Alternative: {other.name}" + (f", {other.department}" if other.department else "")
            + f", {other.address}."
        )
        parts.append(conflict)
    catalogue.memo[memo_key] = result = (" ".join(parts), conflict)
    return result


def _matched(query, district_key, profession, method, score, catalogue) -> Routing:
    how = _METHOD_TEXT.get(method) or f"ähnliche Schreibweise, Übereinstimmung {score} %"
    text, conflict = explain(profession, district_key, catalogue)
    reason = f"„{_clip(query, 60)}“ → Referenzberuf {profession.name} ({how}). {text}"
    body = _body(profession, district_key, catalogue)
    return Routing(query, district_key, method, score, profession, body, reason, (), conflict)


def _unmatched(query, district_key, ranked, catalogue, *, ambiguous: bool) -> Routing:
    candidates = tuple(
        Candidate(profession, score, _body(profession, district_key, catalogue))
        for profession, score in ranked[:MAX_CANDIDATES]
    )
    if ambiguous:
        reason = (
            f"„{_clip(query, 60)}“ passt zu mehreren Referenzberufen. Bitte den passenden auswählen; "
            "der Referenzberuf wird vor dem Antrag im Einvernehmen mit der Stelle festgelegt (domain.md §1)."
        )
    elif candidates:
        reason = (
            f"„{_clip(query, 60)}“ ist keinem Referenzberuf sicher zuzuordnen. Vorschläge nach Ähnlichkeit; "
            "bitte einen auswählen oder den Beruf genauer angeben."
        )
    else:
        reason = (
            f"„{_clip(query, 60)}“ ist unbekannt. Bitte den Beruf genauer angeben oder im "
            "Anerkennungs-Finder (anerkennung-in-deutschland.de) nachschlagen."
        )
    return Routing(query, district_key, None, candidates[0].score if candidates else 0, None, None, reason, candidates)
