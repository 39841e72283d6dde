"""What the letters say, read as a Sachbearbeiterin would: per procedure family the sentences that must
be there and those that must not, deadlines, values never filled, the adviser as contact, titles, the
fast track, and the language of each translation."""

import re
from dataclasses import replace
from datetime import date

import pytest
from sqlmodel import Session, select

from domain.calendar import lower_saxony_calendar
from domain.checklist import CaseProfile, DocumentFacts, Stage, checklist, missing_items
from domain.errors import CatalogueError
from domain.letters.address import sender_for
from domain.letters.compose import (
    CaseFacts,
    ComposedLetter,
    PersonFacts,
    SmeFacts,
    check_filled,
    compose_letter,
    occupation_for,
    working_days_after,
)
from domain.letters.due import LetterRequest
from domain.letters.kinds import LetterKind, LetterRefused
from domain.letters.texts import build_letter_texts
from domain.lifecycle import CaseState, Outcome
from domain.validation import FieldError
from models.db import session_scope
from tests.conftest import ROOT
from tests.web_fixtures import accounts, client, csrf_token, login, web_app, web_cases, web_engine  # noqa: F401 - fixtures

TODAY = date(2026, 12, 7)  # a Monday
CALENDAR = lower_saxony_calendar()
LICENCE_WORDS = re.compile(r"\bErlaubnis\b|Approbation|Berufszulassung|Zulassung zum Beruf|Ausgleichsmaßnahme")
REGULATED = re.compile(r"(?<!nicht )reglementiert")


def case_of(catalogue, rules, key, *, country="SY", eu=False, sex="f", language="uk", state=CaseState.DECIDED,
            outcome=None, documents=(), **person):
    """A case as routing and the selectors hand it over (procedure facts included)."""
    profession = catalogue.professions[key]
    body = catalogue.bodies[profession.body_for("verden", eu if country else None)]
    lines = checklist(rules, CaseProfile.of(profession, district="verden"), list(documents))
    return CaseFacts(
        reference="VER-2026-0077", district="verden", state=state, state_since=4, outcome=outcome,
        person=PersonFacts(given_name="Shabnam", family_name="Karimi", birth_date=date(1989, 6, 1), language=language,
                           sex=sex, street="Am Wall 3", postcode="27721", city="Ritterhude", **person),
        occupation=profession.name, occupation_key=key, regulated=profession.regulated, legal_basis=profession.legal_basis,
        procedure=profession.procedure, group=profession.group, body=body, country_of_training=country, eu_training=eu,
        consent=True, checklist=tuple(lines), procedure_facts=profession.procedure_facts,
        smes=(SmeFacts(9, "Spedition Aller GmbH", "Industriestraße 5", "27283", "Verden (Aller)", "Frau Anke Lührs",
                       person_agreed=True),),
    )


def compose(kind, case, texts, catalogue, *, sender=None, **kwargs):
    sender = sender or sender_for(catalogue.districts[case.district])
    request = LetterRequest(kind, 9 if kind is LetterKind.SME_GUIDANCE else None)
    return compose_letter(request, case, sender=sender, texts=texts, today=TODAY, **kwargs)


def german(letter) -> str:
    """The binding German text: subject, salutation, headings, every block and the enclosures (a
    no-break space read as a space)."""
    context = letter.context
    parts = [context["subject"], context["salutation"]]
    for section in context["sections"]:
        parts += [section.heading, *(f"{b.lead}{b.text}" for b in section.blocks)]
    parts += [f"{e.title}{e.detail}" for e in context["enclosures"]]
    return "\n".join(parts).replace("\u00a0", " ")


def translated(letter) -> str:
    t = letter.context["translation"]
    return "\n".join([t.subject, t.salutation, *(f"{b.lead}{b.text}" for s in t.sections for b in s.blocks)])


def first_profession_of_each_family(catalogue):
    seen = {}
    for key, profession in sorted(catalogue.professions.items()):
        seen.setdefault(profession.procedure_family, key)
    return seen


def pytest_generate_tests(metafunc):
    if "family_key" in metafunc.fixturenames:
        from adapters.catalogue import load_catalogue

        keys = first_profession_of_each_family(load_catalogue())
        metafunc.parametrize("family_key", sorted(keys.items()), ids=sorted(keys))


def outcomes_for(profession) -> list[Outcome]:
    """The outcomes the law allows: a compensation measure only where something is regulated, partial
    equivalence only under the BQFG/NBQFG."""
    regulated = profession.procedure_facts.regulates.value != "none"
    return [o for o in Outcome
            if not (o is Outcome.COMPENSATION_MEASURE and not regulated)
            and not (o is Outcome.PARTIAL_EQUIVALENCE and profession.procedure not in ("BQFG", "NBQFG"))]


# ---------------------------------------------------------------------------------- per procedure family


