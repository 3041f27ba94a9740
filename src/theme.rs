//! Theme: the templates and static files a portal is rendered with.
//!
//! The built-in default theme is embedded in the binary. A content repo may pick its own
//! theme (`theme: name` in portal.yaml -> `<content>/themes/<name>/`), override single
//! templates in `<content>/templates/`, and add files in `<content>/static/`. Each layer
//! replaces files of the same name in the one before. This is part of loading: it reads
//! files; rendering only gets the result. Symbolic links are never followed: a linked
//! folder is an error, a link inside one is skipped with a warning (it could publish files
//! from anywhere on the machine that builds).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::content::load::{linked_part, skipped_link_warning, symbolic_link_error};
use crate::diagnostics::{Diagnostic, SourceRef};

include!(concat!(env!("OUT_DIR"), "/default_theme.rs"));

/// Templates by name (`base.html`, `partials/x.html`) and static files by output path.
#[derive(Debug, Clone, Default)]
pub struct Theme {
    pub templates: BTreeMap<String, String>,
    pub static_files: BTreeMap<String, Vec<u8>>,
    /// The file (relative to the content dir) of every template that is not built in, so
    /// template errors name the file the author edits.
    pub origins: BTreeMap<String, PathBuf>,
    /// Symbolic links found inside the theme's folders, skipped (reported by the build).
    pub warnings: Vec<Diagnostic>,
}

impl Theme {
    /// The digest of every template (name and text): what every page's fingerprint
    /// starts from, and what tells `serve` a rebuild's pages have other markup.
    pub fn templates_digest(&self) -> crate::cache::Digest {
        let mut digest = crate::cache::Fingerprint::new("templates");
        for (name, text) in &self.templates {
            digest.text(name).text(text);
        }
        digest.finish()
    }

    /// The built-in theme alone.
    pub fn builtin() -> Theme {
        let mut theme = Theme::default();
        for (path, bytes) in DEFAULT_THEME {
            theme.add(path, bytes.to_vec());
        }
        theme
    }

    /// Where template `name` comes from: its file in the content repo, or the built-in
    /// theme.
    pub fn origin(&self, name: &str) -> PathBuf {
        self.origins
            .get(name)
            .cloned()
            .unwrap_or_else(|| Path::new("(built-in theme)/templates").join(name))
    }

    fn add(&mut self, path: &str, bytes: Vec<u8>) {
        if let Some(name) = path.strip_prefix("templates/") {
            self.templates.insert(
                name.to_owned(),
                String::from_utf8_lossy(&bytes).into_owned(),
            );
        } else if let Some(name) = path.strip_prefix("static/") {
            self.static_files.insert(name.to_owned(), bytes);
        }
    }

    /// The built-in theme with the content repo's theme and overrides on top.
    pub fn load(content_root: &Path, theme: Option<&str>) -> Result<Theme, Diagnostic> {
        let mut result = Theme::builtin();
        if let Some(name) = theme {
            let dir = content_root.join("themes").join(name);
            if !dir.is_dir() {
                return Err(Diagnostic::error(SourceRef::file("portal.yaml"), Some("theme"), format!("theme \"{name}\" not found at themes/{name}/"))
                    .with_help("create the folder with templates/ and static/, or remove `theme:` to use the built-in theme"));
            }
            result.overlay(content_root, &Path::new("themes").join(name), "")?;
        }
        result.overlay(content_root, Path::new("templates"), "templates/")?;
        result.overlay(content_root, Path::new("static"), "static/")?;
        Ok(result)
    }

    /// Adds every file below `root/folder`, named `prefix` + its path relative to it.
    fn overlay(&mut self, root: &Path, folder: &Path, prefix: &str) -> Result<(), Diagnostic> {
        if let Some(link) = linked_part(root, folder) {
            return Err(symbolic_link_error(&link, "folder"));
        }
        let dir = &root.join(folder);
        if !dir.is_dir() {
            return Ok(());
        }
        let walk = walkdir::WalkDir::new(dir).follow_root_links(false);
        for entry in walk.sort_by_file_name() {
            let entry = entry.map_err(|err| {
                Diagnostic::error(
                    SourceRef::file(dir),
                    None,
                    format!("cannot read theme files: {err}"),
                )
            })?;
            if entry.path_is_symlink() {
                let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
                self.warnings.push(skipped_link_warning(relative));
                continue;
            }
            if !entry.file_type().is_file() || entry.file_name().to_string_lossy().starts_with('.')
            {
                continue;
            }
            let Ok(relative) = entry.path().strip_prefix(dir) else {
                continue;
            };
            let relative = relative.to_string_lossy().replace('\\', "/");
            let bytes = fs::read(entry.path()).map_err(|err| {
                Diagnostic::error(
                    SourceRef::file(entry.path()),
                    None,
                    format!("cannot read: {err}"),
                )
            })?;
            let name = format!("{prefix}{relative}");
            if let Some(template) = name.strip_prefix("templates/") {
                self.origins
                    .insert(template.to_owned(), folder.join(&relative));
            }
            self.add(&name, bytes);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    /// The default stylesheet's colour variables: each one used is defined in `:root` with
    /// a value of its own (a variable defined as itself is invalid, and every rule using it
    /// silently loses its colour).
    #[test]
    fn every_colour_variable_of_the_default_theme_has_a_value() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("themes/default/static/style.css");
        let css = std::fs::read_to_string(path).expect("the default stylesheet");
        let root = &css[css.find(":root {").expect(":root")..];
        let root = &root[..root.find('}').expect("end of :root")];
        let mut defined = Vec::new();
        for line in root.lines() {
            let Some((name, value)) = line.trim().split_once(':') else {
                continue;
            };
            if let Some(name) = name.strip_prefix("--") {
                assert!(
                    !value.contains("var("),
                    "--{name} is defined as {value}: give it a colour"
                );
                defined.push(name.to_owned());
            }
        }
        assert!(defined.len() > 10, "{defined:?}");
        for used in css.split("var(--").skip(1) {
            let name = &used[..used.find(')').expect("var() closes")];
            assert!(
                defined.iter().any(|d| d == name),
                "--{name} is used but not defined in :root"
            );
        }
    }
}
