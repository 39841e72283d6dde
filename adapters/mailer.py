"""Reminder mails: composed from Jinja2 templates (templates/mail/), sent over real SMTP (smtplib).

Errors are sorted into what the outbox needs to know: refused for good (5xx: mark failed with the
server's answer), refused for now (4xx: retry later) and server unreachable (try again next run).
"""

from __future__ import annotations

import base64
import smtplib
import ssl
from dataclasses import dataclass
from email import policy
from email.header import Header
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound

from domain.calendar import format_date
from domain.catalogue import Catalogue
from domain.reminders import Recipient, Reminder

LANGUAGE_NAMES = {"uk": "Українська", "ru": "Русский", "ar": "العربية", "en": "English", "tr": "Türkçe", "fa": "فارسی"}
TRANSLATION_FALLBACK = "en"


class MailComposer:
    """Subject and text of a reminder; persons get German (binding) and their language."""

    def __init__(self, templates_dir: Path, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.env = Environment(
            loader=FileSystemLoader(str(templates_dir / "mail")),
            undefined=StrictUndefined,
            autoescape=False,  # plain-text mail: nothing is interpreted as markup
            keep_trailing_newline=True,
            trim_blocks=True,
        )
        self.env.filters["d"] = lambda value: format_date(value) if value else ""

    def check(self, rules) -> None:
        """Every enabled rule has its German template: fail before anything is sent."""
        for rule in rules:
            if rule.enabled:
                self.env.get_template(f"{rule.key}.de.txt.j2")

    def compose(self, reminder: Reminder) -> tuple[str, str]:
        center = self.catalogue.districts[reminder.district].welcome_center
        context = {**reminder.context, "center": {"name": center.name, "phone": center.phone or "", "email": center.email or ""}}
        subject, body = self._render(f"{reminder.rule}.de.txt.j2", context)
        if reminder.recipient_kind is Recipient.PERSON and reminder.language != "de":
            language = reminder.language
            try:
                self.env.get_template(f"{reminder.rule}.{language}.txt.j2")
            except TemplateNotFound:
                language = TRANSLATION_FALLBACK
            _, translated = self._render(f"{reminder.rule}.{language}.txt.j2", context)
            heading = f"Übersetzung ({LANGUAGE_NAMES.get(language, language)}); verbindlich ist der deutsche Text"
            body = f"{body.rstrip()}\n\n—— {heading} ——\n\n{translated.strip()}\n"
        return subject, body

    def _render(self, name: str, context: dict) -> tuple[str, str]:
        template = self.env.get_template(name)
        ctx = template.new_context(context)
        subject = "".join(template.blocks["subject"](ctx)).strip()
        body = "".join(template.blocks["body"](ctx)).strip() + "\n"
        return " ".join(subject.split())[:300], body


@dataclass(frozen=True)
class Mail:
    """A mail ready for the wire: envelope and the RFC 5322 bytes."""

    sender: str
    recipient: str
    data: bytes


def build_message(*, sender_name: str, sender_address: str, recipient: str, subject: str, body: str,
                  message_id: str, language: str) -> Mail:
    """Plain text, UTF-8 in base64 (76-character lines), non-ASCII header text as RFC 2047 encoded
    words, CRLF line ends. Written out directly: the email package's objects cost 1–2.6 ms per mail,
    which at 3,000 mails was the largest part of a reminder run (bench/reminders.py)."""
    for value in (recipient, message_id, sender_address):
        if "\r" in value or "\n" in value:
            raise ValueError("header value with a line break")  # never from our data; refuse header injection
    headers = [
        f"From: {formataddr((sender_name, sender_address), charset='utf-8')}",
        f"To: {recipient}",
        f"Subject: {_encoded(subject)}",
        f"Message-ID: {message_id}",
        f"Date: {formatdate(localtime=True)}",
        f"Content-Language: {language if language == 'de' else f'de, {language}'}",
        "MIME-Version: 1.0",
        'Content-Type: text/plain; charset="utf-8"',
        "Content-Transfer-Encoding: base64",
    ]
    encoded = base64.encodebytes(body.encode("utf-8")).replace(b"\n", b"\r\n")
    return Mail(sender_address, recipient, ("\r\n".join(headers) + "\r\n\r\n").encode("ascii") + encoded)


XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def build_message_with_attachments(*, sender_name: str, sender_address: str, recipient: str, subject: str, body: str,
                                   message_id: str, attachments: list[Path],
                                   content_type: tuple[str, str] = XLSX_TYPE) -> Mail:
    """A plain German text with files attached under their own names (the monthly report's
    workbooks). Built with the email package: one mail a month, so its cost does not matter here
    (unlike `build_message`)."""
    for value in (recipient, message_id, sender_address, *(path.name for path in attachments)):
        if "\r" in value or "\n" in value:
            raise ValueError("header value with a line break")
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = formataddr((sender_name, sender_address), charset="utf-8")
    message["To"] = recipient
    message["Subject"] = " ".join(subject.split())
    message["Message-ID"] = message_id
    message["Date"] = formatdate(localtime=True)
    message["Content-Language"] = "de"
    message.set_content(body, charset="utf-8", cte="base64")
    for path in attachments:
        message.add_attachment(path.read_bytes(), maintype=content_type[0], subtype=content_type[1], filename=path.name)
    return Mail(sender_address, recipient, message.as_bytes())


def _encoded(text: str) -> str:
    """A header value: as it is when ASCII, else RFC 2047 encoded words (folded by Header)."""
    text = " ".join(text.split())
    if text.isascii():
        return text
    return Header(text, "utf-8", header_name="Subject").encode(linesep="\r\n")


class SendFailure(Exception):
    """`permanent`: the server refused this mail for good; `unreachable`: no connection at all."""

    def __init__(self, permanent: bool, unreachable: bool, answer: str) -> None:
        super().__init__(answer)
        self.permanent, self.unreachable, self.answer = permanent, unreachable, answer


class SmtpSender:
    """One SMTP connection for a batch of mails."""

    def __init__(self, *, host: str, port: int, starttls: bool, username: str, password: str, timeout: float) -> None:
        self.host, self.port, self.starttls = host, port, starttls
        self.username, self.password, self.timeout = username, password, timeout
        self.client: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpSender:
        try:
            self.client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            self.client.ehlo()
            if self.starttls:
                self.client.starttls(context=ssl.create_default_context())
                self.client.ehlo()
            if self.username:
                self.client.login(self.username, self.password)
        except (OSError, smtplib.SMTPException) as error:
            self.client = None
            raise SendFailure(False, True, f"SMTP {self.host}:{self.port} nicht erreichbar: {error}") from None
        return self

    def send(self, mail: Mail) -> None:
        """Offer and hand over in one go (for callers that need no window between them)."""
        self.offer(mail)
        self.hand_over(mail)

    def offer(self, mail: Mail) -> None:
        """The envelope (MAIL FROM, RCPT TO): a refusal here means the server has nothing of the mail.
        Split from `hand_over` so that the sender can keep the window in which a mail is accepted
        but not yet recorded as short as one DATA exchange (services.reminders)."""
        try:
            self.client.ehlo_or_helo_if_needed()
            code, answer = self.client.mail(mail.sender)
            if code != 250:
                self._reset()
                raise SendFailure(code >= 500, False, f"{code} {_text(answer)}")
            code, answer = self.client.rcpt(mail.recipient)
            if code not in (250, 251):
                self._reset()
                raise SendFailure(code >= 500, False, f"{code} {_text(answer)}")
        except smtplib.SMTPResponseException as error:
            raise SendFailure(error.smtp_code >= 500, False, f"{error.smtp_code} {_text(error.smtp_error)}") from None
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            raise SendFailure(False, True, f"Verbindung zum SMTP-Server verloren: {error}") from None

    def hand_over(self, mail: Mail) -> None:
        """DATA: from the moment the text is sent the server may keep the mail, whatever happens after."""
        try:
            code, answer = self.client.data(mail.data)
        except smtplib.SMTPResponseException as error:
            self._reset()
            raise SendFailure(error.smtp_code >= 500, False, f"{error.smtp_code} {_text(error.smtp_error)}") from None
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            raise SendFailure(False, True, f"Verbindung zum SMTP-Server verloren: {error}") from None
        if code != 250:
            self._reset()
            raise SendFailure(code >= 500, False, f"{code} {_text(answer)}")

    def _reset(self) -> None:
        try:
            self.client.rset()
        except (OSError, smtplib.SMTPException):
            pass

    def __exit__(self, *exc) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (OSError, smtplib.SMTPException):
                pass


def _text(answer) -> str:
    return answer.decode(errors="replace") if isinstance(answer, bytes) else str(answer)
