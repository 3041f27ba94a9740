//! Unit tests of the production-now rules: released, rolled back, in flight.

use chrono::{DateTime, Utc};

use super::*;
use crate::calendar::testutil::{content, release, utc};

fn with(status: ReleaseStatus, version: &str, start: DateTime<Utc>) -> Release {
    let mut r = release("payments", version, start, 60);
    r.status = status;
    r
}

fn portal() -> Content {
    let mut c = content();
    c.releases = vec![
        with(ReleaseStatus::Released, "2.3.0", utc(2026, 10, 1, 20, 0)),
        with(ReleaseStatus::Released, "2.4.0", utc(2026, 11, 1, 20, 0)),
        with(ReleaseStatus::RolledBack, "2.5.0", utc(2026, 11, 20, 20, 0)),
        with(ReleaseStatus::InProgress, "2.5.1", utc(2026, 11, 25, 11, 0)),
        with(ReleaseStatus::Approved, "2.6.0", utc(2026, 12, 6, 1, 0)),
        with(ReleaseStatus::Cancelled, "2.7.0", utc(2026, 12, 7, 1, 0)),
    ];
    c
}

#[test]
fn a_rolled_back_release_leaves_its_target_live_since_it_first_went_live() {
    let c = portal();
    let doc = json(&c, None, utc(2026, 11, 25, 11, 30));
    let payments = &doc.systems[0];
    let live = payments.live.as_ref().expect("a live version");
    assert_eq!(live.version, "2.4.0");
    assert_eq!(live.since, "2026-11-01T21:00:00Z");
    assert_eq!(live.after_rollback_of.as_deref(), Some("2.5.0"));
    assert_eq!(live.tag, "v2.4.0");
    assert_eq!(live.tagged, None, "no git facts were read");
    let back = payments.rollback_to.as_ref().expect("a rollback target");
    assert_eq!(back.version, "2.3.0");
    let versions: Vec<_> = payments
        .history
        .iter()
        .map(|s| s.version.as_str())
        .collect();
    assert_eq!(versions, ["2.3.0", "2.4.0", "2.4.0"]);
    let flying: Vec<_> = payments
        .in_flight
        .iter()
        .map(|f| f.version.as_str())
        .collect();
    assert_eq!(
        flying,
        ["2.5.1"],
        "in progress; 2.6.0 is later, 2.7.0 cancelled"
    );
}

#[test]
fn the_page_embeds_every_future_span_and_window_for_the_live_layer() {
    let c = portal();
    let now = utc(2026, 11, 25, 11, 30);
    let page = page(&c, None, now);
    let payments = &page.systems[0];
    // Spans that ended before the build are left out; the current one is marked.
    let rows: Vec<_> = payments
        .rows
        .iter()
        .map(|r| (r.version.as_str(), r.current))
        .collect();
    assert_eq!(rows, [("2.4.0", true)]);
    assert!(!payments.none_now);
    let flights: Vec<_> = payments
        .in_flight
        .iter()
        .map(|f| (f.version.as_str(), f.current))
        .collect();
    assert_eq!(flights, [("2.5.1", true), ("2.6.0", false)]);
    let start_260 = utc(2026, 12, 6, 1, 0).timestamp_millis();
    assert_eq!(
        payments.in_flight[1].on,
        format!("{} {}", start_260, start_260 + 3_600_000)
    );
    // Ledger has no releases: nothing live, for good.
    let ledger = &page.systems[1];
    assert!(ledger.rows.is_empty() && ledger.none_now);
    assert_eq!(ledger.none_on, format!("0 {FOREVER}"));
}

#[test]
fn a_release_shipped_after_the_build_takes_over_at_its_window_end() {
    let mut c = portal();
    c.releases[4].status = ReleaseStatus::Released; // 2.6.0, 6 Dec
    let page = page(&c, None, utc(2026, 11, 25, 11, 30));
    let rows: Vec<_> = page.systems[0]
        .rows
        .iter()
        .map(|r| (r.version.as_str(), r.current, r.on.clone()))
        .collect();
    let end_260 = utc(2026, 12, 6, 2, 0).timestamp_millis();
    assert_eq!(rows[0].0, "2.4.0");
    assert!(rows[0].1);
    assert!(rows[0].2.ends_with(&format!(" {end_260}")));
    assert_eq!(rows[1], ("2.6.0", false, format!("{end_260} {FOREVER}")));
    assert_eq!(
        page.systems[0].rows[1]
            .rollback_to
            .as_ref()
            .map(|v| v.version.as_str()),
        Some("2.4.0")
    );
}

#[test]
fn the_json_is_valid_against_its_schema_shape_and_stable() {
    let c = portal();
    let now = utc(2026, 11, 25, 11, 30);
    let files = api_files(&c, None, now);
    assert_eq!(files, api_files(&c, None, now), "deterministic");
    let schema: serde_json::Value = serde_json::from_str(SCHEMA).expect("the schema is JSON");
    assert_eq!(schema["type"], "object");
    let doc: serde_json::Value = serde_json::from_slice(&files[0].1).expect("JSON");
    assert_eq!(doc["generated_at"], "2026-11-25T11:30:00Z");
    assert_eq!(doc["systems"][0]["system"], "payments");
}
