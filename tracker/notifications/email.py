"""E-mails: rendered from template pairs, built as MIME, handed to SMTP or, without SMTP, to a folder."""

from __future__ import annotations

import base64
import logging
import os
import random
import re
import smtplib
import ssl
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.header import Header
from email.headerregistry import Address
from email.utils import encode_rfc2231, format_datetime, formataddr, getaddresses, parseaddr, quote
from functools import lru_cache
from pathlib import Path
from types import TracebackType

from flask import current_app

log = logging.getLogger(__name__)

TEMPLATE_DIR = "notifications/emails"


@dataclass(frozen=True)
class Attachment:
    """A file attached to an e-mail."""

    filename: str
    content: bytes
    maintype: str = "application"
    subtype: str = "octet-stream"
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RenderedEmail:
    """Subject and bodies of an e-mail."""

    subject: str
    text: str
    html: str


def render_email(name: str, **context: object) -> RenderedEmail:
    """Render notifications/emails/<name>.txt (with its `subject` macro) and <name>.html."""
    env = current_app.jinja_env
    module = env.get_template(f"{TEMPLATE_DIR}/{name}.txt").make_module(context)
    # A subject is one line whatever the template's line breaks.
    subject = " ".join(str(module.subject()).split())
    text = re.sub(r"\n{3,}", "\n\n", str(module)).strip() + "\n"
    html = env.get_template(f"{TEMPLATE_DIR}/{name}.html").render(context)
    return RenderedEmail(subject, text, html)


@dataclass(frozen=True)
class Mail:
    """An e-mail serialised for sending, with the header values the SMTP envelope is taken from."""

    message_id: str
    sender: str
    recipient: str
    data: bytes


def build_message(
    rendered: RenderedEmail,
    *,
    to_name: str,
    to_email: str,
    sender: str,
    message_id: str,
    date: datetime,
    attachments: Iterable[Attachment] = (),
) -> Mail:
    """Build a multipart e-mail (text, HTML, attachments) with headers encoded for any mail client."""
    # Address() checks the address as EmailMessage did (a non-ASCII local part raises).
    recipient = Address(display_name=to_name, addr_spec=to_email)
    # The bytes are written by hand: EmailMessage's header registry and refolding made up half the cost
    # of a sweep. The output is the same MIME tree, parsed back to the same values by policy.default.
    text = [b'Content-Type: text/plain; charset="utf-8"', b"Content-Transfer-Encoding: base64"]
    html = [
        b'Content-Type: text/html; charset="utf-8"',
        b"Content-Transfer-Encoding: base64",
        b"MIME-Version: 1.0",
    ]
    body_headers, body = _multipart(
        "alternative", [_entity(text, _text_body(rendered.text)), _entity(html, _text_body(rendered.html))]
    )
    items = list(attachments)
    if items:
        body_headers, body = _multipart("mixed", [_entity(body_headers, body), *map(_attachment, items)])
    headers = [
        _header("Subject", rendered.subject),
        _address_header("From", sender),
        (
            _mailbox("To", to_name, recipient.addr_spec)
            if recipient.addr_spec.isascii()
            else _fold_as_before("To", recipient)
        ),
        b"Date: " + format_datetime(date).encode(),
        b"Message-ID: " + message_id.encode("ascii"),
        # Keeps vacation auto-replies (Exchange included) from answering reminders.
        b"Auto-Submitted: auto-generated",
        b"X-Auto-Response-Suppress: All",
        b"MIME-Version: 1.0",
        *body_headers,
    ]
    return Mail(message_id, sender, str(recipient), _entity(headers, body))


_CRLF = b"\r\n"


def _text_body(text: str) -> bytes:
    """Return text as base64 of UTF-8 with CRLF line ends, as EmailMessage.set_content(cte="base64") did."""
    # base64 keeps Cyrillic lines intact through relays that do not speak 8BITMIME.
    return _base64(_CRLF.join(text.encode("utf-8").splitlines()) + _CRLF)