@pytest.mark.parametrize("route", ["third_country", "eu", "unknown"])
def test_outcome_and_employer_letters_say_what_the_family_regulates(catalogue, rules, texts, family_key, route):
    family, key = family_key
    profession = catalogue.professions[key]
    facts = profession.procedure_facts
    country, eu = {"third_country": ("SY", False), "eu": ("PL", True), "unknown": (None, False)}[route]
    for outcome in outcomes_for(profession):
        case = case_of(catalogue, rules, key, country=country, eu=eu, outcome=outcome)
        for kind in (LetterKind.OUTCOME, LetterKind.SME_GUIDANCE):
            text = german(compose(kind, case, texts, catalogue))
            where = f"{family}/{route}/{outcome.value}/{kind.value}"
            assert not re.search(r"\bNone\b|\bnone\b|\{|\}", text), where
            if facts.regulates.value == "none":
                assert not REGULATED.search(text), where
                assert not LICENCE_WORDS.search(text), where
            measures = {"Kenntnisprüfung", "Anpassungslehrgang", "Eignungsprüfung"}
            named = {m for m in measures if m in text}
            allowed = set()
            if route in ("third_country", "unknown"):
                allowed |= set(facts.compensation_third_country.value.measures)
            if route in ("eu", "unknown"):
                allowed |= set(facts.compensation_eu.value.measures)
            if facts.regulates.value == "none" or outcome in (Outcome.FULL_EQUIVALENCE, Outcome.NO_EQUIVALENCE):
                allowed = set()
            assert named <= allowed, f"{where}: names {sorted(named - allowed)}"
            if outcome is Outcome.FULL_EQUIVALENCE and facts.regulates.value != "none" and kind is LetterKind.OUTCOME:
                assert facts.licence.value in text, where
                if facts.language.value and facts.language.value.level:
                    assert f"Niveau {facts.language.value.level}" in text, where


def test_a_non_regulated_profession_is_never_called_regulated_nor_told_of_a_licence(catalogue, rules, texts):
    """Berufskraftfahrerin: the routing says 'nicht reglementiert', so must every letter."""
    for outcome in (Outcome.FULL_EQUIVALENCE, Outcome.PARTIAL_EQUIVALENCE, Outcome.NO_EQUIVALENCE):
        case = case_of(catalogue, rules, "berufskraftfahrer", country="UA", outcome=outcome)
        for kind in (LetterKind.OUTCOME, LetterKind.SME_GUIDANCE):
            text = german(compose(kind, case, texts, catalogue))
            assert "reglementiert" not in text.replace("nicht reglementiert", "")
            assert "Ausgleichsmaßnahme" not in text and "sobald die Erlaubnis vorliegt" not in text
            assert "Berufskraftfahrerin" in text and "Berufskraftfahrer/Berufskraftfahrerin" not in text
    sme = german(compose(LetterKind.SME_GUIDANCE, case_of(catalogue, rules, "berufskraftfahrer", outcome=Outcome.FULL_EQUIVALENCE),
                         texts, catalogue))
    assert "Der Beruf ist nicht reglementiert: Für eine Beschäftigung ist keine Anerkennung nötig" in sme


def test_a_compensation_measure_recorded_for_a_non_regulated_profession_is_refused(catalogue, rules, texts):
    case = case_of(catalogue, rules, "berufskraftfahrer", outcome=Outcome.COMPENSATION_MEASURE)
    for kind in (LetterKind.OUTCOME, LetterKind.SME_GUIDANCE):
        with pytest.raises(LetterRefused) as refused:
            compose(kind, case, texts, catalogue)
        assert refused.value.field == "outcome" and refused.value.code == "letter.outcome_not_regulated"
        assert "nicht reglementiert" in refused.value.message_de


def test_partial_equivalence_outside_bqfg_and_nbqfg_is_refused(catalogue, rules, texts):
    case = case_of(catalogue, rules, "oekonom", outcome=Outcome.PARTIAL_EQUIVALENCE)
    with pytest.raises(LetterRefused) as refused:
        compose(LetterKind.OUTCOME, case, texts, catalogue)
    assert refused.value.code == "letter.outcome_no_partial"


def test_a_title_protected_profession_is_told_what_the_title_protection_means(catalogue, rules, texts):
    """Bauingenieurin: the activity is free, only the title needs the chamber (NIngG)."""
    case = case_of(catalogue, rules, "ing_bau", outcome=Outcome.FULL_EQUIVALENCE)
    person = german(compose(LetterKind.OUTCOME, case, texts, catalogue))
    assert "Berufsbezeichnung geschützt" in person and "Die Tätigkeit selbst ist frei" in person
    assert "Antrag auf Genehmigung zum Führen der Berufsbezeichnung „Ingenieurin/Ingenieur“" in person
    assert "Ihr Beruf ist reglementiert" not in person
    for outcome in (Outcome.FULL_EQUIVALENCE, Outcome.COMPENSATION_MEASURE, Outcome.NO_EQUIVALENCE):
        sme = german(compose(LetterKind.SME_GUIDANCE, replace(case, outcome=outcome), texts, catalogue))
        assert "Für die Einstellung ist weder eine Anerkennung noch eine Genehmigung nötig" in sme
        assert "Der Beruf ist reglementiert" not in sme and "Vor Beginn der Tätigkeit" not in sme


