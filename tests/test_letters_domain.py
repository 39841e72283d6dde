"""The pure rules of letters (domain/letters/): which letters are due, what they say, the address field."""

import re
from dataclasses import replace
from datetime import date

import pytest

from domain.catalogue import LINE
from domain.checklist import CaseProfile, DocumentFacts, checklist
from domain.errors import CatalogueError
from domain.letters.address import PostalAddress, address_lines, sender_for
from domain.letters.compose import CONTEXT_NAMES, Block, CaseFacts, PersonFacts, Section, SmeFacts, compose_letter
from domain.letters.due import LetterKey, LetterRequest, due_letters, still_due
from domain.letters.kinds import LetterKind, LetterRefused, parse_kind
from domain.letters.samples import sample_cases
from domain.letters.texts import build_letter_texts
from domain.lifecycle import CaseState, Outcome

TODAY = date(2026, 11, 25)


@pytest.fixture(scope="module")
def nurse(catalogue, rules):
    """A nurse's case in Verden: CV on file, the diploma there but untranslated, the rest missing."""
    profession = catalogue.professions["pflegefachmann"]
    profile = CaseProfile.of(profession, district="verden")
    lines = checklist(rules, profile, [
        DocumentFacts(item="lebenslauf"),
        DocumentFacts(item="ausbildungsnachweise", translated=False),
        DocumentFacts(item="identitaetsnachweis", translated=True, certified=True),
    ])
    person = PersonFacts(
        given_name="Olena", family_name="Shevchenko", birth_date=date(1991, 3, 4), language="uk", sex="f",
        receives_buergergeld=True, street="Bahnhofstraße 12", postcode="27283", city="Verden (Aller)",
    )
    return CaseFacts(
        reference="VER-2026-0042", district="verden", state=CaseState.COLLECTING_DOCUMENTS, person=person, state_since=7,
        occupation=profession.name, occupation_key=profession.key, regulated=True, legal_basis=profession.legal_basis,
        procedure="BQFG", group="health", body=catalogue.bodies["ls_lueneburg"], country_of_training="UA",
        checklist=lines, person_due=date(2026, 12, 14), consent=True,
        smes=(SmeFacts(3, "Pflegedienst Allerblick GmbH", "Am Markt 1", "27283", "Verden (Aller)", "Frau Kruse", person_agreed=True),),
        procedure_facts=profession.procedure_facts,
    )


def as_profession(case, catalogue, key, **changes):
    """The case with another reference occupation, as routing fills it (procedure facts included)."""
    profession = catalogue.professions[key]
    return replace(case, occupation=profession.name, occupation_key=key, regulated=profession.regulated,
                   legal_basis=profession.legal_basis, procedure=profession.procedure, group=profession.group,
                   body=catalogue.bodies[profession.body_for(case.district)], procedure_facts=profession.procedure_facts,
                   **changes)


@pytest.fixture(scope="module")
def sender(catalogue):
    return sender_for(catalogue.districts["verden"])


def compose(kind, case, texts, sender, **kwargs):
    request = kind if isinstance(kind, LetterRequest) else LetterRequest(kind)
    return compose_letter(request, case, sender=sender, texts=texts, today=TODAY, **kwargs)


def all_text(letter) -> str:
    """Every text of a composed letter (German and translation), for looking into it."""
    parts = []

    def walk(value):
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif value is not None and hasattr(value, "__dataclass_fields__"):
            for name in value.__dataclass_fields__:
                walk(getattr(value, name))

    walk(dict(letter.context))
    return "\n".join(parts)


def section_texts(sections) -> list[str]:
    """Each block's text as read aloud (a no-break space, which keeps "600 €" on one line, as a space)."""
    return [f"{b.lead}{b.text}".replace("\u00a0", " ") for s in sections for b in s.blocks]


# ---------------------------------------------------------------------------------- which letters


def test_collecting_documents_with_something_missing_calls_for_the_checklist_letter(nurse):
    assert due_letters(nurse) == [LetterRequest(LetterKind.CHECKLIST)]