def _base64(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", _CRLF)


def _attachment(item: Attachment) -> bytes:
    """Return an attachment part: base64 with its file name and content type parameters."""
    content_type = f"{item.maintype}/{item.subtype}".encode("ascii")
    headers = [
        b"Content-Transfer-Encoding: base64",
        b"Content-Disposition: attachment; " + _param("filename", item.filename),
        b"; ".join([b"Content-Type: " + content_type, *(_param(k, v) for k, v in item.params)]),
        b"MIME-Version: 1.0",
    ]
    return _entity(headers, _base64(item.content))


def _param(name: str, value: str) -> bytes:
    """Return a MIME parameter, RFC 2231-encoded when the value is not ASCII."""
    if value.isascii():
        return f'{name}="{quote(value)}"'.encode("ascii")
    return f"{name}*={encode_rfc2231(value, 'utf-8')}".encode("ascii")


def _multipart(subtype: str, parts: list[bytes]) -> tuple[list[bytes], bytes]:
    """Return the Content-Type header and the body of a multipart entity made of serialised parts."""
    # Every leaf is base64, so a boundary made of "=" runs never occurs inside the parts.
    boundary = f"==============={random.randrange(sys.maxsize):019d}==".encode("ascii")
    delimiter = b"--" + boundary
    chunks = [chunk for part in parts for chunk in (delimiter, part)]
    header = b'Content-Type: multipart/%s; boundary="%s"' % (subtype.encode("ascii"), boundary)
    if len(header) > 78:
        header = header.replace(b"; ", b";\r\n ", 1)
    return [header], _CRLF.join([*chunks, delimiter + b"--"]) + _CRLF


def _entity(headers: list[bytes], body: bytes) -> bytes:
    """Return a part (or the whole message): its headers, a blank line and its body."""
    return _CRLF.join(headers) + _CRLF + _CRLF + body


def _header(name: str, value: str) -> bytes:
    """Return an unstructured header, as RFC 2047 encoded words when it is not plain ASCII."""
    if value.isascii() and "=?" not in value:
        return f"{name}: {Header(value, header_name=name).encode(_CRLF.decode())}".encode("ascii")
    return f"{name}: {_encoded_words(value)}".encode("ascii")


def _encoded_words(text: str) -> str:
    """Return text as base64 encoded words of UTF-8, one per folded line, never splitting a character."""
    # email.header.Header does the same at a tenth of the speed; every e-mail has two such headers.
    words, chunk = [], bytearray()
    for char in text:
        data = char.encode("utf-8")
        if len(chunk) + len(data) > _WORD_BYTES:
            words.append(bytes(chunk))
            chunk.clear()
        chunk += data
    words.append(bytes(chunk))
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(word).decode('ascii')}?=" for word in words)


# 39 bytes make 52 base64 characters: a folded line stays under 78 characters with the header name.
_WORD_BYTES = 39


@lru_cache(maxsize=8)
def _address_header(name: str, value: str) -> bytes:
    """Return a configured address header (the sender), parsed once per pass."""
    display_name, addr_spec = parseaddr(value)
    if not addr_spec or not addr_spec.isascii():
        return _fold_as_before(name, value)
    return _mailbox(name, display_name, addr_spec)


def _mailbox(name: str, display_name: str, addr_spec: str) -> bytes:
    """Return an address header with the display name as one RFC 2047 encoded word when it is not ASCII."""
    if display_name.isascii():
        return f"{name}: {formataddr((display_name, addr_spec))}".encode("ascii")
    data = display_name.encode("utf-8")
    if len(data) > _NAME_BYTES:
        # Several encoded words in a name do not read back alike everywhere: write it as EmailMessage did.
        return _fold_as_before(name, Address(display_name=display_name, addr_spec=addr_spec))
    word = f"=?utf-8?b?{base64.b64encode(data).decode('ascii')}?="
    # Folded before the address when the line would pass 78 characters, as EmailMessage folded it.
    space = "\r\n " if len(name) + len(word) + len(addr_spec) + 5 > 78 else " "
    return f"{name}: {word}{space}<{addr_spec}>".encode("ascii")


# The longest name EmailMessage wrote as a single encoded word (a line of 78 characters).
_NAME_BYTES = 48


def _fold_as_before(name: str, value: str | Address) -> bytes:
    """Return a header written by EmailMessage's own registry: kept for non-ASCII domains, which are rare."""
    folded = policy.SMTP.fold(*policy.SMTP.header_store_parse(name, value))
    return folded.encode("ascii").removesuffix(_CRLF)


def make_message_id(local_part: str) -> str:
    """Return a Message-ID in the site's domain; the same row always gets the same one."""
    from tracker.notifications.feeds import calendar_domain

    return f"<{local_part}@{calendar_domain()}>"


class DeliveryError(Exception):
    """An e-mail was not taken; `unreachable` when the server cannot be used at all, `permanent` on 5xx."""

    def __init__(self, message: str, *, unreachable: bool = False, permanent: bool = False):
        super().__init__(message)
        self.unreachable = unreachable
        self.permanent = permanent


