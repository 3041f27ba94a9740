//! Train events: each departure of a release train as an all-day event over its days, and
//! its system demo as a one-hour event in UTC, both with the releases' reminder (VALARM).
//! UIDs name the train and the departure's number on the cadence, never its dates.

use chrono::{DateTime, Utc};

use super::events::{describe, identity, reminder};
use super::writer::{date_stamp, Writer};
use super::{absolute_url, event_revision, host, FeedFacts};
use crate::calendar::time;
use crate::content::plan::{Departure, Train};
use crate::content::Content;

/// The VEVENTs of one departure: its days, and its demo when it has one.
pub fn departure(
    w: &mut Writer,
    content: &Content,
    facts: &FeedFacts,
    train: &Train,
    d: &Departure,
) {
    let zone = content.portal.timezone;
    let revision = event_revision(facts, &train.source.file);
    let (sequence, stamp) = revision.map_or((0, d.start), |r| (r.sequence(), r.changed_at));
    let url = absolute_url(content, &format!("trains/{}/{}/", train.id, d.number));
    let manager = content
        .person(&d.delivery_manager)
        .map_or(d.delivery_manager.as_str(), |p| p.name.as_str());
    let members: Vec<String> = d.members.iter().map(|m| m.label(content)).collect();
    let mut lines = vec![
        format!("Delivery manager: {manager}"),
        format!("Members: {}", members.join(", ")),
    ];
    if let Some(demo) = d.demo {
        lines.push(format!(
            "System demo: {} ({})",
            time::format_local(demo, zone),
            zone.name()
        ));
    }
    lines.extend(url.clone());
    let base_uid = format!("train-{}-{}", train.id, d.number);
    let summary = format!("{}: departure {}", train.name, d.number);
    let end_date = time::to_local(d.end, zone).date(); // exclusive, as DTEND wants
    w.begin("VEVENT");
    identity(
        w,
        &format!("{base_uid}@{}", host(&content.portal.base_url)),
        sequence,
        stamp,
        revision.is_some(),
    );
    w.raw("DTSTART", &[("VALUE", "DATE")], &date_stamp(d.date));
    w.raw("DTEND", &[("VALUE", "DATE")], &date_stamp(end_date));
    describe(w, &summary, &lines, url.as_deref(), "CONFIRMED");
    w.text_list("CATEGORIES", &["Release train", &train.id]);
    remind(w, content, facts, d.start, &summary);
    w.end("VEVENT");
    let Some((start, end)) = d.demo_span() else {
        return;
    };
    let summary = format!("{}: system demo of departure {}", train.name, d.number);
    w.begin("VEVENT");
    identity(
        w,
        &format!("{base_uid}-demo@{}", host(&content.portal.base_url)),
        sequence,
        stamp,
        revision.is_some(),
    );
    w.utc("DTSTART", start);
    w.utc("DTEND", end);
    let mut lines = vec![
        format!("Delivery manager: {manager}"),
        format!("Members: {}", members.join(", ")),
    ];
    lines.extend(url.clone());
    describe(w, &summary, &lines, url.as_deref(), "CONFIRMED");
    w.text_list("CATEGORIES", &["System demo", &train.id]);
    remind(w, content, facts, start, &summary);
    w.end("VEVENT");
}

/// The reminder of an event starting at `start`, unless reminders are off or it has
/// started by the build moment.
fn remind(
    w: &mut Writer,
    content: &Content,
    facts: &FeedFacts,
    start: DateTime<Utc>,
    summary: &str,
) {
    let hours = content.portal.reminder_hours;
    if hours > 0 && facts.ahead(start) {
        reminder(w, summary, hours);
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::calendar::testutil::{content, train, utc};

    #[test]
    fn a_departure_is_an_all_day_event_and_its_demo_an_hour_in_utc_both_with_reminders() {
        let mut c = content();
        let dec1 = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let mut x = train(&[(dec1, &[("payments", "2.4.0")])]);
        x.departures[0].demo = Some(utc(2026, 12, 11, 14, 0));
        c.plan.trains = vec![x];
        let feed = crate::calendar::ics::train_feed(&c, &FeedFacts::default(), "x").unwrap();
        for line in [
            "UID:train-x-1@releases.example.com",
            "DTSTART;VALUE=DATE:20261201",
            // DTEND of an all-day event is the day after the last one (RFC 5545).
            "DTEND;VALUE=DATE:20261215",
            "SUMMARY:X train: departure 1",
            "UID:train-x-1-demo@releases.example.com",
            "DTSTART:20261211T140000Z",
            "DTEND:20261211T150000Z",
            "DESCRIPTION:Delivery manager: Li Wei\\nMembers: Payments API 2.4.0\\nSystem",
        ] {
            assert!(feed.contains(line), "{line:?} not in:\n{feed}");
        }
        assert_eq!(feed.matches("BEGIN:VALARM").count(), 2);
        assert!(crate::calendar::ics::train_feed(&c, &FeedFacts::default(), "y").is_none());
    }
}