def test_collecting_documents_with_nothing_missing_calls_for_no_letter(nurse):
    complete = tuple(replace(line, status=line.status.PRESENT) for line in nurse.checklist)
    assert due_letters(replace(nurse, checklist=complete)) == []


def test_ready_to_submit_calls_for_next_steps_and_the_cover_letter(nurse):
    assert due_letters(replace(nurse, state=CaseState.READY_TO_SUBMIT)) == [
        LetterRequest(LetterKind.NEXT_STEPS), LetterRequest(LetterKind.BODY_COVER)]


def test_decided_calls_for_the_outcome_letter_and_one_per_linked_employer(nurse):
    decided = replace(nurse, state=CaseState.DECIDED, outcome=Outcome.FULL_EQUIVALENCE)
    assert due_letters(decided) == [LetterRequest(LetterKind.OUTCOME), LetterRequest(LetterKind.SME_GUIDANCE, 3)]


@pytest.mark.parametrize("state", [CaseState.INTAKE, CaseState.SUBMITTED, CaseState.IN_ASSESSMENT, CaseState.CLOSED, CaseState.WITHDRAWN])
def test_other_states_call_for_no_letter(nurse, state):
    assert due_letters(replace(nurse, state=state)) == []


def test_a_letter_written_in_this_state_entry_is_not_due_again_but_after_a_new_entry_it_is(nurse):
    written = [LetterKey(nurse.reference, LetterKind.CHECKLIST, "person", nurse.state_since)]
    assert still_due(nurse, written) == []
    assert still_due(replace(nurse, state_since=nurse.state_since + 5), written) == [LetterRequest(LetterKind.CHECKLIST)]


def test_kind_names_are_parsed_with_hyphens_and_refused_with_the_list():
    assert parse_kind("Next-Steps") is LetterKind.NEXT_STEPS
    with pytest.raises(Exception, match="checklist, next_steps, outcome, body_cover, sme_guidance"):
        parse_kind("brief")


# ---------------------------------------------------------------------------------- address field


def test_address_lines_follow_din_5008_with_plz_ort_last():
    lines = address_lines(PostalAddress("Olena Shevchenko", "Bahnhofstraße 12", "27283", "Verden (Aller)", prefix="Frau",
                                        attention="c/o Wohnheim Nord"), who="person", reference="VER-2026-0042")
    assert lines == ("Frau", "Olena Shevchenko", "c/o Wohnheim Nord", "Bahnhofstraße 12", "27283 Verden (Aller)")


@pytest.mark.parametrize("missing", ["street", "postcode", "city", "name"])
def test_a_missing_address_field_is_refused_with_the_field_named(missing):
    fields = {"name": "Olena", "street": "Bahnhofstraße 1", "postcode": "27283", "city": "Verden"}
    fields[missing] = "  " if missing == "name" else None
    with pytest.raises(LetterRefused) as refused:
        address_lines(PostalAddress(**fields), who="person", reference="VER-2026-0042")
    assert refused.value.field == f"person.{missing}"
    assert "record the person's postal address (welcome-center address VER-2026-0042" in str(refused.value)
    assert "Postanschrift der Person erfassen" in refused.value.message_de


def test_a_postcode_that_is_not_five_digits_is_refused():
    with pytest.raises(LetterRefused, match="person.postcode"):
        address_lines(PostalAddress("Olena", "Weg 1", "2728", "Verden"), who="person", reference="VER-2026-0042")


def test_nan_in_an_address_counts_as_missing():
    with pytest.raises(LetterRefused, match="person.city"):
        address_lines(PostalAddress("Olena", "Weg 1", "27283", float("nan")), who="person", reference="VER-2026-0042")


# ---------------------------------------------------------------------------------- sender


def test_the_contact_is_the_adviser_when_set_else_the_welcome_center(catalogue):
    district = catalogue.districts["verden"]
    assert sender_for(district).contact_name == district.welcome_center.name
    adviser = sender_for(district, adviser_name="Anna Berger", adviser_email="a.berger@example.org")
    assert (adviser.contact_name, adviser.email, adviser.phone) == ("Anna Berger", "a.berger@example.org", district.welcome_center.phone)
    assert adviser.letterhead.return_line.startswith("Landkreis Verden · ")


