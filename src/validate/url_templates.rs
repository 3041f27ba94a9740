//! A system's link templates (`commit_url`, `compare_url`, `ticket_url`): each must be an
//! http(s) address or a path on the portal, with the placeholders the links fill in. A
//! template that is not was dropped without a word before, and every commit or ticket link
//! of the system silently disappeared (`javascript:...` or a typo without `https://`).

use std::path::Path;

use url::Url;

use super::{at, Validator};
use crate::content::raw::Text;

/// The placeholders each template must hold, and an example for the help line.
fn rules(field: &str) -> (&'static [&'static str], &'static str) {
    match field {
        "commit_url" => (&["{sha}"], "https://git.example.com/payments/commit/{sha}"),
        "compare_url" => (
            &["{from}", "{to}"],
            "https://git.example.com/payments/compare/{from}...{to}",
        ),
        _ => (&["{id}"], "https://tracker.example.com/browse/{id}"),
    }
}

impl Validator<'_> {
    /// The template of `field` if it is usable; otherwise an error at its line.
    pub(super) fn url_template(
        &mut self,
        path: &Path,
        template: &Option<Text>,
        field: &str,
    ) -> Option<String> {
        let template = template.as_ref()?;
        let (placeholders, example) = rules(field);
        match problem(&template.value, placeholders) {
            None => Some(template.value.clone()),
            Some(why) => {
                let help = format!("write the address with its placeholders, e.g. {example}");
                let message = format!("`{field}` \"{}\" {why}", template.value);
                self.error(at(path, 0, template), field, message, &help);
                None
            }
        }
    }
}

/// Why `template` cannot make links, if it cannot.
fn problem(template: &str, placeholders: &[&str]) -> Option<String> {
    if let Some(why) = super::base_url::character_problem(template) {
        return Some(why.into());
    }
    let missing: Vec<&str> = placeholders
        .iter()
        .copied()
        .filter(|p| !template.contains(p))
        .collect();
    if !missing.is_empty() {
        return Some(format!("has no {}", missing.join(" and ")));
    }
    // Filled in as a link would be, then read as a URL.
    let filled = placeholders
        .iter()
        .fold(template.to_owned(), |t, p| t.replace(p, "x1"));
    if filled.starts_with('/') && !filled.starts_with("//") {
        return None;
    }
    match Url::parse(&filled) {
        Ok(url) if !matches!(url.scheme(), "http" | "https") => {
            Some("is not an http(s) address or a path on the portal (starting with /)".into())
        }
        Ok(url) if url.host_str().is_none_or(str::is_empty) => Some("has no host name".into()),
        Ok(_) => None,
        Err(_) => Some(
            "is not an absolute address (it must start with https:// or http://, or / for a path on the portal)"
                .into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_need_a_web_address_and_their_placeholders() {
        let commit = &["{sha}"][..];
        assert_eq!(problem("https://git.example.com/c/{sha}", commit), None);
        assert_eq!(problem("/code/commit/{sha}", commit), None);
        let compare = &["{from}", "{to}"][..];
        assert_eq!(
            problem("https://g.example/compare/{from}...{to}", compare),
            None
        );
        for (bad, why) in [
            ("javascript:alert(1)//{sha}", "is not an http(s) address"),
            ("git.example.com/commit/{sha}", "is not an absolute address"),
            ("//evil.example/{sha}", "is not an absolute address"),
            ("https://git.example.com/commit/", "has no {sha}"),
            ("https://git.example.com/ {sha}", "contains spaces"),
            (
                "https://git.example.com/\"{sha}",
                "characters that are not allowed",
            ),
        ] {
            let said = problem(bad, commit).unwrap_or_default();
            assert!(said.contains(why), "{bad}: {said}");
        }
        assert_eq!(
            problem("https://g.example/compare/{from}", compare).as_deref(),
            Some("has no {to}")
        );
    }
}
