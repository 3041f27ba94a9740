#!/usr/bin/env python3
"""Validate iCalendar feeds with an implementation independent of Shipboard's own.

Usage: python3 tests/ical_check.py FILE.ics [FILE.ics ...]

Needs Python's `icalendar` package (`pip install icalendar`). Checks what decides whether a
feed works in Google Calendar, Outlook, Apple Calendar and Thunderbird:
- the raw bytes: UTF-8, CRLF line ends only, physical lines of at most 75 octets, folded
  lines that start with a space, no control characters;
- the parse: icalendar reads the file without recording errors on any component;
- the calendar: VERSION 2.0, PRODID, CALSCALE, METHOD:PUBLISH, X-WR-CALNAME, X-WR-TIMEZONE;
- every VEVENT: a unique UID, DTSTAMP in UTC, DTSTART and DTEND of the same kind, DTEND after
  DTSTART, SEQUENCE a non-negative integer, STATUS one of TENTATIVE/CONFIRMED/CANCELLED,
  a SUMMARY; every TZID used has a VTIMEZONE; an RRULE parses, and its UNTIL is in UTC when
  DTSTART has a TZID (RFC 5545 section 3.3.10);
- every VALARM (inside its VEVENT): ACTION, a TRIGGER that is a duration (or a UTC
  date-time), and for ACTION:DISPLAY a DESCRIPTION (RFC 5545 section 3.6.6);
- every VTIMEZONE: at least one STANDARD or DAYLIGHT with DTSTART, TZOFFSETFROM and TZOFFSETTO.

Prints one line per problem as FILE:LINE: message (LINE 0 when it is not about one line) and
exits 1 when there is any problem, 2 on usage errors, 0 when every file is fine.
"""

import datetime
import sys

try:
    import icalendar
except ImportError:  # pragma: no cover - depends on the machine
    print("ical_check.py: the Python package 'icalendar' is not installed (pip install icalendar)",
          file=sys.stderr)
    sys.exit(2)

STATUSES = {"TENTATIVE", "CONFIRMED", "CANCELLED"}


def check_bytes(data):
    """Problems in the raw bytes, as (line, message)."""
    problems = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        return [(0, f"not UTF-8: {err}")]
    if not text.endswith("\r\n"):
        problems.append((0, "the file does not end with CRLF"))
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, start=1):
        if line.endswith("\r"):
            line = line[:-1]
        else:
            problems.append((number, "LF without CR (lines must end with CRLF)"))
        if "\r" in line:
            problems.append((number, "bare CR inside the line"))
        octets = len(line.encode("utf-8"))
        if octets > 75:
            problems.append((number, f"{octets} octets (at most 75)"))
        if line == "":
            problems.append((number, "empty line"))
        if any(ord(c) < 32 and c not in "\t\r" for c in line):
            problems.append((number, "control character"))
    return problems


def component_errors(component):
    errors = list(getattr(component, "errors", []) or [])
    for sub in component.subcomponents:
        errors.extend(component_errors(sub))
    return errors


def tzid_of(prop):
    params = getattr(prop, "params", None)
    return params.get("TZID") if params else None


