"""German labels that advisers read on the web page and the command line: states of mails, recipients,
audit actions in sentences, confirmations, the form fields; kept apart from the handlers."""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache

from babel import Locale

from domain.calendar import format_date
from domain.checklist import ItemStatus
from domain.deadlines import Period
from domain.errors import InvalidInput
from domain.lifecycle import EVENT_DE, OUTCOME_DE, STATE_DE, CaseState, Event, Outcome
from domain.validation import ISO_639_1

OUTBOX_STATE_DE = {
    "pending": "wartet auf Versand", "sending": "wird gesendet", "sent": "gesendet",
    "failed": "fehlgeschlagen", "cancelled": "entfallen",
}


RECIPIENT_DE = {"adviser": "Beratung", "person": "Person", "body": "Stelle"}


ITEM_STATUS_CLASS = {
    ItemStatus.PRESENT: "ok", ItemStatus.MISSING: "missing",
    ItemStatus.NOT_TRANSLATED: "partial", ItemStatus.NOT_CERTIFIED: "partial",
}


ACTION_DE = {
    "case.open": "Fall angelegt", "person.create": "Person erfasst", "consent.record": "Einwilligung erfasst",
    "consent.withdraw": "Einwilligung widerrufen", "consent.keep": "Aufbewahrung nach Widerruf erfasst",
    "case.consent_withdrawn": "Einwilligung widerrufen: Verarbeitung gestoppt", "person.correct": "Angaben berichtigt",
    "document.add": "Dokument aufgenommen",
    "document.quarantine": "Datei abgelehnt (Quarantäne)", "letter.write": "Brief geschrieben",
    "letter.pdf": "PDF eines Briefs erstellt", "person.address": "Anschrift erfasst",
    "case.choose_occupation": "Referenzberuf gewählt", "case.funding": "Finanzierung festgehalten",
    "case.sme_link": "Betrieb verknüpft", "appointment.add": "Termin erfasst",
    "case.view": "Fall angesehen", "case.print": "Druckansicht geöffnet", "document.download": "Dokument heruntergeladen",
    "letter.download": "Brief heruntergeladen", "person.latin_name": "Name in lateinischer Schrift erfasst",
    "case.assign": "Beratung zugeordnet", "document.release": "Datei aus der Quarantäne dem Fall zugeordnet", "case.export": "Fallliste exportiert", "report.export": "Bericht heruntergeladen", "case.correct": "Datum eines Schritts berichtigt",
    "reminder.resend": "Erinnerung erneut zum Versand gegeben",
    "person.export": "Auskunft (Art. 15 DSGVO) erstellt",
    **{f"case.{event.value}": EVENT_DE[event] for event in Event},
}


OK_DE = {
    "angelegt": "Fall angelegt.",
    "angelegt_bekannt": "Fall angelegt. Die Person war schon erfasst; ihre gespeicherten Angaben sind unverändert.",
    "schritt": "Schritt erfasst; die Fristen sind neu berechnet.",
    "berichtigt": "Datum berichtigt; der ursprüngliche Eintrag bleibt im Verlauf, die Fristen sind neu berechnet.",
    "unterlage": "Datei geprüft und zum Fall genommen; die Checkliste ist aktualisiert.",
    "brief": "Brief geschrieben.",
    "brief_unveraendert": "Brief unverändert: dieselbe Fassung liegt schon vor.",
    "anschrift": "Anschrift gespeichert.",
    "einwilligung": "Einwilligung erfasst.",
    "widerruf": "Widerruf der Einwilligung erfasst; ausstehende Erinnerungen an die Person und die Stelle sind storniert.",
    "aufbewahrung": "Aufbewahrung mit Grund erfasst.",
    "berichtigt_person": "Angaben der Person berichtigt; der Verlauf hält alte und neue Werte fest, geschriebene Briefe "
                         "bleiben unverändert.",
    "referenzberuf": "Referenzberuf festgelegt; Zuständigkeit und Checkliste sind neu bestimmt.",
    "zugeordnet": "Datei aus der Quarantäne dem Fall zugeordnet; die Checkliste ist aktualisiert.",
}


OK_SECTION = {
    "schritt": "schritte", "berichtigt": "schritte", "unterlage": "checkliste", "zugeordnet": "checkliste", "brief": "briefe",
    "brief_unveraendert": "briefe", "anschrift": "briefe", "einwilligung": "person", "referenzberuf": "zuordnung",
    "widerruf": "person", "aufbewahrung": "person", "berichtigt_person": "person",
}
"""Where on the case page each confirmation shows: in the section of the form that was sent."""


# the details a step asks for on its button's form
PERIOD_UNITS = {"d": "Tage", "w": "Wochen", "m": "Monate"}


EVENT_PERIOD_UNITS = {Event.EXTEND: ("w", "m"), Event.SET_DEADLINE: ("d", "w")}


CONFIRM_EVENTS = {
    Event.WITHDRAW: "Antrag wirklich als zurückgezogen erfassen? Das lässt sich nicht rückgängig machen.",
    Event.CLOSE: "Fall wirklich abschließen? Danach sind keine weiteren Schritte möglich.",
}


