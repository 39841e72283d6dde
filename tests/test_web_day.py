"""The adviser's day over HTTP: typed days refused with the field and the fix, a wrongly dated step
corrected (the original kept, the deadlines recomputed, the audit trail naming it)."""

from __future__ import annotations

from sqlmodel import Session, select

from models import AuditEvent, CaseEvent, Document, IntakeFile
from services.audit import opened
from tests.test_web_case import GOOD_FORM, case_row, consent_and_address, home, post, upload, verden  # noqa: F401 - fixtures
from tests.web_fixtures import (  # noqa: F401 - fixtures
    accounts,
    client,
    csrf_token,
    login,
    web_app,
    web_cases,
    web_engine,
)
from welcome_center.demo import samples


def step(client, reference: str, data: dict):
    return post(client, f"/faelle/{reference}/schritt", data, page=f"/faelle/{reference}")


def correct(client, reference: str, number: int, on: str, note: str = ""):
    return post(client, f"/faelle/{reference}/schritt/{number}/berichtigen", {"on": on, "note": note}, page=f"/faelle/{reference}")


def test_a_step_day_with_a_two_digit_year_or_year_one_is_refused_naming_the_field(verden, web_cases, web_engine):
    reference = web_cases["verden"]
    short = step(verden, reference, {"event": "collect", "on": "06.12.26"})
    assert short.status_code == 422
    assert "Datum: „06.12.26“ hat eine zweistellige Jahreszahl; bitte das Jahr vierstellig eintragen" in short.text
    ancient = step(verden, reference, {"event": "collect", "on": "01.01.0001"})
    assert ancient.status_code == 422 and "Datum: „01.01.0001“ liegt vor dem 01.01.1990" in ancient.text
    assert case_row(web_engine, reference).state == "intake"


def test_the_new_case_form_refuses_a_birth_date_with_a_two_digit_year(verden):
    response = post(verden, "/faelle/neu", {**GOOD_FORM, "birth_date": "06.12.26"}, page="/faelle/neu")
    assert response.status_code == 422
    assert "Geburtsdatum: „06.12.26“ hat eine zweistellige Jahreszahl" in response.text
    ancient = post(verden, "/faelle/neu", {**GOOD_FORM, "birth_date": "01.01.0001"}, page="/faelle/neu")
    assert ancient.status_code == 422 and "„01.01.0001“ liegt vor dem 01.01.1900" in ancient.text


def test_a_wrongly_dated_step_is_corrected_and_the_deadline_runs_from_the_right_day(verden, web_cases, web_engine):
    reference = web_cases["verden"]
    assert step(verden, reference, {"event": "collect", "on": "18.11.2026"}).status_code == 303
    assert step(verden, reference, {"event": "set_deadline", "on": "20.11.2026", "period_count": "2",
                                    "period_unit": "w"}).status_code == 303
    assert "fällig 04.12.2026" in verden.get(f"/faelle/{reference}").text

    done = correct(verden, reference, 2, "23.11.2026", "Brief erst am Montag versandt")
    assert done.status_code == 303 and done.headers["location"].endswith("?ok=berichtigt#schritt-2")
    page = verden.get(done.headers["location"].split("#")[0]).text
    assert "fällig 07.12.2026" in page and "fällig 04.12.2026" not in page
    assert "Datum berichtigt; der ursprüngliche Eintrag bleibt im Verlauf" in page and "(Berichtigung von Nr. 2)" in page
    assert "Datum eines Schritts berichtigt" in page  # the audit trail on the page
    with Session(web_engine) as session:
        rows = session.exec(select(CaseEvent).order_by(CaseEvent.id)).all()
        assert [(r.event, r.occurred_on.isoformat(), r.corrects_id) for r in rows] == [
            ("collect", "2026-11-18", None), ("set_deadline", "2026-11-20", None),
            ("set_deadline", "2026-11-23", rows[1].id)]
        audit = opened(session, [session.exec(select(AuditEvent).where(AuditEvent.action == "case.correct")).one()])[0]
        assert audit.case_reference == reference and "2026-11-20" in audit.before and "2026-11-23" in audit.after


