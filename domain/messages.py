"""The one catalogue of error messages: code → (English, German).

An error carries a code and its parameters (`domain.errors.DomainError`); both texts are made from
the entry here, so the CLI can print the English and the web page the German without ever choosing
a text by matching another one (/work/shared/style.md, "Small habits").

Texts are `str.format` templates. Parameters are values, and this module formats them per language:

- `date` → "2026-11-25" in English, "25.11.2026" in German (DIN 5008 numeric date);
- `bool` → yes/no, ja/nein;
- a number with the spec `,` (`{length:,}`) → "1,234" in English, "1.234" in German;
- `Term` → a domain value with its German name: the value as the CLI takes it in English ("submit"),
  the name the adviser sees on the page in German ("Antrag gestellt");
- a list or tuple → items joined with ", ", empty → "none"/"keine"; with the spec `or` → joined
  with " or "/" oder " (a list of tuples: each tuple as alternatives, the tuples joined with ", ");
  with the spec `quoted` → each item in the language's quotes ('x' / „x“), joined with "; ".

User values arrive already clipped (`domain.errors._clip`); the templates put the quotes around them.
English texts address the person at the CLI; German texts an adviser (Sachbearbeiterin) on the web
page: plain, without "Sie", naming what is wrong and the fix.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

LANGUAGES = ("en", "de")

# Shared by the import messages: how to save a spreadsheet as CSV UTF-8 (menu names as Excel and
# LibreOffice show them in a German installation).
_SAVE_AS_UTF8 = (
    "in Excel choose File → Save As → 'CSV UTF-8 (durch Trennzeichen getrennt) (*.csv)'; in LibreOffice "
    "choose Save As → 'Text CSV', tick 'Edit filter settings' and pick the character set 'Unicode (UTF-8)'; "
    "then import the new file",
    "in Excel „Datei → Speichern unter → CSV UTF-8 (durch Trennzeichen getrennt) (*.csv)“ wählen; in "
    "LibreOffice „Speichern unter → Text CSV“, „Filtereinstellungen bearbeiten“ ankreuzen und den Zeichensatz "
    "„Unicode (UTF-8)“ wählen; dann die neue Datei importieren",
)
_RETYPE = (
    "retype the value as plain text on one line",
    "bitte den Wert als einfachen Text in einer Zeile neu eingeben",
)
_PERSON_ADDRESS = (
    "record the person's postal address (welcome-center address {reference} --street … --postcode … --city …)",
    "bitte die Postanschrift der Person erfassen (welcome-center address {reference} --street … --postcode … --city …)",
)
_BODY_ADDRESS = (
    "correct the body '{body}' in data/bodies.yaml",
    "bitte die Stelle „{body}“ in data/bodies.yaml berichtigen",
)
_SME_ADDRESS = (
    "complete employer {sme}'s address (welcome-center sme add --name … --postcode … --street … --city …)",
    "bitte die Anschrift des Betriebs {sme} vervollständigen (welcome-center sme add --name … --postcode … --street … "
    "--city …)",
)
_ADDRESS_MISSING = (
    "is missing, so the address field cannot be filled; ",
    "fehlt, daher kann das Anschriftfeld nicht gefüllt werden; ",
)
_NOT_A_POSTCODE = (
    "'{value}' is not a postcode of {country} (e.g. {examples}); ",
    "„{value}“ ist keine Postleitzahl von {country} (z. B. {examples}); ",
)
_DOES_NOT_FIT = (
    "'{value}' does not fit the address field: it holds 6 lines of {limit} mm at 10 pt (DIN 5008), this line is "
    "{length} mm wide and the address has {count} lines; shorten it; ",
    "„{value}“ passt nicht ins Anschriftfeld: es fasst 6 Zeilen zu {limit} mm in 10 pt (DIN 5008), diese Zeile ist "
    "{length} mm breit und die Anschrift hat {count} Zeilen; bitte kürzen; ",
)


def _both(first: tuple[str, str], second: tuple[str, str]) -> tuple[str, str]:
    return first[0] + second[0], first[1] + second[1]


MESSAGES: dict[str, tuple[str, str]] = {
    # --- data files (for the person editing YAML or a Word template; English is enough there) ------
    "data.broken": ("{message}", "Datendatei fehlerhaft: {message}"),
    "template.broken": ("{message}", "Briefvorlage fehlerhaft: {message}"),
    # --- typed text (domain/validation.py) ----------------------------------------------------------
    "text.line_break": (
        "'{value}' contains a line break; " + _RETYPE[0],
        "„{value}“ enthält einen Zeilenumbruch; " + _RETYPE[1],
    ),
    "text.tab": (
        "'{value}' contains a tab; " + _RETYPE[0],
        "„{value}“ enthält einen Tabulator; " + _RETYPE[1],
    ),
    "text.invisible_character": (
        "'{value}' contains the invisible or control character {character}; " + _RETYPE[0],
        "„{value}“ enthält das unsichtbare Steuerzeichen {character}; " + _RETYPE[1],
    ),
    "text.control_characters": (
        "'{value}' contains control characters; type it again",
        "„{value}“ enthält Steuerzeichen; bitte neu eintippen",
    ),
    "text.too_long": (
        "is {length} characters long; at most {limit}",
        "ist {length} Zeichen lang; höchstens {limit}",
    ),
    "given_name.empty": (
        "is empty; write the given name as in the passport",
        "ist leer; bitte den Vornamen wie im Pass eintragen",
    ),
    "given_name.too_long": (
        "'{value}' is {length} characters long; give the given name in at most {limit} characters",
        "„{value}“ ist {length} Zeichen lang; bitte den Vornamen in höchstens {limit} Zeichen angeben",
    ),
    "family_name.empty": (
        "is empty; write the family name as in the passport",
        "ist leer; bitte den Nachnamen wie im Pass eintragen",
    ),
    "family_name.too_long": (
        "'{value}' is {length} characters long; give the family name in at most {limit} characters",
        "„{value}“ ist {length} Zeichen lang; bitte den Nachnamen in höchstens {limit} Zeichen angeben",
    ),
    "name.formula": (
        "'{value}' starts with '{prefix}', which a spreadsheet runs as a formula; write the name as in the "
        "passport, without the leading '{prefix}'",
        "„{value}“ beginnt mit „{prefix}“, das eine Tabellenkalkulation als Formel ausführt; bitte den Namen wie im "
        "Pass eintragen, ohne das führende „{prefix}“",
    ),
    "name.markup": (
        "'{value}' contains markup (<…>); write the name as in the passport, without angle brackets",
        "„{value}“ enthält Auszeichnungen (<…>); bitte den Namen wie im Pass eintragen, ohne spitze Klammern",
    ),
    "name.template": (
        "'{value}' contains template syntax (a curly brace after a brace, % or $); write the name as in the "
        "passport, without curly braces",
        "„{value}“ enthält Vorlagen-Syntax (eine geschweifte Klammer nach Klammer, % oder $); bitte den Namen wie "
        "im Pass eintragen, ohne geschweifte Klammern",
    ),
    "birth_date.empty": (
        "is empty; write the birth date as YYYY-MM-DD or DD.MM.YYYY, e.g. 1990-03-25 or 25.03.1990",
        "ist leer; bitte das Geburtsdatum als JJJJ-MM-TT oder TT.MM.JJJJ eintragen, z. B. 1990-03-25 oder 25.03.1990",
    ),
    "sex.unknown": (
        "'{value}' is not a known entry; write f (or w), m, d (or x), or leave it empty",
        "„{value}“ ist keine gültige Angabe; bitte w (oder f), m, d (oder x) eintragen oder leer lassen",
    ),
    "language.empty": (
        "is empty; use a two-letter ISO 639-1 code such as {examples}",
        "ist leer; bitte einen zweibuchstabigen Sprachcode nach ISO 639-1 eintragen, z. B. {examples}",
    ),
    "language.unknown": (
        "'{value}' is not a language code; use a two-letter ISO 639-1 code such as {examples}",
        "„{value}“ ist kein Sprachcode; bitte einen zweibuchstabigen Code nach ISO 639-1 eintragen, z. B. {examples}",
    ),
    "language.country_code": (
        "'{value}' is not a language code ('{country}' is a country; the language is probably '{language}'); "
        "use a two-letter ISO 639-1 code such as {examples}",
        "„{value}“ ist kein Sprachcode („{country}“ ist ein Länderkürzel; die Sprache ist wahrscheinlich "
        "„{language}“); bitte einen zweibuchstabigen Code nach ISO 639-1 eintragen, z. B. {examples}",
    ),
    "email.several": (
        "'{value}' is not an e-mail address; give one address only",
        "„{value}“ ist keine E-Mail-Adresse; bitte nur eine Adresse eintragen",
    ),
    "email.spaces": (
        "'{value}' is not an e-mail address; remove the spaces",
        "„{value}“ ist keine E-Mail-Adresse; bitte die Leerzeichen entfernen",
    ),
    "email.no_domain": (
        "'{value}' is not an e-mail address; an e-mail address needs a domain, e.g. name@example.org",
        "„{value}“ ist keine E-Mail-Adresse; eine E-Mail-Adresse braucht eine Domain, z. B. name@example.org",
    ),
    "phone.too_long": (
        "'{value}' is {length} characters long; give the number in at most {limit} characters",
        "„{value}“ ist {length} Zeichen lang; bitte die Nummer in höchstens {limit} Zeichen angeben",
    ),
    "postcode.not_for_country": (
        "'{value}' is not a postcode of {country}; give it as it is written there, e.g. {examples}",
        "„{value}“ ist keine Postleitzahl von {country}; bitte so eintragen, wie sie dort geschrieben wird, z. B. {examples}",
    ),
    "latin_name.not_latin": (
        "'{value}' is not in Latin script; write the name as the passport's Latin line shows it, e.g. Kovalchuk",
        "„{value}“ ist nicht in lateinischer Schrift; bitte den Namen so eintragen, wie ihn der Pass in lateinischer "
        "Schrift zeigt, z. B. Kovalchuk",
    ),
    "latin_name.half": (
        "give both the given and the family name in Latin script (or neither, to clear them)",
        "bitte Vor- und Nachnamen in lateinischer Schrift angeben (oder beide leer lassen, um sie zu löschen)",
    ),
    "postcode.not_german": (
        "'{value}' is not a German postcode; give 5 digits, e.g. 27283",
        "„{value}“ ist keine deutsche Postleitzahl (5 Ziffern, z. B. 27283)",
    ),
    "yes_no.unknown": (
        "'{value}' is not yes or no; write yes or no (or ja/nein), or leave it empty for {default}",
        "„{value}“ ist weder ja noch nein; bitte ja oder nein eintragen oder leer lassen für {default}",
    ),
    "district.empty": (
        "is empty; use {known:or}",
        "ist leer; bitte {known:or} eintragen",
    ),
    "district.not_served": (
        "'{value}' is not served; use {known:or}",
        "„{value}“ wird nicht betreut; bitte {known:or} eintragen",
    ),
    "country.unknown": (
        "'{value}' is not a country we know; write the country in German or English (e.g. Ukraine, Syrien, "
        "Turkey) or its two-letter ISO 3166 code (e.g. UA, SY, TR)",
        "„{value}“ ist kein bekanntes Land; bitte das Land auf Deutsch oder Englisch (z. B. Ukraine, Syrien, "
        "Türkei) oder als zweibuchstabigen ISO-3166-Code (z. B. UA, SY, TR) eintragen",
    ),
    # --- profession as typed (domain/routing.py) -----------------------------------------------------
    "profession.empty": (
        "is empty; type the profession as the person says it, e.g. 'Krankenschwester'",
        "ist leer; bitte den Beruf so eintragen, wie die Person ihn nennt, z. B. „Krankenschwester“",
    ),
    "profession.too_long": (
        "is {length:,} characters long; give the profession in at most {limit} characters",
        "ist {length:,} Zeichen lang; bitte den Beruf in höchstens {limit} Zeichen angeben",
    ),
    "profession.control_character": (
        "contains the control character {character}; remove it and type plain text",
        "enthält das Steuerzeichen {character}; bitte den Beruf als einfachen Text neu eingeben",
    ),
    # --- the import file (domain/csvfile.py) ---------------------------------------------------------
    "import.excel_workbook": _both(
        ("'{file}' is an Excel workbook, not a CSV file; ", "„{file}“ ist eine Excel-Arbeitsmappe, keine CSV-Datei; "),
        _SAVE_AS_UTF8,
    ),
    "import.utf16": _both(
        ("'{file}' is saved as UTF-16 ('Unicode Text'), not as CSV UTF-8; ",
         "„{file}“ ist als UTF-16 („Unicode-Text“) gespeichert, nicht als CSV UTF-8; "),
        _SAVE_AS_UTF8,
    ),
    "import.not_utf8": _both(
        ("'{file}' is not UTF-8: line {line} has the byte 0x{byte:02X}, so the file was probably saved as "
         "'CSV (Trennzeichen-getrennt)' in Windows-1252 and letters such as ä, ö, ü or Cyrillic would come out "
         "garbled; ",
         "„{file}“ ist nicht UTF-8: Zeile {line} enthält das Byte 0x{byte:02X}, die Datei wurde also wohl als "
         "„CSV (Trennzeichen-getrennt)“ in Windows-1252 gespeichert, und Umlaute oder kyrillische Buchstaben kämen "
         "verstümmelt an; "),
        _SAVE_AS_UTF8,
    ),
    "import.not_utf8_windows_1252": _both(
        ("'{file}' is not UTF-8: line {line} has the byte 0x{byte:02X} ('{character}' in Windows-1252), so the "
         "file was probably saved as 'CSV (Trennzeichen-getrennt)' in Windows-1252 and letters such as ä, ö, ü or "
         "Cyrillic would come out garbled; ",
         "„{file}“ ist nicht UTF-8: Zeile {line} enthält das Byte 0x{byte:02X} („{character}“ in Windows-1252), "
         "die Datei wurde also wohl als „CSV (Trennzeichen-getrennt)“ in Windows-1252 gespeichert, und Umlaute oder "
         "kyrillische Buchstaben kämen verstümmelt an; "),
        _SAVE_AS_UTF8,
    ),
    "import.unreadable": (
        "'{file}', row {row}: cannot be read as CSV ({reason}); check for a quote (\") that opens a value and "
        "never closes",
        "„{file}“, Zeile {row}: ist kein lesbares CSV ({reason}); bitte prüfen, ob ein Anführungszeichen (\") einen "
        "Wert öffnet und nicht schließt",
    ),
    "import.empty": (
        "'{file}' is empty; the first row must name the columns, e.g. Vorname;Nachname;Geburtsdatum;…",
        "„{file}“ ist leer; die erste Zeile muss die Spalten benennen, z. B. Vorname;Nachname;Geburtsdatum;…",
    ),
    "import.tabs": _both(
        ("'{file}' separates its columns with tabs; the import takes semicolons or commas: ",
         "„{file}“ trennt die Spalten mit Tabulatoren; der Import nimmt Semikolon oder Komma: "),
        _SAVE_AS_UTF8,
    ),
    "import.duplicate_column": (
        "'{file}': the columns '{first}' ({first_column}) and '{second}' ({second_column}) both give {key}; "
        "delete one of them",
        "„{file}“: die Spalten „{first}“ ({first_column}) und „{second}“ ({second_column}) meinen beide {key}; "
        "bitte eine davon löschen",
    ),
    "import.missing_column": (
        "'{file}': the header row lacks the required column {missing}; it has {found:quoted}. The first row must "
        "name the columns; accepted headers: {accepted:or} (required: {required})",
        "„{file}“: in der Kopfzeile fehlt die Pflichtspalte {missing}; sie enthält {found:quoted}. Die erste Zeile "
        "muss die Spalten benennen; erlaubt sind: {accepted:or} (Pflicht: {required})",
    ),
    "import.missing_columns": (
        "'{file}': the header row lacks the required columns {missing}; it has {found:quoted}. The first row must "
        "name the columns; accepted headers: {accepted:or} (required: {required})",
        "„{file}“: in der Kopfzeile fehlen die Pflichtspalten {missing}; sie enthält {found:quoted}. Die erste "
        "Zeile muss die Spalten benennen; erlaubt sind: {accepted:or} (Pflicht: {required})",
    ),
    "import.open_quote": (
        "'{file}', row {row}: a quote (\") opens a value that never closes, so every following line would be read "
        "into it; close the quote or remove it, then import again",
        "„{file}“, Zeile {row}: ein Anführungszeichen (\") öffnet einen Wert und schließt ihn nie, alle folgenden "
        "Zeilen würden hineingelesen; bitte das Anführungszeichen schließen oder entfernen und erneut importieren",
    ),
    "import.surplus_values": (
        "has {count} value(s) more than the header has columns ('{values}'); a value probably contains the "
        "delimiter: put that value in quotes or remove the extra cells",
        "hat {count} Wert(e) mehr, als die Kopfzeile Spalten hat („{values}“); wahrscheinlich enthält ein Wert das "
        "Trennzeichen: bitte den Wert in Anführungszeichen setzen oder die überzähligen Zellen löschen",
    ),
    "import.field_count": (
        "has {count} values, the header has {width} columns; a value probably contains the delimiter or a cell "
        "is missing: put that value in quotes or fill the row to {width} cells",
        "hat {count} Werte, die Kopfzeile hat {width} Spalten; wahrscheinlich enthält ein Wert das Trennzeichen "
        "oder eine Zelle fehlt: bitte den Wert in Anführungszeichen setzen oder die Zeile auf {width} Zellen "
        "ergänzen",
    ),
    "import.duplicate_row": (
        "is the same as row {row}; delete one of the two rows",
        "ist gleich Zeile {row}; bitte eine der beiden Zeilen löschen",
    ),
    "import.nul_byte": (
        "'{file}', row {row}: contains a NUL byte (0x00), which no spreadsheet cell holds; the file is damaged "
        "or not a CSV file: delete the character or save the sheet again as CSV UTF-8",
        "„{file}“, Zeile {row}: enthält ein NUL-Byte (0x00), das in keiner Tabellenzelle steht; die Datei ist "
        "beschädigt oder keine CSV-Datei: bitte das Zeichen löschen oder die Tabelle erneut als CSV UTF-8 speichern",
    ),
    "import.header_only": (
        "'{file}' has a header row but no data rows; nothing was imported: fill in the rows below the header",
        "„{file}“ hat eine Kopfzeile, aber keine Datenzeilen; nichts wurde importiert: bitte die Zeilen unter der "
        "Kopfzeile ausfüllen",
    ),
    "import.unknown_columns": (
        "'{file}': {count:,} unknown column(s) ignored: {columns:quoted}",
        "„{file}“: {count:,} unbekannte Spalte(n) nicht gelesen: {columns:quoted}",
    ),
    "import.unknown_columns_clipped": (
        "'{file}': {count:,} unknown columns ignored: {columns:quoted} … and {more:,} more",
        "„{file}“: {count:,} unbekannte Spalten nicht gelesen: {columns:quoted} … und {more:,} weitere",
    ),
    "import.too_large": (
        "'{file}' is {size:,} bytes; the import takes at most {limit:,} bytes (WELCOME_CENTER_MAX_IMPORT_BYTES): "
        "split the file into smaller ones or raise the limit",
        "„{file}“ ist {size:,} Bytes groß; der Import nimmt höchstens {limit:,} Bytes (WELCOME_CENTER_MAX_IMPORT_BYTES): "
        "bitte die Datei aufteilen oder die Grenze erhöhen",
    ),
    # --- periods and deadlines (domain/deadlines.py, domain/lifecycle.py) -----------------------------
    "period.not_positive": (
        "must be a positive number of days, weeks or months",
        "muss eine positive Anzahl von Tagen, Wochen oder Monaten sein",
    ),
    "period.unreadable": (
        "'{value}' is not a period; write e.g. 14d, 6w or 1m",
        "„{value}“ ist keine Dauer; bitte z. B. 14d (Tage), 6w (Wochen) oder 1m (Monate) eingeben",
    ),
    "period.zero": (
        "must be at least 1 day, week or month",
        "muss mindestens 1 Tag, 1 Woche oder 1 Monat sein",
    ),
    "suspension.reversed": (
        "ends {end} before it starts {start}; swap the dates",
        "endet am {end}, also vor ihrem Beginn am {start}; bitte die beiden Daten tauschen",
    ),
    "deadline.no_statutory_deadline": (
        "'{procedure}' sets no statutory deadline; use BQFG or NBQFG (ZAB, school certificates and lawyers have none)",
        "„{procedure}“ setzt keine gesetzliche Frist; bitte BQFG oder NBQFG angeben (ZAB, Schulabschlüsse und "
        "Rechtsanwälte haben keine)",
    ),
    "deadline.person_not_statutory": (
        "a deadline for the person has no statutory period; give days or weeks",
        "eine Frist für die Person hat keine gesetzliche Dauer; bitte Tage oder Wochen angeben",
    ),
    "deadline.unknown_kind": (
        "'{value}' is unknown; use {kinds}",
        "„{value}“ ist keine bekannte Fristart; bitte {kinds} angeben",
    ),
    "deadline.person_needs_period": (
        "a deadline for the person needs a number of days or weeks",
        "eine Frist für die Person braucht eine Anzahl von Tagen oder Wochen",
    ),
    "deadline.period_is_statutory": (
        "the {kind} period is statutory; do not give one",
        "die Frist für die {kind} ist gesetzlich festgelegt; bitte keine Dauer angeben",
    ),
    "deadline.extension_decision_only": (
        "only the decision deadline can be extended",
        "nur die Entscheidungsfrist kann verlängert werden",
    ),
    "deadline.extension_eu_limit": (
        "training from the EU/EEA/CH: at most 1 month (§ 13 Abs. 3 S. 4 BQFG)",
        "Ausbildung aus der EU, dem EWR oder der Schweiz: höchstens 1 Monat Verlängerung (§ 13 Abs. 3 S. 4 BQFG)",
    ),
    "deadline.extend_once": (
        "the decision deadline can be extended only once ({law})",
        "die Entscheidungsfrist kann nur einmal verlängert werden ({law})",
    ),
    "deadline.extension_needs_period": (
        "an extension needs its length, e.g. 1m or 4w",
        "eine Verlängerung braucht ihre Dauer, z. B. 1m (1 Monat) oder 4w (4 Wochen)",
    ),
    "deadline.person_needs_days_or_weeks": (
        "a deadline for the person needs days or weeks, e.g. 14d or 6w",
        "eine Frist für die Person braucht eine Dauer in Tagen oder Wochen, z. B. 14d oder 6w",
    ),
    "deadline.none_open_for_person": (
        "there is no open deadline for the person to mark as met",
        "es gibt keine offene Frist der Person, die als erfüllt erfasst werden könnte",
    ),
    # --- the case's steps (domain/lifecycle.py) ------------------------------------------------------
    "step.not_allowed": (
        "'{event}' is not allowed in state '{state}'; allowed: {allowed}",
        "der Schritt „{event}“ ist im Stand „{state}“ nicht möglich; möglich sind: {allowed}",
    ),
    "step.case_final": (
        "'{event}' is not allowed in state '{state}'; allowed: none (the case is final)",
        "der Schritt „{event}“ ist im Stand „{state}“ nicht möglich; der Fall ist beendet, es folgt kein Schritt mehr",
    ),
    "step.unknown": (
        "'{value}' is unknown; use one of {events}",
        "„{value}“ ist kein bekannter Schritt; bitte einen von {events} angeben",
    ),
    # --- funding (domain/funding.py) -------------------------------------------------------------------
    "funding.unknown": (
        "'{value}' is unknown; use one of {routes}",
        "„{value}“ ist keine bekannte Finanzierung; bitte eine von {routes} angeben",
    ),
    # --- letters (domain/letters/) -----------------------------------------------------------------------
    "letter.unknown_kind": (
        "'{value}' is unknown; use one of {kinds}",
        "„{value}“ ist keine bekannte Briefart; bitte eine von {kinds} angeben",
    ),
    "letter.person_address_missing": _both(_ADDRESS_MISSING, _PERSON_ADDRESS),
    "letter.person_postcode": _both(_NOT_A_POSTCODE, _PERSON_ADDRESS),
    "letter.body_address_missing": _both(_ADDRESS_MISSING, _BODY_ADDRESS),
    "letter.body_postcode": _both(_NOT_A_POSTCODE, _BODY_ADDRESS),
    "letter.sme_address_missing": _both(_ADDRESS_MISSING, _SME_ADDRESS),
    "letter.sme_postcode": _both(_NOT_A_POSTCODE, _SME_ADDRESS),
    "letter.person_address_fit": _both(_DOES_NOT_FIT, _PERSON_ADDRESS),
    "letter.body_address_fit": _both(_DOES_NOT_FIT, _BODY_ADDRESS),
    "letter.sme_address_fit": _both(_DOES_NOT_FIT, _SME_ADDRESS),
    "letter.person_latin_name_missing": (
        "'{value}' is not in Latin script and no Latin spelling is recorded, so it cannot stand in the address field "
        "or the German salutation; record it as in the passport (welcome-center address {reference} --latin-given … "
        "--latin-family …, or --propose-latin for a proposal to check)",
        "„{value}“ ist nicht in lateinischer Schrift und eine lateinische Schreibweise ist nicht erfasst, daher kann der "
        "Name nicht ins Anschriftfeld und in die deutsche Anrede; bitte wie im Pass erfassen (Anschriftformular des "
        "Falls {reference}: „Vorname/Nachname wie im Pass, lateinisch“)",
    ),
    "letter.contact_missing": (
        "the information block needs it; add '{name}' to the welcome_center block of data/districts.yaml "
        "(or set the case's adviser)",
        "der Informationsblock des Briefs braucht diese Angabe; bitte „{name}“ im Block welcome_center von "
        "data/districts.yaml ergänzen (oder dem Fall eine Beratungsperson zuordnen)",
    ),
    "letter.german_only": (
        "the letter '{kind}' is written in German only; leave --lang out",
        "der Brief „{kind}“ wird nur auf Deutsch geschrieben; bitte --lang weglassen",
    ),
    "letter.no_decision": (
        "the case has no decision yet (state {state}); record it with the event '{event}'",
        "der Fall hat noch keinen Bescheid (Stand „{state}“); bitte ihn mit dem Schritt „{event}“ erfassen",
    ),
    "letter.no_occupation": (
        "is not fixed yet, so there is no responsible body; choose it with `case occupation REF KEY`",
        "ist noch nicht festgelegt, daher gibt es keine zuständige Stelle; bitte zuerst den Referenzberuf wählen "
        "(`case occupation REF KEY`)",
    ),
    "letter.no_checklist": (
        "the case has no document checklist yet",
        "der Fall hat noch keine Unterlagen-Checkliste; bitte zuerst den Referenzberuf wählen",
    ),
    "letter.no_consent": (
        "the person has not consented to the processing and passing on of their data; record it first "
        "(welcome-center consent {reference})",
        "die Person hat der Verarbeitung und Weitergabe ihrer Daten nicht zugestimmt; bitte zuerst die "
        "Einwilligung erfassen (welcome-center consent {reference})",
    ),
    "letter.consent_withdrawn": (
        "the person withdrew their consent on {on} (Art. 7 Abs. 3 DSGVO), so no new letter is written for case "
        "{reference}; only a new consent makes letters possible again (erase the data with `welcome-center person "
        "erase REF`, or record what a legal duty requires keeping with `welcome-center consent REF --keep-reason …`)",
        "die Person hat ihre Einwilligung am {on} widerrufen (Art. 7 Abs. 3 DSGVO), daher wird für den Fall "
        "{reference} kein neuer Brief geschrieben; erst eine neue Einwilligung macht Briefe wieder möglich",
    ),
    "letter.nothing_to_enclose": (
        "no document of the checklist is on file, so the cover letter has nothing to enclose; add the documents "
        "to case {reference} first",
        "zu keiner Unterlage der Checkliste liegt etwas vor, das Anschreiben hätte also keine Anlagen; bitte zuerst "
        "die Unterlagen zum Fall {reference} erfassen",
    ),
    "letter.sme_not_linked": (
        "employer {sme} is not linked to case {reference} (linked: {linked}); link it with "
        "`welcome-center sme link REF SME_ID`",
        "der Betrieb {sme} ist nicht mit dem Fall {reference} verknüpft (verknüpft: {linked}); bitte verknüpfen mit "
        "`welcome-center sme link REF SME_ID`",
    ),
    "letter.sme_no_contact": (
        "employer {sme} ({name}) has no contact person; add one (welcome-center sme add --name … --postcode … "
        "--contact …)",
        "der Betrieb {sme} ({name}) hat keine Ansprechperson; bitte eine eintragen (welcome-center sme add "
        "--name … --postcode … --contact …)",
    ),
    "letter.sme_not_agreed": (
        "{person} has not agreed that the outcome may be told to employer {sme}; record it with "
        "`welcome-center sme link {reference} {sme} --agreed`",
        "{person} hat nicht zugestimmt, dass der Betrieb {sme} das Ergebnis erfährt; bitte die Zustimmung erfassen "
        "mit `welcome-center sme link {reference} {sme} --agreed`",
    ),
    "letter.outcome_not_regulated": (
        "the recorded outcome '{outcome}' does not exist for {occupation}: the profession is not regulated, so a "
        "notice names the differences (partial equivalence, § 7 Abs. 2 BQFG), never a compensation measure; check "
        "the notice of case {reference}: the outcome must be corrected before this letter can be written",
        "das erfasste Ergebnis „{outcome}“ gibt es für {occupation} nicht: Der Beruf ist nicht reglementiert, ein "
        "Bescheid nennt dann die Unterschiede (teilweise Gleichwertigkeit, § 7 Abs. 2 BQFG), nie eine "
        "Ausgleichsmaßnahme; bitte den Bescheid zum Fall {reference} prüfen: Vor diesem Brief muss das Ergebnis "
        "berichtigt werden",
    ),
    "letter.outcome_no_partial": (
        "the recorded outcome '{outcome}' does not exist for {occupation}: partial equivalence is found only in a "
        "procedure under the BQFG or NBQFG, and this is none; check the notice of case {reference}: the outcome "
        "must be corrected before this letter can be written",
        "das erfasste Ergebnis „{outcome}“ gibt es für {occupation} nicht: Teilweise Gleichwertigkeit stellt nur "
        "ein Verfahren nach BQFG oder NBQFG fest, und dieses ist keines; bitte den Bescheid zum Fall {reference} "
        "prüfen: Vor diesem Brief muss das Ergebnis berichtigt werden",
    ),
    "letter.deadline_past": (
        "the deadline for the person's documents, {due}, is not after the letter's date {today}; set a new "
        "deadline at least {limit} working days ahead (welcome-center case advance {reference} set_deadline "
        "--period 3w)",
        "die Frist für die Unterlagen der Person ({due}) liegt nicht nach dem Datum des Briefs ({today}); bitte "
        "eine neue Frist setzen, mindestens {limit} Arbeitstage später (welcome-center case advance {reference} "
        "set_deadline --period 3w)",
    ),
    "letter.deadline_too_close": (
        "the deadline for the person's documents, {due}, leaves only {count} working days after the letter's date "
        "{today}, at least {limit} are needed; set a new deadline (welcome-center case advance {reference} "
        "set_deadline --period 3w)",
        "die Frist für die Unterlagen der Person ({due}) lässt nach dem Datum des Briefs ({today}) nur {count} "
        "Arbeitstage, nötig sind mindestens {limit}; bitte eine neue Frist setzen (welcome-center case advance "
        "{reference} set_deadline --period 3w)",
    ),
    "letter.empty_value": (
        "the letter '{kind}' would have an empty text here; a value of the case or a text in data/letters/ is missing",
        "der Brief „{kind}“ hätte hier einen leeren Text; ein Wert des Falls oder ein Text in data/letters/ fehlt",
    ),
    "letter.none_value": (
        "the letter '{kind}' would print '{value}': a value was never filled; complete the case's data or correct "
        "the text in data/letters/",
        "der Brief „{kind}“ würde „{value}“ drucken: Ein Wert wurde nie gefüllt; bitte die Angaben des Falls "
        "vervollständigen oder den Text in data/letters/ berichtigen",
    ),
    # --- checklist, files ----------------------------------------------------------------------------
    "checklist.unknown_item": (
        "'{value}' is not a checklist item; see {file}",
        "„{value}“ ist keine Unterlage der Checkliste; siehe {file}",
    ),
    "file.max_bytes": (
        "must be a positive number of bytes, not {value}",
        "muss eine positive Anzahl von Bytes sein, nicht {value}",
    ),
    "intake.settle_seconds": (
        "must be 0 or more seconds (how long an inbox file must stay unchanged), not {value}",
        "muss 0 oder mehr Sekunden betragen (so lange muss eine Datei im Posteingang unverändert bleiben), "
        "nicht {value}",
    ),
    # --- adapters --------------------------------------------------------------------------------------
    "pdf.unavailable": (
        "needs LibreOffice (soffice), which is not installed; install libreoffice-writer-nogui or leave --pdf out",
        "braucht LibreOffice (soffice), das nicht installiert ist; bitte libreoffice-writer-nogui installieren "
        "oder --pdf weglassen",
    ),
    "database.schema_outdated": (
        "schema is at revision {current}, newest is {head}; run `welcome-center db upgrade`",
        "das Schema steht auf Revision {current}, die neueste ist {head}; bitte `welcome-center db upgrade` ausführen",
    ),
    "settings.trusted_proxies": (
        "WELCOME_CENTER_TRUSTED_PROXIES: '{value}' is not an IP address or network; give the reverse proxies' "
        "addresses, comma-separated (e.g. 127.0.0.1), or leave it empty",
        "WELCOME_CENTER_TRUSTED_PROXIES: „{value}“ ist keine IP-Adresse und kein Netz; bitte die Adressen der "
        "Reverse-Proxys mit Kommas getrennt angeben (z. B. 127.0.0.1) oder die Einstellung leer lassen",
    ),
    "database.schema_missing": (
        "schema is at revision none, newest is {head}; run `welcome-center db upgrade`",
        "die Datenbank hat noch kein Schema (neueste Revision {head}); bitte `welcome-center db upgrade` ausführen",
    ),
    # --- dates a person typed (domain/validation.py, domain/lifecycle.py, the CLI) -----------------------
    "date.empty": (
        "is empty; write the date as DD.MM.YYYY or YYYY-MM-DD, e.g. 25.03.2026 or 2026-03-25",
        "ist leer; bitte das Datum als TT.MM.JJJJ eintragen, z. B. 25.03.2026",
    ),
    "date.format": (
        "'{value}' is not in the form YYYY-MM-DD or DD.MM.YYYY; write e.g. 2026-03-25 or 25.03.2026",
        "„{value}“ ist nicht im Format JJJJ-MM-TT oder TT.MM.JJJJ; bitte z. B. 25.03.2026 eintragen",
    ),
    "date.two_digit_year": (
        "'{value}' has a two-digit year; write the year with four digits, in the form YYYY-MM-DD or DD.MM.YYYY "
        "(e.g. 06.12.2026)",
        "„{value}“ hat eine zweistellige Jahreszahl; bitte das Jahr vierstellig eintragen, im Format JJJJ-MM-TT "
        "oder TT.MM.JJJJ (z. B. 06.12.2026)",
    ),
    "date.not_a_date": (
        "'{value}' is not a real date; check day and month (e.g. February has 28 or 29 days)",
        "„{value}“ ist kein gültiges Datum; bitte Tag und Monat prüfen (der Februar hat z. B. 28 oder 29 Tage)",
    ),
    "date.too_early": (
        "'{value}' is before {earliest}; check the year (a date from {earliest} to {latest} is taken)",
        "„{value}“ liegt vor dem {earliest}; bitte das Jahr prüfen (möglich ist der {earliest} bis {latest})",
    ),
    "date.too_late": (
        "'{value}' is after {latest}; check the year (a date from {earliest} to {latest} is taken)",
        "„{value}“ liegt nach dem {latest}; bitte das Jahr prüfen (möglich ist der {earliest} bis {latest})",
    ),
    "date.future": (
        "'{value}' is in the future (today is {today}); check the year",
        "„{value}“ liegt in der Zukunft (heute ist der {today}); bitte das Jahr prüfen",
    ),
    "date.range_format": (
        "'{value}' needs the form YYYY-MM-DD..YYYY-MM-DD",
        "„{value}“ braucht die Form JJJJ-MM-TT..JJJJ-MM-TT",
    ),
    "datetime.format": (
        "'{value}' is not a day and a time; write e.g. 2026-12-03 10:30 or 03.12.2026 10:30",
        "„{value}“ ist kein Tag mit Uhrzeit; bitte z. B. 03.12.2026 10:30 oder 2026-12-03 10:30 eintragen",
    ),
    # --- steps of a case (domain/lifecycle.py, services/cases.py) ---------------------------------------
    "step.date_in_future": (
        "{on} lies in the future (today is {today}); give the day the step happened",
        "Datum: {on} liegt in der Zukunft (heute ist der {today}); bitte den Tag angeben, an dem der Schritt geschah.",
    ),
    "correction.no_such_event": (
        "there is no step number {value}; the case has {count} steps (see `welcome-center case show`)",
        "einen Schritt Nr. {value} gibt es nicht; der Fall hat {count} Schritte",
    ),
    "correction.same_day": (
        "the step is already recorded on {on}; give the day it really happened",
        "Datum: der Schritt ist schon am {on} erfasst; bitte den Tag angeben, an dem er wirklich geschah.",
    ),
    "correction.after_next": (
        "{on} is after the next recorded step ({next}); correct that step first, or check the date",
        "Datum: {on} liegt nach dem folgenden Schritt ({next}); bitte zuerst jenen Schritt berichtigen oder das Datum prüfen.",
    ),
    "quarantine.not_releasable": (
        "'{value}' is not a refused file in quarantine; only those can be released to a case",
        "„{value}“ ist keine abgelehnte Datei in der Quarantäne; nur solche können einem Fall zugeordnet werden",
    ),
    "quarantine.other_case": (
        "'{value}' was dropped for another case than {reference}; release it from that case's page",
        "„{value}“ wurde für einen anderen Fall als {reference} abgelegt; bitte auf der Seite jenes Falls zuordnen",
    ),
    "quarantine.content_refused": (
        "'{value}' stays in quarantine: {reason}",
        "„{value}“ bleibt in der Quarantäne: {reason}",
    ),
    "quarantine.duplicate": (
        "'{value}' stays in quarantine: the case already holds the same file ('{reason}')",
        "„{value}“ bleibt in der Quarantäne: der Fall hat dieselbe Datei schon („{reason}“)",
    ),
    "step.before_last": (
        "{on} is before the last recorded event ({last}); events are recorded in order",
        "Datum: {on} liegt vor dem zuletzt erfassten Schritt ({last}); Schritte werden in zeitlicher Reihenfolge erfasst.",
    ),
    "step.until_before_start": (
        "lies before the event's date; give the day the suspension ends",
        "Hemmung bis: das Ende liegt vor dem Beginn; bitte die Daten prüfen.",
    ),
    "step.note_too_long": (
        "keep it on one line and at most {limit} characters (it has {length:,})",
        "Notiz: bitte in einer Zeile und höchstens {limit} Zeichen (sie hat {length:,}).",
    ),
    "step.outcome_missing": (
        "a decision needs its outcome: {outcomes}",
        "ein Bescheid braucht sein Ergebnis; bitte eines wählen: {outcomes}",
    ),
    "step.outcome_not_expected": (
        "only the event 'decide' has an outcome",
        "nur der Schritt „Bescheid erhalten“ hat ein Ergebnis",
    ),
    "step.outcome_impossible": (
        "a notice for this procedure cannot have the outcome '{outcome}'; possible: {possible}",
        "ein Bescheid in diesem Verfahren kann nicht „{outcome}“ lauten; möglich sind: {possible}",
    ),
    "step.outcome_unknown": (
        "'{value}' is unknown; use one of {outcomes}",
        "„{value}“ ist kein bekanntes Ergebnis; bitte eines wählen: {outcomes}",
    ),
    "step.submit_without_occupation": (
        "choose the reference occupation before submitting (case occupation REF KEY)",
        "vor der Antragstellung bitte den Referenzberuf festlegen",
    ),
    "state.unknown": ("'{value}' is unknown; use one of {states}", "„{value}“ ist kein bekannter Stand; möglich: {states}"),
    "occupation.unknown": (
        "'{value}' is unknown; see `welcome-center professions --search`",
        "„{value}“ ist kein bekannter Referenzberuf; bitte einen aus der Liste wählen",
    ),
    "occupation.after_submission": (
        "can only be changed before the application is submitted",
        "der Referenzberuf kann nach der Antragstellung nicht mehr geändert werden",
    ),
    "consent.given_by": (
        "name who gave the consent: 'person' or the legal guardian's name (one line, at most {limit} characters)",
        "bitte „Person“ oder den Namen der gesetzlichen Vertretung eintragen (eine Zeile, höchstens {limit} Zeichen)",
    ),
    "consent.none_to_withdraw": (
        "the person has no consent on file to withdraw (none recorded, or withdrawn already); "
        "nothing was changed",
        "die Person hat keine Einwilligung, die widerrufen werden könnte (keine erfasst oder schon widerrufen); "
        "nichts geändert",
    ),
    "consent.withdraw_future": (
        "{on} is in the future; give the day the person declared the withdrawal (today at the latest)",
        "{on} liegt in der Zukunft; bitte den Tag angeben, an dem die Person widerrufen hat (spätestens heute)",
    ),
    "consent.withdraw_before_given": (
        "{on} is before the consent was given ({given}); give the day the person declared the withdrawal",
        "{on} liegt vor der Erteilung der Einwilligung ({given}); bitte den Tag angeben, an dem die Person widerrufen hat",
    ),
    "consent.keep_reason": (
        "name the legal duty that requires keeping the data and its source (Art. 17 Abs. 3 DSGVO), e.g. "
        "'Aufbewahrung der Beratungsakte nach Aktenordnung, 6 Jahre'; one line of {least} to {limit} characters",
        "bitte die gesetzliche Pflicht nennen, die das Aufbewahren verlangt, mit ihrer Grundlage (Art. 17 Abs. 3 DSGVO), "
        "z. B. „Aufbewahrung der Beratungsakte nach Aktenordnung, 6 Jahre“; eine Zeile mit {least} bis {limit} Zeichen",
    ),
    "consent.keep_not_withdrawn": (
        "the person's consent is not withdrawn; a decision to keep data is recorded after a withdrawal "
        "(welcome-center consent {reference} --withdraw --keep-reason …)",
        "die Einwilligung der Person ist nicht widerrufen; eine Aufbewahrung wird erst nach einem Widerruf erfasst "
        "(welcome-center consent {reference} --withdraw --keep-reason …)",
    ),
    "person.identity_clash": (
        "another person with this given name, family name and birth date is on file already (case {other}); "
        "a person is the same when these three match, so check the values or continue in that case",
        "eine andere Person mit diesem Vornamen, Nachnamen und Geburtsdatum ist bereits erfasst (Fall {other}); "
        "bitte die Angaben prüfen oder in jenem Fall weiterarbeiten",
    ),
    "person.nothing_to_correct": (
        "give at least one value to correct, e.g. --family-name or --email (see `welcome-center person correct --help`)",
        "keine Änderung: alle Angaben sind wie gespeichert",
    ),
    "appointment.place": (
        "say where the appointment is, e.g. 'Kreishaus Verden, Raum 12'",
        "bitte angeben, wo der Termin ist, z. B. „Kreishaus Verden, Raum 12“",
    ),
    # --- who may open a case where (domain/access.py) ---------------------------------------------------
    "district.not_yours": (
        "you advise for {mine:or}; a case for {there} is opened there",
        "Sie beraten für {mine:or}; ein Fall für {there} wird dort angelegt",
    ),
    "person.registered_elsewhere": (
        "the person is already registered in {district}; open the case there (district {key}) or ask the lead to "
        "change the person's district first",
        "die Person ist bereits für {district} erfasst; bitte den Fall dort anlegen (Landkreis „{key}“) oder die Leitung "
        "bitten, den Landkreis der Person zu ändern",
    ),
    "case.fast_track_lives_here": (
        "the fast track (§ 81a AufenthG) is the employer's procedure at the Ausländerbehörde for a skilled worker "
        "entering from abroad; this person lives here, so open the case without --fast-track (if the person lives "
        "abroad, give --lives-abroad)",
        "das beschleunigte Fachkräfteverfahren (§ 81a AufenthG) ist das Verfahren des Arbeitgebers bei der "
        "Ausländerbehörde für Fachkräfte, die aus dem Ausland einreisen; die Person wohnt hier, daher bitte den Fall "
        "ohne beschleunigtes Fachkräfteverfahren anlegen (wohnt sie im Ausland, „Wohnsitz im Ausland“ ankreuzen)",
    ),
    "person.known_elsewhere": (
        "a person with this name and birth date cannot be registered here; please ask the lead to open the case",
        "eine Person mit diesem Namen und Geburtsdatum kann hier nicht erfasst werden; bitte an die Leitung wenden, die "
        "den Fall anlegt",
    ),
    # --- erasure (services/erasure.py) -----------------------------------------------------------------
    "erasure.reason_missing": (
        "give the reason for the erasure (e.g. \"Antrag nach Art. 17 DSGVO\" or \"Aufbewahrungsfrist abgelaufen\")",
        "Grund: bitte den Grund der Löschung angeben (z. B. „Antrag nach Art. 17 DSGVO“)",
    ),
    "erasure.reason_too_long": (
        "keep the reason to at most {limit} characters (it has {length:,})",
        "Grund: bitte höchstens {limit} Zeichen (er hat {length:,})",
    ),
    "erasure.reason_personal": (
        "the reason stays readable in the audit trail after the erasure; leave out the person's name, "
        "birth date and e-mail address",
        "Grund: er bleibt nach der Löschung im Protokoll lesbar; bitte ohne Namen, Geburtsdatum und E-Mail-Adresse der Person",
    ),
    # --- what was asked for is not there (models/selectors.py) ------------------------------------------
    "case.not_found": (
        "no case '{value}' (references look like VER-2026-0042)",
        "kein Fall „{value}“ (Aktenzeichen sehen so aus: VER-2026-0042)",
    ),
    "record.not_found": ("no {what} '{value}'", "nicht gefunden: {what} „{value}“"),
    # --- addresses, employers, letters (models/letter.py, services/) -----------------------------------
    "address.missing": (
        "is needed for the address field of a letter",
        "fehlt; ein Brief braucht Straße, Postleitzahl und Ort",
    ),
    "address.nothing_given": (
        "give the address (--street … --postcode … --city … [--country …]), the name in Latin script "
        "(--latin-given … --latin-family …) or --propose-latin",
        "bitte die Anschrift, den Namen in lateinischer Schrift oder --propose-latin angeben",
    ),
    "report.period_reversed": (
        "the period ends on {end} before it starts on {start}; give --to on or after --from",
        "der Zeitraum endet am {end} vor seinem Beginn am {start}; bitte das Ende auf oder nach den Beginn legen",
    ),
    "sme.name_missing": (
        "give the employer's name, e.g. 'Pflegedienst Aller GmbH'",
        "bitte den Namen des Betriebs eintragen, z. B. „Pflegedienst Aller GmbH“",
    ),
    "sme.unknown": ("no employer number {value}; see `welcome-center sme list`", "kein Betrieb mit der Nummer {value}"),
    "sme.none_linked": (
        "no employer is linked to {reference}; link one with `welcome-center sme link`",
        "Bitte den Betrieb wählen; mit dem Fall {reference} ist kein Betrieb verknüpft.",
    ),
    "sme.several_linked": (
        "give the employer's id; linked to {reference}: {linked}",
        "Bitte den Betrieb wählen; mit dem Fall {reference} sind mehrere Betriebe verknüpft: {linked}.",
    ),
    "sme.not_linked_here": (
        "employer {value} is not linked to {reference}; linked: {linked}",
        "Bitte den Betrieb wählen; der Betrieb {value} ist nicht mit dem Fall {reference} verknüpft (verknüpft: {linked}).",
    ),
    "letter.language_code": (
        "'{value}' is not a language code; use e.g. uk, en, ru, ar or de",
        "„{value}“ ist kein Sprachcode; bitte eine Sprache aus der Liste wählen.",
    ),
    "review.tools_missing": (
        "needs {value} to make the PDFs and the pictures; install libreoffice-writer-nogui and poppler-utils",
        "braucht {value}, um die PDFs und Bilder zu machen; bitte libreoffice-writer-nogui und poppler-utils installieren",
    ),
    "letter.language_unknown": (
        "there are no letter texts in '{value}' (no file in data/letters/); use one of {known}, or leave --lang out "
        "for the person's language",
        "Für die Sprache „{value}“ gibt es keine Brieftexte; bitte eine der Sprachen {known} wählen.",
    ),
    "letters.due_or_reference": (
        "give either --due (write the letters that are due) or a case reference (list its letters)",
        "bitte entweder --due (fällige Briefe schreiben) oder ein Aktenzeichen (seine Briefe auflisten) angeben",
    ),
    # --- reminders (services/reminders.py, welcome_center/cli/reminders.py) ---------------------------
    "reminders.smtp_unreachable": (
        "the mail server could not be reached ({reason}); the mails stay pending: check WELCOME_CENTER_SMTP_HOST "
        "and WELCOME_CENTER_SMTP_PORT and that the server runs, then run `welcome-center remind` again",
        "der Mailserver war nicht erreichbar ({reason}); die Mails bleiben ausstehend: bitte "
        "WELCOME_CENTER_SMTP_HOST und WELCOME_CENTER_SMTP_PORT prüfen und ob der Server läuft, dann "
        "`welcome-center remind` erneut starten",
    ),
    "reminders.mails_failed": (
        "the mail server refused {count} mails for good; see them with `welcome-center reminders --failed`, fix "
        "the address and send one again with `welcome-center reminders resend ID`",
        "der Mailserver hat {count} Mails endgültig abgelehnt; sie stehen in `welcome-center reminders --failed`; "
        "bitte die Adresse berichtigen und die Mail mit `welcome-center reminders resend ID` erneut senden",
    ),
    "reminders.failed_or_resend": (
        "give --failed (list the failed and held reminders) or `resend ID`",
        "bitte --failed (fehlgeschlagene und gehaltene Erinnerungen auflisten) oder `resend ID` angeben",
    ),
    "reminder.not_failed": (
        "reminder {value} is {state}; only a failed reminder can be sent again (see `welcome-center reminders "
        "--failed`)",
        "die Erinnerung {value} ist {state}; nur eine fehlgeschlagene Erinnerung kann erneut gesendet werden",
    ),
    "reminder.no_address": (
        "case {reference} has no e-mail address for the {what}; record it first, then send again",
        "der Fall {reference} hat keine E-Mail-Adresse für {what}; bitte zuerst erfassen, dann erneut senden",
    ),
    "reminder.consent_withdrawn": (
        "the person of case {reference} withdrew their consent; no reminder goes to the {what} any more "
        "(a new consent ends that: welcome-center consent REF --given-by person)",
        "die Person des Falls {reference} hat ihre Einwilligung widerrufen; an {what} geht keine Erinnerung mehr "
        "(erst eine neue Einwilligung ändert das)",
    ),
    "reminder.already_there": (
        "reminder {value} of case {reference} cannot be sent again to the same address: reminder {name} goes there "
        "already",
        "die Erinnerung {value} zum Fall {reference} geht schon als Erinnerung {name} an diese Adresse",
    ),
    # --- reports (flows/reports.py, welcome_center/web/report_routes.py) -----------------------------
    "report.mail_failed": (
        "the monthly report could not be mailed to the address in {value} ({reason}); its files are written: fix "
        "the mail server or the address, then run the deployment monthly-report again (it mails once)",
        "der Monatsbericht konnte nicht an die Adresse aus {value} gesendet werden ({reason}); die Dateien sind geschrieben: "
        "bitte den Mailserver oder die Adresse prüfen und den Lauf monthly-report erneut starten (er sendet einmal)",
    ),
    "report.district_not_yours": (
        "an adviser sees the report of their own district only ({mine}); choose it or leave the district empty",
        "Berichte zeigen nur den eigenen Landkreis ({mine}); bitte diesen wählen oder das Feld leer lassen",
    ),
    # --- accounts (services/accounts.py) --------------------------------------------------------------
    "adviser.name_missing": ("give the adviser's full name", "bitte den vollständigen Namen eintragen"),
    "adviser.email": (
        "'{value}' is not an e-mail address; e.g. a.berg@welcome-center.example",
        "„{value}“ ist keine E-Mail-Adresse; z. B. a.berg@welcome-center.example",
    ),
    "adviser.district": (
        "an {role} works for one district: {known:or}",
        "ein Konto mit der Rolle „{role}“ arbeitet für genau einen Landkreis: {known:or}",
    ),
    "adviser.password": (
        "use at least {limit} characters",
        "bitte mindestens {limit} Zeichen verwenden",
    ),
    "adviser.other_district": (
        "works for another district; the case belongs to {district}",
        "arbeitet für einen anderen Landkreis; der Fall gehört zu {district}",
    ),
    "adviser.exists": ("an adviser with {value} exists already", "ein Konto mit {value} gibt es schon"),
    "flow_run.not_an_id": (
        "'{value}' is not a flow run id; give the id (a UUID) as the runs list shows it",
        "„{value}“ ist keine Lauf-ID; bitte die ID (eine UUID) so angeben, wie die Liste der Läufe sie zeigt",
    ),
    # --- the command line (welcome_center/cli/) --------------------------------------------------------
    "file.unreadable": ("cannot read '{value}': {reason}", "„{value}“ kann nicht gelesen werden: {reason}"),
    "demo.fresh_other_database": (
        "only resets the embedded default; this run uses another database",
        "setzt nur die eingebettete Standarddatenbank zurück; dieser Lauf nutzt eine andere Datenbank",
    ),
    "demo.fresh_while_up": (
        "would delete the state folder of the running `welcome-center up` (PID {pid}); stop it first",
        "würde den Datenordner des laufenden `welcome-center up` (PID {pid}) löschen; bitte zuerst beenden",
    ),
    # --- the access export (services/access_export.py, `person export`) ---------------------------------
    "export.other_district": (
        "a case of the person with {value} lies in a district outside yours; the lead exports this person",
        "ein Fall der Person zu {value} liegt in einem anderen Landkreis; die Auskunft erstellt die Leitung",
    ),
    "export.out_exists": (
        "'{value}' exists already; give --out a new file name (an export never overwrites a file)",
        "„{value}“ gibt es schon; bitte einen neuen Dateinamen angeben",
    ),
    "export.out_folder_missing": (
        "the folder '{value}' does not exist; create it or give --out a file in an existing folder",
        "den Ordner „{value}“ gibt es nicht; bitte anlegen oder einen vorhandenen Ordner wählen",
    ),
    "input.invalid": ("is not valid ({detail}); give it as text", "ist ungültig ({detail}); bitte als Text angeben"),
    # --- the disk (adapters/storage.py): the operator's to fix, not the input's -------------------------
    "storage.full": (
        "no space left in the folder {folder} (the disk or the quota is full); nothing was half written; free space "
        "there and run the command again: what was done already is not done twice",
        "Kein Platz mehr im Ordner {folder} (Datenträger oder Kontingent voll); es wurde nichts halb gespeichert. Bitte "
        "die IT verständigen, damit dort Platz geschaffen wird, dann erneut versuchen.",
    ),
    "storage.read_only": (
        "the folder {folder} is on a read-only file system; nothing was half written; mount it writable and run the "
        "command again: what was done already is not done twice",
        "Der Ordner {folder} ist schreibgeschützt (nur lesbar eingebunden); es wurde nichts halb gespeichert. Bitte die "
        "IT verständigen, dann erneut versuchen.",
    ),
    "storage.denied": (
        "no permission to write into the folder {folder}; nothing was half written; give the service's user write "
        "access there and run the command again: what was done already is not done twice",
        "Keine Schreibberechtigung für den Ordner {folder}; es wurde nichts halb gespeichert. Bitte die IT verständigen, "
        "dann erneut versuchen.",
    ),
}


@dataclass(frozen=True, slots=True)
class Term:
    """A domain value and its German name (from EVENT_DE, STATE_DE, KIND_DE …): an English text shows
    `value` as the CLI takes it, a German text `de` as the page shows it."""

    value: str
    de: str


_WORDS = {
    "en": {"none": "none", "or": " or ", "yes": "yes", "no": "no", "quote": "'{}'"},
    "de": {"none": "keine", "or": " oder ", "yes": "ja", "no": "nein", "quote": "„{}“"},
}
_GERMAN_SEPARATORS = str.maketrans({",": ".", ".": ","})


class _Formatter(string.Formatter):
    """`str.format` that formats parameter values for one language (see the module docstring)."""

    def __init__(self, language: str) -> None:
        super().__init__()
        self.language = language
        self.words = _WORDS[language]

    def format_field(self, value, format_spec: str) -> str:
        german = self.language == "de"
        if isinstance(value, Term):
            return value.de if german else value.value
        if isinstance(value, bool):
            return self.words["yes" if value else "no"]
        if isinstance(value, date) and not isinstance(value, datetime) and not format_spec:
            return value.strftime("%d.%m.%Y") if german else value.isoformat()
        if isinstance(value, (list, tuple, set, frozenset)):
            return self._sequence(list(value), format_spec)
        text = format(value, format_spec)
        if german and isinstance(value, (int, float)) and "," in format_spec:
            text = text.translate(_GERMAN_SEPARATORS)
        return text

    def _sequence(self, items: list, spec: str) -> str:
        if not items:
            return self.words["none"]
        if spec == "or":
            if any(isinstance(item, (list, tuple)) for item in items):
                return ", ".join(self._sequence(list(item), "or") if isinstance(item, (list, tuple))
                                 else self.format_field(item, "") for item in items)
            return self.words["or"].join(self.format_field(item, "") for item in items)
        if spec == "quoted":
            return "; ".join(self.words["quote"].format(self.format_field(item, "")) for item in items)
        if spec:
            raise ValueError(f"unknown format for a list: {spec!r}; use 'or', 'quoted' or none")
        return ", ".join(self.format_field(item, "") for item in items)


_FORMATTERS = {language: _Formatter(language) for language in LANGUAGES}


def render(code: str, language: str, params: Mapping[str, object]) -> str:
    """The text of `code` in `language` ("en" or "de") with `params` filled in; KeyError for an
    unknown code or a parameter the text needs but `params` lacks."""
    english, german = MESSAGES[code]
    return _FORMATTERS[language].vformat(german if language == "de" else english, (), params)


def placeholders(text: str) -> list[tuple[str, str]]:
    """(name, format spec) of every placeholder in a catalogue text, in order."""
    return [(name, spec or "") for _, name, spec, _ in string.Formatter().parse(text) if name is not None]