LETTER_REFUSED_DE = {
    "person": "Die Anschrift der Person fehlt oder ist unvollständig (Straße, Postleitzahl, Ort); bitte unten unter "
              "„Anschrift der Person“ erfassen.",
    "person.postcode": "Die Postleitzahl der Person ist keine deutsche Postleitzahl (5 Ziffern); bitte die Anschrift korrigieren.",
    "body": "Die Anschrift der zuständigen Stelle ist im Katalog (data/bodies.yaml) unvollständig; bitte die Leitung informieren.",
    "--lang": "Briefe an die Stelle und an Betriebe werden nur auf Deutsch geschrieben; bitte „Deutsch“ wählen.",
    "outcome": "Der Fall hat noch keinen Bescheid; zuerst den Schritt „Bescheid erhalten“ erfassen.",
    "reference occupation": "Der Referenzberuf ist noch nicht festgelegt, daher gibt es keine zuständige Stelle.",
    "checklist": "Der Fall hat noch keine Unterlagen-Checkliste (Referenzberuf fehlt).",
    "consent": "Die Person hat nicht in die Verarbeitung und Weitergabe ihrer Daten eingewilligt.",
    "sme": "Dieser Betrieb ist nicht mit dem Fall verknüpft.",
    "sme.contact_person": "Für den Betrieb ist keine Ansprechperson erfasst.",
    "sme.person_agreed": "Die Person hat nicht zugestimmt, dass der Betrieb das Ergebnis erfährt.",
    "contact": "Im Absenderblock fehlen Angaben des Welcome Centers (data/districts.yaml); bitte die Leitung informieren.",
    "enclosures": "Noch keine Unterlage der Checkliste liegt vor; das Anschreiben hätte keine Anlagen.",
}


NEW_CASE_LABELS = {
    "given_name": "Vorname", "family_name": "Nachname", "birth_date": "Geburtsdatum", "sex": "Geschlecht",
    "district": "Landkreis", "language": "Sprache", "email": "E-Mail", "phone": "Telefon",
    "profession": "Beruf", "country_of_training": "Ausbildungsland", "fast_track": "Beschleunigtes Fachkräfteverfahren",
    "receives_buergergeld": "Bürgergeld", "arrival_date": "Einreisedatum", "consent": "Einwilligung",
    "consent_by": "Einwilligung erteilt von", "row": "Eingabe", "person": "Person",
    "lives_abroad": "Wohnsitz im Ausland", "name_changed": "Name geändert",
}


PERSON_LABELS = {**NEW_CASE_LABELS, "latin_given_name": "Vorname wie im Pass (lateinisch)",
                 "latin_family_name": "Nachname wie im Pass (lateinisch)"}
"""The fields of the correction form on the case page (Art. 16 DSGVO)."""


NEW_CASE_FIELDS = ("given_name", "family_name", "birth_date", "sex", "district", "language", "email", "phone",
                   "profession", "country_of_training", "arrival_date", "consent_by")


NEW_CASE_CHECKS = ("fast_track", "receives_buergergeld", "lives_abroad", "name_changed", "consent")


LANGUAGE_CHOICES = (("uk", "Ukrainisch"), ("ru", "Russisch"), ("ar", "Arabisch"), ("fa", "Persisch (Farsi/Dari)"),
                    ("tr", "Türkisch"), ("en", "Englisch"), ("ku", "Kurdisch"), ("ti", "Tigrinya"), ("ro", "Rumänisch"),
                    ("pl", "Polnisch"), ("es", "Spanisch"), ("fr", "Französisch"), ("de", "Deutsch"))


ADDRESS_LABELS = {"street": "Straße und Hausnummer", "postcode": "Postleitzahl", "city": "Ort", "addition": "Zusatz"}


AUDIT_KEYS_DE = {
    "state": "Stand", "case_state": "Stand des Falls", "on": "Datum", "outcome": "Ergebnis", "period": "Dauer",
    "until": "bis", "note": "Notiz", "event": "Schritt",
    "warnings": "Hinweise", "original_name": "Datei", "kind": "Art", "item_key": "Unterlage", "translated": "übersetzt",
    "certified": "beglaubigt", "reason": "Grund", "source": "Quelle", "given_name": "Vorname", "family_name": "Nachname",
    "birth_date": "Geburtsdatum", "sex": "Geschlecht", "language": "Sprache", "district": "Landkreis",
    "email": "E-Mail", "phone": "Telefon", "arrival_date": "Einreise", "receives_buergergeld": "Bürgergeld",
    "lives_abroad": "Wohnsitz im Ausland", "name_changed": "Name weicht von den Zeugnissen ab",
    "profession_text": "Beruf (angegeben)", "country_of_training": "Ausbildungsland",
    "reference_occupation": "Referenzberuf", "body_key": "Stelle", "regulated": "reglementiert", "given_on": "erteilt am",
    "given_by": "erteilt von", "withdrawn_on": "widerrufen am", "street": "Straße", "postcode": "PLZ", "city": "Ort",
    "addition": "Zusatz", "country": "Land", "latin_given_name": "Vorname (lateinisch)",
    "latin_family_name": "Nachname (lateinisch)", "recipient": "an", "subject": "Betreff",
    "fast_track": "beschleunigtes Verfahren", "funding_route": "Finanzierung", "funding_decided_on": "entschieden am",
    "starts_at": "Termin", "place": "Ort des Termins", "quarantine_path": "Quarantäne", "letter_date": "Briefdatum",
}
"""The audit entries' keys an adviser reads; any other key (hashes, ids, paths, `routing_method`) stays
in the audit trail but is not shown on the page."""


