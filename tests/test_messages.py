"""The message catalogue (domain/messages.py) and the errors made from it (domain/errors.py): every
code has an English and a German text with the same placeholders, every code raised anywhere in the
service exists, none is left unused, and parameters are formatted per language."""

import ast
import importlib
import inspect
import re
from datetime import date
from pathlib import Path

import pytest

from domain.errors import CatalogueError, DomainError, InvalidInput, UnknownDistrict
from domain.messages import MESSAGES, Term, placeholders, render

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(
    path for folder in ("domain", "models", "adapters", "services", "flows", "welcome_center")
    for path in (ROOT / folder).rglob("*.py") if path.name not in ("messages.py", "__main__.py")
)

# One plausible value per placeholder name; a new placeholder needs a sample here.
SAMPLES = {
    "accepted": (("given_name/Vorname",), ("family_name/Nachname", "Familienname")),
    "allowed": [Term("submit", "Antrag gestellt"), Term("withdraw", "Antrag zurückgezogen")],
    "body": "ls_lueneburg",
    "byte": 0xFC,
    "character": "U+202E",
    "columns": ["Bemerkung", "Notiz"],
    "count": 2,
    "country": "ua",
    "current": "3f2a1b",
    "default": False,
    "detail": "Input should be a valid string",
    "district": "Landkreis Verden",
    "due": date(2026, 11, 30),
    "earliest": date(1990, 1, 1),
    "end": date(2026, 4, 1),
    "event": Term("decide", "Bescheid erhalten"),
    "events": ["collect", "ready"],
    "examples": ("uk", "ru", "ar"),
    "file": "faelle.csv",
    "first": "Nachname",
    "first_column": "B",
    "folder": "/srv/welcome-center/cases/VER-2026-0042/letters",
    "pid": 4242,
    "found": ["Vorname", "Nachnahme"],
    "head": "9c8d7e",
    "key": Term("family_name", "Nachname"),
    "kind": Term("decision", "Entscheidung"),
    "kinds": ["acknowledgement", "decision", "person"],
    "known": ["verden", "osterholz"],
    "language": "uk",
    "last": date(2026, 11, 20),
    "latest": date(2027, 11, 25),
    "law": "§ 13 Abs. 3 BQFG",
    "length": 1234,
    "limit": 100,
    "line": 3,
    "linked": [],
    "message": "must be true or false",
    "more": 9_980,
    "prefix": "=",
    "mine": ["Landkreis Osterholz"],
    "missing": ["Geburtsdatum (birth_date)"],
    "name": "phone",
    "next": date(2026, 12, 1),
    "occupation": "Berufskraftfahrerin",
    "on": date(2026, 11, 26),
    "outcome": Term("compensation_measure", "Ausgleichsmaßnahme erforderlich"),
    "outcomes": ["full_equivalence", "no_equivalence"],
    "person": "Olena Shevchenko",
    "possible": [Term("full_equivalence", "volle Gleichwertigkeit"), Term("no_equivalence", "keine Gleichwertigkeit")],
    "procedure": "none",
    "reason": "field larger than field limit (131072)",
    "reference": "VER-2026-0042",
    "required": ["given_name", "family_name"],
    "role": "adviser",
    "routes": ["jobcenter", "self"],
    "row": 4,
    "size": 600_000_000,
    "second": "Familienname",
    "second_column": "M",
    "sme": 3,
    "start": date(2026, 4, 10),
    "state": Term("intake", "Erstgespräch"),
    "states": ["intake", "submitted"],
    "there": "Landkreis Verden",
    "today": date(2026, 11, 25),
    "value": "Bremen",
    "values": "Chirurg; Verden",
    "width": 12,
    "what": "letter",
    "year": 1900,
    "given": date(2026, 3, 2),  # consent withdrawal (services.cases.withdraw_consents)
    "least": 10,
    "other": "VER-2026-0007",
}
# Words that show an English sentence left in a German text (a crude check, as intended).
ENGLISH_WORDS = re.compile(r"\b(the|is|are|use|give|write|must|not|and|please|with|has|of|to)\b")


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_code_has_an_english_and_a_german_text_with_the_same_placeholders(code):
    english, german = MESSAGES[code]
    assert english.strip() and german.strip() and english != german
    assert sorted(placeholders(english)) == sorted(placeholders(german))


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_text_formats_with_sample_parameters(code):
    english, german = MESSAGES[code]
    names = {name for name, _ in placeholders(english)}
    assert names <= SAMPLES.keys(), f"add a sample for {sorted(names - SAMPLES.keys())}"
    params = {name: SAMPLES[name] for name in names}
    for language in ("en", "de"):
        text = render(code, language, params)
        assert "{" not in text and "}" not in text and "Term(" not in text


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_a_german_text_has_no_english_sentence(code):
    german = MESSAGES[code][1]
    without_placeholders = re.sub(r"\{[^}]*\}", "", german)
    without_commands = re.sub(r"`[^`]*`|\(welcome-center [^)]*\)|--\w+", "", without_placeholders)
    assert not ENGLISH_WORDS.search(without_commands), german