def test_a_welcome_center_without_phone_refuses_the_letter_naming_contact_phone(catalogue):
    district = catalogue.districts["osterholz"]
    broken = replace(district, welcome_center=replace(district.welcome_center, phone=None))
    with pytest.raises(LetterRefused) as refused:
        sender_for(broken)
    assert refused.value.field == "contact.phone"


# ---------------------------------------------------------------------------------- letters to the person


def test_checklist_letter_lists_what_is_missing_and_what_each_needs(nurse, texts, sender):
    letter = compose(LetterKind.CHECKLIST, nurse, texts, sender)
    assert letter.template == "person" and letter.language == "uk"
    german = section_texts(letter.context["sections"])
    assert any(t.startswith("Ausländische Ausbildungsnachweise") and "eingereicht, aber noch ohne Übersetzung" in t for t in german)
    assert any(t.startswith("Fächer- und Stundenübersicht") and "mit Übersetzung durch eine öffentlich bestellte" in t for t in german)
    assert not any(t.startswith("Tabellarischer Lebenslauf") for t in german)  # on file
    assert "Bitte reichen Sie die Unterlagen bis zum 14.12.2026 bei uns ein." in german
    assert any("justiz-dolmetscher.de" in t for t in german)
    assert letter.context["info"].date == "25.11.2026" and letter.context["info"].our_reference == "VER-2026-0042"
    assert letter.context["recipient"].lines == ("Frau", "Olena Shevchenko", "Bahnhofstraße 12", "27283 Verden (Aller)")
    assert letter.context["salutation"] == "Sehr geehrte Frau Shevchenko,"


def test_checklist_letter_sends_buergergeld_recipients_to_the_jobcenter_before_the_grant(nurse, texts, sender):
    german = section_texts(compose(LetterKind.CHECKLIST, nurse, texts, sender).context["sections"])
    jobcenter = next(i for i, t in enumerate(german) if "Jobcenter, ob es" in t)
    grant = next(i for i, t in enumerate(german) if t.startswith("Anerkennungszuschuss: Der Bund zahlt 100 bis 600 €"))
    assert jobcenter < grant
    assert any("VOR dem Antrag" in t and "nicht rückwirkend" in t for t in german)
    without = section_texts(compose(LetterKind.CHECKLIST, replace(nurse, person=replace(nurse.person, receives_buergergeld=False)),
                                    texts, sender).context["sections"])
    assert not any("Jobcenter, ob es" in t for t in without)


def test_without_a_deadline_the_letter_asks_for_the_documents_as_soon_as_possible(nurse, texts, sender):
    german = section_texts(compose(LetterKind.CHECKLIST, replace(nurse, person_due=None), texts, sender).context["sections"])
    assert "Bitte reichen Sie die Unterlagen so bald wie möglich bei uns ein." in german


def test_the_translation_follows_in_the_persons_language(nurse, texts, sender):
    translation = compose(LetterKind.CHECKLIST, nurse, texts, sender).context["translation"]
    assert translation.language == "uk" and not translation.rtl
    assert translation.heading_de == "Unverbindliche Übersetzung (Ukrainisch)"
    assert "тільки німецький текст" in translation.note
    assert translation.salutation == "Шановна пані Shevchenko!"
    assert any("до 14.12.2026" in t for t in section_texts(translation.sections))
    assert any(t.startswith("Іноземні документи про освіту") for t in section_texts(translation.sections))


def test_arabic_is_marked_right_to_left(nurse, texts, sender):
    letter = compose(LetterKind.CHECKLIST, nurse, texts, sender, language="ar")
    assert letter.language == "ar" and letter.context["translation"].rtl


def test_a_language_without_texts_gets_english_with_a_note(nurse, texts, sender):
    letter = compose(LetterKind.CHECKLIST, replace(nurse, person=replace(nurse.person, language="fa")), texts, sender)
    translation = letter.context["translation"]
    assert letter.language == "en" and translation.language == "en"
    assert "Persisch" in translation.heading_de and "noch nicht vor" in translation.heading_de
    assert translation.note.startswith("A translation into Persian")


