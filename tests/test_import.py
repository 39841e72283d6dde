"""The case import as an adviser uses it: a spreadsheet in, a report per row out."""

import json
from datetime import date, timedelta

from sqlmodel import select

from domain.calendar import lower_saxony_calendar
from domain.csvfile import parse_import
from models import AuditEvent, Case, Person
from services.audit import opened
from services.importing import import_table

TODAY = date(2026, 11, 25)

GERMAN_EXCEL = (
    "\ufeffVorname;Nachname;Geburtsdatum;Geschlecht;Landkreis;Sprache;E-Mail;Beruf;Ausbildungsland;Bürgergeld;Bemerkung\r\n"
    "Olena;Beispielenko;17.05.1994;w;Verden;uk;olena@example.org;Krankenschwester;Ukraine;ja;erste\r\n"
    "Амаль;Приклад;02.03.1999;w;osterholz;uk;;медсестра;UA;ja;\r\n"
    'Rania;"Al-Beispiel";1990-01-02;w;VERDEN;ar;;Apothekerin;Syrien;nein;\r\n'
    "Zukunft;Muster;25.12.2030;w;Verden;uk;;Lehrerin;UA;ja;\r\n"
    "Bremen;Muster;01.01.1990;m;Bremen;xx;kein-at;;UA;ja;\r\n"
    '"=HYPERLINK(""http://example.org"",""klick"")";<b>{{ 7*7 }}</b>;03.04.1993;w;Verden;uk;;Erzieherin;UA;nein;\r\n'
)


def test_good_rows_go_in_bad_rows_are_reported_with_row_field_and_fix(engine, session, catalogue):
    table = parse_import(GERMAN_EXCEL.encode("utf-8"), file_name="faelle.csv")
    report = import_table(engine, table=table, catalogue=catalogue, today=TODAY, actor="test")

    assert report.unknown_columns == ("Bemerkung",)
    assert [i.row for i in report.imported] == [2, 3, 4]
    assert report.refused_rows == [5, 6, 7]
    errors = {(e.row, e.field) for e in report.refused}
    assert {(5, "birth_date"), (6, "district"), (6, "language"), (6, "email"), (6, "profession")} <= errors
    assert {(7, "given_name"), (7, "family_name")} <= errors  # a formula and markup are no names
    assert all(e.message and e.message_de for e in report.refused)

    people = {p.given_name: p for p in session.exec(select(Person)).all()}
    assert set(people) == {"Olena", "Амаль", "Rania"}
    cases = {c.reference: c for c in session.exec(select(Case)).all()}
    assert set(cases) == {"VER-2026-0001", "VER-2026-0002", "OHZ-2026-0001"}
    assert cases["OHZ-2026-0001"].reference_occupation == "Pflegefachfrau/Pflegefachmann"
    assert cases["VER-2026-0001"].country_of_training == "UA"


def test_a_refused_row_leaves_nothing_behind(engine, session, catalogue):
    table = parse_import(GERMAN_EXCEL.encode("utf-8"), file_name="faelle.csv")
    import_table(engine, table=table, catalogue=catalogue, today=TODAY, actor="test")
    names = {p.given_name for p in session.exec(select(Person)).all()}
    assert "Zukunft" not in names and "Bremen" not in names
    audit_names = " ".join(a.after or "" for a in opened(session, session.exec(select(AuditEvent)).all()))
    assert "Zukunft" not in audit_names


def test_importing_the_same_file_again_adds_nobody_twice(engine, session, catalogue):
    data = GERMAN_EXCEL.encode("utf-8")
    import_table(engine, table=parse_import(data, file_name="a.csv"), catalogue=catalogue, today=TODAY, actor="test")
    again = import_table(engine, table=parse_import(data, file_name="a.csv"), catalogue=catalogue, today=TODAY, actor="test")
    assert again.imported == [] and [s.row for s in again.skipped] == [2, 3, 4]
    assert len(session.exec(select(Person)).all()) == 3
    assert len(session.exec(select(Case)).all()) == 3


def test_bulk_import_writes_what_the_one_by_one_services_write(engine, session, catalogue):
    from services.audit import history as audit_history

    import_table(engine, table=parse_import(GERMAN_EXCEL.encode("utf-8"), file_name="a.csv"), catalogue=catalogue,
                 today=TODAY, actor="test:import")
    case = session.exec(select(Case).where(Case.reference == "VER-2026-0001")).one()
    assert case.state == "intake" and case.routing_reason and case.body_key == "ls_lueneburg"
    entries = audit_history(session, case_reference=case.reference, person_id=case.person_id)
    assert [e.action for e in entries] == ["person.create", "case.open"]
    assert all(e.actor == "test:import" and e.at.tzinfo is not None for e in entries)


