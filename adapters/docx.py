"""The letter renderer: Word templates (docxtpl tags) parsed once per batch, letters written with zipfile.

docxtpl renders a .docx by re-reading the package, re-patching the XML, compiling the Jinja template
and re-serialising every part, for every letter. Here each template is parsed once (per batch at
most; a process keeps the compiled form per file content, so an unchanged file is not parsed again):
docxtpl's own `patch_xml` turns the Word XML of each part that holds tags into Jinja source, compiled once;
a letter is then one `render` per such part and a zip archive in which every other part is copied as
the same bytes (`LetterTemplate.render`). Rendering is deterministic: the same letter gives the same
bytes, so its SHA-256 identifies it.

Safety:
- autoescape: every value is XML-escaped, so a name such as `<b>` or `{{ 7*7 }}` appears literally;
  user data only ever becomes a value, never template source;
- the Jinja environment is sandboxed (a template is a document that travels by e-mail) and strict
  about undefined names; control characters that XML cannot carry are removed from values, and
  None or NaN becomes empty, never the word "None";
- a broken template (a typo in a tag, an unknown name) is refused with the file, the part and the
  tag (`TemplateBroken`) when the templates are loaded, before any letter is written.

PDF conversion is `adapters.pdf`.
"""

from __future__ import annotations

import html
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment

from adapters.catalogue import read_yaml
from adapters.settings import get_settings
from domain.errors import CatalogueError
from domain.letters.compose import CONTEXT_NAMES, ComposedLetter
from domain.letters.kinds import TEMPLATES
from domain.letters.samples import sample_letters
from domain.letters.texts import LetterTexts, build_letter_texts

_TAG_MARK = re.compile(r"\{[{%#]")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_WHITESPACE_CONTROL = re.compile("[\t\n\r]+")
_TAGS = re.compile(r"\{[{%#].*?(?:[}%#]\}|(?=\{[{%#])|$)")
_QUOTED = re.compile(r"'([^']+)'")


class TemplateBroken(CatalogueError):
    """A letter template cannot be used: names the file, the part, the tag and what is wrong."""

    def __init__(self, file: str, part: str, tag: str, message: str) -> None:
        super().__init__(file, None, None, tag, message, code="template.broken")
        self.args = (f"{file} ({part}): tag {tag}: {message}; fix the tag in Word or LibreOffice",)
        self.part, self.tag = part, tag


