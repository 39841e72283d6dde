"""The case part of the adviser web page, over HTTP (FastAPI's TestClient): a new case from the form,
the case page with its checklist, steps, uploads, downloads and letters, the print view, and the
rules that guard them (district scope, read-only role, CSRF, upload checks, downloads only from the
case's own folder). What is asserted is what an adviser would check on the page or in the files."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlmodel import Session, select

from models import AuditEvent, Case, Consent, Document, IntakeFile, Letter, OutboxMessage, Person
from models.db import session_scope
from models.letter import PersonAddressCreate
from services.cases import set_person_address
from services.cases import record_consent
from welcome_center.demo import samples
from adapters.settings import Settings

from tests.web_fixtures import (  # noqa: F401 - fixtures
    TODAY,
    accounts,
    client,
    csrf_token,
    login,
    web_app,
    web_cases,
    web_engine,
)

GOOD_FORM = {
    "given_name": "Mariia", "family_name": "Bondarenko", "birth_date": "14.02.1991", "sex": "f", "district": "verden",
    "language": "uk", "email": "mariia.b@example.org", "phone": "+49 4231 123456", "profession": "Krankenschwester",
    "country_of_training": "Ukraine", "arrival_date": "01.04.2022", "consent": "ja", "consent_by": "Person",
}


@pytest.fixture(autouse=True)
def home(web_app, tmp_path):
    """The case folders and the quarantine of these tests: a fresh home per test."""
    settings = Settings(home=tmp_path / "home")
    web_app.state.settings = settings
    return settings


@pytest.fixture
def verden(client, accounts, web_cases):
    """The client, logged in as the Verden adviser."""
    assert login(client, accounts["verden"].email).status_code == 303
    return client


def consent_and_address(engine, reference: str) -> None:
    with session_scope(engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        person = session.get(Person, case.person_id)
        record_consent(session, person=person, given_on=TODAY, given_by="person", actor="test")
        set_person_address(session, person=person, address=PersonAddressCreate(street="Große Straße 1", postcode="27283", city="Verden (Aller)"), actor="test")


def case_row(engine, reference: str) -> Case:
    with Session(engine) as session:
        return session.exec(select(Case).where(Case.reference == reference)).one()


def count(engine, table) -> int:
    with Session(engine) as session:
        return len(session.exec(select(table)).all())


def post(client, path: str, data: dict | None = None, files=None, token: str | None = None, page: str | None = None):
    data = dict(data or {})
    data["csrf_token"] = token or csrf_token(client, page or path.rsplit("/", 1)[0])
    return client.post(path, data=data, files=files)


def upload(client, reference: str, name: str, content: bytes, *, item: str = "", **flags):
    data = {"item_key": item, **{k: "ja" for k, v in flags.items() if v}}
    return post(client, f"/faelle/{reference}/unterlagen", data, files={"file": (name, content, "application/pdf")},
                page=f"/faelle/{reference}")


def checklist_status(page: str, item: str) -> str:
    row = re.search(rf'<tr class="item-\w+" data-item="{item}">(.*?)</tr>', page, re.S)
    assert row, f"no checklist row {item}"
    return re.search(r'<span class="status status-\w+">([^<]+)</span>', row.group(1)).group(1)


def buttons(page: str) -> list[str]:
    section = page.split('id="schritte"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<button type="submit" class="button (?:primary|danger)">([^<]+)</button>', section)


# ------------------------------------------------------------------------------------ the new-case form


def test_new_case_form_opens_the_case_and_shows_it(verden, web_engine, accounts):
    form = verden.get("/faelle/neu")
    assert form.status_code == 200
    for label in ("Vorname", "Nachname", "Geburtsdatum", "Landkreis", "Sprache", "Beruf, wie die Person ihn nennt", "Einwilligung"):
        assert label in form.text
    assert len(re.findall(r'<label for="', form.text)) >= len(re.findall(r"<(?:input|select) id=", form.text))
    assert 'data-live-routing="routing-vorschau"' in form.text and "/static/app.js" in form.text

    response = post(verden, "/faelle/neu", GOOD_FORM, page="/faelle/neu")
    assert response.status_code == 303
    reference = response.headers["location"].split("/faelle/", 1)[1].split("?", 1)[0]
    assert reference.startswith("VER-2026-")

    case = case_row(web_engine, reference)
    assert case.district == "verden" and case.adviser_id == accounts["verden"].id
    assert case.reference_occupation == "Pflegefachfrau/Pflegefachmann" and case.country_of_training == "UA"
    with Session(web_engine) as session:
        person = session.get(Person, case.person_id)
        assert (person.given_name, person.birth_date, person.arrival_date) == ("Mariia", date(1991, 2, 14), date(2022, 4, 1))
        assert session.exec(select(Consent).where(Consent.person_id == person.id)).one().given_on == TODAY
        actors = {e.actor for e in session.exec(select(AuditEvent).where(AuditEvent.person_id == person.id)).all()}
    assert actors == {f"adviser:{accounts['verden'].email}"}

    page = verden.get(response.headers["location"])
    assert page.status_code == 200 and "Fall angelegt." in page.text
    assert "Mariia Bondarenko" in page.text and "14.02.1991" in page.text


@pytest.mark.parametrize("field, value, message", [
    ("birth_date", "31.02.1991", "Geburtsdatum: „31.02.1991“ ist kein gültiges Datum"),
    ("birth_date", "1991/02/14", "nicht im Format"),
    ("district", "bremen", "Landkreis: „bremen“ wird nicht betreut"),
    ("consent", "", "Einwilligung: ohne die Einwilligung der Person"),
    ("given_name", "  ", "Vorname ist leer"),
    ("language", "Ukrainisch", "kein Sprachcode"),
    ("arrival_date", "01.04.2031", "liegt in der Zukunft"),
])
def test_bad_input_gets_a_german_message_at_the_field_and_stores_nothing(verden, web_engine, field, value, message):
    persons, cases = count(web_engine, Person), count(web_engine, Case)
    data = {k: v for k, v in GOOD_FORM.items() if not (k == field and value == "")}
    if value:
        data[field] = value
    response = post(verden, "/faelle/neu", data, page="/faelle/neu")

    assert response.status_code == 422
    assert message in response.text
    assert f'id="{field}-fehler"' in response.text and 'aria-invalid="true"' in response.text
    assert "Es wurde nichts gespeichert." in response.text
    # what was typed stays in its field (the language is chosen from a list: a forged value is not offered back)
    assert value.strip() == "" or field == "language" or f'value="{value}"' in response.text
    assert (count(web_engine, Person), count(web_engine, Case)) == (persons, cases)


def test_an_adviser_cannot_open_a_case_for_the_other_district(client, accounts, web_cases, web_engine):
    login(client, accounts["osterholz"].email)
    cases = count(web_engine, Case)
    response = post(client, "/faelle/neu", GOOD_FORM, page="/faelle/neu")
    assert response.status_code == 422
    assert "Landkreis: Sie beraten für Landkreis Osterholz; ein Fall für Landkreis Verden wird dort angelegt" in response.text
    assert count(web_engine, Case) == cases


def test_live_routing_fragment_for_the_typed_profession(verden):
    fragment = verden.get("/api/routing", params={"profession": "Krankenschwester", "district": "verden"})
    assert fragment.status_code == 200
    assert "Pflegefachfrau/Pflegefachmann" in fragment.text and "Lüneburg" in fragment.text
    # after a refused form the preview is there without JavaScript too
    refused = post(verden, "/faelle/neu", {**GOOD_FORM, "birth_date": "gestern"}, page="/faelle/neu")
    preview = refused.text.split('id="routing-vorschau"', 1)[1]
    assert "Pflegefachfrau/Pflegefachmann" in preview.split("</fieldset>", 1)[0]


# ------------------------------------------------------------------------------------ the case page


def test_case_page_shows_routing_reason_checklist_and_only_allowed_steps(verden, web_cases):
    page = verden.get(f"/faelle/{web_cases['verden']}")
    assert page.status_code == 200
    text = page.text
    assert "Olena Kowalenko" in text and "Aufnahme" in text
    assert "Treffer in der Synonymliste" in text  # the routing's reason
    assert "Niedersächsisches Landesamt für Soziales, Jugend und Familie" in text and "21339 Lüneburg" in text
    assert checklist_status(text, "identitaetsnachweis") == "fehlt"
    assert text.count('enctype="multipart/form-data"') == 1  # one upload form, the item chosen in a select
    assert '<option value="identitaetsnachweis">' in text
    # intake: collect documents, set a deadline for the person, withdraw; nothing of later states
    assert sorted(buttons(text)) == sorted(["Unterlagen sammeln", "Antrag zurückgezogen", "Frist für die Person gesetzt"])
    assert "Antrag gestellt" not in buttons(text) and "Bescheid erhalten" not in buttons(text)
    for heading in ("Fristen", "Briefe", "Erinnerungen", "Verlauf (Protokoll)"):
        assert heading in text
    assert "<script>" not in text and " style=" not in text  # CSP: no inline script or style


def test_a_step_changes_the_state_and_is_audited_with_the_adviser(verden, web_cases, web_engine, accounts):
    reference = web_cases["verden"]
    response = post(verden, f"/faelle/{reference}/schritt", {"event": "collect", "on": "24.11.2026"}, page=f"/faelle/{reference}")
    assert response.status_code == 303
    assert case_row(web_engine, reference).state == "collecting_documents"
    with Session(web_engine) as session:
        entry = session.exec(select(AuditEvent).where(AuditEvent.case_reference == reference, AuditEvent.action == "case.collect")).one()
    assert entry.actor == f"adviser:{accounts['verden'].email}"

    page = verden.get(response.headers["location"].split("#")[0])
    assert "Unterlagen werden gesammelt" in page.text and "Unterlagen bereit" in buttons(page.text)
    assert "Unterlagen sammeln" not in buttons(page.text)
    assert "24.11.2026" in page.text and accounts['verden'].name in page.text and "adviser:" not in page.text


def test_a_step_not_allowed_in_the_state_is_refused_in_german(verden, web_cases, web_engine):
    reference = web_cases["verden"]
    response = post(verden, f"/faelle/{reference}/schritt", {"event": "decide", "outcome": "full_equivalence"}, page=f"/faelle/{reference}")
    assert response.status_code == 422
    assert "„Bescheid erhalten“ ist im Stand „Aufnahme“ nicht möglich" in response.text
    assert case_row(web_engine, reference).state == "intake"


def test_a_step_dated_before_the_last_one_or_in_the_future_is_refused(verden, web_cases, web_engine):
    reference = web_cases["verden"]
    post(verden, f"/faelle/{reference}/schritt", {"event": "collect", "on": "20.11.2026"}, page=f"/faelle/{reference}")
    earlier = post(verden, f"/faelle/{reference}/schritt", {"event": "withdraw", "on": "19.11.2026"}, page=f"/faelle/{reference}")
    assert earlier.status_code == 422
    assert "19.11.2026 liegt vor dem zuletzt erfassten Schritt (20.11.2026)" in earlier.text
    future = post(verden, f"/faelle/{reference}/schritt", {"event": "withdraw", "on": "26.11.2026"}, page=f"/faelle/{reference}")
    assert future.status_code == 422 and "liegt in der Zukunft (heute ist der 25.11.2026)" in future.text
    nonsense = post(verden, f"/faelle/{reference}/schritt", {"event": "withdraw", "on": "30.02.2026"}, page=f"/faelle/{reference}")
    assert nonsense.status_code == 422 and "„30.02.2026“ ist kein gültiges Datum" in nonsense.text
    assert case_row(web_engine, reference).state == "collecting_documents"


def test_a_deadline_for_the_person_needs_its_length_and_then_shows_on_the_timeline(verden, web_cases, web_engine):
    reference = web_cases["verden"]
    refused = post(verden, f"/faelle/{reference}/schritt", {"event": "set_deadline", "period_count": "", "period_unit": "w"},
                   page=f"/faelle/{reference}")
    assert refused.status_code == 422 and "Dauer: bitte eine Zahl" in refused.text
    done = post(verden, f"/faelle/{reference}/schritt", {"event": "set_deadline", "on": "25.11.2026", "period_count": "2",
                                                        "period_unit": "w", "note": "Zeugnisse nachreichen"}, page=f"/faelle/{reference}")
    assert done.status_code == 303
    page = verden.get(f"/faelle/{reference}").text
    timeline = page.split('class="timeline"', 1)[1].split("</ol>", 1)[0]
    assert "fällig 09.12.2026" in timeline and "Frist für die Person" in timeline
    assert "Frist der Person erfüllt" in buttons(page)  # now there is a deadline to mark as met


def test_an_unclear_profession_gets_its_reference_occupation_chosen_on_the_page(verden, accounts, web_cases, web_engine):
    from tests.web_fixtures import make_case

    reference = make_case(web_engine, given_name="Iryna", family_name="Melnyk", district="verden",
                          profession="Krankenpfleger Assistenz", adviser_id=accounts["verden"].id)
    page = verden.get(f"/faelle/{reference}").text
    assert "noch nicht festgelegt" in page and "Die Checkliste entsteht, sobald der Referenzberuf feststeht." in page
    suggestions = page.split('label="Vorschläge zum angegebenen Beruf"', 1)[1].split("</optgroup>", 1)[0]
    assert "Pflegefachfrau/Pflegefachmann" in suggestions

    response = post(verden, f"/faelle/{reference}/referenzberuf", {"profession_key": "pflegefachmann"}, page=f"/faelle/{reference}")
    assert response.status_code == 303
    case = case_row(web_engine, reference)
    assert case.reference_occupation_key == "pflegefachmann" and case.body_key == "ls_lueneburg"
    page = verden.get(response.headers["location"].split("#")[0]).text
    assert "Referenzberuf festgelegt" in page and checklist_status(page, "identitaetsnachweis") == "fehlt"
    with Session(web_engine) as session:
        entry = session.exec(select(AuditEvent).where(AuditEvent.action == "case.choose_occupation")).one()
    assert entry.actor == f"adviser:{accounts['verden'].email}" and entry.case_reference == reference


def test_consent_is_recorded_from_the_case_page(verden, web_cases, web_engine, accounts):
    reference = web_cases["verden"]
    page = verden.get(f"/faelle/{reference}").text
    assert "Einwilligung heute erfassen" in page
    response = post(verden, f"/faelle/{reference}/einwilligung", {"given_by": "Person"}, page=f"/faelle/{reference}")
    assert response.status_code == 303
    page = verden.get(response.headers["location"].split("#")[0]).text
    assert "erteilt am 25.11.2026 (Person)" in page and "Einwilligung heute erfassen" not in page
    with Session(web_engine) as session:
        consent = session.exec(select(Consent)).one()
    assert consent.recorded_by == f"adviser:{accounts['verden'].email}"


def test_what_a_person_typed_is_shown_as_text_not_run_as_markup(verden, web_engine):
    form = {**GOOD_FORM, "profession": "Krankenschwester <b>fett</b>"}
    response = post(verden, "/faelle/neu", form, page="/faelle/neu")
    assert response.status_code == 303
    page = verden.get(response.headers["location"]).text
    assert "<b>fett</b>" not in page and "&lt;b&gt;fett&lt;/b&gt;" in page
    printed = verden.get(response.headers["location"].split("?")[0] + "/druck").text
    assert "<b>fett</b>" not in printed and "&lt;b&gt;" in printed


def test_a_name_with_markup_is_refused_by_the_shared_parser_and_shown_as_text(verden, web_engine):
    persons = count(web_engine, Person)
    form = {**GOOD_FORM, "given_name": "<script>alert(1)</script>", "family_name": '"><img src=x onerror=alert(2)>'}
    response = post(verden, "/faelle/neu", form, page="/faelle/neu")
    assert response.status_code == 422
    assert 'id="given_name-fehler"' in response.text and 'id="family_name-fehler"' in response.text
    assert "enthält Auszeichnungen" in response.text
    assert "<script>alert(1)</script>" not in response.text and "<img src=x" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert count(web_engine, Person) == persons


# ------------------------------------------------------------------------------------ uploads


def test_a_good_pdf_for_a_missing_item_makes_it_present(verden, web_cases, web_engine, home, accounts):
    reference = web_cases["verden"]
    consent_and_address(web_engine, reference)
    content = samples.pdf("Reisepass")
    response = upload(verden, reference, "Scan 01.pdf", content, item="identitaetsnachweis")
    assert response.status_code == 303

    page = verden.get(response.headers["location"].split("#")[0]).text
    assert "Datei geprüft und zum Fall genommen" in page
    assert checklist_status(page, "identitaetsnachweis") == "vorhanden"
    assert checklist_status(page, "lebenslauf") == "fehlt"
    with Session(web_engine) as session:
        document = session.exec(select(Document)).one()
        audit = session.exec(select(AuditEvent).where(AuditEvent.action == "document.add")).one()
    assert document.item_key == "identitaetsnachweis" and document.source == "upload" and document.kind == "pdf"
    stored = home.cases_dir / reference / "documents" / document.stored_name
    assert stored.read_bytes() == content and document.stored_name.startswith(document.sha256[:12])
    assert audit.actor == f"adviser:{accounts['verden'].email}"
    # the same file again is a duplicate, kept in quarantine with the reason
    again = upload(verden, reference, "nochmal.pdf", content, item="lebenslauf")
    assert again.status_code == 422 and "Duplikat" in again.text and "Scan 01.pdf" in again.text


def test_a_certificate_needs_its_translation_to_count(verden, web_cases, web_engine):
    reference = web_cases["verden"]
    consent_and_address(web_engine, reference)
    upload(verden, reference, "Diplom.pdf", samples.pdf("Diplom"), item="ausbildungsnachweise")
    assert checklist_status(verden.get(f"/faelle/{reference}").text, "ausbildungsnachweise") == "Übersetzung fehlt"
    upload(verden, reference, "Diplom_de.pdf", samples.pdf("Diplom übersetzt"), item="ausbildungsnachweise", translated=True)
    assert checklist_status(verden.get(f"/faelle/{reference}").text, "ausbildungsnachweise") == "vorhanden"


def test_an_executable_named_pdf_is_refused_and_kept_in_quarantine_with_the_reason(verden, web_cases, web_engine, home):
    reference = web_cases["verden"]
    consent_and_address(web_engine, reference)
    content = samples.executable()
    response = upload(verden, reference, "Diplom.pdf", content, item="ausbildungsnachweise")

    assert response.status_code == 422
    assert "Datei „Diplom.pdf“ nicht angenommen" in response.text and "ausführbar" in response.text
    assert "Quarantäne" in response.text
    assert checklist_status(response.text, "ausbildungsnachweise") == "fehlt"
    assert count(web_engine, Document) == 0
    kept = [p for p in home.quarantine_dir.rglob("*") if p.is_file() and not p.name.endswith(".reason.txt")]
    assert len(kept) == 1 and kept[0].read_bytes() == content
    reason = kept[0].with_name(kept[0].name + ".reason.txt").read_text(encoding="utf-8")
    assert "ausführbar" in reason and "hochgeladen von adviser:" in reason
    assert not (home.cases_dir / reference / "documents").exists()
    with Session(web_engine) as session:
        ledger = session.exec(select(IntakeFile)).one()
    assert ledger.outcome == "rejected" and ledger.case_reference == reference and ledger.quarantine_path


def test_an_upload_over_the_limit_is_refused_before_it_is_read(verden, web_cases, web_engine, web_app, home):
    reference = web_cases["verden"]
    consent_and_address(web_engine, reference)
    web_app.state.settings = home.model_copy(update={"max_file_bytes": 2000})
    big = samples.pdf() + b"%" + b"x" * 200_000
    response = upload(verden, reference, "gross.pdf", big, item="lebenslauf")
    assert response.status_code == 400
    assert "Die Datei ist zu groß" in response.text and "höchstens 2 KB" in response.text
    assert count(web_engine, Document) == 0 and count(web_engine, IntakeFile) == 0
    assert not any(home.quarantine_dir.rglob("*.pdf"))  # never read, so nothing to keep

    # just over the limit (within the room for the form's other fields): read, judged, quarantined
    slightly = samples.pdf() + b"%" + b"x" * 3000
    response = upload(verden, reference, "etwas_gross.pdf", slightly, item="lebenslauf")
    assert response.status_code == 422 and "zu groß" in response.text
    assert count(web_engine, Document) == 0 and len(list(home.quarantine_dir.rglob("*.pdf"))) == 1


def test_no_document_is_stored_without_consent(verden, web_cases, web_engine, home):
    reference = web_cases["verden"]
    response = upload(verden, reference, "Pass.pdf", samples.pdf(), item="identitaetsnachweis")
    assert response.status_code == 422 and "keine Einwilligung erfasst" in response.text
    assert count(web_engine, Document) == 0 and not any(home.home.rglob("*.pdf"))


# ------------------------------------------------------------------------------------ downloads and letters


def test_a_document_downloads_as_an_attachment_from_the_case_folder(verden, web_cases, web_engine):
    reference = web_cases["verden"]
    consent_and_address(web_engine, reference)
    content = samples.pdf("Lebenslauf")
    upload(verden, reference, "Lebenslauf Olena.pdf", content, item="lebenslauf")
    with Session(web_engine) as session:
        document = session.exec(select(Document)).one()
    page = verden.get(f"/faelle/{reference}").text
    assert f'href="/faelle/{reference}/unterlagen/{document.id}"' in page

    response = verden.get(f"/faelle/{reference}/unterlagen/{document.id}")
    assert response.status_code == 200 and response.content == content
    assert response.headers["content-type"] == "application/pdf" and response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"].startswith("attachment;") and "Lebenslauf" in response.headers["content-disposition"]


def test_a_download_outside_the_case_folder_is_not_served(verden, web_cases, web_engine, home):
    reference = web_cases["verden"]
    consent_and_address(web_engine, reference)
    upload(verden, reference, "Pass.pdf", samples.pdf(), item="identitaetsnachweis")
    secret = home.cases_dir / web_cases["osterholz"] / "documents" / "geheim.pdf"
    secret.parent.mkdir(parents=True)
    secret.write_bytes(samples.pdf("Osterholz"))
    with session_scope(web_engine) as session:  # a row pointing elsewhere (a broken or tampered database)
        document = session.exec(select(Document)).one()
        document.stored_name = f"../../{web_cases['osterholz']}/documents/geheim.pdf"
        session.add(document)
    assert verden.get(f"/faelle/{reference}/unterlagen/{document.id}").status_code == 404


def test_a_letter_is_written_listed_and_downloads_as_a_word_file(verden, web_cases, web_engine, home, accounts):
    import docx

    reference = web_cases["verden"]
    consent_and_address(web_engine, reference)
    response = post(verden, f"/faelle/{reference}/briefe", {"kind": "checklist", "language": "uk"}, page=f"/faelle/{reference}")
    assert response.status_code == 303
    with Session(web_engine) as session:
        letter = session.exec(select(Letter)).one()
        audit = session.exec(select(AuditEvent).where(AuditEvent.action == "letter.write")).one()
    assert letter.language == "uk" and letter.kind == "checklist" and audit.actor == f"adviser:{accounts['verden'].email}"
    assert (home.cases_dir / letter.path).is_file()

    page = verden.get(response.headers["location"].split("#")[0]).text
    assert "Brief geschrieben." in page and "Unterlagen-Checkliste an die Person" in page
    download = verden.get(f"/faelle/{reference}/briefe/{letter.id}")
    assert download.status_code == 200 and download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(download.content)).paragraphs)
    assert "Olena" in text and "Kowalenko" in text


def test_a_letter_that_cannot_be_written_says_why_in_german(verden, web_cases, web_engine):
    reference = web_cases["verden"]
    response = post(verden, f"/faelle/{reference}/briefe", {"kind": "outcome", "language": "de"}, page=f"/faelle/{reference}")
    assert response.status_code == 422
    assert "Brief nicht geschrieben: Der Fall hat noch keinen Bescheid" in response.text
    assert count(web_engine, Letter) == 0


def test_the_address_form_stores_the_address_with_an_audit_entry(verden, web_cases, web_engine, accounts):
    reference = web_cases["verden"]
    refused = post(verden, f"/faelle/{reference}/anschrift", {"street": "Am Markt 3", "postcode": "2728", "city": "Verden"},
                   page=f"/faelle/{reference}")
    assert refused.status_code == 422 and "keine deutsche Postleitzahl" in refused.text
    done = post(verden, f"/faelle/{reference}/anschrift", {"street": "Am Markt 3", "postcode": "27283", "city": "Verden"},
                page=f"/faelle/{reference}")
    assert done.status_code == 303
    assert "Am Markt 3, 27283 Verden" in verden.get(f"/faelle/{reference}").text
    with Session(web_engine) as session:
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "person.address")).one().actor == \
            f"adviser:{accounts['verden'].email}"


def test_reminders_of_the_case_are_listed(verden, web_cases, web_engine):
    reference = web_cases["verden"]
    case = case_row(web_engine, reference)
    with session_scope(web_engine) as session:
        session.add(OutboxMessage(
            case_id=case.id, case_reference=reference, district="verden", rule="person_deadline", due_on=date(2026, 11, 20),
            recipient="olena@example.org", recipient_kind="person", language="uk", subject="Erinnerung: Unterlagen",
            body="…", message_id="<r1@test>", state="failed", attempts=5, last_error="550 5.1.1 no such user",
        ))
    section = verden.get(f"/faelle/{reference}").text.split('id="erinnerungen"', 1)[1].split("</section>", 1)[0]
    assert "20.11.2026" in section and "fehlgeschlagen" in section and "550 5.1.1" in section


def test_print_view_renders_for_the_paper_file(verden, web_cases):
    reference = web_cases["verden"]
    page = verden.get(f"/faelle/{reference}/druck")
    assert page.status_code == 200
    assert f"Fall {reference}" in page.text and "Olena Kowalenko" in page.text and "gedruckt am 25.11.2026" in page.text
    assert "☐" in page.text and "Identitätsnachweis" in page.text
    assert "data-print" in page.text and "/static/case.css" in page.text and "<script>" not in page.text
    css = verden.get("/static/case.css")
    assert css.status_code == 200 and "@media print" in css.text


# ------------------------------------------------------------------------------------ who may do what


def _other_district_targets(engine, home, reference):
    """A document and a letter on the Verden case, to ask for from Osterholz."""
    consent_and_address(engine, reference)
    case = case_row(engine, reference)
    folder = home.cases_dir / reference
    (folder / "documents").mkdir(parents=True)
    (folder / "documents" / "abc-Pass.pdf").write_bytes(samples.pdf())
    (folder / "letters").mkdir()
    (folder / "letters" / "brief.docx").write_bytes(samples.docx())
    with session_scope(engine) as session:
        document = Document(case_id=case.id, original_name="Pass.pdf", stored_name="abc-Pass.pdf", kind="pdf", size=1,
                            sha256="a" * 64, source="inbox")
        letter = Letter(case_id=case.id, case_reference=reference, kind="checklist", recipient="person", language="de",
                        template="person", subject="x", case_state="intake", sha256="b" * 64, size=1,
                        path=f"{reference}/letters/brief.docx", actor="test")
        session.add(document)
        session.add(letter)
        session.flush()
        return document.id, letter.id


def test_the_other_districts_case_is_not_found_on_every_route(client, accounts, web_cases, web_engine, home):
    reference = web_cases["verden"]
    document_id, letter_id = _other_district_targets(web_engine, home, reference)
    login(client, accounts["osterholz"].email)
    token = csrf_token(client)
    for path in (f"/faelle/{reference}", f"/faelle/{reference}/druck", f"/faelle/{reference}/unterlagen/{document_id}",
                 f"/faelle/{reference}/briefe/{letter_id}", f"/faelle/{reference.lower()}"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Nicht gefunden" in response.text and "Olena" not in response.text
    posts = {
        "schritt": ({"event": "collect"}, None),
        "unterlagen": ({"item_key": "lebenslauf"}, {"file": ("x.pdf", samples.pdf("fremd"), "application/pdf")}),
        "briefe": ({"kind": "checklist", "language": "de"}, None),
        "anschrift": ({"street": "Weg 1", "postcode": "27711", "city": "Osterholz-Scharmbeck"}, None),
        "einwilligung": ({"given_by": "Person"}, None),
        "referenzberuf": ({"profession_key": "pflegefachmann"}, None),
    }
    for name, (data, files) in posts.items():
        response = client.post(f"/faelle/{reference}/{name}", data={**data, "csrf_token": token}, files=files)
        assert response.status_code == 404, name
    # and through the adviser's own case: another case's document or letter is not found either
    own = web_cases["osterholz"]
    assert client.get(f"/faelle/{own}/unterlagen/{document_id}").status_code == 404
    assert client.get(f"/faelle/{own}/briefe/{letter_id}").status_code == 404
    assert case_row(web_engine, reference).state == "intake"
    assert count(web_engine, Letter) == 1 and count(web_engine, Document) == 1
    assert not any(home.quarantine_dir.rglob("*"))


def test_a_lead_sees_both_districts(client, accounts, web_cases):
    login(client, accounts["lead"].email)
    assert client.get(f"/faelle/{web_cases['verden']}").status_code == 200
    assert client.get(f"/faelle/{web_cases['osterholz']}").status_code == 200


def test_read_only_sees_the_case_but_cannot_change_it(client, accounts, web_cases, web_engine):
    reference = web_cases["verden"]
    login(client, accounts["readonly"].email)
    page = client.get(f"/faelle/{reference}")
    assert page.status_code == 200 and buttons(page.text) == []
    assert 'enctype="multipart/form-data"' not in page.text
    assert client.get("/faelle/neu").status_code == 403
    token = csrf_token(client)
    for name, data in (("schritt", {"event": "collect"}), ("briefe", {"kind": "checklist"}),
                       ("anschrift", {"street": "Weg 1", "postcode": "27283", "city": "Verden"}),
                       ("einwilligung", {"given_by": "Person"}), ("referenzberuf", {"profession_key": "pflegefachmann"})):
        response = client.post(f"/faelle/{reference}/{name}", data={**data, "csrf_token": token})
        assert response.status_code == 403 and "Nur Lesezugriff" in response.text
    response = client.post(f"/faelle/{reference}/unterlagen", data={"csrf_token": token},
                           files={"file": ("x.pdf", samples.pdf(), "application/pdf")})
    assert response.status_code == 403
    assert client.post("/faelle/neu", data={**GOOD_FORM, "csrf_token": token}).status_code == 403
    assert case_row(web_engine, reference).state == "intake"


def test_a_post_without_the_csrf_token_is_refused(verden, web_cases, web_engine):
    reference = web_cases["verden"]
    consent_and_address(web_engine, reference)
    for name, data, files in (
        ("schritt", {"event": "collect"}, None),
        ("unterlagen", {"item_key": "lebenslauf"}, {"file": ("x.pdf", samples.pdf(), "application/pdf")}),
        ("briefe", {"kind": "checklist"}, None),
        ("anschrift", {"street": "Weg 1", "postcode": "27283", "city": "Verden"}, None),
        ("referenzberuf", {"profession_key": "altenpfleger"}, None),
    ):
        response = verden.post(f"/faelle/{reference}/{name}", data=data, files=files)
        assert response.status_code == 403, name
        assert "Formular abgelehnt" in response.text
        wrong = verden.post(f"/faelle/{reference}/{name}", data={**data, "csrf_token": "gefälscht"}, files=files)
        assert wrong.status_code == 403, name
    assert verden.post("/faelle/neu", data=GOOD_FORM).status_code == 403
    case = case_row(web_engine, reference)
    assert case.state == "intake" and case.reference_occupation_key == "pflegefachmann"
    assert count(web_engine, Document) == 0 and count(web_engine, Letter) == 0


def test_not_logged_in_goes_to_the_login(client, web_cases):
    response = client.get(f"/faelle/{web_cases['verden']}")
    assert response.status_code == 303 and response.headers["location"].startswith("/anmelden?next=")


def test_a_letter_to_the_body_is_german_whatever_the_translation_select_still_shows(verden, web_cases, web_engine):
    """The form preselects the person's language; a letter to the body is written in German, not
    refused for it."""
    reference = web_cases["verden"]
    consent_and_address(web_engine, reference)
    assert upload(verden, reference, "Pass.pdf", samples.pdf("Pass"), item="identitaetsnachweis").status_code == 303
    response = post(verden, f"/faelle/{reference}/briefe", {"kind": "body_cover", "language": "uk"}, page=f"/faelle/{reference}")
    assert "--lang" not in response.text and "nur auf Deutsch" not in response.text
    assert response.status_code == 303, re.findall(r"notice[^>]*>([^<]*)", response.text)
    with Session(web_engine) as session:
        letter = session.exec(select(Letter)).one()
    assert letter.kind == "body_cover" and letter.language in (None, "de")
