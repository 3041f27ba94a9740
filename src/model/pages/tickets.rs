//! `/tickets/`: every ticket id the releases name (`tickets:` in their front matter), with
//! the releases that name it. Static, so it works without JavaScript, where the search box
//! is not shown.

use std::collections::BTreeMap;

use serde::Serialize;

use super::safe_url;
use crate::content::Content;
use crate::model::views::{release_path, system_name};

#[derive(Debug, Clone, Serialize)]
pub struct TicketsPage {
    pub tickets: Vec<TicketRow>,
}

/// One ticket id and its releases, in window order.
#[derive(Debug, Clone, Serialize)]
pub struct TicketRow {
    pub id: String,
    /// The `id` of its row: `t-` and the id in lowercase.
    pub anchor: String,
    /// Through the first of its releases' systems with a `ticket_url`.
    pub url: Option<String>,
    pub releases: Vec<TicketRelease>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TicketRelease {
    pub label: String,
    pub path: String,
    pub status: &'static str,
    pub status_label: &'static str,
}

pub fn tickets_page(content: &Content) -> TicketsPage {
    let mut rows: BTreeMap<(String, u64, String), TicketRow> = BTreeMap::new();
    for release in &content.releases {
        let system = content.system(&release.system);
        for id in &release.tickets {
            let row = rows.entry(order(id)).or_insert_with(|| TicketRow {
                id: id.clone(),
                anchor: anchor(id),
                url: None,
                releases: Vec::new(),
            });
            if row.url.is_none() {
                let template = system.and_then(|s| s.ticket_url.as_ref());
                row.url = template.and_then(|t| safe_url(&t.replace("{id}", id)));
            }
            let version = release.version.to_string();
            row.releases.push(TicketRelease {
                label: format!("{} {version}", system_name(content, &release.system)),
                path: release_path(&release.system, &version),
                status: release.status.as_str(),
                status_label: release.status.label(),
            });
        }
    }
    TicketsPage {
        tickets: rows.into_values().collect(),
    }
}

/// Tickets sort by project, then number (`PAY-9` before `PAY-10`), then as written.
fn order(id: &str) -> (String, u64, String) {
    let digits = id.len() - id.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (project, number) = id.split_at(id.len() - digits);
    let number = number.parse().unwrap_or(0);
    (project.to_ascii_uppercase(), number, id.to_owned())
}

fn anchor(id: &str) -> String {
    let slug: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("t-{slug}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order_and_anchors() {
        let mut ids = vec!["PAY-10", "PAY-9", "#12", "ID-3", "pay-9"];
        ids.sort_by_key(|id| order(id));
        assert_eq!(ids, ["#12", "ID-3", "PAY-9", "pay-9", "PAY-10"]);
        assert_eq!(anchor("PAY-456"), "t-pay-456");
        assert_eq!(anchor("#12"), "t--12");
    }
}
