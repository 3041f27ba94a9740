//! The generated people and who holds which role.

use crate::words::{FIRST, LAST};

pub struct Person {
    pub id: String,
    pub name: String,
}

/// `count` people with distinct slug ids (`ada-becker`) and display names.
pub fn people(count: usize) -> Vec<Person> {
    (0..count)
        .map(|i| {
            let first = FIRST[i % FIRST.len()];
            let last = LAST[(i / FIRST.len() + i) % LAST.len()];
            Person {
                id: format!("{first}-{last}"),
                name: format!("{} {}", capitalised(first), capitalised(last)),
            }
        })
        .collect()
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|f| f.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// Who holds which role (indices into the people). People are assigned in blocks so that
/// every role has holders.
pub struct Staff {
    /// System i -> its owner.
    pub owners: Vec<usize>,
    pub cto: usize,
    pub tech_leads: Vec<usize>,
    pub qa_leads: Vec<usize>,
    pub product_owners: Vec<usize>,
    pub release_managers: Vec<usize>,
    pub sres: Vec<usize>,
    pub deployers: Vec<usize>,
    pub developers: Vec<usize>,
}

/// The least number of people `staff` accepts for `systems` systems.
pub fn min_people(systems: usize) -> usize {
    systems + 40
}

pub fn staff(systems: usize, people: usize) -> Staff {
    assert!(people >= min_people(systems), "need more people");
    let range = |from: usize, n: usize| (from..from + n).collect::<Vec<_>>();
    let s = systems;
    Staff {
        owners: range(0, s),
        cto: s,
        tech_leads: range(s + 1, 4),
        qa_leads: range(s + 5, 6),
        product_owners: range(s + 11, 6),
        release_managers: range(s + 17, 3),
        sres: range(s + 20, 10),
        deployers: range(s + 30, 6),
        developers: range(s + 36, people - s - 36),
    }
}

impl Staff {
    /// The job title shown in `contacts.yaml` for person `i`.
    pub fn title(&self, i: usize, system_names: &[&str]) -> String {
        if let Some(s) = self.owners.iter().position(|o| *o == i) {
            return format!("Engineering lead, {}", system_names[s]);
        }
        let title = if i == self.cto {
            "CTO"
        } else if self.tech_leads.contains(&i) {
            "Tech lead"
        } else if self.qa_leads.contains(&i) {
            "QA lead"
        } else if self.product_owners.contains(&i) {
            "Product owner"
        } else if self.release_managers.contains(&i) {
            "Release manager"
        } else if self.sres.contains(&i) {
            "Site reliability engineer"
        } else if self.deployers.contains(&i) {
            "Deployment engineer"
        } else {
            "Developer"
        };
        title.to_owned()
    }
}
