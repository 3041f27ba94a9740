//! Validation of freeze and maintenance windows (one-off or weekly) in portal.yaml.

use std::path::Path;

use super::{at, Validator};
use crate::calendar::time;
use crate::content::raw::RawWindowRule;
use crate::content::{Schedule, WindowRule};

impl Validator<'_> {
    pub(super) fn window_rules(
        &mut self,
        path: &Path,
        raw: &[RawWindowRule],
        field: &str,
    ) -> Vec<WindowRule> {
        raw.iter()
            .filter_map(|rule| self.window_rule(path, rule, field))
            .collect()
    }

    fn window_rule(
        &mut self,
        path: &Path,
        rule: &RawWindowRule,
        field: &str,
    ) -> Option<WindowRule> {
        let source = at(path, 0, &rule.name);
        let schedule = match (&rule.start, &rule.end, &rule.weekly) {
            (Some(start), Some(end), None) => {
                let start_at = self.datetime(path, 0, start, &format!("{field}.start"), self.zone);
                let end_at = self.datetime(path, 0, end, &format!("{field}.end"), self.zone);
                let (start_at, end_at) = (start_at?, end_at?);
                if end_at <= start_at {
                    self.error(
                        at(path, 0, end),
                        &format!("{field}.end"),
                        ends_message("the window", end_at == start_at),
                        "make `end` later than `start`",
                    );
                    return None;
                }
                Schedule::Once {
                    start: start_at,
                    end: end_at,
                }
            }
            (None, None, Some(weekly)) => {
                let days = weekly
                    .days
                    .iter()
                    .filter_map(|day| {
                        let parsed = parse_weekday(&day.value);
                        if parsed.is_none() {
                            self.error(
                                at(path, 0, day),
                                &format!("{field}.weekly.days"),
                                format!("\"{}\" is not a weekday", day.value),
                                "use mon, tue, wed, thu, fri, sat or sun",
                            );
                        }
                        parsed
                    })
                    .collect();
                let start = self.timed(
                    path,
                    0,
                    &weekly.start,
                    &format!("{field}.weekly.start"),
                    time::parse_time_of_day(&weekly.start.value),
                );
                let end = self.timed(
                    path,
                    0,
                    &weekly.end,
                    &format!("{field}.weekly.end"),
                    time::parse_time_of_day(&weekly.end.value),
                );
                let from = rule.from.as_ref().and_then(|d| {
                    self.timed(
                        path,
                        0,
                        d,
                        &format!("{field}.from"),
                        time::parse_date(&d.value),
                    )
                });
                let until = rule.until.as_ref().and_then(|d| {
                    self.timed(
                        path,
                        0,
                        d,
                        &format!("{field}.until"),
                        time::parse_date(&d.value),
                    )
                });
                let (start, end) = (start?, end?);
                if end <= start {
                    self.error(
                        at(path, 0, &weekly.end),
                        &format!("{field}.weekly.end"),
                        ends_message("the weekly window", end == start),
                        "use a later `end` (windows across midnight: split them in two)",
                    );
                    return None;
                }
                if weekly.days.is_empty() {
                    self.error(
                        at(path, 0, &weekly.start),
                        &format!("{field}.weekly.days"),
                        format!(
                            "\"{}\" has no days: a weekly window without days never applies",
                            rule.name.value
                        ),
                        "list the days it applies on, e.g. `days: [mon, tue, wed, thu, fri]`",
                    );
                    return None;
                }
                Schedule::Weekly {
                    days,
                    start,
                    end,
                    from,
                    until,
                }
            }
            _ => {
                self.error(source.clone(), field, format!("\"{}\" needs either `start` and `end`, or `weekly`", rule.name.value), "write `start:` and `end:` for a one-off window, or `weekly: {days: [...], start: \"09:00\", end: \"17:00\"}`");
                return None;
            }
        };
        Some(WindowRule {
            name: self.one_line(path, 0, &rule.name, &format!("{field}.name")),
            reason: rule.reason.clone(),
            schedule,
            source,
        })
    }
}

/// "… ends before it starts", or for an end equal to the start "… ends when it starts".
fn ends_message(what: &str, same: bool) -> String {
    if same {
        format!("{what} ends when it starts: it would last no time")
    } else {
        format!("{what} ends before it starts")
    }
}

fn parse_weekday(text: &str) -> Option<chrono::Weekday> {
    use chrono::Weekday::*;
    let day = match text.trim().to_ascii_lowercase().get(..3)? {
        "mon" => Mon,
        "tue" => Tue,
        "wed" => Wed,
        "thu" => Thu,
        "fri" => Fri,
        "sat" => Sat,
        "sun" => Sun,
        _ => return None,
    };
    Some(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekdays() {
        assert_eq!(parse_weekday("Monday"), Some(chrono::Weekday::Mon));
        assert_eq!(parse_weekday("sun"), Some(chrono::Weekday::Sun));
        assert_eq!(parse_weekday("xx"), None);
    }
}
