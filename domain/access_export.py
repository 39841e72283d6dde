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
    "subtitle": "Auskunft nach Artikel 15 der Datenschutz-Grundverordnung (DSGVO) – "
                "Welcome Center Landkreis Verden / Landkreis Osterholz",
    "made_on": "Stand",
    "intro": "Diese Auskunft enthält alle Angaben, die das Welcome Center über Sie und Ihre Fälle gespeichert hat. "
             "Sämtliche gespeicherten Werte stehen vollständig in der Datei daten.json; Ihre Unterlagen, Briefe und "
             "E-Mails liegen in den Ordnern unterlagen/, briefe/ und mails/ dieses Archivs.",
    "binding": "",
    "person": "Angaben zu Ihrer Person",
    "consents": "Einwilligungen",
    "address": "Anschrift",
    "case": "Fall",
    "steps": "Bearbeitungsschritte",
    "deadlines": "Fristen",
    "appointments": "Termine",
    "documents": "Unterlagen",
    "letters": "Briefe",
    "mails": "E-Mails",
    "employers": "Betriebe, denen das Ergebnis mitgeteilt werden darf",
    "intake": "Eingegangene Dateien (Posteingang)",
    "audit": "Wer hat wann was gelesen oder geändert?",
    "derived": "Für Berichte werden aus den Bearbeitungsschritten Ihrer Fälle und aus Ihren Angaben Kennzahlen "
               "abgeleitet: an welchem Tag wichtige Schritte erfolgt sind, wann sich der Stand eines Falls geändert "
               "hat und in welchen Zeiträumen Sie einen offenen Fall hatten, sowie Geschlecht, Geburtsdatum und "
               "Bürgergeld wie oben angegeben. Diese Kennzahlen enthalten keine weiteren Angaben über Sie und stehen "
               "in daten.json unter „report_case_fact“, „report_case_change“ und „report_person_span“. "
               "In den Berichten werden keine Personen genannt.",
    "missing_files": "Dateien, die fehlen",
    "missing_note": "Diese Dateien sind in der Datenbank verzeichnet, lagen aber bei der Erstellung dieser Auskunft "
                    "nicht vor; die Angaben zu ihnen stehen trotzdem in daten.json.",
    "missing": "fehlt",
    "none": "keine Einträge",
    "yes": "ja",
    "no": "nein",
    "date": "Datum",
    "time": "Zeitpunkt",
    "what": "Was",
    "who": "Wer",
    "note": "Bemerkung",
    "change": "Änderung",
    "kind": "Art",
    "status": "Status",
    "due": "Fällig am",
    "name": "Name",
    "file": "Datei im Archiv",
    "recipient": "An",
    "subject": "Betreff",
    "language": "Sprache",
    "sent": "Gesendet am",
    "place": "Ort",
    "agreed": "Zugestimmt am",
    "given_by": "Erteilt von",
    "withdrawn": "Widerrufen am",
}

_EN = {
    "title": "Your stored data",
    "subtitle": "Access to your data under Article 15 of the General Data Protection Regulation (GDPR) – "
                "Welcome Center Landkreis Verden / Landkreis Osterholz",
    "made_on": "As of",
    "intro": "This copy contains all the information the Welcome Center has stored about you and your cases. Every "
             "stored value is given in full in the file daten.json; your documents, letters and e-mails are in the "
             "folders unterlagen/, briefe/ and mails/ of this archive.",
    "binding": "This translation is for your information only; only the German summary (zusammenfassung.html) is "
               "binding.",
    "person": "Your personal details", "consents": "Consents", "address": "Address", "case": "Case",
    "steps": "Steps in your case", "deadlines": "Deadlines", "appointments": "Appointments", "documents": "Documents",
    "letters": "Letters", "mails": "E-mails", "employers": "Companies that may be told the outcome",
    "intake": "Files received (inbox)", "audit": "Who read or changed what, and when",
    "derived": "For reports, figures are derived from the steps in your cases and from your details: on which day "
               "important steps took place, when the status of a case changed and during which periods you had an "
               "open case, together with your sex, date of birth and Bürgergeld as given above. These figures contain "
               "nothing else about you and are stored in daten.json under \"report_case_fact\", \"report_case_change\" and "
               "\"report_person_span\". Reports do not name anyone.",
    "missing_files": "Missing files",
    "missing_note": "These files are listed in the database but were not available when this copy was made; the "
                    "details about them are in daten.json all the same.",
    "missing": "missing", "none": "no entries", "yes": "yes", "no": "no", "date": "Date", "time": "Date and time",
    "what": "What", "who": "Who", "note": "Note", "change": "Change", "kind": "Type", "status": "Status",
    "due": "Due on", "name": "Name", "file": "File in the archive", "recipient": "To", "subject": "Subject",
    "language": "Language", "sent": "Sent on", "place": "Place", "agreed": "Agreed on", "given_by": "Given by",
    "withdrawn": "Withdrawn on",
}