def is_file_mode(config) -> bool:
    """Tell whether mail goes to MAIL_OUTBOX_DIR because no SMTP server is configured."""
    return not config.get("SMTP_HOST")


class Mailer:
    """Deliver e-mails over one SMTP connection per pass, or write .eml files when SMTP is not configured.

    Use as a context manager so the connection is closed however the pass ends.
    """

    def __init__(self, config) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    @property
    def is_file_mode(self) -> bool:
        """Tell whether e-mails are written to a folder instead of being sent."""
        return is_file_mode(self.config)

    def __enter__(self) -> Mailer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Say goodbye to the SMTP server, or just drop the connection when it does not answer."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def send(self, mail: Mail) -> None:
        """Hand one e-mail over; raise DeliveryError when it was not taken."""
        if self.is_file_mode:
            self._write(mail)
            return
        try:
            self._submit(self._connection(), mail)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise DeliveryError(_describe(exc), permanent=all(code >= 500 for code in codes)) from exc
        except (smtplib.SMTPAuthenticationError, smtplib.SMTPSenderRefused, smtplib.SMTPConnectError) as exc:
            # Wrong credentials or sender are the configuration's fault, not the message's: keep retrying.
            self._drop()
            raise DeliveryError(_describe(exc), unreachable=True) from exc
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:
                self._drop()
                raise DeliveryError(_describe(exc), unreachable=True) from exc
            raise DeliveryError(_describe(exc), permanent=exc.smtp_code >= 500) from exc
        except (smtplib.SMTPNotSupportedError, ValueError) as exc:
            # An address this server cannot take (non-ASCII without SMTPUTF8): only this e-mail fails.
            raise DeliveryError(_describe(exc), permanent=True) from exc
        except OSError as exc:
            # smtplib's own errors are OSErrors too: a dropped connection, a refused or timed-out connect.
            self._drop()
            raise DeliveryError(_describe(exc), unreachable=True) from exc

    def _connection(self) -> smtplib.SMTP:
        """Open (once per pass) an SMTP connection with STARTTLS and login as configured."""
        if self._smtp is not None:
            return self._smtp
        cfg = self.config
        host, port, timeout = cfg["SMTP_HOST"], int(cfg["SMTP_PORT"]), cfg.get("SMTP_TIMEOUT", 20)
        if port == 465:
            # Port 465 speaks TLS from the first byte (Yandex, Mail.ru offer it beside STARTTLS on 587).
            context = ssl.create_default_context()
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        try:
            if port != 465 and cfg.get("SMTP_STARTTLS"):
                smtp.starttls(context=ssl.create_default_context())
            if cfg.get("SMTP_USER"):
                smtp.login(cfg["SMTP_USER"], cfg.get("SMTP_PASSWORD", ""))
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        return smtp

    @staticmethod
    def _submit(smtp: smtplib.SMTP, mail: Mail) -> None:
        """Send the bytes as SMTP.send_message would send the message they came from."""
        # The envelope is taken from the From and To header values, as send_message takes it.
        from_addr = getaddresses([mail.sender])[0][1]
        to_addrs = [address for _, address in getaddresses([mail.recipient])]
        if "".join([from_addr, *to_addrs]).isascii():
            smtp.sendmail(from_addr, to_addrs, mail.data)
            return
        # A non-ASCII address: send_message checks SMTPUTF8 and, when offered, writes the headers as UTF-8.
        message = message_from_bytes(mail.data, policy=policy.SMTP)
        message.replace_header("From", mail.sender)
        message.replace_header("To", mail.recipient)
        message.replace_header("Subject", str(message["Subject"]))
        smtp.send_message(message)

    def _drop(self) -> None:
        """Forget a broken connection; the next e-mail opens a new one."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    def _write(self, mail: Mail) -> None:
        """Write the e-mail as an .eml file, atomically so that no half-written file is ever seen."""
        folder = Path(self.config["MAIL_OUTBOX_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9.-]+", "_", mail.message_id.strip("<>")) or "message"
        target = folder / f"{name}.eml"
        partial = folder / f".{name}.eml.part"
        partial.write_bytes(mail.data)
        os.replace(partial, target)
        log.info("mail written to %s", target)


def _describe(exc: BaseException) -> str:
    """Return a one-line description of a delivery error for the administrators' page."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:500]
