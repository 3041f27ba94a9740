//! Validation of `trains/*.yaml`: the cadence, and each departure's date, window, demo and
//! delivery manager. Departures must not overlap one another or a one-off freeze. Their
//! members are checked in `train_members`.

use std::path::Path;

use chrono::{Days, NaiveDate};

use super::{at, Validator};
use crate::calendar::time;
use crate::calendar::windows::{self, Span};
use crate::content::load::YamlFile;
use crate::content::plan::{Departure, ReleaseLookup, Train};
use crate::content::raw::{RawCadence, RawDeparture, RawTrain};
use crate::content::{Content, Schedule};

/// The longest cadence and departure window, in days: a year.
const MAX_DAYS: i64 = 366;

impl Validator<'_> {
    pub(super) fn trains(
        &mut self,
        files: &[(String, YamlFile<RawTrain>)],
        content: &Content,
        releases: &ReleaseLookup<'_>,
    ) -> Vec<Train> {
        let mut trains: Vec<Train> = Vec::new();
        for (id, file) in files {
            let Some(train) = self.train(id, file, content, releases) else {
                continue;
            };
            // `trains/x.yaml` and `trains/x.yml` would both be /trains/x/.
            if let Some(first) = trains.iter().find(|t| t.id == train.id) {
                let message = format!(
                    "the train id \"{id}\" is already taken by {}",
                    first.source.file.display()
                );
                self.error(
                    train.source.clone(),
                    "name",
                    message,
                    "rename one of the two files: the file name is the train's id and URL",
                );
                continue;
            }
            trains.push(train);
        }
        trains.sort_by(|a, b| a.id.cmp(&b.id));
        trains
    }

    fn train(
        &mut self,
        id: &str,
        file: &YamlFile<RawTrain>,
        content: &Content,
        releases: &ReleaseLookup<'_>,
    ) -> Option<Train> {
        let path = file.path.as_path();
        let raw = &file.data;
        if !super::is_slug(id) {
            self.error(
                at(path, 0, &raw.name),
                "name",
                format!("the file name \"{id}\" is not a valid train id"),
                "rename the file to a lowercase slug (letters, digits, '-'), e.g. trains/wallet.yaml: it becomes the URL /trains/wallet/",
            );
        }
        if raw.name.value.trim().is_empty() {
            self.error(
                at(path, 0, &raw.name),
                "name",
                "the train has no name",
                "name it, e.g. \"Wallet train\"",
            );
        }
        if let Some(manager) = &raw.delivery_manager {
            self.person_ref(path, 0, manager, "delivery_manager");
        }
        let (every_days, start, window_days) = self.cadence(path, &raw.cadence)?;
        let mut train = Train {
            id: id.to_owned(),
            name: self.one_line(path, 0, &raw.name, "name").trim().to_owned(),
            description: raw.description.clone(),
            delivery_manager: raw.delivery_manager.as_ref().map(|m| m.value.clone()),
            every_days,
            start,
            window_days,
            departures: Vec::new(),
            source: at(path, 0, &raw.name),
        };
        for departure in &raw.departures {
            if let Some(d) = self.departure(path, departure, &train, content, releases) {
                train.departures.push(d);
            }
        }
        train.departures.sort_by_key(|d| d.date);
        self.members_listed_twice(&train);
        self.overlapping_departures(&train);
        self.member_dependencies(&train, releases);
        Some(train)
    }

    /// `(every_days, start, window_days)`, or `None` when the cadence is unusable.
    fn cadence(&mut self, path: &Path, raw: &RawCadence) -> Option<(u32, NaiveDate, u32)> {
        let start = self.timed(
            path,
            0,
            &raw.start,
            "cadence.start",
            time::parse_date(&raw.start.value),
        );
        let every = self.days(path, &raw.every_days, "cadence.every_days");
        let window = match &raw.window_days {
            Some(days) => self.days(path, days, "cadence.window_days"),
            None => every,
        };
        Some((every?, start?, window?))
    }

    /// A positive number of days, at most a year.
    fn days(
        &mut self,
        path: &Path,
        value: &serde_saphyr::Spanned<i64>,
        field: &str,
    ) -> Option<u32> {
        if value.value <= 0 || value.value > MAX_DAYS {
            let what = if value.value <= 0 {
                "zero or negative"
            } else {
                "longer than a year"
            };
            self.error(
                at(path, 0, value),
                field,
                format!("{field} is {}: {what}", value.value),
                "give a whole number of days from 1 to 366, e.g. 14 for a departure every two weeks",
            );
            return None;
        }
        u32::try_from(value.value).ok()
    }

    fn departure(
        &mut self,
        path: &Path,
        raw: &RawDeparture,
        train: &Train,
        content: &Content,
        releases: &ReleaseLookup<'_>,
    ) -> Option<Departure> {
        let date = self.timed(
            path,
            0,
            &raw.date,
            "departures.date",
            time::parse_date(&raw.date.value),
        )?;
        let source = at(path, 0, &raw.date);
        let number = self.cadence_number(train, date, &source)?;
        let zone = self.zone;
        let start = time::start_of_day(date, zone);
        let end_date = date.checked_add_days(Days::new(u64::from(train.window_days)))?;
        let end = time::start_of_day(end_date, zone);
        let demo = raw
            .demo
            .as_ref()
            .and_then(|d| self.datetime(path, 0, d, "departures.demo", zone));
        if let (Some(demo_at), Some(raw_demo)) = (demo, &raw.demo) {
            if demo_at < start || demo_at >= end {
                self.error(
                    at(path, 0, raw_demo),
                    "departures.demo",
                    format!("the system demo is outside departure {number}'s window ({})", time::format_range(start, end, zone)),
                    "hold the demo while the departure is on: between its date and the end of its window",
                );
            }
        }
        if let Some(manager) = &raw.delivery_manager {
            self.person_ref(path, 0, manager, "departures.delivery_manager");
        }
        let manager = raw
            .delivery_manager
            .as_ref()
            .map(|m| m.value.clone())
            .or_else(|| train.delivery_manager.clone());
        if manager.is_none() {
            self.error(
                source.clone(),
                "delivery_manager",
                format!("departure {number} ({date}) has no delivery manager"),
                "a train needs a dedicated delivery manager: add `delivery_manager: <person>` to the train, or to this departure",
            );
        }
        self.departure_in_freeze(content, &source, number, Span::new(start, end));
        let members = self.members(path, &raw.members, releases, "departures.members");
        let departure = Departure {
            number,
            date,
            start,
            end,
            demo,
            delivery_manager: manager.unwrap_or_default(),
            members,
            source,
        };
        for member in &departure.members {
            self.member_on_time(&departure, member, releases);
        }
        Some(departure)
    }

    /// The departure's number on the cadence, or an error when `date` is not a cadence date.
    fn cadence_number(
        &mut self,
        train: &Train,
        date: NaiveDate,
        source: &crate::diagnostics::SourceRef,
    ) -> Option<u32> {
        let days = (date - train.start).num_days();
        let every = i64::from(train.every_days);
        if days >= 0 && days % every == 0 {
            return u32::try_from(days / every + 1).ok();
        }
        let before = days.div_euclid(every).max(0) * every;
        let near: Vec<String> = [before, before + every]
            .iter()
            .filter_map(|d| {
                train
                    .start
                    .checked_add_days(Days::new(u64::try_from(*d).ok()?))
            })
            .map(|d| d.to_string())
            .collect();
        self.error(
            source.clone(),
            "departures.date",
            format!(
                "{date} is not a departure date of the cadence (every {} days from {})",
                train.every_days, train.start
            ),
            &format!("use a cadence date, e.g. {}", near.join(" or ")),
        );
        None
    }

    /// A departure's window must not overlap a one-off freeze. Weekly freezes (peak hours)
    /// recur inside any window of days; each member's own window is checked against them.
    fn departure_in_freeze(
        &mut self,
        content: &Content,
        source: &crate::diagnostics::SourceRef,
        number: u32,
        span: Span,
    ) {
        let zone = content.portal.timezone;
        for freeze in &content.portal.freezes {
            if !matches!(freeze.schedule, Schedule::Once { .. }) {
                continue;
            }
            if windows::occurrences(&freeze.schedule, zone, span).is_empty() {
                continue;
            }
            let message = format!(
                "departure {number} ({}) falls in the freeze \"{}\" ({}, defined at {})",
                time::format_range(span.start, span.end, zone),
                freeze.name,
                windows::describe(&freeze.schedule, zone),
                freeze.source
            );
            self.error(
                source.clone(),
                "departures.date",
                message,
                "skip this cadence date: move the departure to a later cadence date after the freeze (or shorten `cadence.window_days`)",
            );
        }
    }

    /// Departures sorted by date must each end before the next starts.
    fn overlapping_departures(&mut self, train: &Train) {
        let zone = self.zone;
        for pair in train.departures.windows(2) {
            let (earlier, later) = (&pair[0], &pair[1]);
            if later.start < earlier.end {
                self.error(
                    later.source.clone(),
                    "departures.date",
                    format!(
                        "departure {} ({}) overlaps departure {} ({}, line {})",
                        later.number,
                        time::format_range(later.start, later.end, zone),
                        earlier.number,
                        time::format_range(earlier.start, earlier.end, zone),
                        earlier.source.line
                    ),
                    "each cadence date has one departure: merge the two, or shorten `cadence.window_days` to at most `every_days`",
                );
            }
        }
    }
}
