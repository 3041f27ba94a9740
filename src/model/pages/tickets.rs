//! `/tickets/`: every ticket id the releases name (`tickets:` in their front matter), with
//! the releases that name it. Static, so it works without JavaScript, where the search box
//! is not shown.
//!
//! When there are more tickets than one page holds (`TICKET_ROWS`), they are split in
//! their natural order into pages `tickets/1/`, `tickets/2/`, ... and `/tickets/` lists
//! those pages by the range of ticket ids each holds ("PAY-1 to PAY-412"), so a ticket is
//! two plain links away. A row keeps its anchor (`#t-pay-456`) on whichever page it is.

use std::collections::BTreeMap;

use serde::Serialize;

use super::safe_url;
use crate::content::Content;
use crate::model::views::{release_path, system_name};

/// The most tickets one page lists: at about 250 bytes a row (more for a ticket named by
/// many releases), a page stays well under 200 KB at any portal size.
pub const TICKET_ROWS: usize = 400;

#[derive(Debug, Clone, Serialize)]
pub struct TicketsPage {
    /// The tickets this page lists (none on the overview of a split list).
    pub tickets: Vec<TicketRow>,
    /// Tickets named by all releases.
    pub total: usize,
    /// On the overview of a split list: every page, by the range of ids it holds.
    pub pages: Vec<TicketRange>,
    /// On a page of a split list: its range ("PAY-1 to PAY-412").
    pub range: Option<String>,
    pub previous: Option<TicketRange>,
    pub next: Option<TicketRange>,
}

/// One page of a split ticket list.
#[derive(Debug, Clone, Serialize)]
pub struct TicketRange {
    /// "PAY-1 to PAY-412" (one id when the page holds one).
    pub label: String,
    /// `tickets/3/`.
    pub path: String,
    pub count: usize,
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

/// The ticket pages: `tickets/` (path, data) first, then the pages of a split list.
pub fn ticket_pages(content: &Content) -> Vec<(String, TicketsPage)> {
    let rows = ticket_rows(content);
    let total = rows.len();
    let whole = |tickets| TicketsPage {
        tickets,
        total,
        pages: Vec::new(),
        range: None,
        previous: None,
        next: None,
    };
    if total <= TICKET_ROWS {
        return vec![("tickets/".to_owned(), whole(rows))];
    }
    let chunks: Vec<Vec<TicketRow>> = rows
        .chunks(TICKET_ROWS)
        .map(<[TicketRow]>::to_vec)
        .collect();
    let ranges: Vec<TicketRange> = chunks
        .iter()
        .enumerate()
        .map(|(i, chunk)| range_of(i, chunk))
        .collect();
    let overview = TicketsPage {
        pages: ranges.clone(),
        ..whole(Vec::new())
    };
    let mut pages = vec![("tickets/".to_owned(), overview)];
    for (i, tickets) in chunks.into_iter().enumerate() {
        let page = TicketsPage {
            range: Some(ranges[i].label.clone()),
            previous: i.checked_sub(1).map(|p| ranges[p].clone()),
            next: ranges.get(i + 1).cloned(),
            ..whole(tickets)
        };
        pages.push((ranges[i].path.clone(), page));
    }
    pages
}

/// The `index`th page (from 0) of a split list, holding `rows`.
fn range_of(index: usize, rows: &[TicketRow]) -> TicketRange {
    let first = rows.first().map_or("", |r| r.id.as_str());
    let last = rows.last().map_or("", |r| r.id.as_str());
    let label = if rows.len() > 1 {
        format!("{first} to {last}")
    } else {
        first.to_owned()
    };
    TicketRange {
        label,
        path: format!("tickets/{}/", index + 1),
        count: rows.len(),
    }
}

/// Every ticket row, in natural order.
fn ticket_rows(content: &Content) -> Vec<TicketRow> {
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
    rows.into_values().collect()
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

    /// `count` releases of payments, release `n` naming `PAY-n` (and the first also `ID-7`).
    fn content_naming(count: usize) -> Content {
        use crate::calendar::testutil::{content, release, utc};
        let mut releases: Vec<_> = (1..=count)
            .map(|n| {
                let mut r = release("payments", &format!("1.{n}.0"), utc(2026, 11, 2, 20, 0), 60);
                r.tickets.push(format!("PAY-{n}"));
                r
            })
            .collect();
        releases[0].tickets.push("ID-7".to_owned());
        Content {
            releases,
            ..content()
        }
    }

    #[test]
    fn tickets_that_fit_one_page_are_listed_on_tickets() {
        let pages = ticket_pages(&content_naming(TICKET_ROWS - 1));
        assert_eq!(pages.len(), 1);
        let (path, page) = &pages[0];
        assert_eq!(path, "tickets/");
        assert_eq!((page.tickets.len(), page.total), (TICKET_ROWS, TICKET_ROWS));
        assert!(page.pages.is_empty() && page.range.is_none());
    }

    #[test]
    fn more_tickets_are_split_in_order_and_listed_by_range() {
        let pages = ticket_pages(&content_naming(2 * TICKET_ROWS + 10));
        let total = 2 * TICKET_ROWS + 11;
        let paths: Vec<&str> = pages.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            ["tickets/", "tickets/1/", "tickets/2/", "tickets/3/"]
        );
        let (_, overview) = &pages[0];
        assert!(overview.tickets.is_empty());
        assert_eq!(overview.total, total);
        let labels: Vec<&str> = overview.pages.iter().map(|p| p.label.as_str()).collect();
        let first_last = format!("PAY-{} to PAY-{}", 2 * TICKET_ROWS, 2 * TICKET_ROWS + 10);
        assert_eq!(
            labels,
            [
                "ID-7 to PAY-399".to_owned(),
                format!("PAY-400 to PAY-{}", 2 * TICKET_ROWS - 1),
                first_last,
            ]
        );
        let counts: Vec<usize> = overview.pages.iter().map(|p| p.count).collect();
        assert_eq!(counts, [TICKET_ROWS, TICKET_ROWS, 11]);
        // Every ticket on exactly one page, in order; pages link to their neighbours.
        let listed: Vec<&str> = pages[1..]
            .iter()
            .flat_map(|(_, page)| page.tickets.iter().map(|t| t.id.as_str()))
            .collect();
        let mut expected = vec!["ID-7".to_owned()];
        expected.extend((1..=2 * TICKET_ROWS + 10).map(|n| format!("PAY-{n}")));
        assert_eq!(listed, expected);
        let (_, middle) = &pages[2];
        assert_eq!(middle.range.as_deref(), Some(labels[1]));
        assert_eq!(
            middle.previous.as_ref().map(|p| p.path.as_str()),
            Some("tickets/1/")
        );
        assert_eq!(
            middle.next.as_ref().map(|p| p.path.as_str()),
            Some("tickets/3/")
        );
        assert!(pages[1].1.previous.is_none() && pages[3].1.next.is_none());
    }
}
