"""The readable part of a person's access export (Art. 15 DSGVO): the summary page in German and, where
letters exist in it, in the person's language, and the names the files get inside the ZIP.

Pure: the functions take the export's data (the same dict that is written as `daten.json`, see
services/access_export.py) and return text. Only the headings and fixed texts are translated (the
labels below, one small dict per language); the values are shown as they are stored, escaped, so a
name with markup reads as typed and cannot act on the page. The translations are drafts of the
development team (as the letters' courtesy translations, data/letters/*.yaml): German is binding.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

from domain.display import visible
from domain.files import safe_name
from domain.lifecycle import EVENT_DE, OUTCOME_DE, STATE_DE, CaseState, Event, Outcome

BERLIN = ZoneInfo("Europe/Berlin")
SUMMARY_DE = "zusammenfassung.html"

# ------------------------------------------------------------------------------------ labels

_DE = {
    "title": "Ihre gespeicherten Daten",
    "subtitle": "Auskunft nach Art. 15 DSGVO – Welcome Center Landkreis Verden / Landkreis Osterholz",
    "made_on": "Stand",
    "intro": "Diese Auskunft enthält alle Angaben, die das Welcome Center über Sie und Ihre Fälle gespeichert hat. "
             "Jeder gespeicherte Wert steht vollständig in der Datei daten.json; Ihre Unterlagen, Briefe und E-Mails "
             "liegen in den Ordnern unterlagen/, briefe/ und mails/ dieses Archivs.",
    "binding": "",
    "person": "Ihre Angaben",
    "consents": "Einwilligungen",
    "address": "Anschrift",
    "case": "Fall",
    "steps": "Schritte",
    "deadlines": "Fristen",
    "appointments": "Termine",
    "documents": "Unterlagen",
    "letters": "Briefe",
    "mails": "E-Mails",
    "employers": "Betriebe, die das Ergebnis erfahren dürfen",
    "intake": "Eingegangene Dateien (Posteingang)",
    "audit": "Wer wann was gelesen oder geändert hat",
    "derived": "Für Berichte werden aus den Schritten Ihrer Fälle Kennzahlen abgeleitet (Tage der Meilensteine, "
               "Stand); sie enthalten keine weiteren Angaben über Sie und stehen in daten.json unter "
               "„report_case_fact“ und „report_case_change“. Berichte nennen keine Personen.",
    "missing_files": "Dateien, die fehlen",
    "missing_note": "Diese Dateien sind in der Datenbank verzeichnet, lagen aber bei der Erstellung der Auskunft nicht "
                    "vor; ihre Angaben stehen trotzdem in daten.json.",
    "missing": "fehlt",
    "none": "keine",
    "yes": "ja",
    "no": "nein",
    "date": "Datum",
    "time": "Zeit",
    "what": "was",
    "who": "wer",
    "note": "Notiz",
    "change": "Änderung",
    "kind": "Art",
    "status": "Stand",
    "due": "fällig",
    "name": "Name",
    "file": "Datei im Archiv",
    "recipient": "an",
    "subject": "Betreff",
    "language": "Sprache",
    "sent": "gesendet",
    "place": "Ort",
    "agreed": "Zustimmung am",
    "given_by": "erteilt von",
    "withdrawn": "widerrufen am",
}

_EN = {
    "title": "Your stored data",
    "subtitle": "Information under Art. 15 GDPR – Welcome Center Landkreis Verden / Landkreis Osterholz",
    "made_on": "As of",
    "intro": "This information contains everything the Welcome Center has stored about you and your cases. Every "
             "stored value is given in full in the file daten.json; your documents, letters and e-mails are in the "
             "folders unterlagen/, briefe/ and mails/ of this archive.",
    "binding": "Courtesy translation; the German summary (zusammenfassung.html) is binding.",
    "person": "Your details", "consents": "Consents", "address": "Address", "case": "Case", "steps": "Steps",
    "deadlines": "Deadlines", "appointments": "Appointments", "documents": "Documents", "letters": "Letters",
    "mails": "E-mails", "employers": "Employers who may learn the outcome", "intake": "Files received (inbox)",
    "audit": "Who read or changed what, and when",
    "derived": "For reports, figures are derived from the steps of your cases (days of milestones, state); they hold "
               "nothing else about you and are in daten.json under \"report_case_fact\" and \"report_case_change\". "
               "Reports name no persons.",
    "missing_files": "Missing files",
    "missing_note": "These files are listed in the database but were not present when this information was made; their "
                    "details are in daten.json all the same.",
    "missing": "missing", "none": "none", "yes": "yes", "no": "no", "date": "Date", "time": "Time", "what": "what",
    "who": "who", "note": "Note", "change": "Change", "kind": "Kind", "status": "Status", "due": "due", "name": "Name",
    "file": "File in the archive", "recipient": "to", "subject": "Subject", "language": "Language", "sent": "sent",
    "place": "Place", "agreed": "agreed on", "given_by": "given by", "withdrawn": "withdrawn on",
}

_UK = {
    "title": "Ваші збережені дані",
    "subtitle": "Інформація відповідно до ст. 15 GDPR (DSGVO) – Welcome Center Landkreis Verden / Landkreis Osterholz",
    "made_on": "Станом на",
    "intro": "Ця інформація містить усі дані, які Welcome Center зберігає про вас і ваші справи. Кожне збережене "
             "значення повністю наведене у файлі daten.json; ваші документи, листи та електронні листи знаходяться "
             "в папках unterlagen/, briefe/ і mails/ цього архіву.",
    "binding": "Переклад для зручності; обов'язковою є німецька версія (zusammenfassung.html).",
    "person": "Ваші дані", "consents": "Згоди", "address": "Адреса", "case": "Справа", "steps": "Кроки",
    "deadlines": "Строки", "appointments": "Зустрічі", "documents": "Документи", "letters": "Листи",
    "mails": "Електронні листи", "employers": "Роботодавці, які можуть дізнатися результат",
    "intake": "Отримані файли (вхідні)", "audit": "Хто, коли і що переглядав або змінював",
    "derived": "Для звітів із кроків ваших справ виводяться показники (дні етапів, стан); вони не містять інших "
               "даних про вас і наведені в daten.json у розділах «report_case_fact» і «report_case_change». "
               "Звіти не називають осіб.",
    "missing_files": "Відсутні файли",
    "missing_note": "Ці файли зазначені в базі даних, але були відсутні під час складання цієї інформації; їхні "
                    "дані все одно наведені в daten.json.",
    "missing": "відсутній", "none": "немає", "yes": "так", "no": "ні", "date": "Дата", "time": "Час", "what": "що",
    "who": "хто", "note": "Примітка", "change": "Зміна", "kind": "Вид", "status": "Стан", "due": "строк",
    "name": "Назва", "file": "Файл в архіві", "recipient": "кому", "subject": "Тема", "language": "Мова",
    "sent": "надіслано", "place": "Місце", "agreed": "згода від", "given_by": "надав(ла)", "withdrawn": "відкликано",
}

_RU = {
    "title": "Ваши сохранённые данные",
    "subtitle": "Информация согласно ст. 15 GDPR (DSGVO) – Welcome Center Landkreis Verden / Landkreis Osterholz",
    "made_on": "По состоянию на",
    "intro": "Эта информация содержит все данные, которые Welcome Center хранит о вас и ваших делах. Каждое "
             "сохранённое значение полностью приведено в файле daten.json; ваши документы, письма и электронные "
             "письма находятся в папках unterlagen/, briefe/ и mails/ этого архива.",
    "binding": "Перевод для удобства; обязательной является немецкая версия (zusammenfassung.html).",
    "person": "Ваши данные", "consents": "Согласия", "address": "Адрес", "case": "Дело", "steps": "Шаги",
    "deadlines": "Сроки", "appointments": "Встречи", "documents": "Документы", "letters": "Письма",
    "mails": "Электронные письма", "employers": "Работодатели, которые могут узнать результат",
    "intake": "Полученные файлы (входящие)", "audit": "Кто, когда и что просматривал или изменял",
    "derived": "Для отчётов из шагов ваших дел выводятся показатели (дни этапов, состояние); они не содержат других "
               "данных о вас и приведены в daten.json в разделах «report_case_fact» и «report_case_change». "
               "Отчёты не называют лиц.",
    "missing_files": "Отсутствующие файлы",
    "missing_note": "Эти файлы указаны в базе данных, но отсутствовали при составлении этой информации; их данные "
                    "всё равно приведены в daten.json.",
    "missing": "отсутствует", "none": "нет", "yes": "да", "no": "нет", "date": "Дата", "time": "Время", "what": "что",
    "who": "кто", "note": "Примечание", "change": "Изменение", "kind": "Вид", "status": "Состояние", "due": "срок",
    "name": "Название", "file": "Файл в архиве", "recipient": "кому", "subject": "Тема", "language": "Язык",
    "sent": "отправлено", "place": "Место", "agreed": "согласие от", "given_by": "дано", "withdrawn": "отозвано",
}

_AR = {
    "title": "بياناتك المحفوظة",
    "subtitle": "معلومات وفقاً للمادة 15 من اللائحة العامة لحماية البيانات – Welcome Center Landkreis Verden / Landkreis Osterholz",
    "made_on": "بتاريخ",
    "intro": "تحتوي هذه المعلومات على جميع البيانات التي يحفظها Welcome Center عنك وعن ملفاتك. كل قيمة محفوظة واردة "
             "بالكامل في الملف daten.json؛ ووثائقك ورسائلك ورسائل بريدك الإلكتروني موجودة في المجلدات unterlagen/ "
             "و briefe/ و mails/ في هذا الأرشيف.",
    "binding": "ترجمة للتيسير؛ النسخة الألمانية (zusammenfassung.html) هي الملزمة.",
    "person": "بياناتك", "consents": "الموافقات", "address": "العنوان", "case": "الملف", "steps": "الخطوات",
    "deadlines": "المواعيد النهائية", "appointments": "المواعيد", "documents": "الوثائق", "letters": "الرسائل",
    "mails": "رسائل البريد الإلكتروني", "employers": "أصحاب العمل الذين يجوز لهم معرفة النتيجة",
    "intake": "الملفات المستلمة (صندوق الوارد)", "audit": "من اطّلع على ماذا أو غيّره ومتى",
    "derived": "تُستخلص للتقارير أرقام من خطوات ملفاتك (أيام المراحل، الحالة)؛ ولا تحتوي على أي بيانات أخرى عنك، "
               "وهي واردة في daten.json تحت «report_case_fact» و«report_case_change». لا تذكر التقارير أسماء أشخاص.",
    "missing_files": "ملفات مفقودة",
    "missing_note": "هذه الملفات مسجلة في قاعدة البيانات لكنها لم تكن موجودة عند إعداد هذه المعلومات؛ وبياناتها واردة "
                    "مع ذلك في daten.json.",
    "missing": "مفقود", "none": "لا يوجد", "yes": "نعم", "no": "لا", "date": "التاريخ", "time": "الوقت", "what": "ماذا",
    "who": "من", "note": "ملاحظة", "change": "التغيير", "kind": "النوع", "status": "الحالة", "due": "الاستحقاق",
    "name": "الاسم", "file": "الملف في الأرشيف", "recipient": "إلى", "subject": "الموضوع", "language": "اللغة",
    "sent": "أُرسل", "place": "المكان", "agreed": "الموافقة بتاريخ", "given_by": "مقدمة من", "withdrawn": "سُحبت بتاريخ",
}

LABELS: dict[str, dict[str, str]] = {"de": _DE, "en": _EN, "uk": _UK, "ru": _RU, "ar": _AR}
RIGHT_TO_LEFT = frozenset({"ar"})

# the fields of the person and of a case shown in the summary (all of them are in daten.json), per language
_FIELDS = {
    "given_name": ("Vorname", "Given name", "Ім'я", "Имя", "الاسم الأول"),
    "family_name": ("Nachname", "Family name", "Прізвище", "Фамилия", "اسم العائلة"),
    "birth_date": ("Geburtsdatum", "Date of birth", "Дата народження", "Дата рождения", "تاريخ الميلاد"),
    "sex": ("Geschlecht", "Sex", "Стать", "Пол", "الجنس"),
    "language": ("Sprache", "Language", "Мова", "Язык", "اللغة"),
    "email": ("E-Mail", "E-mail", "Електронна пошта", "Электронная почта", "البريد الإلكتروني"),
    "phone": ("Telefon", "Phone", "Телефон", "Телефон", "الهاتف"),
    "district": ("Landkreis", "District", "Округ", "Округ", "المقاطعة"),
    "receives_buergergeld": ("Bürgergeld", "Bürgergeld (citizen's benefit)", "Bürgergeld (допомога)",
                             "Bürgergeld (пособие)", "Bürgergeld (الإعانة)"),
    "arrival_date": ("Einreisedatum", "Date of arrival", "Дата в'їзду", "Дата въезда", "تاريخ الوصول"),
    "lives_abroad": ("Wohnsitz im Ausland", "Lives abroad", "Проживає за кордоном", "Проживает за границей",
                     "مقيم في الخارج"),
    "name_changed": ("Name geändert", "Name changed", "Ім'я змінено", "Имя изменено", "تم تغيير الاسم"),
    "academic_title": ("Titel", "Title", "Науковий ступінь", "Учёная степень", "اللقب الأكاديمي"),
    "latin_given_name": ("Vorname lateinisch", "Given name (Latin)", "Ім'я латиницею", "Имя латиницей",
                         "الاسم الأول بالحروف اللاتينية"),
    "latin_family_name": ("Nachname lateinisch", "Family name (Latin)", "Прізвище латиницею", "Фамилия латиницей",
                          "اسم العائلة بالحروف اللاتينية"),
    "created_at": ("erfasst am", "Recorded on", "Внесено", "Внесено", "تاريخ التسجيل"),
    "reference": ("Aktenzeichen", "Reference", "Номер справи", "Номер дела", "رقم الملف"),
    "profession_text": ("Beruf (Ihre Angabe)", "Profession (as you gave it)", "Професія (за вашими словами)",
                        "Профессия (с ваших слов)", "المهنة (كما ذكرتها)"),
    "reference_occupation": ("Referenzberuf", "Reference occupation", "Референтна професія", "Референтная профессия",
                             "المهنة المرجعية"),
    "country_of_training": ("Ausbildungsland", "Country of training", "Країна навчання", "Страна обучения",
                            "بلد التدريب"),
    "state": ("Stand", "State", "Стан", "Состояние", "الحالة"),
    "outcome": ("Ergebnis", "Outcome", "Результат", "Результат", "النتيجة"),
    "street": ("Straße", "Street", "Вулиця", "Улица", "الشارع"),
    "postcode": ("Postleitzahl", "Postcode", "Поштовий індекс", "Почтовый индекс", "الرمز البريدي"),
    "city": ("Ort", "City", "Місто", "Город", "المدينة"),
    "addition": ("Zusatz", "Addition", "Доповнення", "Дополнение", "إضافة"),
    "country": ("Land", "Country", "Країна", "Страна", "البلد"),
}
_ORDER = ("de", "en", "uk", "ru", "ar")
FIELDS: dict[str, dict[str, str]] = {lang: {key: names[i] for key, names in _FIELDS.items()} for i, lang in enumerate(_ORDER)}

PERSON_FIELDS = ("given_name", "family_name", "birth_date", "sex", "language", "email", "phone", "district",
                 "receives_buergergeld", "arrival_date", "lives_abroad", "name_changed", "academic_title",
                 "latin_given_name", "latin_family_name", "created_at")
CASE_FIELDS = ("reference", "district", "profession_text", "reference_occupation", "country_of_training", "state",
               "outcome", "created_at")
ADDRESS_FIELDS = ("street", "postcode", "city", "addition", "country")


def summary_languages(person_language: str | None, letter_languages: Iterable[str]) -> list[str]:
    """German always; the person's language too when letters exist in it (data/letters/) and the summary
    has its labels."""
    languages = ["de"]
    if person_language and person_language != "de" and person_language in set(letter_languages) and person_language in LABELS:
        languages.append(person_language)
    return languages


def summary_file_name(language: str) -> str:
    return SUMMARY_DE if language == "de" else f"zusammenfassung.{language}.html"


# ------------------------------------------------------------------------------------ names inside the ZIP


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def zip_member(folder: str, name: str, *, prefix: str, taken: set[str]) -> str:
    """A name inside the ZIP under `folder`: the stored name made safe (`domain.files.safe_name`: no
    path, no "..", no control or bidi characters), prefixed with `prefix` (the row's id), and unique
    in `taken` (which it joins). The original name stays in daten.json."""
    base = safe_name(_CONTROL.sub("", name) or "datei")
    member = f"{folder}/{safe_name(f'{prefix}-{base}')}"
    stem, dot, suffix = member.rpartition(".")
    number = 2
    while member in taken:
        member = f"{stem}-{number}.{suffix}" if dot else f"{member}-{number}"
        number += 1
    taken.add(member)
    return member


# ------------------------------------------------------------------------------------ the summary page


def _e(value: object) -> str:
    return html.escape(visible(value), quote=True)


def _value(value: object, labels: Mapping[str, str]) -> str:
    """A stored value as text: days and times as the Welcome Center writes them (Europe/Berlin), yes/no
    in the page's language, the rest as stored."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return labels["yes"] if value else labels["no"]
    if isinstance(value, str):
        parsed = _moment(value)
        if parsed is not None:
            return parsed
    return str(value)


def _moment(text: str) -> str | None:
    """An ISO day or time from daten.json shown as 25.11.2026 / 25.11.2026, 10:30 (Berlin)."""
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return None
        return f"{day:%d.%m.%Y}"
    if len(text) >= 19 and text[4] == "-" and text[10] == "T":
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
        if moment.tzinfo is not None:
            moment = moment.astimezone(BERLIN)
        return f"{moment:%d.%m.%Y, %H:%M}"
    return None


def _german_term(column: str, value: object) -> object:
    """In the German summary a state, step or outcome is named as the case page names it."""
    try:
        if column == "state" and value:
            return STATE_DE[CaseState(value)]
        if column == "event" and value:
            return EVENT_DE[Event(value)]
        if column == "outcome" and value:
            return OUTCOME_DE[Outcome(value)]
    except (ValueError, KeyError):
        return value
    return value


def _facts(row: Mapping, fields: Iterable[str], language: str) -> str:
    labels, names = LABELS[language], FIELDS[language]
    items = []
    for key in fields:
        if key not in row:
            continue
        value = _german_term(key, row[key]) if language == "de" else row[key]
        items.append(f"<dt>{_e(names.get(key, key))}</dt><dd>{_e(_value(value, labels))}</dd>")
    return f"<dl>{''.join(items)}</dl>"


def _table(headers: list[str], rows: list[list[object]], labels: Mapping[str, str]) -> str:
    if not rows:
        return f"<p class=\"muted\">{_e(labels['none'])}</p>"
    head = "".join(f"<th scope=\"col\">{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_e(_value(cell, labels))}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _file_cell(files: Mapping[tuple[str, int, str], dict], table: str, row_id: int, role: str, labels) -> str:
    entry = files.get((table, row_id, role))
    if entry is None:
        return "–"
    return entry["zip_name"] if entry["zip_name"] else f"{labels['missing']}: {entry['original_name']}"


def _change(before: object, after: object) -> str:
    def text(value: object) -> str:
        if value is None:
            return ""
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)

    old, new = text(before), text(after)
    return f"{old} → {new}" if old and new else old or new


_STYLE = """
body{font-family:"DejaVu Sans",Arial,sans-serif;font-size:11pt;line-height:1.4;margin:2em auto;max-width:60em;color:#111}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #999}
h3{font-size:1.05em;margin-top:1.2em}table{border-collapse:collapse;width:100%;margin:.4em 0}
th,td{border:1px solid #bbb;padding:.25em .4em;text-align:start;vertical-align:top;overflow-wrap:anywhere}
th{background:#eee}dl{display:grid;grid-template-columns:max-content 1fr;gap:.15em 1em}dt{font-weight:bold}dd{margin:0}
.muted{color:#555}.note{background:#f4f4f4;padding:.5em}section.case{break-before:page}
@media print{body{margin:0;max-width:none}h2,h3{break-after:avoid}tr{break-inside:avoid}}
"""


def summary_html(data: Mapping, *, language: str) -> str:
    """The summary page of the export in `language` (a key of LABELS): self-contained (no script, no
    link, the style inline), every value escaped, printable. `data` is the export's daten.json."""
    labels = LABELS[language]
    tables = data["tables"]
    person = tables["person"][0]
    files = {(f["table"], f["row_id"], f["role"]): f for f in data["files"]}
    direction = "rtl" if language in RIGHT_TO_LEFT else "ltr"
    name = f"{person.get('given_name', '')} {person.get('family_name', '')}".strip()
    parts = [
        f"<!DOCTYPE html>\n<html lang=\"{_e(language)}\" dir=\"{direction}\"><head><meta charset=\"utf-8\">",
        f"<title>{_e(labels['title'])} – {_e(name)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{_e(labels['title'])}</h1><p>{_e(labels['subtitle'])}</p>",
        f"<p><strong>{_e(name)}</strong> – {_e(labels['made_on'])}: {_e(_value(data['made_at'], labels))}</p>",
        f"<p class=\"note\">{_e(labels['intro'])}</p>",
    ]
    if labels["binding"]:
        parts.append(f"<p class=\"muted\">{_e(labels['binding'])}</p>")
    parts.append(f"<h2>{_e(labels['person'])}</h2>{_facts(person, PERSON_FIELDS, language)}")
    parts.append(f"<h3>{_e(labels['address'])}</h3>")
    addresses = tables.get("person_address", [])
    parts.append(_facts(addresses[0], ADDRESS_FIELDS, language) if addresses else f"<p class=\"muted\">{_e(labels['none'])}</p>")
    parts.append(f"<h3>{_e(labels['consents'])}</h3>")
    parts.append(_table([labels["date"], labels["given_by"], labels["withdrawn"]],
                        [[c.get("given_on"), c.get("given_by"), c.get("withdrawn_on")] for c in tables.get("consent", [])], labels))
    smes = {s["id"]: s for s in tables.get("sme", [])}
    for case in tables.get("recognition_case", []):
        case_id = case["id"]

        def of_case(table: str, case_id: int = case_id) -> list[dict]:
            return [row for row in tables.get(table, []) if row.get("case_id") == case_id]

        parts.append(f"<section class=\"case\"><h2>{_e(labels['case'])} {_e(case['reference'])}</h2>")
        parts.append(_facts(case, CASE_FIELDS, language))
        term = (lambda col, v: _german_term(col, v)) if language == "de" else (lambda col, v: v)
        parts.append(f"<h3>{_e(labels['steps'])}</h3>")
        parts.append(_table([labels["date"], labels["what"], labels["note"], labels["who"], labels["time"]],
                            [[e.get("occurred_on"), term("event", e.get("event")) if not e.get("outcome")
                              else f"{term('event', e.get('event'))}: {term('outcome', e.get('outcome'))}",
                              e.get("note"), e.get("actor"), e.get("recorded_at")] for e in of_case("case_event")], labels))
        parts.append(f"<h3>{_e(labels['deadlines'])}</h3>")
        parts.append(_table([labels["kind"], labels["status"], labels["due"], labels["note"]],
                            [[d.get("kind"), d.get("status"), d.get("due"), d.get("reason")] for d in of_case("deadline")], labels))
        parts.append(f"<h3>{_e(labels['appointments'])}</h3>")
        parts.append(_table([labels["time"], labels["place"], labels["note"]],
                            [[a.get("starts_at"), a.get("place"), a.get("note")] for a in of_case("appointment")], labels))
        parts.append(f"<h3>{_e(labels['documents'])}</h3>")
        parts.append(_table([labels["name"], labels["kind"], labels["time"], labels["file"]],
                            [[d.get("original_name"), d.get("item_key") or d.get("kind"), d.get("received_at"),
                              _file_cell(files, "document", d["id"], "file", labels)] for d in of_case("document")], labels))
        parts.append(f"<h3>{_e(labels['letters'])}</h3>")
        parts.append(_table([labels["subject"], labels["recipient"], labels["language"], labels["time"], labels["file"]],
                            [[letter.get("subject"), letter.get("recipient"), letter.get("language"), letter.get("created_at"),
                              " · ".join(_file_cell(files, "letter", letter["id"], role, labels) for role in ("docx", "pdf")
                                         if (("letter", letter["id"], role) in files))]
                             for letter in of_case("letter")], labels))
        parts.append(f"<h3>{_e(labels['mails'])}</h3>")
        parts.append(_table([labels["recipient"], labels["subject"], labels["status"], labels["sent"], labels["file"]],
                            [[m.get("recipient"), m.get("subject"), m.get("state"), m.get("sent_at"),
                              _file_cell(files, "outbox", m["id"], "mail", labels)] for m in of_case("outbox")], labels))
        parts.append(f"<h3>{_e(labels['employers'])}</h3>")
        parts.append(_table([labels["name"], labels["agreed"]],
                            [[smes.get(link.get("sme_id"), {}).get("name"), link.get("person_agreed_on")]
                             for link in of_case("case_sme")], labels))
        intake = [row for row in tables.get("intake_file", []) if row.get("case_reference") == case["reference"]]
        if intake:
            parts.append(f"<h3>{_e(labels['intake'])}</h3>")
            parts.append(_table([labels["name"], labels["status"], labels["note"], labels["time"]],
                                [[row.get("inbox_path"), row.get("outcome"), row.get("reason"), row.get("processed_at")]
                                 for row in intake], labels))
        parts.append("</section>")
    parts.append(f"<p class=\"note\">{_e(labels['derived'])}</p>")
    parts.append(f"<h2>{_e(labels['audit'])}</h2>")
    parts.append(_table([labels["time"], labels["who"], labels["what"], labels["case"], labels["change"]],
                        [[a.get("at"), a.get("actor"), a.get("action"), a.get("case_reference"),
                          _change(a.get("before"), a.get("after"))] for a in data.get("audit", [])], labels))
    missing = [f for f in data["files"] if not f["zip_name"]]
    if missing:
        parts.append(f"<h2>{_e(labels['missing_files'])}</h2><p>{_e(labels['missing_note'])}</p>")
        parts.append("<ul>" + "".join(f"<li>{_e(f['original_name'])} ({_e(f['stored_path'])})</li>" for f in missing) + "</ul>")
    parts.append("</body></html>\n")
    return "".join(parts)
