//! The portal's address: `base_url` in portal.yaml and `--base-url` on the command line go
//! through the one check here, so a value that would break every link, feed and calendar
//! UID (a query, a fragment, a relative or protocol-relative URL, another scheme) is refused
//! with the same words wherever it comes from.
//!
//! Parsing is the `url` crate's (WHATWG URL): it lowercases the scheme and host, drops a
//! default port and understands IPv6 literals, so `HTTPS://Example.COM` is accepted as
//! `https://example.com/`.

use url::Url;

/// A `base_url` that cannot be used, with the reason in the user's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadBaseUrl(pub String);

/// The help line shown with every [`BadBaseUrl`].
pub const HELP: &str =
    "write the absolute http(s) address the portal is served at, e.g. https://releases.example.com/ or https://example.com/portal/";

/// Why `input` cannot stand in a link as written, if it cannot: a space or control character
/// (which would split or hide it), or a character that would end an HTML attribute or a
/// Markdown link. The first check of every URL a portal takes from its content.
pub fn character_problem(input: &str) -> Option<&'static str> {
    if input.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("contains spaces or control characters");
    }
    if input.contains(['"', '<', '>', '\'', '\\', '`']) {
        return Some("contains characters that are not allowed in a URL");
    }
    None
}

/// Checks `input` and returns it normalised, always ending in `/`.
pub fn normalise(input: &str) -> Result<String, BadBaseUrl> {
    let input = input.trim();
    let bad = |why: &str| Err(BadBaseUrl(format!("\"{input}\" {why}")));
    if let Some(why) = character_problem(input) {
        return bad(why);
    }
    let Ok(mut url) = Url::parse(input) else {
        return bad("is not an absolute URL (it must start with https:// or http://)");
    };
    if !matches!(url.scheme(), "http" | "https") {
        return bad("is not an http(s) URL");
    }
    if url.host_str().is_none_or(str::is_empty) {
        return bad("has no host name");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return bad("contains a user name or password, which every page would publish");
    }
    if url.query().is_some() {
        return bad("has a query (?...), which would end up inside every link");
    }
    if url.fragment().is_some() {
        return bad("has a fragment (#...), which would end up inside every link");
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url.into())
}

/// The host of a normalised base URL, as used on the right of calendar UIDs
/// (`[::1]` for an IPv6 literal); `shipboard.invalid` if it has none.
pub fn host(base_url: &str) -> String {
    Url::parse(base_url)
        .ok()
        .and_then(|url| url.host_str().map(str::to_owned))
        .filter(|host| !host.is_empty())
        .unwrap_or_else(|| "shipboard.invalid".to_owned())
}

/// The path of a normalised base URL: `https://x.org/portal/` -> `/portal/`.
pub fn path(base_url: &str) -> String {
    // Content built in code (tests, benches) may carry a bare path; keep it.
    let path = match Url::parse(base_url) {
        Ok(url) => url.path().to_owned(),
        Err(_) if base_url.starts_with('/') => {
            base_url.split(['?', '#']).next().unwrap_or("/").to_owned()
        }
        Err(_) => "/".to_owned(),
    };
    if path.ends_with('/') {
        path
    } else {
        format!("{path}/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises_absolute_http_urls() {
        let cases = [
            (
                "https://releases.example.com/",
                "https://releases.example.com/",
            ),
            ("HTTPS://EXAMPLE.COM/", "https://example.com/"),
            ("https://example.com/portal", "https://example.com/portal/"),
            ("https://example.com:443/a/b/", "https://example.com/a/b/"),
            ("http://[::1]:8080/", "http://[::1]:8080/"),
            ("  http://127.0.0.1:1111  ", "http://127.0.0.1:1111/"),
        ];
        for (input, want) in cases {
            assert_eq!(normalise(input).as_deref(), Ok(want), "{input}");
        }
    }

    #[test]
    fn refuses_what_would_break_links_or_inject() {
        for input in [
            "https://example.com/portal/?x=1",
            "https://example.com/#top",
            "//evil.example/",
            "/portal/",
            "portal",
            "javascript:alert(1)//",
            "ftp://example.com/",
            "https://user:secret@example.com/",
            "https://exa mple.com/",
            "https://example.com/\"><script>",
            "https://",
            "",
        ] {
            assert!(normalise(input).is_err(), "{input} was accepted");
        }
    }

    #[test]
    fn hosts_and_paths_for_uids_and_links() {
        assert_eq!(host("http://[::1]:8080/"), "[::1]");
        assert_eq!(
            host("https://releases.example.com/x/"),
            "releases.example.com"
        );
        assert_eq!(host("/relative/"), "shipboard.invalid");
        assert_eq!(path("https://example.com/portal/"), "/portal/");
        assert_eq!(path("https://example.com/"), "/");
    }
}
