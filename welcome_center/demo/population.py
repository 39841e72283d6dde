"""`welcome-center demo`: an invented population run through import, routing, lifecycle and intake.

Every person is invented: given and family names are drawn at random from lists of common names,
birth dates are random. The population follows what domain.md §7 says of the Welcome Center's
clients: many Ukrainian refugees, many of them women and young adults, many on Bürgergeld; also
people from Syria, Afghanistan, Turkey and elsewhere. Some files in the inbox are hostile on purpose.

Running it again adds nobody twice (the import recognises the persons) and takes in only what is
still waiting; `--fresh` starts from an empty state folder.
"""

from __future__ import annotations

import csv
import io
import os
import random
import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlmodel import Session, select

from adapters.filestore import write_atomically
from domain.calendar import lower_saxony_calendar
from domain.catalogue import Catalogue
from domain.csvfile import parse_import
from domain.deadlines import Period
from domain.funding import FundingRoute
from domain.lifecycle import CaseState, Event, possible_outcomes
from models import Case, Person
from models.db import session_scope
from services.cases import advance_case, record_consent, set_funding
from services.importing import ImportReport, import_table
from welcome_center.demo import samples

ACTOR = "demo:beratung@welcome-center.example"

# (given names female, given names male, family names, language(s), country of training, share)
ORIGINS = {
    "UA": (
        ["Olena", "Iryna", "Natalia", "Oksana", "Tetiana", "Yulia", "Kateryna", "Svitlana", "Anastasiia", "Daria",
         "Viktoriia", "Marharyta", "Sofiia", "Alina", "Khrystyna", "Олена", "Ірина", "Оксана"],
        ["Oleksandr", "Andrii", "Dmytro", "Serhii", "Maksym", "Bohdan", "Taras", "Ihor", "Артем", "Назар"],
        ["Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Kravchenko", "Oliinyk", "Melnyk", "Boiko",
         "Moroz", "Savchenko", "Rudenko", "Marchenko", "Lysenko", "Ковальчук", "Петренко"],
        ["uk", "uk", "uk", "ru"], 0.55,
    ),
    "SY": (
        ["Amal", "Rania", "Lina", "Hiba", "Nour", "Rasha", "Dima", "Yasmin", "Aya", "آمنة"],
        ["Mohammad", "Ahmad", "Khaled", "Omar", "Yousef", "Bilal", "Hassan", "محمد"],
        ["Al-Hamid", "Haddad", "Khalil", "Darwish", "Haj Ali", "Sabbagh", "Masri", "Nasser", "الحلبي"],
        ["ar"], 0.15,
    ),
    "AF": (
        ["Mariam", "Fatima", "Zahra", "Parisa", "Laila", "Nilofar", "Shabnam"],
        ["Ahmad", "Farid", "Hamid", "Jawad", "Mustafa", "Nasir", "Sayed"],
        ["Ahmadi", "Rahimi", "Hakimi", "Karimi", "Sultani", "Noori", "Popal"],
        ["fa", "fa", "ps"], 0.10,
    ),
    "TR": (
        ["Ayşe", "Elif", "Zeynep", "Merve", "Büşra", "Esra", "Gül"],
        ["Mehmet", "Emre", "Murat", "Burak", "Can", "Hakan"],
        ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Aydın", "Öztürk"],
        ["tr"], 0.08,
    ),
    "ER": (["Selam", "Helen", "Mekdes"], ["Yonas", "Dawit", "Samuel"], ["Tesfay", "Gebremedhin", "Haile"], ["ti"], 0.04),
    "IR": (["Maryam", "Shirin", "Neda"], ["Reza", "Ali", "Arash"], ["Hosseini", "Moradi", "Rezaei"], ["fa"], 0.03),
    "MD": (["Ana", "Elena", "Cristina"], ["Ion", "Vasile"], ["Rusu", "Ceban", "Popa"], ["ro"], 0.03),
    "IN": (["Priya", "Anjali"], ["Rahul", "Arjun"], ["Sharma", "Nair", "Iyer"], ["en"], 0.02),
}