def test_the_codes_are_dotted_lowercase_names():
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+", code) for code in MESSAGES)


# ---------------------------------------------------------------------------------- formatting


def test_dates_are_iso_in_english_and_day_month_year_in_german():
    params = {"value": "2027-01-01", "today": date(2026, 11, 25)}
    assert "(today is 2026-11-25)" in render("date.future", "en", params)
    assert "(heute ist der 25.11.2026)" in render("date.future", "de", params)


def test_thousands_are_separated_with_a_comma_in_english_and_a_point_in_german():
    params = {"length": 12345, "limit": 500}
    assert render("profession.too_long", "en", params).startswith("is 12,345 characters long")
    assert render("profession.too_long", "de", params).startswith("ist 12.345 Zeichen lang")


def test_alternatives_are_joined_with_or_and_oder():
    params = {"value": "Bremen", "known": ["verden", "osterholz"]}
    assert render("district.not_served", "en", params) == "'Bremen' is not served; use verden or osterholz"
    assert render("district.not_served", "de", params) == "„Bremen“ wird nicht betreut; bitte verden oder osterholz eintragen"


def test_a_term_is_the_value_in_english_and_its_german_name_in_german():
    params = {"event": Term("decide", "Bescheid erhalten"), "state": Term("intake", "Erstgespräch"),
              "allowed": [Term("collect", "Unterlagen sammeln"), Term("withdraw", "Antrag zurückgezogen")]}
    assert render("step.not_allowed", "en", params) == "'decide' is not allowed in state 'intake'; allowed: collect, withdraw"
    assert render("step.not_allowed", "de", params) == (
        "der Schritt „Bescheid erhalten“ ist im Stand „Erstgespräch“ nicht möglich; "
        "möglich sind: Unterlagen sammeln, Antrag zurückgezogen"
    )


def test_an_empty_list_reads_none_and_a_flag_yes_or_no():
    linked = {"sme": 3, "reference": "VER-2026-0042", "linked": []}
    assert "(linked: none)" in render("letter.sme_not_linked", "en", linked)
    assert "(verknüpft: keine)" in render("letter.sme_not_linked", "de", linked)
    flag = {"value": "vielleicht", "default": True}
    assert render("yes_no.unknown", "en", flag).endswith("leave it empty for yes")
    assert render("yes_no.unknown", "de", flag).endswith("leer lassen für ja")


def test_quoted_items_use_the_languages_quotes():
    params = {**{name: SAMPLES[name] for name in ("file", "missing", "accepted", "required")}, "found": ["Vorname", "Foo"]}
    assert "it has 'Vorname'; 'Foo'." in render("import.missing_column", "en", params)
    assert "sie enthält „Vorname“; „Foo“." in render("import.missing_column", "de", params)


# ---------------------------------------------------------------------------------- the errors


def test_an_error_carries_its_code_field_parameters_and_both_texts():
    error = InvalidInput("period.unreadable", "--period", value="3x")
    assert (error.code, error.field, error.params) == ("period.unreadable", "--period", {"value": "3x"})
    assert error.message == "'3x' is not a period; write e.g. 14d, 6w or 1m"
    assert error.message_de.startswith("„3x“ ist keine Dauer")
    assert str(error) == "--period: '3x' is not a period; write e.g. 14d, 6w or 1m"


def test_an_unknown_code_is_a_key_error():
    with pytest.raises(KeyError):
        DomainError("no.such_code", "field")
    with pytest.raises(KeyError):
        InvalidInput("no.such_code", "field", value="x")


def test_a_missing_parameter_is_a_key_error():
    with pytest.raises(KeyError):
        InvalidInput("period.unreadable", "--period")


def test_the_old_form_with_an_english_text_is_refused():
    """There is no second way to make an error: a text where the code belongs is an unknown code."""
    with pytest.raises(KeyError):
        InvalidInput("--name", "give the adviser's full name")


def test_unknown_district_keeps_its_constructor():
    error = UnknownDistrict("Bremen", ["verden", "osterholz"])
    assert (error.code, error.field) == ("district.not_served", "district")
    assert error.message == "'Bremen' is not served; use verden or osterholz"
    assert error.message_de == "„Bremen“ wird nicht betreut; bitte verden oder osterholz eintragen"


def test_a_catalogue_error_names_the_place_and_has_a_german_prefix():
    error = CatalogueError("data/x.yaml", 3, "k", "f", "must be true or false")
    assert str(error) == "data/x.yaml, line 3, entry 'k', field 'f': must be true or false"
    assert (error.code, error.message) == ("data.broken", "must be true or false")
    assert error.message_de == "Datendatei fehlerhaft: must be true or false"
    assert (error.file, error.line, error.entry, error.field) == ("data/x.yaml", 3, "k", "f")