def test_german_speakers_get_no_translation(nurse, texts, sender):
    letter = compose(LetterKind.CHECKLIST, nurse, texts, sender, language="de")
    assert letter.language == "de" and letter.context["translation"] is None


def test_next_steps_name_body_fees_procedure_and_duration(nurse, texts, sender):
    ready = replace(nurse, state=CaseState.READY_TO_SUBMIT)
    german = section_texts(compose(LetterKind.NEXT_STEPS, ready, texts, sender).context["sections"])
    assert any(t.startswith("Antrag: ") and "Auf der Hude 2, 21339 Lüneburg" in t for t in german)
    assert any(t.startswith("Gebühren: Die Gebühr legt die zuständige Stelle fest") for t in german)  # LS: no fee in bodies.yaml
    assert any("innerhalb eines Monats" in t and "innerhalb von 3 Monaten" in t for t in german)
    assert any("85 Tage" in t for t in german)
    assert any("Niveau B2" in t for t in german)
    abroad = replace(ready, fast_track=True, person=replace(ready.person, lives_abroad=True))
    fast = section_texts(compose(LetterKind.NEXT_STEPS, abroad, texts, sender).context["sections"])
    assert any("innerhalb von 2 Wochen" in t and "Ausländerbehörde" in t for t in fast)
    here = section_texts(compose(LetterKind.NEXT_STEPS, replace(ready, fast_track=True), texts, sender).context["sections"])
    assert not any("2 Wochen" in t or "81a" in t for t in here) and any("innerhalb eines Monats" in t for t in here)


def test_next_steps_give_the_fee_range_of_the_body(nurse, texts, sender, catalogue):
    ready = as_profession(replace(nurse, state=CaseState.READY_TO_SUBMIT), catalogue, "industriekaufmann")
    german = section_texts(compose(LetterKind.NEXT_STEPS, ready, texts, sender).context["sections"])
    assert any(t.startswith("Gebühren: 100–600 € (Ø 420 €") for t in german)
    assert any("nicht reglementiert" in t for t in german)
    ukrainian = section_texts(compose(LetterKind.NEXT_STEPS, ready, texts, sender).context["translation"].sections)
    assert any(t.startswith("Збори: 100–600 €. ") for t in ukrainian)  # the body's German note stays out


@pytest.mark.parametrize(("outcome", "named", "words", "absent"), [
    (Outcome.FULL_EQUIVALENCE, "volle Gleichwertigkeit",
     ["gleichwertig", "Antrag auf Erlaubnis zum Führen der Berufsbezeichnung", "Niveau B2",
      "Führungszeugnis, ärztliche Bescheinigung und Sprachzertifikat"], ["Erlaubnis zur Berufsausübung"]),
    (Outcome.PARTIAL_EQUIVALENCE, "teilweise Gleichwertigkeit", ["wesentlichen Unterschiede", "Kenntnisprüfung oder Anpassungslehrgang"],
     ["Anpassungsqualifizierung", "Folgeantrag", "Eignungsprüfung"]),
    (Outcome.COMPENSATION_MEASURE, "Ausgleichsmaßnahme erforderlich",
     ["Sie wählen eine dieser Ausgleichsmaßnahmen: Kenntnisprüfung oder Anpassungslehrgang (höchstens 3 Jahre)"],
     ["Eignungsprüfung"]),
    (Outcome.NO_EQUIVALENCE, "keine Gleichwertigkeit", ["keine Gleichwertigkeit", "Umschulung"],
     ["Antrag auf Erlaubnis", "Ausgleichsmaßnahme"]),
])
def test_the_outcome_letter_explains_the_decision_and_what_to_do_next(nurse, texts, sender, outcome, named, words, absent):
    decided = replace(nurse, state=CaseState.DECIDED, outcome=outcome)
    letter = compose(LetterKind.OUTCOME, decided, texts, sender)
    german = "\n".join(section_texts(letter.context["sections"]))
    for word in words:
        assert word in german
    for word in absent:
        assert word not in german
    assert "Rechtsbehelfsbelehrung" in german
    assert letter.subject == f"Ihr Anerkennungsbescheid ({named}): was jetzt zu tun ist"


