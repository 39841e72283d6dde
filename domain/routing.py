"""Routing: profession as typed → reference occupation (Referenzberuf) → regulated or not →
responsible body (zuständige Stelle) for the person's district, with the reason shown.

The match goes from certain to less certain: the exact synonym, then the synonym after folding
case, diacritics, punctuation and gender suffixes, then an inflected form ("медсестрою",
"öğretmenim"), a phrase ("Lehrerin für Mathematik") or a fuzzy match with a score. When the match
is not certain, routing offers up to five ranked candidates instead of a guess.

A word that is a known synonym outranks a string that only looks similar, so a query that names a
known profession never offers a profession of another family first ("Tierärztin" is not "Ärztin").

Where the body depends on where the training was done (teachers, lawyers), `route` takes
`eu_training`: True for EU/EEA/CH, False for a third country, None when not yet known; then the
reason names both bodies.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

from domain.catalogue import STEM_PREFIX, Body, Catalogue, Profession
from domain.errors import InvalidInput, UnknownDistrict, _clip
from domain.text import FILLER, MAX_QUERY_LENGTH, MIN_TYPO_LENGTH, QUALIFIERS, fold, fold_variants, trigrams

# A fuzzy match is taken as certain only when it is this close (Levenshtein ratio, 0–100) and this
# far ahead of the next reference occupation; otherwise candidates are offered. Tuned on
# tests/test_routing.py: a single typo in a word of 5+ letters scores ≥ 88.
FUZZY_ACCEPT = 88
FUZZY_LEAD = 4
FUZZY_FLOOR = 60
MAX_CANDIDATES = 5
SHORTLIST = 25  # words scored for candidates, chosen by shared trigrams
# Trigrams in more than this share of the indexed words ("er ", " ka") select nothing and cost the
# most: they are skipped for the shortlist, unless all trigrams of a text are that common; then the
# rarest RARE_FALLBACK of them are used. (A share, not a count: the catalogue grows.)
COMMON_TRIGRAM_SHARE = 0.06
RARE_FALLBACK = 3
# A phrase: the words that are a known synonym score this, the first of them (the head in German,
# English, Ukrainian, Russian, Arabic and Farsi) a little more; a merely similar string (WRatio)
# scores below them, so it is never offered first.
SPAN_SCORE = FUZZY_ACCEPT - 8
CERTAIN_PHRASE = FUZZY_ACCEPT + 2
SIMILAR_CAP = SPAN_SCORE - 4
# An inflected word: the synonym loses at most this many final letters ("медсестр-а") and the word
# adds at most this many ("медсестр-ою", "öğretmen-im"), after a common stem of STEM_PREFIX letters.
STEM_SYNONYM_ENDING = 1
STEM_WORD_ENDING = 3
ARABIC_ARTICLE = "ال"

Method = Literal["exact", "normalised", "inflected", "phrase", "fuzzy"]

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
    eu_training: bool | None = None

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
            "eu_training": self.eu_training,
            "procedure_family": profession.procedure_family if profession else None,
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


def route(
    text: str | None, district: str | None, catalogue: Catalogue, *, eu_training: bool | None = None
) -> Routing:
    """Route one profession for one district. Raises InvalidInput for bad input.

    `eu_training`: where the training was done (True EU/EEA/CH, False third country, None unknown);
    it decides the body for teachers and lawyers and which compensation measures the reason names.
    """
    query = validate_profession_text(text)
    district_key = resolve_district(district, catalogue)

    folded = fold(query)
    keys, method, score = _exact(query, folded, catalogue)
    if len(keys) == 1:
        return _matched(query, district_key, catalogue.professions[keys[0]], method, score, catalogue, eu_training)
    if len(keys) > 1:
        ranked = [(catalogue.professions[k], 100) for k in keys]
        return _unmatched(query, district_key, ranked, catalogue, ambiguous=True, eu_training=eu_training)

    ranked, methods, phrase = _near(folded, catalogue)
    if ranked:
        (best, best_score), runner_up = ranked[0], (ranked[1][1] if len(ranked) > 1 else 0)
        if best_score >= FUZZY_ACCEPT and best_score - runner_up >= FUZZY_LEAD:
            return _matched(query, district_key, best, methods[best.key], best_score, catalogue, eu_training)
    candidates = _candidates(folded, ranked, catalogue, cap=SIMILAR_CAP if phrase else 100)
    return _unmatched(query, district_key, candidates, catalogue, ambiguous=False, eu_training=eu_training)


def _exact(query: str, folded: str, catalogue: Catalogue) -> tuple[tuple[str, ...], Method | None, int]:
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


def _one_deletion_apart(folded: str, catalogue: Catalogue) -> list[int]:
    """The positions of the choices that share a string with `folded` after deleting at most one
    character from each (symmetric delete): exactly those at most two insertions or deletions apart
    (Indel distance) whose lengths differ by one at most. rapidfuzz compares the choices of those
    three lengths in C, so no index of deletions has to be built or loaded. A deletion is made only
    from a word of MIN_TYPO_LENGTH letters or more, so two different words are near only when the
    longer of them has that many."""
    buckets = catalogue.memo.get("choices_by_length")
    if buckets is None:
        grouped: dict[int, list[int]] = {}
        for position, choice in enumerate(catalogue.choices):
            grouped.setdefault(len(choice), []).append(position)
        buckets = {n: (tuple(ps), [catalogue.choices[p] for p in ps]) for n, ps in grouped.items()}
        catalogue.memo["choices_by_length"] = buckets
    near = []
    for length in (len(folded) - 1, len(folded), len(folded) + 1):
        positions, choices = buckets.get(length, ((), []))
        if not choices:
            continue
        for choice, _, index in process.extract(folded, choices, scorer=Indel.distance, score_cutoff=2, limit=None):
            if choice == folded or max(len(choice), len(folded)) >= MIN_TYPO_LENGTH:
                near.append(positions[index])
    return near


def _near(folded: str, catalogue: Catalogue) -> tuple[list[tuple[Profession, int]], dict[str, Method], bool]:
    """Matches that may be taken as certain, best first, each with its score and method, and whether
    a word of the text is itself a known synonym (then similar-looking strings rank below it).

    - A typo: the query and a synonym share a one-character deletion (symmetric delete), so
      they are at most two edits apart; the plain Levenshtein ratio is the score. This covers a
      dropped, doubled, wrong or swapped letter.
    - An inflected word: "медсестрою", "лікарем", "öğretmenim", "پرستارم" (see `_inflected`).
    - A phrase: words that are a synonym ("Ich bin Krankenschwester"); see `_phrase`.
    "Tierärztin" only overlaps "Ärztin" and is neither, so it is never taken for it.
    """
    best: dict[str, int] = {}
    methods: dict[str, Method] = {}

    def offer(keys, score: int, method: Method) -> None:
        for key in keys:
            if score > best.get(key, 0):
                best[key], methods[key] = score, method

    for position in _one_deletion_apart(folded, catalogue):
        offer(catalogue.owners[position], round(fuzz.ratio(folded, catalogue.choices[position])), "fuzzy")

    words = folded.split()
    phrase = False
    if len(words) == 1:
        offer(_inflected(folded, catalogue), FUZZY_ACCEPT, "inflected")
    elif words:
        spans = _spans(words, catalogue)
        if spans:
            phrase = True
            _phrase(words, spans, catalogue, offer)
    ranked = sorted(best.items(), key=lambda item: (-item[1], catalogue.professions[item[0]].name))
    return [(catalogue.professions[key], score) for key, score in ranked], methods, phrase


def _inflected(word: str, catalogue: Catalogue) -> tuple[str, ...]:
    """The professions whose one-word synonym this word inflects: a common stem of at least
    STEM_PREFIX letters, the synonym losing at most one final letter (its nominative ending) and the
    word adding at most three ("медсестра" → "медсестрою", "öğretmen" → "öğretmenim"). A leading
    Arabic article is dropped first ("الممرضة"). A derivation that only starts the same
    ("matematik" → "matematikçi") changes more of the synonym and does not count."""
    if word.startswith(ARABIC_ARTICLE) and len(word) > len(ARABIC_ARTICLE) + 2:
        keys = catalogue.index.get(word[len(ARABIC_ARTICLE):])
        if keys:
            return keys
        word = word[len(ARABIC_ARTICLE):]
    if len(word) < STEM_PREFIX:
        return ()
    found: list[str] = []
    for position in catalogue.stems.get(word[:STEM_PREFIX], ()):
        synonym = catalogue.choices[position]
        common = STEM_PREFIX
        limit = min(len(word), len(synonym))
        while common < limit and word[common] == synonym[common]:
            common += 1
        if len(synonym) - common <= STEM_SYNONYM_ENDING and len(word) - common <= STEM_WORD_ENDING and word != synonym:
            found.extend(key for key in catalogue.owners[position] if key not in found)
    return tuple(found)


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int
    keys: tuple[str, ...]
    exact: bool  # the words are a synonym as such; False for an inflected word


def _spans(words: list[str], catalogue: Catalogue) -> list[_Span]:
    """The parts of a phrase that are synonyms, longest first, not overlapping, in text order."""
    taken = [False] * len(words)
    spans: list[_Span] = []
    for size in range(len(words) - 1, 0, -1):
        for i in range(len(words) - size + 1):
            if any(taken[i : i + size]):
                continue
            part = words[i : i + size]
            if all(w in FILLER or w in QUALIFIERS for w in part):
                continue
            keys = catalogue.index.get(" ".join(part))
            if keys:
                spans.append(_Span(i, i + size, keys, exact=True))
                taken[i : i + size] = [True] * size
    for i, word in enumerate(words):
        if not taken[i] and word not in FILLER and word not in QUALIFIERS:
            keys = _inflected(word, catalogue)
            if keys:
                spans.append(_Span(i, i + 1, keys, exact=False))
    return sorted(spans, key=lambda span: span.start)


def _phrase(words: list[str], spans: list[_Span], catalogue: Catalogue, offer) -> None:
    """Score the synonyms found in a phrase.

    - Only filler around one synonym ("Ich bin gelernte Krankenschwester", "я працювала
      медсестрою") makes it certain.
    - A qualifier after it ("Lehrerin für Mathematik", "вчитель з математики") narrows it: a synonym
      of the same family in the qualifier is the more specific profession ("Ingenieur für
      Elektrotechnik" → Elektroingenieur/in) and certain; a synonym of another family there
      ("Mathematik") is the subject, not the profession, and ranks low. The head is certain unless
      the qualifier resembles another profession of its family.
    - Other words ("Ingenieur Elektrik", "Krankenschwester aus Kiew") leave candidates, the first
      synonym first: German, English, Ukrainian, Russian, Arabic and Farsi name the head first.
    """
    head = spans[0]
    professions = catalogue.professions
    before, after = words[: head.start], words[head.end :]
    certain = CERTAIN_PHRASE if head.exact else FUZZY_ACCEPT
    method: Method = "phrase" if head.exact else "inflected"
    if any(w not in FILLER for w in before):
        certain = None
    if certain and after and after[0] in QUALIFIERS:
        families = {professions[k].family for k in head.keys}
        narrower = [k for span in spans[1:] for k in span.keys if professions[k].family in families]
        for span in spans[1:]:
            offer([k for k in span.keys if k not in narrower], SPAN_SCORE - 10, "fuzzy")
        if narrower:
            offer(narrower, CERTAIN_PHRASE, "phrase")
            offer(head.keys, SPAN_SCORE, method)
            return
        rivals = _rivals(" ".join(after[1:]), families, head.keys, catalogue)
        if rivals:
            offer(rivals, SPAN_SCORE + 2, "fuzzy")
            offer(head.keys, SPAN_SCORE, method)
        else:
            offer(head.keys, certain, method)
        return
    if certain and len(spans) == 1 and all(w in FILLER for w in after):
        offer(head.keys, certain, method)
        return
    for i, span in enumerate(spans):
        offer(span.keys, SPAN_SCORE - (0 if span.exact else 1) - (0 if i == 0 else 2), "fuzzy")


def _rivals(qualifier: str, families: set[str], head: tuple[str, ...], catalogue: Catalogue) -> list[str]:
    """Professions of the head's family that the qualifier resembles ("Mechaniker für Land- und
    Baumaschinentechnik"): then the head is not certain."""
    if not qualifier:
        return []
    rivals: list[str] = []
    for position in _shortlist(qualifier, catalogue):
        if fuzz.WRatio(qualifier, catalogue.choices[position], score_cutoff=FUZZY_ACCEPT + 2):
            rivals.extend(
                k for k in catalogue.owners[position]
                if k not in head and k not in rivals and catalogue.professions[k].family in families
            )
    return rivals


def _shortlist(folded: str, catalogue: Catalogue) -> list[int]:
    """The SHORTLIST choices sharing the most character trigrams with the text: a shortlist from the
    trigram index instead of a scan of every synonym."""
    common = catalogue.memo.get("common trigram")
    if common is None:
        common = catalogue.memo["common trigram"] = max(1, round(len(catalogue.choices) * COMMON_TRIGRAM_SHARE))
    postings = [catalogue.trigrams.get(gram, ()) for gram in trigrams(folded)]
    selective = [p for p in postings if len(p) <= common]
    if not selective:
        selective = sorted((p for p in postings if p), key=len)[:RARE_FALLBACK]
    shared: Counter[int] = Counter()
    for positions in selective:
        shared.update(positions)
    return [position for position, _ in shared.most_common(SHORTLIST)]


def _candidates(
    folded: str, near: list[tuple[Profession, int]], catalogue: Catalogue, *, cap: int = 100
) -> list[tuple[Profession, int]]:
    """Up to MAX_CANDIDATES reference occupations ranked by similarity (rapidfuzz WRatio, which
    also weighs shared parts of words: "Bauarbeiter" ranks the Bau- trades first).

    `cap` keeps a merely similar string below the words of the text that are known synonyms.
    """
    best = {profession.key: score for profession, score in near}
    for position in _shortlist(folded, catalogue):
        score = min(cap, round(fuzz.WRatio(folded, catalogue.choices[position], score_cutoff=FUZZY_FLOOR)))
        if score >= FUZZY_FLOOR:
            for key in catalogue.owners[position]:
                best[key] = max(best.get(key, 0), score)
    ranked = sorted(best.items(), key=lambda item: (-item[1], catalogue.professions[item[0]].name))
    return [(catalogue.professions[key], score) for key, score in ranked[:MAX_CANDIDATES]]


def _body(profession: Profession, district: str, catalogue: Catalogue, eu_training: bool | None = None) -> Body:
    return catalogue.bodies[profession.body_for(district, eu_training)]


_METHOD_TEXT = {
    "exact": "Treffer in der Synonymliste",
    "normalised": "Treffer nach Vereinheitlichung von Groß-/Kleinschreibung, Akzenten und Genderformen",
    "inflected": "Treffer nach Abtrennen einer Wortendung",
    "phrase": "Treffer im Satz; die übrigen Wörter sind Füllwörter oder eine nähere Angabe",
}

REFERENCE_OCCUPATION_SOURCE = "https://www.migrationsportal.de/service/glossar/r/referenzberuf"
ZAB_SOURCE = "https://www.kmk.org/zab"


def _regulation_text(profession: Profession) -> str:
    """What the law ties to the qualification (§ 3 Abs. 5 BQFG). Title protection (NIngG, NArchtG)
    is said as such: the work is free, so nobody is told a licence is needed to be hired."""
    facts = profession.procedure_facts
    if facts is not None and facts.key == "zab_statement" or facts is None and profession.group == "academic":
        return (
            "Der Abschluss führt nicht zu einem reglementierten Beruf: Es gibt kein Anerkennungsverfahren, "
            f"die ZAB stellt eine Zeugnisbewertung aus (Vergleich, keine Anerkennung; {ZAB_SOURCE})."
        )
    if facts is not None and facts.regulates.value == "title":
        return (
            f"Geschützt ist nur die Berufsbezeichnung ({profession.law}): Die Tätigkeit ist ohne Anerkennung "
            "erlaubt; wer den Titel führen will, braucht die Entscheidung der zuständigen Stelle."
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


def _unverified(verified: bool) -> str:
    return "" if verified else " (ungeprüft)"


_URL = re.compile(r"https?://[^\s;,)]+")
_URL_WITH_NOTE = re.compile(r"https?://[^\s;,)]+(\s*\([^)]*\))?")


def _cite(fact, urls: list[str], said: str = "") -> str:
    """" (§ 3 Abs. 3 BÄO)" for the reason, the fact's URLs collected for one list at the end;
    a law the sentence already names (`said`) is not repeated."""
    for url in _URL.findall(fact.source):
        if url not in urls:
            urls.append(url)
    rest = re.sub(r"\(\s*\)", "", _URL_WITH_NOTE.sub("", fact.source))
    laws = [part.strip(" ,") for part in rest.split(";")]
    laws = [law for law in laws if law and law not in said]
    return (f" ({'; '.join(laws)})" if laws else "") + _unverified(fact.verified)


def _measures(fact, origin: str, urls: list[str]) -> str:
    compensation = fact.value
    if not compensation.measures:
        if not fact.note:
            return ""
        note = fact.note.rstrip(".")
        return f"{origin}: keine – {note}{_cite(fact, urls, note)}"
    choice = " nach Wahl" if compensation.applicant_chooses else ""
    return f"{origin}: {' oder '.join(compensation.measures)}{choice}{_cite(fact, urls)}"


def _procedure_text(profession: Profession, eu_training: bool | None) -> str | None:
    """What comes after a positive decision, said at the first routing so the person hears of the
    licence, the compensation measure, the language exam and the late documents early. Each
    statement cites its law; the public pages follow in one list."""
    facts = profession.procedure_facts
    if facts is None or facts.regulates.value == "none":
        return None
    urls: list[str] = []
    parts = []
    if facts.licence.value:
        parts.append(f"Nach positivem Bescheid: {facts.licence.value}{_cite(facts.licence, urls)}.")
    origins = (
        [(facts.compensation(eu_training), "Ausbildung in EU/EWR/Schweiz" if eu_training else "Ausbildung im Drittstaat")]
        if eu_training is not None
        else [(facts.compensation_third_country, "Drittstaat"), (facts.compensation_eu, "EU/EWR/Schweiz")]
    )
    measures = [text for fact, origin in origins if (text := _measures(fact, origin, urls))]
    if measures:
        parts.append("Ausgleichsmaßnahme bei wesentlichen Unterschieden – " + "; ".join(measures) + ".")
    language = facts.language.value
    if language is not None:
        exam = f", {language.exam}" if language.exam else ""
        where = f" bei der {language.body}" if language.body else ""
        parts.append(f"Deutsch {language.level}{exam}{where}{_cite(facts.language, urls)}.")
    if facts.licence_documents.value:
        parts.append(
            "Erst vor der Erteilung verlangt: " + ", ".join(facts.licence_documents.value)
            + f"{_cite(facts.licence_documents, urls)}."
        )
    if parts and urls:
        parts.append(f"Quellen zum Verfahren: {'; '.join(urls)}.")
    return " ".join(parts) or None


def _training_text(profession: Profession, eu_training: bool | None, catalogue: Catalogue) -> tuple[str | None, str | None]:
    """(text for the reason, conflict) where the body depends on the country of training."""
    routes = profession.by_training
    if routes is None:
        return None, None
    if eu_training is not None:
        chosen = routes.route(eu_training)
        origin = "EU/EWR/Schweiz" if eu_training else "einem Drittstaat"
        note = chosen.note.rstrip(".")
        return f"Ausbildung in {origin}: {note} (Quelle: {routes.source}{_unverified(routes.verified)}).", None
    eu, third = catalogue.bodies[routes.eu.body], catalogue.bodies[routes.third_country.body]
    conflict = (
        "Zuständigkeit nicht eindeutig: Sie hängt davon ab, wo die Ausbildung abgeschlossen wurde. "
        f"Ausbildung in EU/EWR/Schweiz: {_body_text(eu)} – {routes.eu.note} "
        f"Ausbildung in einem Drittstaat: {_body_text(third)} – {routes.third_country.note} "
        f"Bitte das Land der Ausbildung erfassen (Quelle: {routes.source}{_unverified(routes.verified)})."
    )
    return None, conflict


def _body_text(body: Body) -> str:
    return body.name + (f", {body.department}" if body.department else "") + f", {body.address}"


def explain(
    profession: Profession, district_key: str, catalogue: Catalogue, eu_training: bool | None = None
) -> tuple[str, str | None]:
    """The part of the reason that depends only on the profession, the district and the country of
    training, and the conflict note; computed once per combination (the catalogue is frozen).

    It cites the law and the public source (a URL) of every fact, never an internal file.
    """
    memo_key = ("explain", profession.key, district_key, eu_training)
    cached = catalogue.memo.get(memo_key)
    if cached is not None:
        return cached
    body = _body(profession, district_key, catalogue, eu_training)
    district = catalogue.districts[district_key]
    parts = [
        _regulation_text(profession),
        f"Rechtsgrundlage: {profession.legal_basis}"
        + ("" if profession.law in profession.legal_basis else f" ({profession.law})")
        + ".",
        f"Zuständig für {district.name}: {_body_text(body)}.",
        f"Quelle: {profession.source}{_unverified(profession.verified)}.",
    ]
    training, conflict = _training_text(profession, eu_training, catalogue)
    if training:
        parts.append(training)
    if profession.note:
        parts.append(f"Hinweis: {profession.note}")
    if not body.verified and body.verified_note:
        parts.append(f"Angaben zur Stelle teilweise ungeprüft: {body.verified_note}.")
    procedure = _procedure_text(profession, eu_training)
    if procedure:
        parts.append(procedure)
    if profession.conflict:
        other = catalogue.bodies[profession.conflict.body]
        conflict = f"Zuständigkeit nicht eindeutig: {profession.conflict.note} Alternative: {_body_text(other)}."
    if conflict:
        parts.append(conflict)
    catalogue.memo[memo_key] = result = (" ".join(parts), conflict)
    return result


def _matched(query, district_key, profession, method, score, catalogue, eu_training=None) -> Routing:
    how = _METHOD_TEXT.get(method) or f"ähnliche Schreibweise, Übereinstimmung {score} %"
    text, conflict = explain(profession, district_key, catalogue, eu_training)
    reason = f"„{_clip(query, 60)}“ → Referenzberuf {profession.name} ({how}). {text}"
    body = _body(profession, district_key, catalogue, eu_training)
    return Routing(query, district_key, method, score, profession, body, reason, (), conflict, eu_training)


def _unmatched(query, district_key, ranked, catalogue, *, ambiguous: bool, eu_training: bool | None = None) -> Routing:
    candidates = tuple(
        Candidate(profession, score, _body(profession, district_key, catalogue, eu_training))
        for profession, score in ranked[:MAX_CANDIDATES]
    )
    if ambiguous:
        reason = (
            f"„{_clip(query, 60)}“ passt zu mehreren Referenzberufen. Bitte den passenden auswählen; "
            "der Referenzberuf wird vor dem Antrag im Einvernehmen mit der Stelle festgelegt "
            f"({REFERENCE_OCCUPATION_SOURCE})."
        )
    elif candidates:
        reason = (
            f"„{_clip(query, 60)}“ ist keinem Referenzberuf sicher zuzuordnen. Vorschläge nach Ähnlichkeit; "
            "bitte einen auswählen oder den Beruf genauer angeben."
        )
    else:
        reason = (
            f"„{_clip(query, 60)}“ ist unbekannt. Bitte den Beruf genauer angeben oder im "
            "Anerkennungs-Finder (https://www.anerkennung-in-deutschland.de) nachschlagen."
        )
    score = candidates[0].score if candidates else 0
    return Routing(query, district_key, None, score, None, None, reason, candidates, None, eu_training)