FILE_OUTCOME_DE = {"rejected": "abgelehnt", "duplicate": "Duplikat", "accepted": "angenommen"}
SEX_DE = {"f": "weiblich", "m": "männlich", "d": "divers"}
SOURCE_DE = {"upload": "auf der Fallseite hochgeladen", "inbox": "Posteingang", "import": "Import",
             "quarantine": "aus der Quarantäne zugeordnet", "cli": "Kommandozeile"}
ACTOR_DE = {
    "flow:intake": "Posteingang (automatisch)", "flow:letters": "Briefe (automatisch)",
    "flow:reminders": "Erinnerungen (automatisch)", "demo": "Demo", "import": "Import",
}


@lru_cache(maxsize=1)
def _german_locale() -> Locale:
    return Locale("de")


def language_name(code: str | None) -> str:
    """"uk" → "Ukrainisch" (Unicode CLDR via Babel); an unknown code as it is."""
    if not code:
        return "–"
    return _german_locale().languages.get(code, code)


def country_name(code: str | None) -> str:
    if not code:
        return "–"
    return _german_locale().territories.get(code.upper(), code)


def language_choices() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The languages an adviser picks from by name: the usual ones first, then every ISO 639-1 language
    with a German name, alphabetically."""
    usual = list(LANGUAGE_CHOICES)
    taken = {code for code, _ in usual}
    names = _german_locale().languages
    others = sorted(((code, names[code]) for code in ISO_639_1 if code in names and code not in taken),
                    key=lambda item: item[1].casefold())
    return usual, others


def actor_name(actor: str, advisers: dict[str, str] | None = None) -> str:
    """Who did it, as an adviser reads it: the adviser's name for "adviser:<email>", "Posteingang
    (automatisch)" for the intake flow, "Kommandozeile (user)" for the CLI."""
    kind, _, rest = actor.partition(":")
    if kind == "adviser":
        return (advisers or {}).get(rest, rest)
    if actor in ACTOR_DE:
        return ACTOR_DE[actor]
    if kind == "cli":
        return f"Kommandozeile ({rest})"
    if kind == "flow":
        return f"automatischer Lauf ({rest})"
    return actor


def audit_value(key: str, value, names: dict[str, dict[str, str]] | None = None) -> str:
    names = names or {}
    if value in (None, "", []):
        return "–"
    if value is True or value is False:
        return "ja" if value else "nein"
    if key in ("state", "case_state") and value in set(CaseState):
        return STATE_DE[CaseState(value)]
    if key == "event" and value in set(Event):
        return EVENT_DE[Event(value)]
    if key == "outcome" and value in set(Outcome):
        return OUTCOME_DE[Outcome(value)]
    if key == "outcome" and value in FILE_OUTCOME_DE:
        return FILE_OUTCOME_DE[value]
    if key == "sex":
        return SEX_DE.get(value, value)
    if key == "language":
        return language_name(value)
    if key in ("country_of_training", "country"):
        return country_name(value)
    if key == "source":
        return SOURCE_DE.get(value, value)
    if key in names and isinstance(value, str):
        return names[key].get(value, value)
    if key == "period" and isinstance(value, str):
        try:
            return Period.parse(value).text
        except InvalidInput:
            return value
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-":
        try:
            return format_date(date.fromisoformat(value[:10])) + (f", {value[11:16]} Uhr" if len(value) > 10 else "")
        except ValueError:
            pass
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def change_text(before: str | None, after: str | None, names: dict[str, dict[str, str]] | None = None) -> str:
    """The change in German sentences with labels: "Stand: Aufnahme → Unterlagen werden gesammelt" for a
    change, "Referenzberuf: Elektroniker; Stelle: Handwerkskammer …" for a new record. `names` turns keys
    into names (body_key → the body, district → the district, kind → the letter's name)."""
    old, new = (json.loads(before) if before else {}), (json.loads(after) if after else {})
    shown = [k for k in dict.fromkeys([*old, *new]) if k in AUDIT_KEYS_DE]
    if old:
        parts = [f"{AUDIT_KEYS_DE[k]}: {audit_value(k, old.get(k), names)} → {audit_value(k, new.get(k), names)}"
                 for k in shown if k in old and old.get(k) != new.get(k)]
        parts += [f"{AUDIT_KEYS_DE[k]}: {audit_value(k, new[k], names)}" for k in shown
                  if k not in old and new.get(k) not in (None, "", [], False)]
        return "; ".join(parts)
    return "; ".join(f"{AUDIT_KEYS_DE[k]}: {audit_value(k, new[k], names)}" for k in shown
                     if new.get(k) not in (None, "", [], False))