def test_third_country_training_in_a_health_profession_leads_to_the_knowledge_test(catalogue, rules, texts):
    """A dentist with a Ukrainian degree: Kenntnisprüfung, not Anpassungslehrgang or Eignungsprüfung."""
    case = case_of(catalogue, rules, "zahnarzt", country="UA", outcome=Outcome.COMPENSATION_MEASURE, academic_title="Dr.")
    for kind in (LetterKind.OUTCOME, LetterKind.SME_GUIDANCE):
        text = german(compose(kind, case, texts, catalogue))
        assert "Kenntnisprüfung" in text and "Fachsprachprüfung" in text and "Niveau C1" in text
        assert "Eignungsprüfung" not in text and "Anpassungslehrgang" not in text
    eu = german(compose(LetterKind.OUTCOME, replace(case, country_of_training="PL", eu_training=True), texts, catalogue))
    assert "Eignungsprüfung" in eu and "Kenntnisprüfung" not in eu


def test_a_doctor_with_full_equivalence_applies_for_the_approbation_and_takes_the_specialist_language_exam(catalogue, rules, texts):
    case = case_of(catalogue, rules, "arzt", sex="m", outcome=Outcome.FULL_EQUIVALENCE)
    text = german(compose(LetterKind.OUTCOME, case, texts, catalogue))
    assert "Der nächste Schritt ist der Antrag auf Approbation" in text
    assert "Nachweis: Fachsprachprüfung (Ärztekammer Niedersachsen)" in text and "Niveau C1" in text
    assert "Erlaubnis zur Berufsausübung" not in text and "Führungszeugnis" in text
    english = translated(compose(LetterKind.OUTCOME, replace(case, person=replace(case.person, language="en")), texts, catalogue))
    assert "a full licence to practise (Approbation)" in english and "Fachsprachprüfung" in english


def test_with_the_country_of_training_unknown_both_routes_are_named(catalogue, rules, texts):
    case = case_of(catalogue, rules, "arzt", country=None, outcome=Outcome.COMPENSATION_MEASURE)
    text = german(compose(LetterKind.OUTCOME, case, texts, catalogue))
    assert "Nach einer Ausbildung in einem Drittstaat: Kenntnisprüfung" in text
    assert "nach einer Ausbildung in der EU, im EWR oder in der Schweiz: Eignungsprüfung" in text


def test_partial_equivalence_in_a_regulated_profession_is_made_up_by_a_compensation_measure(catalogue, rules, texts):
    case = case_of(catalogue, rules, "pflegefachmann", country="UA", outcome=Outcome.PARTIAL_EQUIVALENCE)
    text = german(compose(LetterKind.OUTCOME, case, texts, catalogue))
    assert "Ausgleichsmaßnahme" in text and "Kenntnisprüfung oder Anpassungslehrgang" in text
    assert "Anpassungsqualifizierung" not in text and "Folgeantrag" not in text


def test_a_master_craftsman_may_work_employed_and_needs_the_handwerksrolle_only_to_run_a_business(catalogue, rules, texts):
    case = case_of(catalogue, rules, "tischlermeister", sex="m", outcome=Outcome.FULL_EQUIVALENCE)
    person = german(compose(LetterKind.OUTCOME, case, texts, catalogue))
    assert "angestellt dürfen Sie auch ohne sie arbeiten" in person and "„Handwerksmeister“ verleiht" in person
    sme = german(compose(LetterKind.SME_GUIDANCE, case, texts, catalogue))
    assert "Eine Beschäftigung als angestellte Fachkraft ist ohne weitere Erlaubnis möglich" in sme


# ---------------------------------------------------------------------------------- ZAB


