"""Reads mails as the SMTP test server (aiosmtpd's Mailbox handler) stored
them and prints what a recipient's mail program sees, as JSON, one object
per file given: the headers, the plain-text and HTML bodies, and every
text/calendar part parsed with the `icalendar` package (the way a calendar
program reads it, independent of the code that wrote it)."""

import email
import email.policy
import json
import sys

import icalendar


def calendar(part):
    cal = icalendar.Calendar.from_ical(part.get_content())
    events = []
    for event in cal.walk("VEVENT"):
        start = event.decoded("DTSTART")
        end = event.decoded("DTEND")
        events.append(
            {
                "uid": str(event.get("UID")),
                "sequence": int(event.get("SEQUENCE", 0)),
                "status": str(event.get("STATUS", "")),
                "summary": str(event.get("SUMMARY", "")),
                "location": str(event.get("LOCATION", "")),
                "description": str(event.get("DESCRIPTION", "")),
                "organizer": str(event.get("ORGANIZER", "")),
                "attendees": [str(a) for a in event.get("ATTENDEE", [])]
                if isinstance(event.get("ATTENDEE"), list)
                else ([str(event.get("ATTENDEE"))] if event.get("ATTENDEE") else []),
                "dtstart_local": start.isoformat(),
                "dtstart_tzid": str(event["DTSTART"].params.get("TZID", "")),
                "dtstart_utc": start.astimezone(__import__("datetime").timezone.utc).isoformat(),
                "dtend_utc": end.astimezone(__import__("datetime").timezone.utc).isoformat(),
            }
        )
    return {
        "content_type": part.get_content_type(),
        "method_param": part.get_param("method"),
        "filename": part.get_filename(),
        "method": str(cal.get("METHOD", "")),
        "has_vtimezone": any(True for _ in cal.walk("VTIMEZONE")),
        "events": events,
    }


def read(path):
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    out = {
        "to": str(msg["To"]),
        "rcpt_to": str(msg["X-RcptTo"]),
        "from": str(msg["From"]),
        "reply_to": str(msg["Reply-To"]) if msg["Reply-To"] else None,
        "subject": str(msg["Subject"]),
        "message_id": str(msg["Message-ID"]),
        "header_names": sorted({k.lower() for k in msg.keys()}),
        "text": None,
        "html": None,
        "calendars": [],
    }
    for part in msg.walk():
        kind = part.get_content_type()
        if kind == "text/plain" and out["text"] is None:
            out["text"] = part.get_content()
        elif kind == "text/html" and out["html"] is None:
            out["html"] = part.get_content()
        elif kind == "text/calendar":
            out["calendars"].append(calendar(part))
    return out


if __name__ == "__main__":
    print(json.dumps([read(p) for p in sys.argv[1:]]))