def test_a_correction_keeps_the_steps_in_order_and_refuses_bad_days(verden, web_cases, web_engine):
    reference = web_cases["verden"]
    step(verden, reference, {"event": "collect", "on": "18.11.2026"})
    step(verden, reference, {"event": "set_deadline", "on": "20.11.2026", "period_count": "2", "period_unit": "w"})
    refused = {
        "06.12.26": "Richtiges Datum: „06.12.26“ hat eine zweistellige Jahreszahl",
        "01.01.0001": "Richtiges Datum: „01.01.0001“ liegt vor dem 01.01.1990",
        "17.11.2026": "17.11.2026 liegt vor dem zuletzt erfassten Schritt (18.11.2026)",
        "26.11.2026": "liegt in der Zukunft (heute ist der 25.11.2026)",
        "20.11.2026": "der Schritt ist schon am 20.11.2026 erfasst",
    }
    for typed, message in refused.items():
        response = correct(verden, reference, 2, typed)
        assert response.status_code == 422 and message in response.text, typed
    after_next = correct(verden, reference, 1, "21.11.2026")
    assert after_next.status_code == 422 and "21.11.2026 liegt nach dem folgenden Schritt (20.11.2026)" in after_next.text
    missing = correct(verden, reference, 9, "21.11.2026")
    assert missing.status_code == 422 and "Schritt Nr. 9 gibt es nicht" in missing.text
    with Session(web_engine) as session:
        assert len(session.exec(select(CaseEvent)).all()) == 2


def test_the_history_reads_as_german_sentences_with_names(verden, accounts):
    created = post(verden, "/faelle/neu", GOOD_FORM, page="/faelle/neu")
    assert created.status_code == 303
    page = verden.get(created.headers["location"].split("?")[0]).text
    history = page.split('id="verlauf"', 1)[1]
    assert "Referenzberuf: " in history and "Stelle: " in history and "Geschlecht: weiblich" in history
    assert "Sprache: Ukrainisch" in history and accounts["verden"].name in history
    for raw in ("routing_method", "case_state", "sex:", "body_key", "person_id", "sha256", "adviser:", "collecting_documents"):
        assert raw not in history, raw
    assert "<dt>Sprache</dt><dd>Ukrainisch</dd>" in page


def test_the_new_case_form_offers_languages_by_name(verden):
    form = verden.get("/faelle/neu").text
    assert "ISO 639-1" not in form and "Sprachcode" not in form
    assert '<option value="uk">Ukrainisch</option>' in form and '<option value="ti">Tigrinya</option>' in form
    assert '<select id="language" name="language"' in form


def test_documents_ready_with_required_documents_missing_asks_first_and_lists_them(verden, web_cases, web_engine):
    reference = web_cases["verden"]
    step(verden, reference, {"event": "collect", "on": "20.11.2026"})
    asked = step(verden, reference, {"event": "ready", "on": "24.11.2026"})
    assert asked.status_code == 200 and case_row(web_engine, reference).state == "collecting_documents"
    confirm = asked.text.split('class="confirm-step', 1)[1].split("</div>", 1)[0]
    assert "Es fehlen noch Pflichtunterlagen" in confirm and "Identitätsnachweis" in confirm
    assert 'name="bestaetigt" value="ja"' in confirm and 'name="on" value="24.11.2026"' in confirm
    done = step(verden, reference, {"event": "ready", "on": "24.11.2026", "bestaetigt": "ja"})
    assert done.status_code == 303 and case_row(web_engine, reference).state == "ready_to_submit"


def test_an_irreversible_step_looks_dangerous_and_is_stored_only_after_confirmation(verden, web_cases, web_engine):
    reference = web_cases["verden"]
    page = verden.get(f"/faelle/{reference}").text
    assert '<button type="submit" class="button danger">Antrag zurückgezogen</button>' in page
    asked = step(verden, reference, {"event": "withdraw", "on": "24.11.2026", "note": "zieht weg"})
    assert asked.status_code == 200 and "lässt sich nicht rückgängig machen" in asked.text
    assert 'name="note" value="zieht weg"' in asked.text
    assert case_row(web_engine, reference).state == "intake"
    done = step(verden, reference, {"event": "withdraw", "on": "24.11.2026", "note": "zieht weg", "bestaetigt": "ja"})
    assert done.status_code == 303 and case_row(web_engine, reference).state == "withdrawn"


def test_the_confirmation_shows_in_the_section_of_the_action(verden, web_cases):
    reference = web_cases["verden"]
    done = step(verden, reference, {"event": "collect", "on": "24.11.2026"})
    page = verden.get(done.headers["location"].split("#")[0]).text
    section = page.split('id="schritte"', 1)[1].split("</section>", 1)[0]
    assert "Schritt erfasst; die Fristen sind neu berechnet." in section
    assert page.count("Schritt erfasst; die Fristen") == 1