def test_zab_letters_speak_of_a_zeugnisbewertung_not_of_recognition(catalogue, rules, texts):
    documents = [DocumentFacts(item="ausbildungsnachweise", translated=True), DocumentFacts(item="identitaetsnachweis")]
    ready = case_of(catalogue, rules, "oekonom", state=CaseState.READY_TO_SUBMIT, documents=documents)
    cover = german(compose(LetterKind.BODY_COVER, ready, texts, catalogue))
    assert cover.startswith("Antrag auf Zeugnisbewertung (Statement of Comparability): Shabnam Karimi")
    for wrong in ("Feststellung der Gleichwertigkeit", "keine Anerkennung im Sinne", "§ 6 Abs. 2", "BQFG"):
        assert wrong not in cover
    for kind in (LetterKind.NEXT_STEPS, LetterKind.CHECKLIST):
        state = CaseState.READY_TO_SUBMIT if kind is LetterKind.NEXT_STEPS else CaseState.COLLECTING_DOCUMENTS
        letter = compose(kind, replace(ready, state=state), texts, catalogue)
        text = german(letter)
        assert "Zeugnisbewertung" in text and "Anerkennung als" not in text and "85 Tage" not in text
        assert "Оцінка вашого диплома" in translated(letter) and "визнання за професією" not in translated(letter)
    fee = translated(compose(LetterKind.NEXT_STEPS, ready, texts, catalogue))
    assert "100–200\u00a0€" in fee and "erster Antrag" not in fee


# ---------------------------------------------------------------------------------- fast track


def test_a_person_living_here_never_reads_section_81a(catalogue, rules, texts):
    documents = [DocumentFacts(item="lebenslauf"), DocumentFacts(item="identitaetsnachweis")]
    here = replace(case_of(catalogue, rules, "pflegefachmann", state=CaseState.READY_TO_SUBMIT, documents=documents),
                   fast_track=True)
    for kind in (LetterKind.BODY_COVER, LetterKind.NEXT_STEPS):
        text = german(compose(kind, here, texts, catalogue))
        assert "81a" not in text and "2 Wochen" not in text and "14a" not in text
    abroad = replace(here, person=replace(here.person, lives_abroad=True))
    cover = german(compose(LetterKind.BODY_COVER, abroad, texts, catalogue))
    assert "§ 81a AufenthG" in cover and "§ 14a Abs. 2 und 3 BQFG" in cover


def test_the_fast_track_of_a_procedure_without_statutory_deadlines_prints_no_none(catalogue, rules, texts):
    documents = [DocumentFacts(item="ausbildungsnachweise", translated=True)]
    zab = replace(case_of(catalogue, rules, "oekonom", state=CaseState.READY_TO_SUBMIT, documents=documents, lives_abroad=True),
                  fast_track=True)
    text = german(compose(LetterKind.BODY_COVER, zab, texts, catalogue))
    assert "none" not in text and "14a" not in text


def test_opening_a_case_on_the_fast_track_for_a_person_living_here_is_refused_with_the_reason(engine, catalogue):
    from models.case import CaseCreate
    from models.person import PersonCreate
    from services.cases import open_new_case

    context = {"today": TODAY, "districts": list(catalogue.districts), "countries": catalogue.countries}
    person = {"given_name": "Olena", "family_name": "Kravchenko", "birth_date": "1990-01-02", "district": "osterholz",
              "language": "uk"}
    case = CaseCreate.model_validate({"profession": "Pflegefachfrau", "fast_track": True}, context=context)
    with session_scope(engine) as session, pytest.raises(FieldError) as refused:
        open_new_case(session, person=PersonCreate.model_validate(person, context=context), case=case, catalogue=catalogue,
                      today=TODAY, actor=None, audit_actor="test")
    assert refused.value.field == "fast_track" and refused.value.code == "case.fast_track_lives_here"
    assert "§ 81a AufenthG" in refused.value.message and "Ausland einreisen" in refused.value.message_de
    with session_scope(engine) as session:
        abroad = PersonCreate.model_validate({**person, "lives_abroad": True}, context=context)
        opened = open_new_case(session, person=abroad, case=case, catalogue=catalogue, today=TODAY, actor=None,
                               audit_actor="test")
        assert opened.case.fast_track


def test_the_web_form_refuses_the_fast_track_for_a_person_living_here_with_the_reason(client, accounts, web_cases, web_engine):
    from models import Case

    assert login(client, accounts["verden"].email).status_code == 303
    form = {"given_name": "Mariia", "family_name": "Bondarenko", "birth_date": "14.02.1991", "sex": "f", "district": "verden",
            "language": "uk", "profession": "Krankenschwester", "country_of_training": "Ukraine", "consent": "ja",
            "consent_by": "Person", "fast_track": "ja"}
    with Session(web_engine) as session:
        cases = len(session.exec(select(Case)).all())
    refused = client.post("/faelle/neu", data={**form, "csrf_token": csrf_token(client, "/faelle/neu")})
    assert refused.status_code == 422 and "Ausland einreisen" in refused.text and 'id="fast_track-fehler"' in refused.text
    with Session(web_engine) as session:
        assert len(session.exec(select(Case)).all()) == cases
    abroad = client.post("/faelle/neu", data={**form, "lives_abroad": "ja", "csrf_token": csrf_token(client, "/faelle/neu")})
    assert abroad.status_code == 303