_UK = {
    "title": "Ваші збережені дані",
    "subtitle": "Доступ до Ваших даних відповідно до статті 15 Загального регламенту захисту даних (GDPR) – "
                "Welcome Center Landkreis Verden / Landkreis Osterholz",
    "made_on": "Дата складання",
    "intro": "Тут зібрано всі дані, які Welcome Center зберігає про Вас і Ваші справи. Усі збережені дані в повному "
             "обсязі містяться у файлі daten.json; Ваші документи, листи та електронні листи – у папках unterlagen/, "
             "briefe/ і mails/ цього архіву.",
    "binding": "Цей переклад надається лише для інформації; юридично обов'язковою є тільки німецька версія "
               "(zusammenfassung.html).",
    "person": "Ваші особисті дані", "consents": "Надані згоди", "address": "Адреса", "case": "Справа",
    "steps": "Кроки у справі", "deadlines": "Строки", "appointments": "Зустрічі", "documents": "Документи",
    "letters": "Листи", "mails": "Електронні листи", "employers": "Підприємства, яким дозволено повідомити результат",
    "intake": "Отримані файли (вхідна пошта)", "audit": "Хто, коли і що переглядав або змінював",
    "derived": "Для звітів із кроків у Ваших справах і з Ваших особистих даних формуються показники: у які дні "
               "відбулися важливі кроки, коли змінювався стан справи та в які періоди у Вас була відкрита справа, а "
               "також стать, дата народження й Bürgergeld, як зазначено вище. Вони не містять інших даних про Вас і "
               "наведені в daten.json у розділах «report_case_fact», «report_case_change» і «report_person_span». "
               "У звітах не називають імен конкретних осіб.",
    "missing_files": "Відсутні файли",
    "missing_note": "Ці файли зареєстровано в базі даних, але під час складання цього документа їх не було; відомості "
                    "про них усе одно наведено в daten.json.",
    "missing": "відсутній", "none": "записів немає", "yes": "так", "no": "ні", "date": "Дата", "time": "Дата й час",
    "what": "Що", "who": "Хто", "note": "Примітка", "change": "Зміна", "kind": "Тип", "status": "Статус",
    "due": "Строк до", "name": "Назва", "file": "Файл у архіві", "recipient": "Кому", "subject": "Тема",
    "language": "Мова", "sent": "Надіслано", "place": "Місце", "agreed": "Дата згоди", "given_by": "Ким надано",
    "withdrawn": "Дата відкликання",
}