# What people say, by origin: the routing has to cope with German, English and their own language.
PROFESSIONS = {
    "UA": ["медсестра", "Krankenschwester", "лікар", "вчителька", "Lehrerin", "вихователька", "бухгалтер",
           "Ökonomin", "програміст", "інженер-будівельник", "перукар", "кухар", "Pflegefachfrau", "Hebamme",
           "провізор", "Erzieherin", "економіст", "юрист", "Zahnärztin", "Physiotherapeutin", "Kinderpflegerin",
           "Verkäuferin", "водій вантажівки", "електрик", "Altenpflegehelferin"],
    "SY": ["ممرضة", "Arzt", "Apotheker", "مهندس مدني", "Lehrer", "Elektriker", "Friseur", "Koch", "Bäcker",
           "Zahnarzt", "Kfz-Mechaniker", "Schneiderin", "صيدلي"],
    "AF": ["Hebamme", "Krankenpfleger", "Lehrerin", "Schneider", "Elektriker", "Arzt", "Bauingenieur", "Maler"],
    "TR": ["Friseurin", "Koch", "Tischler", "Elektroniker", "Industriekauffrau", "Erzieherin", "Krankenschwester"],
    "ER": ["Krankenschwester", "Koch", "Landwirt", "Hebamme"],
    "IR": ["Ärztin", "Architektin", "Software-Entwicklerin", "Chemikerin"],
    "MD": ["Krankenschwester", "Maurer", "Bäckerin", "Buchhalterin"],
    "IN": ["software developer", "nurse", "mechanical engineer"],
}

GOOD_FILES = [
    ("Lebenslauf.pdf", "pdf"), ("Diplom.pdf", "pdf"), ("Übersetzung_Diplom_beglaubigt.pdf", "pdf"),
    ("Reisepass.jpg", "jpeg"), ("Arbeitszeugnis.docx", "docx"), ("Fächerübersicht.png", "png"),
    ("Meldebescheinigung.pdf", "pdf"), ("Erklärung_kein_Antrag.pdf", "pdf"),
]


@dataclass
class DemoSummary:
    import_report: ImportReport | None = None
    persons_invented: int = 0
    consents: int = 0
    advanced: Counter = field(default_factory=Counter)
    files_dropped: int = 0
    hostile_dropped: int = 0
    csv_path: Path | None = None


def invent_people(count: int, rng: random.Random, today: date) -> list[dict[str, str]]:
    origins = list(ORIGINS)
    weights = [ORIGINS[o][4] for o in origins]
    people = []
    seen = set()
    while len(people) < count:
        origin = rng.choices(origins, weights)[0]
        female_names, male_names, family_names, languages, _ = ORIGINS[origin]
        female = rng.random() < 0.66
        given = rng.choice(female_names if female else male_names)
        family = rng.choice(family_names)
        age = rng.choice([rng.randint(18, 27)] * 2 + [rng.randint(28, 58)])
        birth = today - timedelta(days=age * 365 + rng.randint(0, 364))
        if (given, family, birth) in seen:
            continue
        seen.add((given, family, birth))
        district = "verden" if rng.random() < 0.6 else "osterholz"
        people.append({
            "Vorname": given,
            "Nachname": family,
            "Geburtsdatum": birth.strftime("%d.%m.%Y"),
            "Geschlecht": "w" if female else "m",
            "Landkreis": district.capitalize(),
            "Sprache": rng.choice(languages),
            "E-Mail": f"person{len(people) + 1}@example.org" if rng.random() < 0.6 else "",
            "Telefon": f"0151 {rng.randint(1000000, 9999999)}" if rng.random() < 0.7 else "",
            "Beruf": rng.choice(PROFESSIONS[origin]),
            "Ausbildungsland": origin,
            # the invented persons live here, and the fast track (§ 81a AufenthG) is for persons abroad:
            # a "ja" would be refused as `case new` refuses it (domain.fast_track); the draw that once
            # chose it stays, so that the rest of the population comes out as before
            "Schnellverfahren": "nein" if rng.random() < 2 else "ja",
            "Bürgergeld": "ja" if (origin == "UA" and rng.random() < 0.7) or rng.random() < 0.3 else "nein",
        })
    return people


def bad_rows(today: date) -> list[dict[str, str]]:
    """Rows an adviser's spreadsheet really contains; the import must refuse each with the fix."""
    base = {"Geschlecht": "w", "Sprache": "uk", "E-Mail": "", "Telefon": "", "Ausbildungsland": "UA",
            "Schnellverfahren": "nein", "Bürgergeld": "ja", "Landkreis": "Verden", "Beruf": "Krankenschwester"}
    return [
        {**base, "Vorname": "Zukunft", "Nachname": "Muster", "Geburtsdatum": (today + timedelta(days=30)).strftime("%d.%m.%Y")},
        {**base, "Vorname": "Bremen", "Nachname": "Muster", "Geburtsdatum": "01.02.1990", "Landkreis": "Bremen"},
        {**base, "Vorname": "Mail", "Nachname": "Muster", "Geburtsdatum": "02.03.1991", "E-Mail": "mail.muster"},
        {**base, "Vorname": "Datum", "Nachname": "Muster", "Geburtsdatum": "30.02.1992"},
        {**base, "Vorname": "=HYPERLINK(\"http://example.org\",\"klick\")", "Nachname": "<b>{{ Muster }}</b>",
         "Geburtsdatum": "03.04.1993"},  # refused: a formula and markup are no names (domain.validation)
    ]


