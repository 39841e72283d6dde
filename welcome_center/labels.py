"""German labels that advisers read on the web page and the command line: states of mails, recipients,
audit actions in sentences, confirmations, the form fields; kept apart from the handlers."""

from __future__ import annotations

import json
from datetime import date

from domain.calendar import format_date
from domain.checklist import ItemStatus
from domain.deadlines import Period
from domain.errors import InvalidInput
from domain.lifecycle import EVENT_DE, OUTCOME_DE, STATE_DE, CaseState, Event, Outcome

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
    "consent.withdraw": "Einwilligung widerrufen", "document.add": "Dokument aufgenommen",
    "document.quarantine": "Datei abgelehnt (Quarantäne)", "letter.write": "Brief geschrieben",
    "letter.pdf": "PDF eines Briefs erstellt", "person.address": "Anschrift erfasst",
    "case.choose_occupation": "Referenzberuf gewählt", "case.funding": "Finanzierung festgehalten",
    "case.sme_link": "Betrieb verknüpft", "appointment.add": "Termin erfasst",
    "case.view": "Fall angesehen", "case.print": "Druckansicht geöffnet", "document.download": "Dokument heruntergeladen",
    "letter.download": "Brief heruntergeladen", "case.correct": "Datum eines Schritts berichtigt",
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
    "referenzberuf": "Referenzberuf festgelegt; Zuständigkeit und Checkliste sind neu bestimmt.",
}


# the details a step asks for on its button's form
PERIOD_UNITS = {"d": "Tage", "w": "Wochen", "m": "Monate"}


EVENT_PERIOD_UNITS = {Event.EXTEND: ("w", "m"), Event.SET_DEADLINE: ("d", "w")}


CONFIRM_EVENTS = {
    Event.WITHDRAW: "Antrag wirklich als zurückgezogen erfassen? Das lässt sich nicht rückgängig machen.",
    Event.CLOSE: "Fall wirklich abschließen?",
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


NEW_CASE_FIELDS = ("given_name", "family_name", "birth_date", "sex", "district", "language", "email", "phone",
                   "profession", "country_of_training", "arrival_date", "consent_by")


NEW_CASE_CHECKS = ("fast_track", "receives_buergergeld", "lives_abroad", "name_changed", "consent")


LANGUAGE_CHOICES = (("uk", "Ukrainisch"), ("ru", "Russisch"), ("ar", "Arabisch"), ("fa", "Persisch (Farsi/Dari)"),
                    ("tr", "Türkisch"), ("en", "Englisch"), ("ku", "Kurdisch"), ("ti", "Tigrinya"), ("ro", "Rumänisch"),
                    ("pl", "Polnisch"), ("es", "Spanisch"), ("fr", "Französisch"), ("de", "Deutsch"))


ADDRESS_LABELS = {"street": "Straße und Hausnummer", "postcode": "Postleitzahl", "city": "Ort", "addition": "Zusatz"}


AUDIT_KEYS_DE = {
    "state": "Stand", "on": "Datum", "outcome": "Ergebnis", "period": "Dauer", "until": "bis", "note": "Notiz",
    "warnings": "Hinweise", "original_name": "Datei", "kind": "Art", "item_key": "Unterlage", "translated": "übersetzt",
    "certified": "beglaubigt", "reason": "Grund", "source": "Quelle", "given_name": "Vorname", "family_name": "Nachname",
    "birth_date": "Geburtsdatum", "language": "Sprache", "district": "Landkreis", "profession_text": "Beruf",
    "reference_occupation": "Referenzberuf", "body_key": "Stelle", "regulated": "reglementiert", "given_on": "erteilt am",
    "given_by": "erteilt von", "street": "Straße", "postcode": "PLZ", "city": "Ort", "addition": "Zusatz",
    "recipient": "an", "path": "Datei", "quarantine_path": "Quarantäne", "fast_track": "beschleunigt",
}


FILE_OUTCOME_DE = {"rejected": "abgelehnt", "duplicate": "Duplikat", "accepted": "angenommen"}


def audit_value(key: str, value) -> str:
    if value in (None, "", []):
        return "–"
    if value is True or value is False:
        return "ja" if value else "nein"
    if key == "state" and value in set(CaseState):
        return STATE_DE[CaseState(value)]
    if key == "outcome" and value in set(Outcome):
        return OUTCOME_DE[Outcome(value)]
    if key == "outcome" and value in FILE_OUTCOME_DE:
        return FILE_OUTCOME_DE[value]
    if key == "period" and isinstance(value, str):
        try:
            return Period.parse(value).text
        except InvalidInput:
            return value
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return format_date(date.fromisoformat(value))
        except ValueError:
            pass
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def change_text(before: str | None, after: str | None) -> str:
    """'Stand: Aufnahme → Unterlagen werden gesammelt' for changes; 'Datei: …, Art: pdf' for new records."""
    old, new = (json.loads(before) if before else {}), (json.loads(after) if after else {})

    def label(key: str) -> str:
        return AUDIT_KEYS_DE.get(key, key)

    if old:
        return "; ".join(f"{label(k)}: {audit_value(k, old.get(k))} → {audit_value(k, new.get(k))}"
                         for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k))
    return ", ".join(f"{label(k)}: {audit_value(k, v)}" for k, v in new.items() if v not in (None, "", [], False))