def test_partial_equivalence_in_a_non_regulated_profession_leads_to_a_qualification_and_a_follow_up(nurse, texts, sender, catalogue):
    decided = as_profession(replace(nurse, state=CaseState.DECIDED, outcome=Outcome.PARTIAL_EQUIVALENCE), catalogue, "koch")
    german = "\n".join(section_texts(compose(LetterKind.OUTCOME, decided, texts, sender).context["sections"]))
    for words in ("Anpassungsqualifizierung", "Folgeantrag", "3.000 €"):
        assert words in german
    assert "Ausgleichsmaßnahme" not in german and "Erlaubnis" not in german


def test_no_equivalence_in_a_non_regulated_profession_says_work_is_possible_without_recognition(nurse, texts, sender, catalogue):
    decided = as_profession(replace(nurse, state=CaseState.DECIDED, outcome=Outcome.NO_EQUIVALENCE), catalogue, "koch")
    german = section_texts(compose(LetterKind.OUTCOME, decided, texts, sender).context["sections"])
    assert any("auch ohne Anerkennung arbeiten" in t for t in german)


def test_an_outcome_letter_before_the_decision_is_refused(nurse, texts, sender):
    with pytest.raises(LetterRefused) as refused:
        compose(LetterKind.OUTCOME, nurse, texts, sender)
    assert refused.value.field == "outcome"


def test_a_person_without_address_is_refused_with_the_field_and_the_fix(nurse, texts, sender):
    with pytest.raises(LetterRefused) as refused:
        compose(LetterKind.CHECKLIST, replace(nurse, person=replace(nurse.person, street=None)), texts, sender)
    assert refused.value.field == "person.street"
    assert "welcome-center address VER-2026-0042" in str(refused.value)


# ---------------------------------------------------------------------------------- to the body


def test_the_cover_letter_encloses_the_documents_on_file(nurse, texts, sender):
    letter = compose(LetterKind.BODY_COVER, replace(nurse, state=CaseState.READY_TO_SUBMIT), texts, sender)
    assert letter.template == "body" and letter.language == "de" and letter.context["translation"] is None
    # the body's name is 100 mm wide at 10 pt: it runs on in a second line of the 80 mm field
    assert letter.context["recipient"].lines == (
        "Niedersächsisches Landesamt für Soziales,", "Jugend und Familie", "Außenstelle Lüneburg", "Auf der Hude 2",
        "21339 Lüneburg")
    titles = [e.title for e in letter.context["enclosures"]]
    assert titles[0].startswith("Tabellarischer Lebenslauf")
    assert any(t.startswith("Identitätsnachweis") for t in titles)
    assert not any(t.startswith("Ausländische Ausbildungsnachweise") for t in titles)  # the translation is still missing
    assert titles[-1] == "Vollmacht der antragstellenden Person für das Welcome Center Landkreis Verden"
    german = "\n".join(section_texts(letter.context["sections"]))
    assert "(§ 13 Abs. 2 BQFG)" in german and "Wird nachgereicht" in [s.heading for s in letter.context["sections"]]
    to_follow = next(s for s in letter.context["sections"] if s.heading == "Wird nachgereicht")
    assert any(b.text.startswith("Ausländische Ausbildungsnachweise") and b.text.endswith(": die Übersetzung")
               for b in to_follow.blocks)
    assert "Antragstellende Person: Frau Olena Shevchenko, geboren am 04.03.1991." in german
    assert "Olena Shevchenko, geb. 04.03.1991" in letter.subject


def test_the_cover_letter_on_the_fast_track_cites_81a_and_14a(nurse, texts, sender):
    abroad = replace(nurse, fast_track=True, person=replace(nurse.person, lives_abroad=True))
    letter = compose(LetterKind.BODY_COVER, abroad, texts, sender)
    german = "\n".join(section_texts(letter.context["sections"]))
    assert "§ 81a AufenthG" in german and "§ 14a Abs. 2 und 3 BQFG" in german