def demo_bytes(count: int) -> int:
    """About what a demo of `count` persons writes into the state folder, with room to spare: measured
    15.5 MB for 240 persons (Prefect's database and the catalogue's copy about 7 MB of it, each person
    about 37 kB of rows, documents and letters)."""
    return 8 * 1024 * 1024 + count * 64 * 1024


def write_csv(rows: list[dict[str, str]], path: Path) -> bytes:
    """Semicolons, German headers, a BOM and CRLF: what German Excel saves as "CSV UTF-8"."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    data = "\ufeff".encode() + buffer.getvalue().encode("utf-8")
    write_atomically(path, data)
    return data


def run_demo(*, engine, catalogue: Catalogue, home: Path, inbox: Path, today: date, count: int = 240,
             seed: int = 2026, fresh: bool = False, progress=None) -> DemoSummary:
    """Everything but the intake flow (the caller runs it, so that it runs as a Prefect flow)."""
    summary = DemoSummary()
    rng = random.Random(seed)
    people = invent_people(count, rng, today)
    summary.persons_invented = len(people)
    summary.csv_path = home / "demo" / "faelle.csv"
    data = write_csv(people + bad_rows(today), summary.csv_path)
    table = parse_import(data, file_name=summary.csv_path.name)

    summary.import_report = import_table(engine, table=table, catalogue=catalogue, today=today, actor=ACTOR)
    if progress:
        progress("import")

    new_references = [item.reference for item in summary.import_report.imported]
    calendar = lower_saxony_calendar()
    with session_scope(engine) as session:
        cases = session.exec(select(Case).where(Case.reference.in_(new_references))).all() if new_references else []
        for case in sorted(cases, key=lambda c: c.reference):
            person = session.get(Person, case.person_id)
            if rng.random() < 0.9:
                record_consent(session, person=person, given_on=today - timedelta(days=rng.randint(20, 200)),
                               given_by="person", actor=ACTOR)
                summary.consents += 1
            target = _advance_randomly(session, case, rng, today, calendar)
            summary.advanced[target] += 1
    if progress:
        progress("lifecycle")

    with Session(engine) as session:
        cases = session.exec(select(Case).where(Case.reference.in_(new_references))).all() if new_references else []
        collected = {c.reference for c in cases if c.state not in (CaseState.INTAKE.value, CaseState.COLLECTING_DOCUMENTS.value, CaseState.WITHDRAWN.value)}
        good, hostile = _drop_files(sorted(c.reference for c in cases), inbox, rng, collected=collected)
    summary.files_dropped, summary.hostile_dropped = good, hostile
    return summary


def _advance_randomly(session, case: Case, rng: random.Random, today: date, calendar) -> str:
    """Move a case to a plausible state with plausible dates (all in the past)."""
    if case.reference_occupation is None:
        return case.state  # the adviser first picks a reference occupation
    roll = rng.random()
    start = today - timedelta(days=rng.randint(100, 170))
    plan = [
        (0.20, []),
        (0.45, [Event.COLLECT, Event.SET_DEADLINE]),
        (0.55, [Event.COLLECT, Event.READY]),
        (0.72, [Event.COLLECT, Event.READY, Event.SUBMIT]),
        (0.80, [Event.COLLECT, Event.READY, Event.SUBMIT, Event.ACKNOWLEDGE]),
        (0.88, [Event.COLLECT, Event.READY, Event.SUBMIT, Event.ACKNOWLEDGE, Event.DOCUMENTS_COMPLETE, Event.ASSESS]),
        (0.91, [Event.COLLECT, Event.READY, Event.SUBMIT, Event.ACKNOWLEDGE, Event.DOCUMENTS_COMPLETE, Event.ASSESS, Event.SUSPEND]),
        (0.97, [Event.COLLECT, Event.READY, Event.SUBMIT, Event.ACKNOWLEDGE, Event.DOCUMENTS_COMPLETE, Event.ASSESS, Event.DECIDE]),
        (1.01, [Event.COLLECT, Event.WITHDRAW]),
    ]
    events = next(events for limit, events in plan if roll < limit)
    if case.procedure == "none":
        events = [e for e in events if e in (Event.COLLECT, Event.READY, Event.SET_DEADLINE, Event.WITHDRAW)]
    day = start
    for event in events:
        day = min(today, day + timedelta(days=rng.randint(3, 25)))
        kwargs: dict = {}
        if event is Event.SET_DEADLINE:
            if rng.random() < 0.85:  # set a few days ago, weeks to run: the checklist letter can go out
                day = today - timedelta(days=rng.randint(0, 5))
                kwargs["period"] = Period(weeks=rng.choice([4, 5, 6]))
            else:  # a few have run out: the overview shows them overdue
                day = today - timedelta(days=rng.randint(30, 45))
                kwargs["period"] = Period(days=rng.choice([14, 21]))
        if event is Event.SUBMIT and rng.random() < 0.8:
            person = session.get(Person, case.person_id)
            route = FundingRoute.JOBCENTER if person.receives_buergergeld else FundingRoute.ANERKENNUNGSZUSCHUSS
            set_funding(session, case=case, route_=route, decided_on=day, actor=ACTOR)
        if event is Event.SUSPEND:
            kwargs["note"] = "Qualifikationsanalyse"
        if event is Event.DECIDE:
            kwargs["outcome"] = rng.choice(possible_outcomes(regulated=bool(case.regulated), procedure=case.procedure))
        advance_case(session, case=case, event=event, on=day, actor=ACTOR, calendar=calendar, **kwargs)
    return case.state


def _drop_files(references: list[str], inbox: Path, rng: random.Random, *, collected: frozenset[str] | set[str] = frozenset()
                ) -> tuple[int, int]:
    """Good files for about a third of the new cases and for every case past collecting its documents
    (`collected`: their cover letters to the body enclose them), and one file of each hostile kind."""
    good = 0
    chosen = [r for r in references if rng.random() < 0.35 or r in collected]
    makers = {"pdf": samples.pdf, "jpeg": samples.jpeg, "png": samples.png, "docx": samples.docx}
    for reference in chosen:
        folder = inbox / reference
        folder.mkdir(parents=True, exist_ok=True)
        for name, kind in rng.sample(GOOD_FILES, rng.randint(1, 4)):
            content = makers[kind](f"Muster {reference} {name}") if kind in ("pdf", "docx") else makers[kind]()
            write_atomically(folder / name, content)  # no half file the intake could take
            good += 1
    if not references:
        return good, 0
    victim = inbox / (chosen[0] if chosen else references[0])
    victim.mkdir(parents=True, exist_ok=True)
    hostile = {
        "Diplom_wirklich.pdf": samples.executable(),  # a program named like a PDF
        "Zeugnis_makro.docx": samples.docx_with_macro(),
        "Bewerbung_gross.docx": samples.zip_bomb(),
        "Zeugnis.html": samples.html(),
        "..\\..\\windows\\system.ini.pdf": samples.pdf("Pfad"),  # a name that tries to leave the folder
        "Scan\x07Datei.pdf": samples.pdf("Steuerzeichen"),
        "Lebenslauf_kopie.pdf": None,  # a duplicate of another file on the case (set below)
        ("Sehr_langer_Dateiname_" * 10) + ".pdf": samples.pdf("lang"),  # over 200 characters: shortened
    }
    first_good = next((p for p in sorted(victim.iterdir()) if p.suffix == ".pdf"), None)
    hostile["Lebenslauf_kopie.pdf"] = first_good.read_bytes() if first_good else samples.pdf("Kopie")
    for name, content in hostile.items():
        write_atomically(victim / name, content)
    write_atomically(inbox / "lose_Datei_ohne_Fall.pdf", samples.pdf("ohne Fall"))
    write_atomically(inbox / "VER-1999-9999" / "Diplom.pdf", samples.pdf("unbekannter Fall"))
    link = victim / "verknuepfung.pdf"
    if not link.exists() and not link.is_symlink():
        try:
            os.symlink("/etc/hostname", link)
        except OSError:
            pass
    return good, len(hostile) + 3


def reset_state(home: Path) -> None:
    """`--fresh`: remove the embedded state folder (database, inbox, case folders, quarantine)."""
    if home.exists():
        shutil.rmtree(home)
