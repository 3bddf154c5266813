"""The e-mail builder: parsed back by the standard library, every value comes out as it went in."""

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.errors import HeaderParseError

import pytest

from tracker.notifications.email import Attachment, RenderedEmail, build_message

NOW = datetime(2027, 3, 9, 1, 0, tzinfo=UTC)
SENDER = "Трекер дорожных карт <tracker@tracker.test>"
SUBJECT = "Срок сегодня: 1.1 Совещание с директорами школ ШНОР по итогам ВПР (МОУ «СОШ № 1» A)"
TEXT = "Здравствуйте, Ёлкина Юлия Эдуардовна!\n\nСрок — сегодня.\n"
HTML = "<p>Здравствуйте, Ёлкина Юлия Эдуардовна!</p>\n<p>Срок &mdash; сегодня.</p>\n"
ICS = "BEGIN:VCALENDAR\r\nMETHOD:PUBLISH\r\nSUMMARY:Совещание\r\nEND:VCALENDAR\r\n".encode()


def build(subject=SUBJECT, to_name="Ёлкина Юлия Эдуардовна", to_email="kollega@example.test", **kw):
    return build_message(
        RenderedEmail(subject, TEXT, HTML),
        to_name=to_name,
        to_email=to_email,
        sender=SENDER,
        message_id="<outbox-7@tracker.test>",
        date=NOW,
        **kw,
    )


def parse(mail):
    return message_from_bytes(mail.data, policy=policy.default)


def calendar():
    params = (("method", "PUBLISH"), ("charset", "utf-8"))
    return Attachment("task-7.ics", ICS, "text", "calendar", params)


def test_headers_are_ascii_encoded_words_that_decode_back():
    mail = build(attachments=[calendar()])
    head = mail.data.split(b"\r\n\r\n", 1)[0]
    assert head.isascii() and all(len(line) <= 78 for line in head.split(b"\r\n"))
    message = parse(mail)
    assert str(message["Subject"]) == SUBJECT
    assert message["From"].addresses[0].display_name == "Трекер дорожных карт"
    assert message["From"].addresses[0].addr_spec == "tracker@tracker.test"
    (to,) = message["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Ёлкина Юлия Эдуардовна", "kollega@example.test")
    assert message["Date"].datetime == NOW
    assert message["Message-ID"] == "<outbox-7@tracker.test>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Auto-Response-Suppress"] == "All"
    assert message["MIME-Version"] == "1.0"
    assert not message.defects
    assert (mail.message_id, mail.sender) == ("<outbox-7@tracker.test>", SENDER)
    assert mail.recipient == "Ёлкина Юлия Эдуардовна <kollega@example.test>"


def test_text_html_and_calendar_parts():
    message = parse(build(attachments=[calendar()]))
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    text, html = alternative.iter_parts()
    for part, content in ((text, TEXT), (html, HTML)):
        assert part["Content-Transfer-Encoding"] == "base64"
        assert part.get_content_charset() == "utf-8"
        # Line ends are CRLF on the wire, as EmailMessage.set_content wrote them.
        assert part.get_content() == content.replace("\n", "\r\n")
    assert (text.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == "task-7.ics"
    assert attachment.get_param("method") == "PUBLISH"
    assert attachment.get_content_charset() == "utf-8"
    assert attachment.get_payload(decode=True) == ICS


def test_without_attachments_the_message_is_the_alternative():
    message = parse(build())
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert list(message.iter_attachments()) == []


@pytest.mark.parametrize(
    "subject",
    [
        "Напоминания на 5 марта 2027 г.: 3 задачи",
        "Reminder =?utf-8?q?not_a_word?= kept as written",
        "Сводка: " + "очень длинная строка темы " * 12,
        "plain ASCII subject that is long enough to be folded over more than one line of the header",
    ],
)
def test_any_subject_reads_back_exactly(subject):
    assert str(parse(build(subject=subject))["Subject"]) == subject


def test_ascii_and_long_display_names():
    assert parse(build(to_name="Ivanov, Ivan"))["To"].addresses[0].display_name == "Ivanov, Ivan"
    long_name = "Муниципальное казённое учреждение «Центр развития образования»"
    mail = build(to_name=long_name)
    assert mail.data.split(b"\r\n\r\n", 1)[0].isascii()
    assert parse(mail)["To"].addresses[0].addr_spec == "kollega@example.test"


def test_non_ascii_file_name_is_encoded_as_rfc_2231():
    item = Attachment("отчёт.pdf", b"%PDF-1.4", "application", "pdf")
    (attachment,) = parse(build(attachments=[item])).iter_attachments()
    assert attachment.get_filename() == "отчёт.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_payload(decode=True) == b"%PDF-1.4"


def test_an_address_with_a_non_ascii_local_part_is_refused_as_before():
    with pytest.raises(Exception, match="non-ASCII"):
        build(to_email="директор@школа.рф")


@pytest.mark.parametrize(
    "field, value",
    [("to_name", "Иван\r\nBcc: chuzhoy@example.test"), ("subject", "Hello\r\nBcc: chuzhoy@example.test")],
)
def test_a_line_break_never_starts_another_header(field, value):
    try:
        mail = build(**{field: value})
    except (ValueError, HeaderParseError):
        return  # refused: the e-mail fails and its rows are listed for administrators
    message = parse(mail)
    assert message["Bcc"] is None and not message.defects