def test_a_person_in_two_rows_with_two_professions_gets_two_cases(engine, session, catalogue):
    data = (b"Vorname;Nachname;Geburtsdatum;Landkreis;Sprache;Beruf\r\n"
            b"Oksana;Zwei;01.02.1990;Verden;uk;Krankenschwester\r\n"
            b"Oksana;Zwei;01.02.1990;Verden;uk;Lehrerin\r\n"
            b"Oksana;Zwei;01.02.1990;Verden;uk;Krankenschwester\r\n")
    report = import_table(engine, table=parse_import(data, file_name="b.csv"), catalogue=catalogue, today=TODAY, actor="t")
    assert [i.row for i in report.imported] == [2, 3] and report.refused_rows == [4]  # row 4 is row 2 again
    assert report.refused[0].code == "import.duplicate_row" and "row 2" in report.refused[0].message
    assert "Zeile 2" in report.refused[0].message_de
    assert len(session.exec(select(Person)).all()) == 1 and len(session.exec(select(Case)).all()) == 2


# ---------------------------------------------------------------------------------- the CLI
#
# `cli` (conftest): the command in this process on a state folder of the test's own.


def test_cli_import_reports_rows_and_exits_1_when_rows_were_refused(cli, tmp_path):
    file = tmp_path / "Fälle.csv"
    file.write_bytes(GERMAN_EXCEL.encode("utf-8"))
    result = cli("import", str(file), "--json")
    assert result.exit_code == 1, result.stderr
    payload = json.loads(result.stdout)
    assert len(payload["imported"]) == 3 and payload["unknown_columns"] == ["Bemerkung"]
    assert {e["row"] for e in payload["refused"]} == {5, 6, 7}

    listed = cli("case", "list", "--json")
    assert listed.exit_code == 0, listed.stderr
    assert {row["reference"] for row in json.loads(listed.stdout)} == {"VER-2026-0001", "VER-2026-0002", "OHZ-2026-0001"}


def test_cli_import_dry_run_stores_nothing(cli, tmp_path):
    file = tmp_path / "faelle.csv"
    file.write_bytes(GERMAN_EXCEL.encode("utf-8"))
    result = cli("import", str(file), "--dry-run")
    assert "3 would be imported" in result.stdout
    listed = cli("case", "list", "--json")
    assert json.loads(listed.stdout) == []


def test_cli_refuses_a_windows_1252_file_with_the_fix(cli, tmp_path):
    file = tmp_path / "alt.csv"
    file.write_bytes("Vorname;Nachname;Geburtsdatum;Landkreis;Sprache;Beruf\r\nJürgen;Müller;01.01.1990;Verden;de;Bäcker\r\n".encode("cp1252"))
    result = cli("import", str(file))
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert "UTF-8" in result.stderr


def test_cli_import_of_a_missing_file_names_it(cli, tmp_path):
    result = cli("import", str(tmp_path / "gibt-es-nicht.csv"))
    assert result.exit_code == 2 and "cannot read" in result.stderr and "Traceback" not in result.stderr


def test_cli_case_lifecycle_end_to_end(cli):
    created = cli("case", "new", "--given-name", "Olena", "--family-name", "Beispiel",
                  "--birth-date", "17.05.1994", "--district", "verden", "--language", "uk",
                  "--profession", "Krankenschwester", "--buergergeld", "--consent", "--json")
    assert created.exit_code == 0, created.stderr
    reference = json.loads(created.stdout)["reference"]
    for event, on in (("collect", "2026-01-05"), ("ready", "2026-02-01")):
        assert cli("case", "advance", reference, event, "--on", on).exit_code == 0
    submitted = cli("case", "advance", reference, "submit", "--on", "2026-03-02")
    assert submitted.exit_code == 0 and "Warning" in submitted.stderr and "Anerkennungszuschuss" in submitted.stderr
    assert "02.04.2026" in submitted.stdout  # acknowledgement due

    refused = cli("case", "advance", reference, "decide")
    assert refused.exit_code == 2 and "allowed: acknowledge, withdraw" in refused.stderr

    shown = cli("case", "show", reference)
    assert shown.exit_code == 0
    for text in ("Pflegefachfrau/Pflegefachmann", "Checkliste", "Eingangsbestätigung", "Antrag gestellt"):
        assert text in shown.stdout
    history = json.loads(cli("case", "history", reference, "--json").stdout)
    assert [h["action"] for h in history][:3] == ["person.create", "consent.record", "case.open"]
    assert history[-1]["action"] == "case.submit" and "Anerkennungszuschuss" in history[-1]["after"]


