//! Tag patterns: which tag names are a system's releases, and which version each names.
//!
//! A pattern such as `payments-v{version}` is a literal prefix and suffix around a SemVer
//! version. This module only matches names; it never reads a repository and never decides
//! which tags count as releases (pre-release policy lives in the caller).

use semver::Version;

/// A system's `tag_pattern`, split around its `{version}` placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TagPattern {
    prefix: String,
    suffix: String,
}

/// What a tag name is, seen through one pattern.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TagMatch {
    /// The name does not have the pattern's prefix and suffix.
    Other,
    /// Prefix and suffix match but the middle is not a SemVer version.
    NotSemver(String),
    Version(Version),
}

impl TagPattern {
    /// `None` when the pattern has no `{version}` placeholder (validation reports that).
    pub(crate) fn new(pattern: &str) -> Option<TagPattern> {
        let (prefix, suffix) = pattern.split_once("{version}")?;
        if suffix.contains("{version}") {
            return None;
        }
        Some(TagPattern {
            prefix: prefix.to_owned(),
            suffix: suffix.to_owned(),
        })
    }

    /// Matches a tag name (without `refs/tags/`).
    pub(crate) fn matches(&self, tag: &str) -> TagMatch {
        let middle = tag
            .strip_prefix(self.prefix.as_str())
            .and_then(|rest| rest.strip_suffix(self.suffix.as_str()));
        match middle {
            None | Some("") => TagMatch::Other,
            Some(middle) => match Version::parse(middle) {
                Ok(version) => TagMatch::Version(version),
                Err(_) => TagMatch::NotSemver(middle.to_owned()),
            },
        }
    }

    /// The tag name a version would have: `payments-v2.4.0`.
    pub(crate) fn tag_name(&self, version: &Version) -> String {
        format!("{}{}{}", self.prefix, version, self.suffix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn matches_prefix_version_suffix() {
        let p = TagPattern::new("payments-v{version}").unwrap();
        assert_eq!(p.matches("payments-v2.4.0"), TagMatch::Version(v("2.4.0")));
        assert_eq!(
            p.matches("payments-v2.4.0-rc.1"),
            TagMatch::Version(v("2.4.0-rc.1"))
        );
        assert_eq!(p.matches("ledger-v2.4.0"), TagMatch::Other);
        assert_eq!(p.matches("payments-v"), TagMatch::Other);
        assert_eq!(
            p.matches("payments-v2.4"),
            TagMatch::NotSemver("2.4".to_owned())
        );
        assert_eq!(p.tag_name(&v("1.2.3")), "payments-v1.2.3");
    }

    #[test]
    fn suffix_patterns_and_bare_versions() {
        let p = TagPattern::new("release/{version}/prod").unwrap();
        assert_eq!(
            p.matches("release/1.0.0/prod"),
            TagMatch::Version(v("1.0.0"))
        );
        assert_eq!(p.matches("release/1.0.0"), TagMatch::Other);
        let bare = TagPattern::new("{version}").unwrap();
        assert_eq!(bare.matches("3.1.0"), TagMatch::Version(v("3.1.0")));
        assert_eq!(
            bare.matches("v3.1.0"),
            TagMatch::NotSemver("v3.1.0".to_owned())
        );
    }

    #[test]
    fn rejects_patterns_without_exactly_one_placeholder() {
        assert!(TagPattern::new("v").is_none());
        assert!(TagPattern::new("{version}-{version}").is_none());
    }

    #[test]
    fn semver_ordering_puts_prereleases_first() {
        let mut versions = [v("2.4.0"), v("2.4.0-rc.2"), v("2.4.0-rc.10"), v("2.3.9")];
        versions.sort();
        let names: Vec<String> = versions.iter().map(Version::to_string).collect();
        assert_eq!(names, ["2.3.9", "2.4.0-rc.2", "2.4.0-rc.10", "2.4.0"]);
    }
}