def quarantined(web_engine, name_part: str) -> IntakeFile:
    with Session(web_engine) as session:
        return next(row for row in session.exec(select(IntakeFile)).all() if name_part in row.inbox_path)


def test_a_file_quarantined_for_its_name_is_released_to_the_case_after_review(verden, web_cases, web_engine):
    reference = web_cases["verden"]
    consent_and_address(web_engine, reference)
    refused = upload(verden, reference, "Zeugnis\u202efdp.pdf", samples.pdf("Zeugnis"))
    assert refused.status_code == 422 and count_documents(web_engine) == 0
    overview = verden.get("/").text
    assert f'<a href="/faelle/{reference}">{reference}</a>' in overview and "Zeugnis&lt;U+202E&gt;fdp.pdf" in overview
    assert '<a href="/quarantaene">Quarantäne</a>' in overview  # in the main navigation of every page
    page = verden.get("/quarantaene")
    assert page.status_code == 200 and "Zeugnis&lt;U+202E&gt;fdp.pdf" in page.text and "Dem Fall zuordnen" in page.text
    row = quarantined(web_engine, "Zeugnis")
    unchecked = post(verden, f"/quarantaene/{row.id}/zuordnen", {}, page="/quarantaene")
    assert unchecked.status_code == 422 and "Bitte zuerst bestätigen" in unchecked.text and count_documents(web_engine) == 0
    released = post(verden, f"/quarantaene/{row.id}/zuordnen", {"geprueft": "ja"}, page="/quarantaene")
    assert released.status_code == 303 and released.headers["location"].startswith(f"/faelle/{reference}")
    assert count_documents(web_engine) == 1 and quarantined(web_engine, "Zeugnis").outcome == "released"
    assert "Zeugnis&lt;U+202E&gt;fdp.pdf" not in verden.get("/quarantaene").text
    with Session(web_engine) as session:
        audit = session.exec(select(AuditEvent).where(AuditEvent.action == "document.release")).one()
        assert audit.case_reference == reference and audit.actor.startswith("adviser:")


def test_a_file_with_program_code_stays_in_quarantine_whoever_asks(verden, web_cases, web_engine):
    reference = web_cases["verden"]
    consent_and_address(web_engine, reference)
    upload(verden, reference, "Zeugnis.pdf", samples.pdf_with_javascript("Zeugnis"))
    row = quarantined(web_engine, "Zeugnis")
    refused = post(verden, f"/quarantaene/{row.id}/zuordnen", {"geprueft": "ja"}, page="/quarantaene")
    assert refused.status_code == 422 and "bleibt in der Quarantäne" in refused.text
    assert count_documents(web_engine) == 0 and quarantined(web_engine, "Zeugnis").outcome == "rejected"


def test_the_other_districts_quarantined_file_is_not_found(client, accounts, web_cases, web_engine):
    from tests.web_fixtures import login
    reference = web_cases["verden"]
    consent_and_address(web_engine, reference)
    assert login(client, accounts["verden"].email).status_code == 303
    upload(client, reference, "Zeugnis\u202efdp.pdf", samples.pdf("Zeugnis"))
    row = quarantined(web_engine, "Zeugnis")
    client.post("/abmelden", data={"csrf_token": csrf_token(client)})
    client.cookies.clear()
    assert login(client, accounts["osterholz"].email).status_code == 303
    response = post(client, f"/quarantaene/{row.id}/zuordnen", {"geprueft": "ja"}, page="/quarantaene")
    assert response.status_code == 404 and count_documents(web_engine) == 0


def test_the_overview_names_the_deadline_and_every_card_is_a_link(verden, web_cases):
    reference = web_cases["verden"]
    step(verden, reference, {"event": "set_deadline", "on": "02.11.2026", "period_count": "2", "period_unit": "w"})
    page = verden.get("/").text
    overdue = page.split('id="ueberfaellig"', 1)[1].split("</table>", 1)[0]
    assert "Frist für die Person" in overdue and "16.11.2026 (überfällig)" in overdue
    cards = page.split('<div class="cards">', 1)[1].split("</div>", 1)[0]
    assert cards.count('<a class="card"') == 4


def count_documents(engine) -> int:
    with Session(engine) as session:
        return len(session.exec(select(Document)).all())