def check_event(event, uids, zones):
    problems = []
    uid = str(event.get("UID", ""))
    where = f"event {uid or '(no UID)'}"
    if not uid:
        problems.append(f"{where}: no UID")
    elif uid in uids:
        problems.append(f"{where}: duplicate UID")
    uids.add(uid)
    for name in ("DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "SEQUENCE", "STATUS"):
        if name not in event:
            problems.append(f"{where}: no {name}")
    if "DTSTAMP" in event:
        stamp = event.decoded("DTSTAMP")
        if not (isinstance(stamp, datetime.datetime) and stamp.utcoffset() == datetime.timedelta(0)):
            problems.append(f"{where}: DTSTAMP is not in UTC")
    if "DTSTART" not in event or "DTEND" not in event:
        return problems
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    start_is_dt, end_is_dt = isinstance(start, datetime.datetime), isinstance(end, datetime.datetime)
    if start_is_dt != end_is_dt:
        problems.append(f"{where}: DTSTART and DTEND are not both dates or both date-times")
    elif start_is_dt and (start.tzinfo is None) != (end.tzinfo is None):
        problems.append(f"{where}: one of DTSTART and DTEND is floating")
    elif not end > start:
        problems.append(f"{where}: DTEND is not after DTSTART")
    if start_is_dt and start.tzinfo is None:
        problems.append(f"{where}: DTSTART is floating time (no Z, no TZID)")
    try:
        sequence = int(str(event.get("SEQUENCE", "0")))
        if sequence < 0:
            problems.append(f"{where}: negative SEQUENCE")
    except ValueError:
        problems.append(f"{where}: SEQUENCE is not an integer")
    status = str(event.get("STATUS", "CONFIRMED"))
    if status not in STATUSES:
        problems.append(f"{where}: STATUS {status} is not one of {sorted(STATUSES)}")
    for name in ("DTSTART", "DTEND", "EXDATE", "RDATE"):
        values = event.get(name)
        for prop in values if isinstance(values, list) else [values]:
            tzid = tzid_of(prop) if prop is not None else None
            if tzid and tzid not in zones:
                problems.append(f"{where}: TZID {tzid} on {name} has no VTIMEZONE")
    if "RRULE" in event:
        rule = event.get("RRULE")
        try:
            icalendar.vRecur.from_ical(rule.to_ical().decode())
        except Exception as err:  # icalendar raises plain ValueError and friends
            problems.append(f"{where}: RRULE does not parse: {err}")
        until = rule.get("UNTIL")
        if until and tzid_of(event.get("DTSTART")):
            value = until[0]
            if not (isinstance(value, datetime.datetime) and value.utcoffset() == datetime.timedelta(0)):
                problems.append(f"{where}: UNTIL must be UTC when DTSTART has a TZID")
    for alarm in (c for c in event.subcomponents if c.name == "VALARM"):
        problems.extend(f"{where}: {m}" for m in check_alarm(alarm))
    return problems


def check_alarm(alarm):
    problems = []
    for name in ("ACTION", "TRIGGER"):
        if name not in alarm:
            problems.append(f"VALARM without {name}")
    action = str(alarm.get("ACTION", ""))
    if action not in ("AUDIO", "DISPLAY", "EMAIL"):
        problems.append(f"VALARM ACTION {action!r} is not AUDIO, DISPLAY or EMAIL")
    if action == "DISPLAY" and "DESCRIPTION" not in alarm:
        problems.append("VALARM ACTION:DISPLAY without DESCRIPTION")
    if "TRIGGER" in alarm:
        trigger = alarm.decoded("TRIGGER")
        utc = isinstance(trigger, datetime.datetime) and trigger.utcoffset() == datetime.timedelta(0)
        if not (isinstance(trigger, datetime.timedelta) or utc):
            problems.append(f"VALARM TRIGGER {trigger!r} is neither a duration nor a UTC time")
    return problems


def check_timezone(tz):
    problems = []
    tzid = str(tz.get("TZID", ""))
    observances = [c for c in tz.subcomponents if c.name in ("STANDARD", "DAYLIGHT")]
    if not tzid:
        problems.append("VTIMEZONE without TZID")
    if not observances:
        problems.append(f"VTIMEZONE {tzid}: no STANDARD or DAYLIGHT")
    for obs in observances:
        for name in ("DTSTART", "TZOFFSETFROM", "TZOFFSETTO"):
            if name not in obs:
                problems.append(f"VTIMEZONE {tzid}: {obs.name} without {name}")
    return problems


def check_file(path):
    with open(path, "rb") as handle:
        data = handle.read()
    problems = check_bytes(data)
    try:
        calendars = icalendar.Calendar.from_ical(data, multiple=True)
    except Exception as err:
        return problems + [(0, f"icalendar cannot parse the file: {err}")]
    if len(calendars) != 1:
        return problems + [(0, f"{len(calendars)} VCALENDAR objects (expected 1)")]
    cal = calendars[0]
    for message in component_errors(cal):
        problems.append((0, f"icalendar recorded an error: {message}"))
    for name, expected in (("VERSION", "2.0"), ("CALSCALE", "GREGORIAN"), ("METHOD", "PUBLISH")):
        if str(cal.get(name, "")) != expected:
            problems.append((0, f"calendar {name} is {cal.get(name)!r}, expected {expected}"))
    for name in ("PRODID", "X-WR-CALNAME", "X-WR-TIMEZONE"):
        if name not in cal:
            problems.append((0, f"calendar has no {name}"))
    zones = {str(tz.get("TZID")) for tz in cal.walk("VTIMEZONE")}
    for tz in cal.walk("VTIMEZONE"):
        problems.extend((0, m) for m in check_timezone(tz))
    uids = set()
    for event in cal.walk("VEVENT"):
        problems.extend((0, m) for m in check_event(event, uids, zones))
    return problems


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    failed = 0
    events = 0
    for path in argv[1:]:
        try:
            problems = check_file(path)
        except OSError as err:
            problems = [(0, f"cannot read: {err}")]
        for line, message in problems:
            print(f"{path}:{line}: {message}")
        if problems:
            failed += 1
        else:
            with open(path, "rb") as handle:
                events += handle.read().count(b"BEGIN:VEVENT")
    checked = len(argv) - 1
    print(f"ical_check: {checked - failed} of {checked} feeds valid ({events} events in valid feeds)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