_RU = {
    "title": "Ваши сохранённые данные",
    "subtitle": "Доступ к Вашим данным согласно статье 15 Общего регламента по защите данных (GDPR) – "
                "Welcome Center Landkreis Verden / Landkreis Osterholz",
    "made_on": "Дата составления",
    "intro": "Здесь собраны все данные, которые Welcome Center хранит о Вас и Ваших делах. Все сохранённые данные в "
             "полном объёме содержатся в файле daten.json; Ваши документы, письма и электронные письма – в папках "
             "unterlagen/, briefe/ и mails/ этого архива.",
    "binding": "Этот перевод предоставляется лишь для информации; юридически обязательной является только немецкая "
               "версия (zusammenfassung.html).",
    "person": "Ваши личные данные", "consents": "Согласия", "address": "Адрес", "case": "Дело",
    "steps": "Шаги по делу", "deadlines": "Сроки", "appointments": "Встречи", "documents": "Документы",
    "letters": "Письма", "mails": "Электронные письма", "employers": "Предприятия, которым разрешено сообщить результат",
    "intake": "Полученные файлы (входящие)", "audit": "Кто, когда и что просматривал или изменял",
    "derived": "Для отчётов из шагов по Вашим делам и из Ваших личных данных формируются показатели: в какие дни "
               "были выполнены важные шаги, когда менялся статус дела и в какие периоды у Вас было открытое дело, а "
               "также пол, дата рождения и Bürgergeld, как указано выше. Они не содержат других данных о Вас и "
               "приведены в daten.json в разделах «report_case_fact», «report_case_change» и «report_person_span». "
               "В отчётах не указываются конкретные лица.",
    "missing_files": "Отсутствующие файлы",
    "missing_note": "Эти файлы значатся в базе данных, но отсутствовали при составлении этого документа; сведения о "
                    "них всё равно приведены в daten.json.",
    "missing": "отсутствует", "none": "записей нет", "yes": "да", "no": "нет", "date": "Дата", "time": "Дата и время",
    "what": "Что", "who": "Кто", "note": "Примечание", "change": "Изменение", "kind": "Тип", "status": "Статус",
    "due": "Срок до", "name": "Название", "file": "Файл в архиве", "recipient": "Кому", "subject": "Тема",
    "language": "Язык", "sent": "Отправлено", "place": "Место", "agreed": "Дата согласия", "given_by": "Кем дано",
    "withdrawn": "Дата отзыва",
}