def test_cli_corrects_a_wrongly_dated_submission_and_the_deadline_follows(cli):
    created = cli("case", "new", "--given-name", "Olena", "--family-name", "Berichtigt",
                  "--birth-date", "17.05.1994", "--district", "verden", "--language", "uk",
                  "--profession", "Krankenschwester", "--consent", "--json")
    reference = json.loads(created.stdout)["reference"]
    for event, on in (("collect", "05.01.2026"), ("ready", "2026-02-01"), ("submit", "02.03.2026")):
        assert cli("case", "advance", reference, event, "--on", on).exit_code == 0
    short = cli("case", "correct", reference, "3", "--on", "09.03.26")
    assert short.exit_code == 2 and "--on: '09.03.26' has a two-digit year" in short.stderr
    ancient = cli("case", "correct", reference, "3", "--on", "01.01.0001")
    assert ancient.exit_code == 2 and "--on: '01.01.0001' is before 1990-01-01" in ancient.stderr
    corrected = cli("case", "correct", reference, "3", "--on", "09.03.2026", "--note", "Eingangsstempel")
    assert corrected.exit_code == 0, corrected.stderr
    assert "02.03.2026 → 09.03.2026" in corrected.stdout and "09.04.2026" in corrected.stdout
    shown = cli("case", "show", reference).stdout
    assert "Datum von Nr. 3 berichtigt" in shown
    history = json.loads(cli("case", "history", reference, "--json").stdout)
    assert history[-1]["action"] == "case.correct" and "2026-03-02" in history[-1]["before"]


def test_cli_unknown_case_and_bad_field_values(cli):
    missing = cli("case", "show", "VER-2026-9999")
    assert missing.exit_code == 2 and "no case 'VER-2026-9999'" in missing.stderr
    bad = cli("case", "new", "--given-name", "A", "--family-name", "B", "--birth-date", "2026-02-30",
              "--district", "Bremen", "--language", "xx", "--profession", "Koch", "--email", "kein-at")
    assert bad.exit_code == 2 and "Traceback" not in bad.stderr
    for field in ("birth_date", "district", "language", "email"):
        assert field in bad.stderr


def test_export_keeps_formulas_as_text(cli, tmp_path):
    file = tmp_path / "faelle.csv"
    file.write_bytes(GERMAN_EXCEL.encode("utf-8"))
    assert cli("import", str(file)).exit_code == 1  # three rows refused
    created = cli("case", "new", "--given-name", "Olha", "--family-name", "Formel", "--birth-date", "1990-01-01",
                  "--district", "verden", "--language", "uk", "--profession", "=Lehrerin+1")
    assert created.exit_code == 0, created.stderr
    target = tmp_path / "export.csv"
    result = cli("case", "export", str(target))
    assert result.exit_code == 0, result.stderr
    text = target.read_text(encoding="utf-8-sig")
    assert "'=Lehrerin+1" in text and "Амаль" in text


def test_cli_appointment_is_recorded_and_reminded(cli, smtp_server):
    sink, port = smtp_server
    created = cli("case", "new", "--given-name", "Iryna", "--family-name", "Termin",
                  "--birth-date", "1990-02-03", "--district", "osterholz", "--language", "uk", "--profession", "Hebamme",
                  "--email", "iryna@example.org", "--consent", "--json")
    reference = json.loads(created.stdout)["reference"]
    # A Monday months ahead (the run day lies within the year a typed day may reach), reminded on the Friday before;
    # a Monday in a week without a public holiday on either day.
    monday = date.today() + timedelta(days=150)
    monday += timedelta(days=-monday.weekday())
    while not (lower_saxony_calendar().is_working_day(monday) and lower_saxony_calendar().is_working_day(monday - timedelta(days=3))):
        monday += timedelta(days=7)
    friday = monday - timedelta(days=3)
    booked = cli("case", "appointment", reference, "--at", f"{monday.isoformat()} 10:30", "--place", "Kreishaus Osterholz")
    assert booked.exit_code == 0 and f"{monday:%d.%m.%Y} um 10:30" in booked.stdout
    bad = cli("case", "appointment", reference, "--at", "morgen", "--place", "x")
    assert bad.exit_code == 2 and "--at" in bad.stderr and "2026-12-03 10:30" in bad.stderr
    for typed in ("06.12.26 10:30", "01.01.0001 10:30", f"{monday:%d.%m.%Y} 25:00"):  # the same day rule as every date
        refused = cli("case", "appointment", reference, "--at", typed, "--place", "x")
        assert refused.exit_code == 2 and "--at" in refused.stderr, refused.stderr
    german = cli("case", "appointment", reference, "--at", f"{monday:%d.%m.%Y} 09:15", "--place", "Kreishaus Osterholz")
    assert german.exit_code == 0 and f"{monday:%d.%m.%Y} um 09:15" in german.stdout
    reminded = cli("remind", "--on", friday.isoformat(), "--json", env={"WELCOME_CENTER_SMTP_PORT": str(port)})
    assert reminded.exit_code == 0, reminded.stderr[-2000:]
    assert "Traceback" not in reminded.stderr and "ERROR" not in reminded.stderr
    summary = json.loads(reminded.stdout)
    assert summary["sent"] == len(sink.messages) >= 1, reminded.stderr[-2000:]  # (and the case is quiet for weeks by then)
    mail = [m for m in sink.messages if m["To"] == "iryna@example.org"][0]
    assert f"{monday:%d.%m.%Y}" in mail["Subject"]
    assert "10:30" in mail["Subject"] and "Нагадуємо" in mail.get_content()