def test_case_new_on_the_command_line_refuses_the_fast_track_for_a_person_living_here(cli_env, cli_command, tmp_path):
    import subprocess

    env = {k: v for k, v in cli_env.items() if k not in ("WELCOME_CENTER_DATABASE_URL", "PREFECT_API_URL")}
    env["WELCOME_CENTER_HOME"] = str(tmp_path / "home")
    result = subprocess.run([*cli_command, "case", "new", "--given-name", "Olena", "--family-name", "Kravchenko",
                             "--birth-date", "1990-01-02", "--district", "osterholz", "--language", "uk",
                             "--profession", "Pflegefachfrau", "--fast-track", "--consent"],
                            capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert result.returncode == 2, result.stderr
    assert "fast_track" in result.stderr and "§ 81a AufenthG" in result.stderr and "Traceback" not in result.stderr


# ---------------------------------------------------------------------------------- deadlines


def test_working_days_skip_weekends_and_lower_saxonys_holidays():
    assert working_days_after(date(2026, 12, 18), date(2027, 1, 4), CALENDAR) == 9  # 25, 26 Dec and 1 Jan are holidays
    assert working_days_after(date(2026, 12, 7), date(2026, 12, 21), CALENDAR) == 10


@pytest.mark.parametrize(("due", "code"), [
    (date(2026, 11, 30), "letter.deadline_past"),
    (TODAY, "letter.deadline_past"),
    (date(2026, 12, 10), "letter.deadline_too_close"),
    (date(2026, 12, 18), "letter.deadline_too_close"),  # 9 working days
])
def test_a_checklist_deadline_in_the_past_or_too_close_is_refused_naming_the_field(catalogue, rules, texts, due, code):
    case = case_of(catalogue, rules, "pflegefachmann", state=CaseState.COLLECTING_DOCUMENTS)
    with pytest.raises(LetterRefused) as refused:
        compose(LetterKind.CHECKLIST, replace(case, person_due=due), texts, catalogue)
    assert refused.value.field == "deadline" and refused.value.code == code
    assert "set_deadline" in refused.value.message


def test_a_deadline_ten_working_days_ahead_is_written_and_the_minimum_is_a_parameter(catalogue, rules, texts):
    case = replace(case_of(catalogue, rules, "pflegefachmann", state=CaseState.COLLECTING_DOCUMENTS), person_due=date(2026, 12, 21))
    assert "bis zum 21.12.2026" in german(compose(LetterKind.CHECKLIST, case, texts, catalogue))
    with pytest.raises(LetterRefused):
        compose(LetterKind.CHECKLIST, case, texts, catalogue, min_working_days=11)
    close = replace(case, person_due=date(2026, 12, 10))
    assert "bis zum 10.12.2026" in german(compose(LetterKind.CHECKLIST, close, texts, catalogue, min_working_days=3))


def test_the_minimum_of_working_days_is_a_setting(monkeypatch):
    from adapters.settings import Settings

    monkeypatch.setenv("WELCOME_CENTER_LETTER_MIN_WORKING_DAYS", "15")
    assert Settings().letter_min_working_days == 15
    monkeypatch.delenv("WELCOME_CENTER_LETTER_MIN_WORKING_DAYS")
    assert Settings().letter_min_working_days == 10


# ---------------------------------------------------------------------------------- values never filled


@pytest.mark.parametrize("value", ["None", "none", "null", "NaN"])
def test_a_none_like_value_anywhere_is_refused_with_the_field_named(catalogue, rules, texts, value):
    case = case_of(catalogue, rules, "pflegefachmann", outcome=Outcome.FULL_EQUIVALENCE)
    with pytest.raises(LetterRefused) as refused:
        compose(LetterKind.OUTCOME, replace(case, person=replace(case.person, city=value)), texts, catalogue)
    assert refused.value.code == "letter.none_value" and refused.value.field.startswith("recipient.lines")
    with pytest.raises(LetterRefused) as refused:
        compose(LetterKind.OUTCOME, replace(case, occupation=f"Pflegefachfrau {value}"), texts, catalogue)
    assert refused.value.field.startswith(("subject", "sections"))


def test_an_empty_value_is_refused_but_an_empty_lead_or_heading_is_not(catalogue, rules, texts):
    case = case_of(catalogue, rules, "pflegefachmann", outcome=Outcome.FULL_EQUIVALENCE)
    letter = compose(LetterKind.OUTCOME, case, texts, catalogue)
    assert any(s.heading == "" for s in letter.context["sections"])  # a section without heading is fine
    empty = ComposedLetter(letter.kind, letter.template, letter.language, letter.recipient, "", {**letter.context, "subject": " "})
    with pytest.raises(LetterRefused) as refused:
        check_filled(empty)
    assert refused.value.field == "subject" and refused.value.code == "letter.empty_value"


def test_a_text_that_prints_none_for_a_value_that_does_not_apply_is_refused_when_loading():
    from adapters.catalogue import read_yaml

    files = [(f"data/letters/{n}.yaml", read_yaml(ROOT / "data" / "letters" / f"{n}.yaml")) for n in ("de", "en")]
    files[0][1]["body_cover"]["acknowledgement_none"] = "Bitte bestätigen Sie den Eingang ({clause})."
    with pytest.raises(CatalogueError, match=r"a sample letter is refused: .*None"):
        build_letter_texts(files)


# ---------------------------------------------------------------------------------- the adviser as contact


def test_the_advisers_name_phone_and_email_are_the_contact_and_the_letter_is_signed_with_the_function(catalogue, rules, texts):
    sender = sender_for(catalogue.districts["verden"], adviser_name="Vera Lindemann", adviser_email="v.lindemann@example.org",
                        adviser_phone="04231 15-0021", adviser_function="Beraterin für Berufsanerkennung")
    letter = compose(LetterKind.OUTCOME, case_of(catalogue, rules, "arzt", outcome=Outcome.FULL_EQUIVALENCE), texts, catalogue,
                     sender=sender)
    info, signature = letter.context["info"], letter.context["signature"]
    assert (info.contact_name, info.phone, info.email) == ("Vera Lindemann", "04231 15-0021", "v.lindemann@example.org")
    assert signature.name == "Vera Lindemann"
    assert signature.organisation == "Beraterin für Berufsanerkennung, Welcome Center Landkreis Verden"
    assert "Bei Fragen erreichen Sie Vera Lindemann unter 04231 15-0021" in german(letter)


def test_without_an_adviser_the_welcome_center_is_the_contact_with_its_article(catalogue, rules, texts):
    letter = compose(LetterKind.OUTCOME, case_of(catalogue, rules, "arzt", outcome=Outcome.FULL_EQUIVALENCE), texts, catalogue)
    text = german(letter)
    assert "Bei Fragen erreichen Sie uns unter 04231 15-0000" in text and "erreichen Sie Welcome Center" not in text
    assert letter.context["signature"].name == "Welcome Center Landkreis Verden"


def test_the_advisers_contact_is_read_from_the_database_into_the_letter(engine, catalogue, rules):
    from models.adviser import Role
    from models.case import Case
    from models.letters_selectors import letter_facts
    from services.accounts import create_adviser
    from services.cases import find_or_create_person, open_case

    with session_scope(engine) as session:
        adviser = create_adviser(session, name="Vera Lindemann", email="v.lindemann@example.org", district="verden",
                                 role=Role.ADVISER, password="x" * 12, actor="test", phone="04231 15-0021",
                                 function="Beraterin für Berufsanerkennung")
        person, _ = find_or_create_person(session, actor="test", given_name="Shabnam", family_name="Karimi",
                                          birth_date=date(1989, 6, 1), language="fa", district="verden", sex="f")
        person.academic_title = "Dr."
        case = open_case(session, person=person, profession_text="Zahnärztin", catalogue=catalogue, today=TODAY, actor="test",
                         adviser_id=adviser.id)
        case_id = case.id
    with Session(engine) as session:
        facts = letter_facts(session, case_ids=[case_id], catalogue=catalogue, rules=rules)[case_id]
        assert session.get(Case, case_id).adviser_id is not None
    assert (facts.adviser_name, facts.adviser_phone, facts.adviser_function) == (
        "Vera Lindemann", "04231 15-0021", "Beraterin für Berufsanerkennung")
    assert facts.person.academic_title == "Dr." and facts.procedure_facts.key == "approbation_dentistry"


def test_an_adviser_with_a_phone_that_is_not_one_line_is_refused_naming_the_option(engine):
    from models.adviser import Role
    from services.accounts import create_adviser

    with session_scope(engine) as session, pytest.raises(FieldError) as refused:
        create_adviser(session, name="Ole Brinkmann", email="o.brinkmann@example.org", district="osterholz", role=Role.ADVISER,
                       password="x" * 12, actor="test", phone="0479\n1 930")
    assert refused.value.field == "--phone"


def test_adviser_add_takes_the_phone_and_function_the_letters_print(cli_env, cli_command, tmp_path):
    import subprocess

    env = {k: v for k, v in cli_env.items() if k not in ("WELCOME_CENTER_DATABASE_URL", "PREFECT_API_URL")}
    env["WELCOME_CENTER_HOME"] = str(tmp_path / "home")

    def cli(*args):
        return subprocess.run([*cli_command, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)

    added = cli("adviser", "add", "--name", "Vera Lindemann", "--email", "v.lindemann@example.org", "--district", "verden",
                "--password", "x" * 12, "--phone", "04231 15-0021", "--function", "Beraterin für Berufsanerkennung")
    assert added.returncode == 0, added.stderr
    listed = cli("adviser", "list")
    assert "04231 15-0021" in listed.stdout and "Beraterin für Berufsanerkennung" in listed.stdout


# ---------------------------------------------------------------------------------- the person named


def test_the_academic_title_is_kept_and_the_person_is_named_with_frau(catalogue, rules, texts):
    case = case_of(catalogue, rules, "zahnarzt", outcome=Outcome.NO_EQUIVALENCE, academic_title="Dr.")
    person = compose(LetterKind.OUTCOME, case, texts, catalogue)
    assert person.context["salutation"] == "Sehr geehrte Frau Dr. Karimi,"
    assert person.context["translation"].salutation == "Шановна пані Dr. Karimi!"
    assert person.context["recipient"].lines[:2] == ("Frau", "Dr. Shabnam Karimi")
    sme = german(compose(LetterKind.SME_GUIDANCE, case, texts, catalogue))
    assert "Frau Dr. Shabnam Karimi hat uns erlaubt" in sme


def test_the_subject_uses_the_form_of_the_reference_occupation_that_fits_the_person(catalogue, rules, texts):
    case = case_of(catalogue, rules, "pflegefachmann", state=CaseState.READY_TO_SUBMIT)
    subjects = {sex: compose(LetterKind.NEXT_STEPS, replace(case, person=replace(case.person, sex=sex)), texts, catalogue).subject
                for sex in ("f", "m", "d")}
    assert subjects["f"] == "Ihre Anerkennung als Pflegefachfrau: die nächsten Schritte"
    assert subjects["m"] == "Ihre Anerkennung als Pflegefachmann: die nächsten Schritte"
    assert subjects["d"] == "Ihre Anerkennung als Pflegefachfrau/Pflegefachmann: die nächsten Schritte"


@pytest.mark.parametrize(("name", "f", "m"), [
    ("Ärztin/Arzt", "Ärztin", "Arzt"),
    ("Koch/Köchin", "Köchin", "Koch"),
    ("Industriekaufmann/Industriekauffrau", "Industriekauffrau", "Industriekaufmann"),
    ("Medizinische Fachangestellte/Medizinischer Fachangestellter", "Medizinische Fachangestellte", "Medizinischer Fachangestellter"),
    ("Ökonomin/Ökonom (Hochschulabschluss)", "Ökonomin (Hochschulabschluss)", "Ökonom (Hochschulabschluss)"),
    ("Psychologin/Psychologe (B.Sc./M.Sc.)", "Psychologin (B.Sc./M.Sc.)", "Psychologe (B.Sc./M.Sc.)"),
    ("Übersetzerin/Übersetzer/Dolmetscherin/Dolmetscher (Hochschulabschluss)", "Übersetzerin/Dolmetscherin (Hochschulabschluss)",
     "Übersetzer/Dolmetscher (Hochschulabschluss)"),
    ("Hebamme", "Hebamme", "Hebamme"),
])
def test_the_feminine_and_masculine_forms_are_told_apart(name, f, m):
    assert (occupation_for(name, "f"), occupation_for(name, "m"), occupation_for(name, None)) == (f, m, name)


def test_every_reference_occupation_has_a_form_for_a_woman_and_a_man_or_keeps_its_name(catalogue):
    for profession in catalogue.professions.values():
        woman, man = occupation_for(profession.name, "f"), occupation_for(profession.name, "m")
        def core(name):
            return re.sub(r"\s*\([^()]*\)$", "", name)

        if "/" in core(profession.name) and woman != profession.name:
            assert woman != man, profession.name
            assert core(woman).count("/") == core(man).count("/") == core(profession.name).count("/") // 2, profession.name
        else:
            assert woman == man == profession.name


# ---------------------------------------------------------------------------------- the cover letter


def test_each_document_is_once_either_enclosed_or_to_follow_and_the_vollmacht_is_enclosed(catalogue, rules, texts):
    documents = [DocumentFacts(item="lebenslauf"), DocumentFacts(item="ausbildungsnachweise", translated=False),
                 DocumentFacts(item="identitaetsnachweis")]
    case = case_of(catalogue, rules, "pflegefachmann", state=CaseState.READY_TO_SUBMIT, documents=documents)
    letter = compose(LetterKind.BODY_COVER, case, texts, catalogue)
    enclosed = [e.title for e in letter.context["enclosures"]]
    to_follow = [b.text.split(":")[0] for s in letter.context["sections"] if s.heading == "Wird nachgereicht" for b in s.blocks]
    titles = [line.item.title for line in case.checklist if line.item.stage is Stage.APPLICATION]
    assert not set(enclosed) & set(to_follow)
    assert set(enclosed[:-1]) | set(to_follow) <= set(titles)
    assert {line.item.title for line in missing_items(case.checklist, stage=Stage.APPLICATION)} == set(to_follow)
    assert enclosed[-1] == "Vollmacht der antragstellenden Person für das Welcome Center Landkreis Verden"
    assert "ihre Vollmacht liegt bei" in german(letter)


# ---------------------------------------------------------------------------------- language


def test_the_german_body_starts_in_lower_case_after_the_salutation_and_the_translations_capitalised(catalogue, rules, texts):
    case = case_of(catalogue, rules, "pflegefachmann", outcome=Outcome.FULL_EQUIVALENCE)
    for kind, state in ((LetterKind.OUTCOME, CaseState.DECIDED), (LetterKind.CHECKLIST, CaseState.COLLECTING_DOCUMENTS)):
        for language in ("uk", "ru", "en"):
            letter = compose(kind, replace(case, state=state, person=replace(case.person, language=language)), texts, catalogue)
            first = letter.context["sections"][0].blocks[0].text
            assert first[0].islower() or first.startswith(("Ihr", "Sie")), first
            translation = letter.context["translation"].sections[0].blocks[0].text
            assert translation[0].isupper(), translation


def test_item_statuses_agree_with_one_document_and_with_several(catalogue, rules, texts):
    documents = [DocumentFacts(item="ausbildungsnachweise", translated=False)]
    case = case_of(catalogue, rules, "pflegefachmann", state=CaseState.COLLECTING_DOCUMENTS, documents=documents)
    for language, wrong in (("uk", ("відсутній", "відсутня")), ("ru", ("отсутствует",)), ("de", ("liegt vor", ": fehlt"))):
        letter = compose(LetterKind.CHECKLIST, replace(case, person=replace(case.person, language=language)), texts, catalogue)
        text = german(letter) + ("" if language == "de" else translated(letter))
        assert not any(w in text for w in wrong), language
    uk = translated(compose(LetterKind.CHECKLIST, case, texts, catalogue))
    assert "Іноземні документи про освіту (атестат, диплом, свідоцтво): подано, але ще без перекладу" in uk


def test_a_body_is_named_after_a_colon_never_with_a_missing_article(catalogue, rules, texts):
    case = case_of(catalogue, rules, "tischlermeister", sex="m", state=CaseState.READY_TO_SUBMIT)
    text = german(compose(LetterKind.NEXT_STEPS, case, texts, catalogue))
    assert "bei der zuständigen Stelle ein: Handwerkskammer Braunschweig-Lüneburg-Stade" in text
    assert not re.search(r"\b(an|bei|von) Handwerkskammer", text)


def test_every_german_term_of_the_procedure_data_is_translated(catalogue, texts):
    terms = set()
    for profession in catalogue.professions.values():
        facts = profession.procedure_facts
        if facts.licence.value:
            terms.add(facts.licence.value)
        if facts.language.value and facts.language.value.exam:
            terms.add(facts.language.value.exam)
        terms.update(facts.licence_documents.value)
    for code in ("en", "uk", "ru", "ar"):
        missing = sorted(term for term in terms if term not in texts.languages[code].terms)
        assert not missing, f"data/letters/{code}.yaml terms lack {missing}"


def test_a_sme_letter_to_a_person_of_unrecorded_sex_names_them_without_a_guess(catalogue, rules, texts):
    case = case_of(catalogue, rules, "koch", sex=None, outcome=Outcome.FULL_EQUIVALENCE)
    text = german(compose(LetterKind.SME_GUIDANCE, case, texts, catalogue))
    assert "Shabnam Karimi hat uns erlaubt" in text and "Frau Shabnam" not in text and "Herr Shabnam" not in text
    assert "Koch/Köchin" in text


def test_the_sample_letters_compose_on_any_day_the_templates_are_checked(texts):
    """The template check composes the sample letters with today's date: their deadlines move with it."""
    from domain.letters.samples import sample_letters

    for day in (date(2026, 12, 23), date(2027, 4, 1)):
        letters = sample_letters(texts, today=day, languages=["de"], every_language=False)
        assert any(letter.kind is LetterKind.CHECKLIST and "bis zum" in german(letter) for letter in letters)


def test_the_statuses_of_a_missing_document_are_joined_with_the_languages_own_semicolon(catalogue, rules, texts):
    """An Arabic checklist separates "not yet submitted; with a translation" with the Arabic
    semicolon, the German and the other translations with the Latin one."""
    case = replace(case_of(catalogue, rules, "pflegefachmann", state=CaseState.COLLECTING_DOCUMENTS, language="ar"),
                   person_due=date(2026, 12, 21))
    letter = compose(LetterKind.CHECKLIST, case, texts, catalogue)
    arabic_items = [b.text for s in letter.context["translation"].sections for b in s.blocks if b.mark == "•"]
    joined = [text for text in arabic_items if "؛" in text]
    assert joined, arabic_items
    assert not any(";" in text for text in arabic_items)
    assert any("; " in line for line in german(letter).splitlines())