_AR = {
    "title": "بياناتكم المحفوظة",
    "subtitle": "الاطلاع على بياناتكم وفقًا للمادة 15 من اللائحة العامة لحماية البيانات (GDPR) – "
                "Welcome Center Landkreis Verden / Landkreis Osterholz",
    "made_on": "تاريخ الإعداد",
    "intro": "تتضمن هذه الإفادة جميع البيانات التي يحفظها Welcome Center عنكم وعن معاملاتكم. وترد جميع القيم المحفوظة "
             "كاملةً في الملف daten.json؛ أما مستنداتكم ورسائلكم ورسائل بريدكم الإلكتروني فهي في المجلدات unterlagen/ "
             "و briefe/ و mails/ في هذا الأرشيف.",
    "binding": "هذه الترجمة للعلم فقط؛ النسخة الألمانية (zusammenfassung.html) وحدها هي الملزمة.",
    "person": "بياناتكم الشخصية", "consents": "الموافقات", "address": "العنوان", "case": "المعاملة",
    "steps": "خطوات المعاملة", "deadlines": "المُهَل", "appointments": "المواعيد", "documents": "المستندات",
    "letters": "الرسائل", "mails": "رسائل البريد الإلكتروني", "employers": "الشركات التي يجوز إبلاغها بالنتيجة",
    "intake": "الملفات المستلمة (صندوق الوارد)", "audit": "سجل الاطلاع والتعديل: من، ومتى، وماذا",
    "derived": "تُستخلص من خطوات معاملاتكم ومن بياناتكم الشخصية أرقامٌ لأغراض التقارير: في أي يوم تمت الخطوات "
               "المهمة، ومتى تغيّرت حالة المعاملة، وفي أي فترات كانت لديكم معاملة مفتوحة، إضافةً إلى الجنس وتاريخ "
               "الميلاد وإعانة المواطن (Bürgergeld) كما هو مذكور أعلاه. ولا تتضمن هذه الأرقام أي بيانات أخرى عنكم، "
               "وهي واردة في daten.json تحت «report_case_fact» و«report_case_change» و«report_person_span». ولا "
               "تُذكر في التقارير أسماء أي أشخاص.",
    "missing_files": "ملفات مفقودة",
    "missing_note": "هذه الملفات مسجلة في قاعدة البيانات، لكنها لم تكن موجودة عند إعداد هذه الإفادة؛ ومع ذلك فإن "
                    "البيانات المتعلقة بها واردة في daten.json.",
    "missing": "مفقود", "none": "لا توجد إدخالات", "yes": "نعم", "no": "لا", "date": "التاريخ",
    "time": "التاريخ والوقت", "what": "الإجراء", "who": "بواسطة", "note": "ملاحظة", "change": "التغيير",
    "kind": "النوع", "status": "الحالة", "due": "الموعد النهائي", "name": "الاسم", "file": "الملف في الأرشيف",
    "recipient": "المُرسَل إليه", "subject": "الموضوع", "language": "اللغة", "sent": "تاريخ الإرسال",
    "place": "المكان", "agreed": "تاريخ الموافقة", "given_by": "مقدِّم الموافقة", "withdrawn": "تاريخ السحب",
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
    "district": ("Landkreis", "District (Landkreis)", "Район (Landkreis)", "Район (Landkreis)", "الدائرة (Landkreis)"),
    "receives_buergergeld": ("Bürgergeld", "Bürgergeld (citizen's benefit)", "Bürgergeld (соціальна допомога)",
                             "Bürgergeld (социальное пособие)", "إعانة المواطن (Bürgergeld)"),
    "arrival_date": ("Einreisedatum", "Date of entry", "Дата в'їзду", "Дата въезда", "تاريخ الدخول"),
    "lives_abroad": ("Wohnsitz im Ausland", "Lives abroad", "Проживає за кордоном", "Проживает за рубежом",
                     "مقيم في الخارج"),
    "name_changed": ("Name geändert", "Name changed", "Зміна прізвища або імені", "Смена фамилии или имени",
                     "تغيير الاسم"),
    "academic_title": ("Titel", "Academic title", "Науковий ступінь", "Учёная степень", "اللقب الأكاديمي"),
    "latin_given_name": ("Vorname in lateinischer Schrift", "Given name (Latin letters)", "Ім'я латиницею",
                         "Имя латиницей", "الاسم الأول بالحروف اللاتينية"),
    "latin_family_name": ("Nachname in lateinischer Schrift", "Family name (Latin letters)", "Прізвище латиницею",
                          "Фамилия латиницей", "اسم العائلة بالحروف اللاتينية"),
    "created_at": ("Erfasst am", "Recorded on", "Дата внесення", "Дата внесения", "تاريخ التسجيل"),
    "reference": ("Aktenzeichen", "Reference number", "Номер справи", "Номер дела", "رقم الملف"),
    "profession_text": ("Beruf (Ihre Angabe)", "Occupation (as you stated it)", "Професія (за Вашими словами)",
                        "Профессия (с Ваших слов)", "المهنة (كما ذكرتموها)"),
    "reference_occupation": ("Referenzberuf", "Reference occupation (Referenzberuf)",
                             "Референтна професія (Referenzberuf)", "Референтная профессия (Referenzberuf)",
                             "المهنة المرجعية (Referenzberuf)"),
    "country_of_training": ("Ausbildungsland", "Country where you trained", "Країна здобуття освіти",
                            "Страна получения образования", "بلد الحصول على المؤهل"),
    "state": ("Stand", "Status", "Стан справи", "Статус дела", "حالة المعاملة"),
    "outcome": ("Ergebnis", "Outcome", "Результат", "Результат", "النتيجة"),
    "street": ("Straße", "Street", "Вулиця", "Улица", "الشارع"),
    "postcode": ("Postleitzahl", "Postcode", "Поштовий індекс", "Почтовый индекс", "الرمز البريدي"),
    "city": ("Ort", "Town or city", "Населений пункт", "Населённый пункт", "المدينة أو البلدة"),
    "addition": ("Adresszusatz", "Additional address details", "Доповнення до адреси", "Дополнение к адресу",
                 "إضافة إلى العنوان"),
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