def test_a_person_living_here_opened_earlier_on_the_fast_track_gets_the_standard_cover_letter(nurse, texts, sender):
    letter = compose(LetterKind.BODY_COVER, replace(nurse, fast_track=True), texts, sender)
    german = "\n".join(section_texts(letter.context["sections"]))
    assert "81a" not in german and "14a" not in german and "(§ 13 Abs. 2 BQFG)" in german


def test_no_cover_letter_without_consent_or_without_documents(nurse, texts, sender):
    with pytest.raises(LetterRefused, match="consent"):
        compose(LetterKind.BODY_COVER, replace(nurse, consent=False), texts, sender)
    nothing = tuple(replace(line, status=line.status.MISSING) for line in nurse.checklist)
    with pytest.raises(LetterRefused) as refused:
        compose(LetterKind.BODY_COVER, replace(nurse, checklist=nothing), texts, sender)
    assert refused.value.field == "enclosures"


def test_letters_to_bodies_and_employers_are_german_only(nurse, texts, sender):
    with pytest.raises(LetterRefused) as refused:
        compose(LetterKind.BODY_COVER, nurse, texts, sender, language="uk")
    assert refused.value.field == "--lang"


# ---------------------------------------------------------------------------------- to an employer


def sme_letter(nurse, texts, sender, outcome, **changes):
    decided = replace(nurse, state=CaseState.DECIDED, outcome=outcome, **changes)
    return compose(LetterRequest(LetterKind.SME_GUIDANCE, 3), decided, texts, sender)


def test_the_employer_letter_for_a_ukrainian_notes_section_24(nurse, texts, sender):
    letter = sme_letter(nurse, texts, sender, Outcome.FULL_EQUIVALENCE)
    german = "\n".join(section_texts(letter.context["sections"]))
    assert "§ 24 AufenthG" in german and "Erwerbstätigkeit erlaubt" in german
    assert "§ 16d" not in german
    assert letter.context["recipient"].lines == ("Pflegedienst Allerblick GmbH", "z. Hd. Frau Kruse", "Am Markt 1", "27283 Verden (Aller)")
    assert letter.context["salutation"] == "Sehr geehrte Frau Kruse,"
    assert letter.recipient == "sme:3" and letter.sme_id == 3


def test_partial_equivalence_for_a_third_country_national_explains_the_plan_funding_and_16d(nurse, texts, sender, catalogue):
    letter = sme_letter(as_profession(nurse, catalogue, "koch"), texts, sender, Outcome.PARTIAL_EQUIVALENCE,
                        country_of_training="SY")
    german = "\n".join(section_texts(letter.context["sections"]))
    for words in ("Qualifizierungsplan", "Folgeantrag", "§ 82 SGB III", "§ 82a SGB III", "§ 16d AufenthG", "20 Stunden"):
        assert words in german
    assert "§ 24 AufenthG" not in german


def test_no_equivalence_offers_the_alternatives(nurse, texts, sender):
    german = "\n".join(section_texts(sme_letter(nurse, texts, sender, Outcome.NO_EQUIVALENCE).context["sections"]))
    for words in ("Helfer- oder Assistenzkraft", "betriebliche Ausbildung", "Umschulung"):
        assert words in german


def test_the_employer_letter_has_the_welcome_culture_checklist(nurse, texts, sender):
    sections = sme_letter(nurse, texts, sender, Outcome.COMPENSATION_MEASURE).context["sections"]
    welcome = next(s for s in sections if s.heading.startswith("Willkommenskultur"))
    assert all(b.mark == "☐" for b in welcome.blocks)
    assert {"Bankkonto für den Lohn", "Familiennachzug", "Kinderbetreuung", "Wohnung"} <= {b.text for b in welcome.blocks}


def test_an_employer_letter_needs_the_persons_agreement_and_a_contact_person(nurse, texts, sender):
    unagreed = replace(nurse, smes=(replace(nurse.smes[0], person_agreed=False),))
    with pytest.raises(LetterRefused) as refused:
        sme_letter(unagreed, texts, sender, Outcome.FULL_EQUIVALENCE)
    assert refused.value.field == "sme.person_agreed"
    anonymous = replace(nurse, smes=(replace(nurse.smes[0], contact_person=None),))
    with pytest.raises(LetterRefused) as refused:
        sme_letter(anonymous, texts, sender, Outcome.FULL_EQUIVALENCE)
    assert refused.value.field == "sme.contact_person"
    with pytest.raises(LetterRefused, match="not linked"):
        compose(LetterRequest(LetterKind.SME_GUIDANCE, 99), replace(nurse, outcome=Outcome.FULL_EQUIVALENCE), texts, sender)


