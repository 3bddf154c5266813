"""E-mails: rendered from template pairs, built as MIME, handed to SMTP or, without SMTP, to a folder."""

from __future__ import annotations

import logging
import os
import re
import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
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


def build_message(
    rendered: RenderedEmail,
    *,
    to_name: str,
    to_email: str,
    sender: str,
    message_id: str,
    date: datetime,
    attachments: Iterable[Attachment] = (),
) -> EmailMessage:
    """Build a multipart e-mail (text, HTML, attachments) with headers encoded for any mail client."""
    message = EmailMessage(policy=policy.SMTP)
    # The policy writes non-ASCII headers as RFC 2047 encoded words, which every client decodes.
    message["Subject"] = rendered.subject
    message["From"] = sender
    message["To"] = Address(display_name=to_name, addr_spec=to_email)
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    # Keeps vacation auto-replies (Exchange included) from answering reminders.
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    # base64 keeps Cyrillic lines intact through relays that do not speak 8BITMIME.
    message.set_content(rendered.text, cte="base64")
    message.add_alternative(rendered.html, subtype="html", cte="base64")
    for item in attachments:
        message.add_attachment(
            item.content,
            maintype=item.maintype,
            subtype=item.subtype,
            filename=item.filename,
            params=dict(item.params),
        )
    return message


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

    def send(self, message: EmailMessage) -> None:
        """Hand one e-mail over; raise DeliveryError when it was not taken."""
        if self.is_file_mode:
            self._write(message)
            return
        try:
            smtp = self._connection()
            smtp.send_message(message)
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

    def _drop(self) -> None:
        """Forget a broken connection; the next e-mail opens a new one."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    def _write(self, message: EmailMessage) -> None:
        """Write the e-mail as an .eml file, atomically so that no half-written file is ever seen."""
        folder = Path(self.config["MAIL_OUTBOX_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9.-]+", "_", str(message["Message-ID"]).strip("<>")) or "message"
        target = folder / f"{name}.eml"
        partial = folder / f".{name}.eml.part"
        partial.write_bytes(message.as_bytes())
        os.replace(partial, target)
        log.info("mail written to %s", target)


def _describe(exc: BaseException) -> str:
    """Return a one-line description of a delivery error for the administrators' page."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:500]