# ---------------------------------------------------------------------------------- the raise sites


def _code_classes() -> set[str]:
    """The names of the error classes whose constructor takes a code first (DomainError and every
    subclass in domain/ and adapters/ that keeps that signature)."""
    for path in SOURCES:
        importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"))
    names, pending = set(), [DomainError]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        parameters = list(inspect.signature(cls.__init__).parameters)
        if parameters[1:2] == ["code"]:
            names.add(cls.__name__)
    return names


def _super_takes_code(cls_node: ast.ClassDef, module) -> bool:
    cls = getattr(module, cls_node.name, None)
    if cls is None or len(cls.__mro__) < 2:
        return False
    return list(inspect.signature(cls.__mro__[1].__init__).parameters)[1:2] == ["code"]


def _alternatives(place, node):
    """`a if test else b` gives one of two codes: both are checked."""
    if isinstance(node, ast.IfExp):
        yield from _alternatives(place, node.body)
        yield from _alternatives(place, node.orelse)
    else:
        yield place, node


def _code_sites():
    """(place, node) for every expression that gives an error its code: the first argument of a
    code-taking constructor (also super().__init__ and DomainError.__init__(self, …)), a keyword
    `code=`/`…_code=` or a default of such a parameter, an assignment to a variable named …_code,
    and the values of a `…_CODES` table."""
    classes = _code_classes()
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}

        def enclosing_class(node):
            while node in parents:
                node = parents[node]
                if isinstance(node, ast.ClassDef):
                    return node
            return None

        # the composition root calls codes "status_code" (HTTP) and "code" (exit codes): there only the
        # constructors of the errors are read
        constructors_only = path.relative_to(ROOT).parts[0] == "welcome_center"
        for node in ast.walk(tree):
            place = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
            if constructors_only and not isinstance(node, ast.Call):
                continue
            if isinstance(node, ast.Call):
                func = node.func
                first = None
                if isinstance(func, ast.Name) and func.id in classes:
                    first = node.args[0] if node.args else None
                elif isinstance(func, ast.Attribute) and func.attr == "__init__":
                    if isinstance(func.value, ast.Call) and getattr(func.value.func, "id", "") == "super":
                        cls_node = enclosing_class(node)
                        if cls_node is not None and _super_takes_code(cls_node, module):
                            first = node.args[0] if node.args else None
                    elif isinstance(func.value, ast.Name) and func.value.id in classes:
                        first = node.args[1] if len(node.args) > 1 else None
                if first is not None or (isinstance(func, ast.Name) and func.id in classes):
                    yield from _alternatives(place, first)
                for keyword in [] if constructors_only else node.keywords:
                    if keyword.arg and (keyword.arg == "code" or keyword.arg.endswith("_code")):
                        yield from _alternatives(place, keyword.value)
            elif isinstance(node, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id.endswith("_code") for target in node.targets
            ):
                constants = [c for c in ast.walk(node.value) if isinstance(c, ast.Constant) and isinstance(c.value, str)]
                for constant in constants or [node.value]:
                    yield place, constant
            elif isinstance(node, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id.endswith("_CODES") for target in node.targets
            ):
                assert isinstance(node.value, ast.Dict), f"{place}: a _CODES table is a dict literal"
                for value in node.value.values:
                    for constant in ast.walk(value):
                        if isinstance(constant, ast.Constant) and isinstance(constant.value, str):
                            yield place, constant
            elif isinstance(node, ast.arguments):
                named = [*node.posonlyargs, *node.args, *node.kwonlyargs]
                defaults = [*[None] * (len(node.posonlyargs) + len(node.args) - len(node.defaults)), *node.defaults,
                            *node.kw_defaults]
                for argument, default in zip(named, defaults):
                    if default is not None and (argument.arg == "code" or argument.arg.endswith("_code")):
                        yield place, default


def test_every_code_given_anywhere_exists():
    """A code is a string literal in the catalogue, or a variable named code or …_code that holds one
    (checked where it is set: a keyword, a default, an assignment or a _CODES table), or an error's own
    `.code` passed on."""
    sites = list(_code_sites())
    assert len(sites) > 80  # the scan finds the raise sites at all
    wrong = []
    for place, node in sites:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value not in MESSAGES:
                wrong.append(f"{place}: unknown code {node.value!r}")
        elif isinstance(node, ast.Name) and node.id.endswith("code"):
            continue
        elif isinstance(node, ast.Attribute) and node.attr == "code":
            continue
        else:
            wrong.append(f"{place}: the code is {ast.unparse(node) if node else 'missing'}, not a literal")
    assert not wrong, "\n".join(wrong)


def test_no_code_in_the_catalogue_is_unused():
    given = {node.value for _, node in _code_sites() if isinstance(node, ast.Constant)}
    assert set(MESSAGES) - given == set()