# ---------------------------------------------------------------------------------- every branch


def test_every_sample_letter_fills_every_template_name_with_text_and_no_none(catalogue, rules, texts, sender, nurse):
    cases = sample_cases("verden", catalogue.bodies["ls_lueneburg"], nurse.checklist)
    letters = [compose(request, case, texts, sender) for case in cases for request in due_letters(case)]
    assert {letter.kind for letter in letters} == set(LetterKind)
    for letter in letters:
        assert set(letter.context) == CONTEXT_NAMES
        text = all_text(letter)
        assert not re.search(r"\bNone\b|\bnan\b|[{}]", text), letter.kind


# ---------------------------------------------------------------------------------- the texts


def german_and_english(texts_dir):
    from adapters.catalogue import read_yaml

    return [(f"data/letters/{name}.yaml", read_yaml(texts_dir / f"{name}.yaml")) for name in ("de", "en")]


def test_every_shipped_language_has_every_key_of_the_persons_letters(texts):
    assert {"de", "en", "uk", "ru", "ar"} <= set(texts.languages)
    assert texts.languages["ar"].rtl and not texts.languages["uk"].rtl


def test_an_unknown_placeholder_is_refused_with_file_line_and_key():
    from tests.conftest import ROOT

    files = german_and_english(ROOT / "data" / "letters")
    files[1][1]["checklist"]["deadline"] = "Please hand in by {deadlien}."
    with pytest.raises(CatalogueError) as error:
        build_letter_texts(files)
    assert "data/letters/en.yaml" in str(error.value) and "checklist.deadline" in str(error.value)
    assert "{deadlien}" in str(error.value) and "line" in str(error.value)


def test_a_translation_may_not_use_a_placeholder_its_german_key_lacks():
    from tests.conftest import ROOT

    files = german_and_english(ROOT / "data" / "letters")
    files[1][1]["checklist"]["no_deadline"] = "By {deadline}, please."
    with pytest.raises(CatalogueError, match="checklist.no_deadline.*does not have"):
        build_letter_texts(files)


def test_a_translation_missing_a_key_is_refused_naming_it():
    from tests.conftest import ROOT

    files = german_and_english(ROOT / "data" / "letters")
    del files[1][1]["outcome"]["remedy"]
    with pytest.raises(CatalogueError, match="outcome.remedy"):
        build_letter_texts(files)


def test_attribute_access_in_a_placeholder_is_refused():
    from tests.conftest import ROOT

    files = german_and_english(ROOT / "data" / "letters")
    files[0][1]["common"]["closing"] = "Grüße {deadline.__class__}"
    with pytest.raises(CatalogueError, match="not allowed"):
        build_letter_texts(files)


def test_blocks_and_sections_are_plain_values():
    section = Section("Was noch fehlt", (Block("fehlt", lead="Lebenslauf: ", mark="•"),))
    assert section.blocks[0].lead == "Lebenslauf: " and LINE.startswith("__")


def test_a_text_the_letters_need_but_no_file_has_is_refused_when_loading():
    from tests.conftest import ROOT

    files = german_and_english(ROOT / "data" / "letters")
    for _, document in files:
        del document["outcome"]["full_title"]
    with pytest.raises(CatalogueError, match=r"data/letters/de.yaml.*outcome.full_title.*is missing"):
        build_letter_texts(files)


def test_a_placeholder_a_letter_cannot_fill_is_refused_when_loading():
    from tests.conftest import ROOT

    files = german_and_english(ROOT / "data" / "letters")
    files[0][1]["common"]["questions"] = "Fragen an {contact_person}?"
    files[1][1]["common"]["questions"] = "Questions to {contact_person}?"
    with pytest.raises(CatalogueError, match=r"\{contact_person\}.*not available"):
        build_letter_texts(files)