def _finalize(value):
    """Every `{{ … }}` value, before escaping: None and NaN become empty; characters XML cannot
    carry are removed; tabs and line breaks become a space (a value is one run of text)."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, str):
        if _XML_ILLEGAL.search(value):
            value = _XML_ILLEGAL.sub("", value)
        if "\n" in value or "\t" in value or "\r" in value:
            value = _WHITESPACE_CONTROL.sub(" ", value)
    return value


LRI, PDI = "\u2066", "\u2069"  # Unicode 6.3 isolates: LEFT-TO-RIGHT ISOLATE … POP DIRECTIONAL ISOLATE
_STARTS = frozenset({"L", "EN"})  # a strong left-to-right letter or a European digit
_INSIDE = frozenset({"L", "EN", "ES", "ET", "CS", "NSM", "BN"})
_INSIDE_CHARACTERS = frozenset("@_/()§'&#–")


def isolate_ltr(value):
    """In right-to-left text, each run of left-to-right text wrapped in LRI … PDI (UAX #9, isolates):
    a phone number ("04791 930-0000"), a date ("14.12.2026"), an e-mail address, a case reference
    ("OHZ-2026-0001"), "§ 13 Abs. 2 BQFG" or a German name then reads left to right as one piece; in
    an Arabic paragraph the bidi algorithm would otherwise order "930-0000" as "0000-930". A run
    starts at a Latin letter, a digit or "§" before one, takes in what joins such words (spaces, "-",
    ".", "@", "/", ",") and ends at a letter, a digit or a closing bracket that it opened. A space
    between two digits becomes a narrow no-break space, and a hyphen between digits is followed by a
    word joiner: a phone number is not broken across two lines."""
    if not isinstance(value, str) or not value:
        return value
    out: list[str] = []
    index, length = 0, len(value)
    while index < length:
        if not _starts_ltr(value, index):
            out.append(value[index])
            index += 1
            continue
        end = index
        last_good = index
        while end < length:
            ch = value[end]
            kind = unicodedata.bidirectional(ch)
            if kind in _INSIDE or ch in _INSIDE_CHARACTERS:
                if kind in _STARTS or (ch == ")" and "(" in value[index:end]):
                    last_good = end
                end += 1
            elif ch.isspace() and end + 1 < length and _starts_ltr(value, end + 1):
                end += 1
            else:
                break
        piece = _DIGIT_HYPHEN.sub(f"-{WJ}", _DIGIT_SPACE.sub(NNBSP, value[index:last_good + 1]))
        out.append(f"{LRI}{piece}{PDI}")
        index = last_good + 1
    return "".join(out)


# NARROW NO-BREAK SPACE: "04791 930-0000" is one number, not broken across two lines. (LibreOffice
# 7.4 still broke a right-to-left line at U+00A0 inside an isolate; at U+202F it does not.)
NNBSP = "\u202f"
_DIGIT_SPACE = re.compile(r"(?<=\d) (?=\d)")
# WORD JOINER after a hyphen between digits: "15-0000" was broken after its hyphen at the end of an
# Arabic line. (LibreOffice 7.4 broke there after U+2011 NON-BREAKING HYPHEN too, as after U+00A0.)
WJ = "\u2060"
_DIGIT_HYPHEN = re.compile(r"(?<=\d)-(?=\d)")


def _starts_ltr(text: str, index: int) -> bool:
    kind = unicodedata.bidirectional(text[index])
    if kind in _STARTS:
        return True
    rest = text[index + 1:index + 3].lstrip()
    return text[index] in "§+" and bool(rest) and unicodedata.bidirectional(rest[0]) in _STARTS


def environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(autoescape=True, undefined=StrictUndefined, finalize=_finalize, keep_trailing_newline=True)
    env.filters["ltr"] = isolate_ltr
    return env


def _patcher():
    from docxtpl import DocxTemplate

    return DocxTemplate.__new__(DocxTemplate)  # patch_xml uses no state of the instance


@dataclass(frozen=True)
class _Part:
    name: str
    compress_type: int
    data: bytes | None  # unchanged bytes, or None when rendered
    template: object | None = None  # compiled Jinja template
    unescape: bool = False  # docxtpl's {_{ … }_} escapes for literal braces are used
    source: str = ""  # the Jinja source (Word XML after docxtpl's patch), to locate a failing tag


class LetterTemplate:
    """One .docx template, read and compiled once; `render(context)` gives the letter's bytes."""

    def __init__(self, name: str, path: Path, parts: list[_Part]) -> None:
        self.name, self.path, self.parts = name, path, parts

    @classmethod
    def load(cls, path: Path, *, shown_as: str | None = None) -> LetterTemplate:
        """Read and compile the template, or TemplateBroken. The compiled form is kept per file
        content: a batch that loads an unchanged file again gets it without parsing it again."""
        shown = shown_as or f"templates/letters/{path.name}"
        try:
            data = path.read_bytes()
        except OSError as error:
            raise TemplateBroken(shown, "(file)", "(none)", f"cannot be read ({error.strerror})") from None
        return _load(path, shown, data)

    def render(self, context: Mapping, *, day: date | None = None) -> bytes:
        """The letter as .docx bytes: the rendered parts, every other part as the template's bytes."""
        stamp = (day.year, day.month, day.day, 0, 0, 0) if day else (2026, 1, 1, 0, 0, 0)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for part in self.parts:
                data = part.data
                if data is None:
                    xml = part.template.render(context)
                    if part.unescape:
                        xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
                    data = xml.encode("utf-8")
                info = zipfile.ZipInfo(part.name, date_time=stamp)
                info.compress_type = part.compress_type
                archive.writestr(info, data)
        return buffer.getvalue()

    def rendered_parts(self, context: Mapping) -> dict[str, bytes]:
        """Each part's bytes as `render` writes them (the benchmark's floor writes these with zipfile)."""
        out = {}
        for part in self.parts:
            out[part.name] = part.data if part.data is not None else part.template.render(context).encode("utf-8")
        return out


# Jinja's block tags, and docxtpl's own (handled by its patch_xml before Jinja sees them)
BLOCK_TAGS = frozenset({
    "for", "endfor", "if", "elif", "else", "endif", "set", "endset", "with", "endwith", "filter", "endfilter",
    "raw", "endraw", "macro", "endmacro", "call", "endcall", "autoescape", "endautoescape", "break", "continue",
    "vm", "hm", "colspan", "cellbg",
})
_CLOSER = {"{{": "}}", "{%": "%}", "{#": "#}"}
_PARAGRAPH = re.compile(r"<w:p[ >].*?</w:p>", re.DOTALL)
_TEXT = re.compile(r"<w:t(?: [^>]*)?>([^<]*)</w:t>")
_DOCXTPL_PREFIX = re.compile(r"^(?:p|tr|tc|r)\s+")


def _check_tags(env: SandboxedEnvironment, word_xml: str, file: str, part: str, *, expressions: bool = False) -> None:
    """Each tag on its own, in the text of its paragraph as Word shows it, before docxtpl and Jinja
    see the part (an unclosed tag would swallow the paragraphs after it, and Jinja's error would
    point far away): closed in the same paragraph, a known block word, and (with `expressions`,
    once Jinja has refused the part) an expression that parses on its own."""
    for paragraph in _PARAGRAPH.findall(word_xml):
        text = html.unescape("".join(_TEXT.findall(paragraph)))
        for match in _TAG_MARK.finditer(text):
            opener = match.group()
            closer = _CLOSER[opener]
            end = text.find(closer, match.end())
            following = _TAG_MARK.search(text, match.end())
            if end == -1 or (following is not None and following.start() < end):
                stop = following.start() if following is not None else len(text)
                raise TemplateBroken(file, part, text[match.start():stop].strip(), f"is not closed with {closer}")
            tag = text[match.start(): end + 2]
            inner = _DOCXTPL_PREFIX.sub("", tag[2:-2].strip())
            if opener == "{{" and expressions:
                try:
                    env.parse("{{ " + inner + " }}")
                except TemplateSyntaxError as error:
                    raise TemplateBroken(file, part, tag, error.message or "syntax error") from None
            elif opener == "{%":
                words = inner.lstrip("-+").split()
                if not words or words[0] not in BLOCK_TAGS:
                    keyword = words[0] if words else ""
                    raise TemplateBroken(file, part, tag, f"'{keyword}' is not a tag; use for/endfor, if/elif/else/endif")


@lru_cache(maxsize=16)
def _load(path: Path, shown: str, data: bytes) -> LetterTemplate:
    env = environment()
    patcher = _patcher()
    parts: list[_Part] = []
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise TemplateBroken(shown, "(file)", "(none)", f"is not a .docx file ({error}); save it again as Word document") from None
    with archive:
        for info in archive.infolist():
            content = archive.read(info)
            if not (info.filename.endswith(".xml") and _TAG_MARK.search(content.decode("utf-8", "replace"))):
                parts.append(_Part(info.filename, info.compress_type, content))
                continue
            word_xml = content.decode("utf-8")
            _check_tags(env, word_xml, shown, info.filename)
            xml = patcher.patch_xml(word_xml)
            template = _compile(env, word_xml, xml, shown, info.filename)
            parts.append(_Part(info.filename, info.compress_type, None, template, "{_" in xml or "_}" in xml, xml))
    return LetterTemplate(path.stem, path, parts)


def _compile(env: SandboxedEnvironment, word_xml: str, xml: str, file: str, part: str):
    try:
        ast = env.parse(xml)
    except TemplateSyntaxError as error:
        _check_tags(env, word_xml, file, part, expressions=True)  # a tag that is wrong on its own
        raise _syntax_error(env, xml, file, part, error) from None
    unknown = sorted(meta.find_undeclared_variables(ast) - CONTEXT_NAMES - set(env.globals))
    if unknown:
        name = unknown[0]
        tag = next((t for t in _TAGS.findall(_text_of(xml)) if re.search(rf"\b{re.escape(name)}\b", t)), name)
        raise TemplateBroken(file, part, tag, f"'{name}' is not a name letters know; use one of {', '.join(sorted(CONTEXT_NAMES))}")
    return env.from_string(ast)


def _text_of(xml: str) -> str:
    return re.sub(r"<[^>]+>", "", xml)


def _syntax_error(env, xml: str, file: str, part: str, error: TemplateSyntaxError) -> TemplateBroken:
    """Find the tag Jinja stumbled over: the paragraph on the error's line (one paragraph per line,
    as docxtpl numbers them), then the tag in it that the message quotes or that fails on its own."""
    lines = re.sub(r"<w:p([ >])", r"\n<w:p\1", xml).splitlines()
    try:
        env.parse("\n".join(lines))
    except TemplateSyntaxError as located:
        error = located
    line = lines[error.lineno - 1] if error.lineno and error.lineno <= len(lines) else ""
    tags = _TAGS.findall(_text_of(line)) or _TAGS.findall(_text_of(xml))
    quoted = _QUOTED.findall(error.message or "")
    tag = next((t for t in tags for word in quoted if word in t and len(word) > 1), None)
    if tag is None:
        for candidate in tags:
            if not candidate.startswith("{%"):
                try:
                    env.parse(candidate)
                except TemplateSyntaxError:
                    tag = candidate
                    break
    return TemplateBroken(file, part, tag or (tags[0] if tags else "(unknown)"), error.message or "syntax error")


# ------------------------------------------------------------------------------------ a set of templates


class TemplateSet:
    """person.docx, body.docx and sme.docx, parsed once."""

    def __init__(self, templates: Mapping[str, LetterTemplate]) -> None:
        self.templates = dict(templates)

    @classmethod
    def load(cls, directory: Path) -> TemplateSet:
        templates = {}
        for name in TEMPLATES:
            path = directory / f"{name}.docx"
            if not path.exists():
                raise TemplateBroken(f"templates/letters/{name}.docx", "(file)", "(none)", "does not exist; "
                                     "rebuild it with `python -m tools.letter_templates`")
            templates[name] = LetterTemplate.load(path)
        return cls(templates)

    def __getitem__(self, name: str) -> LetterTemplate:
        return self.templates[name]

    def render(self, letter: ComposedLetter, *, day: date | None = None) -> bytes:
        return self.templates[letter.template].render(letter.context, day=day)

    def check(self, samples: Iterable[ComposedLetter]) -> None:
        """Render each sample letter once: a name the template misspells (`recipient.nmae`) or a
        filter it cannot use is reported with the template and the tag before any letter is written."""
        for letter in samples:
            template = self.templates[letter.template]
            for part in template.parts:
                if part.template is None:
                    continue
                try:
                    part.template.render(letter.context)
                except TemplateError as error:
                    message = str(error)
                    words = _QUOTED.findall(message)
                    tag = "(unknown)"
                    source = _text_of(part.source)
                    for candidate in _TAGS.findall(source):
                        if any(re.search(rf"(?<![\w.]){re.escape(word)}(?!\w)|\.{re.escape(word)}(?!\w)", candidate)
                               for word in words):
                            tag = candidate
                            break
                    raise TemplateBroken(f"templates/letters/{template.path.name}", part.name, tag, message) from None


def load_checked_templates(directory: Path, *, texts: LetterTexts, today: date) -> TemplateSet:
    """Parse the three templates and try each with the sample letters (every kind and branch,
    domain.letters.samples.sample_letters); TemplateBroken names the file and the tag."""
    templates = TemplateSet.load(directory)
    templates.check(sample_letters(texts, today=today, languages=("uk", "ar", "de"), every_language=False))
    return templates


def templates_dir() -> Path:
    return get_settings().templates_dir / "letters"


# ------------------------------------------------------------------------------------ texts


def load_letter_texts_from(data_dir: Path) -> LetterTexts:
    """data/letters/<language>.yaml: the letters' texts, German binding, one file per translation."""
    folder = data_dir / "letters"
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise CatalogueError("data/letters", None, None, "(folder)", "holds no *.yaml file; German and English are required")
    return build_letter_texts([(f"data/letters/{p.name}", read_yaml(p, f"data/letters/{p.name}")) for p in files])


@lru_cache(maxsize=4)
def load_letter_texts(data_dir: Path | None = None) -> LetterTexts:
    return load_letter_texts_from(data_dir or get_settings().data_dir)
