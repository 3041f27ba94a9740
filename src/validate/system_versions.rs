//! Validation of `system-versions/*.yaml`: names unique, every member a known system at a
//! version with a release file, and every member's `depends_on` satisfied within the
//! manifest.

use std::collections::BTreeMap;
use std::path::Path;

use super::{at, Validator};
use crate::calendar::ics::slug as slugify;
use crate::content::load::{RawContent, YamlFile};
use crate::content::plan::{Member, ReleaseLookup, SystemVersion};
use crate::content::raw::{RawMember, RawSystemVersion};
use crate::diagnostics::SourceRef;

impl Validator<'_> {
    pub(super) fn system_versions(
        &mut self,
        raw: &RawContent,
        releases: &ReleaseLookup<'_>,
    ) -> Vec<SystemVersion> {
        let mut seen: BTreeMap<String, SourceRef> = BTreeMap::new();
        let mut versions = Vec::new();
        for file in &raw.system_versions {
            let Some(version) = self.system_version(file, releases) else {
                continue;
            };
            if let Some(first) = seen.get(&version.slug) {
                let message = format!(
                    "the system version \"{}\" is already defined at {first}",
                    version.name
                );
                self.error(
                    version.source.clone(),
                    "name",
                    message,
                    "give each system version its own name (names are compared as their URL slugs, ignoring case and punctuation)",
                );
                continue;
            }
            seen.insert(version.slug.clone(), version.source.clone());
            versions.push(version);
        }
        versions.sort_by(|a, b| a.name.cmp(&b.name));
        versions
    }

    fn system_version(
        &mut self,
        file: &YamlFile<RawSystemVersion>,
        releases: &ReleaseLookup<'_>,
    ) -> Option<SystemVersion> {
        let path = file.path.as_path();
        let raw = &file.data;
        // Runs of other characters become one '-': "2026.12" is /system-versions/2026-12/.
        let slug = slugify(&raw.name.value);
        if raw.name.value.trim().is_empty() {
            self.error(
                at(path, 0, &raw.name),
                "name",
                "the system version has no name",
                "name it, e.g. \"2026.12\" or \"Wallet launch\"",
            );
            return None;
        }
        let members = self.members(path, &raw.versions, releases, "versions");
        if raw.versions.is_empty() {
            self.error(
                at(path, 0, &raw.name),
                "versions",
                "the system version lists no versions",
                "add `versions:` with one `- system: <id>` / `version: <x.y.z>` entry per system",
            );
        }
        let mut by_system: BTreeMap<&str, &Member> = BTreeMap::new();
        for member in &members {
            if let Some(first) = by_system.insert(&member.system, member) {
                let message = format!(
                    "{} is listed twice (also at line {})",
                    member.system, first.source.line
                );
                self.error(
                    member.source.clone(),
                    "versions.system",
                    message,
                    "a system version holds one version of each system: keep one",
                );
            }
        }
        for member in &members {
            self.dependencies_in_manifest(member, &by_system, releases);
        }
        Some(SystemVersion {
            name: self.one_line(path, 0, &raw.name, "name").trim().to_owned(),
            slug,
            description: raw.description.clone(),
            members,
            source: at(path, 0, &raw.name),
        })
    }

    /// Converts `- system: x` / `version: y` entries; each must name a known system and a
    /// version that has a release file. Entries that cannot be read are left out.
    pub(super) fn members(
        &mut self,
        path: &Path,
        raw: &[RawMember],
        releases: &ReleaseLookup<'_>,
        field: &str,
    ) -> Vec<Member> {
        let mut members = Vec::new();
        for entry in raw {
            self.system_ref(path, 0, &entry.system, &format!("{field}.system"));
            let Some(version) = self.version(path, 0, &entry.version) else {
                continue;
            };
            let system = entry.system.value.clone();
            let known = self.known.systems.contains(&system);
            let has_file = releases.get(&system, &version).is_some();
            if known && !has_file && !self.known.releases_unreadable {
                self.error(
                    at(path, 0, &entry.version),
                    &format!("{field}.version"),
                    format!("{system} {version} has no release file"),
                    &format!("add releases/{system}-{version}.md (`shipboard new release {system} {version}`), or name a version that has one"),
                );
            }
            members.push(Member {
                system,
                version,
                source: at(path, 0, &entry.system),
            });
        }
        members
    }

    /// Each `depends_on` of `member`'s release must be met by the manifest's own version
    /// of that system.
    fn dependencies_in_manifest(
        &mut self,
        member: &Member,
        by_system: &BTreeMap<&str, &Member>,
        releases: &ReleaseLookup<'_>,
    ) {
        let Some(release) = releases.get(&member.system, &member.version) else {
            return;
        };
        for dependency in &release.depends_on {
            let needs = format!(
                "{} {} depends on {} {} ({})",
                member.system,
                member.version,
                dependency.system,
                dependency.requirement,
                dependency.source
            );
            match by_system.get(dependency.system.as_str()) {
                None => self.error(
                    member.source.clone(),
                    "versions",
                    format!("{needs}, which this system version does not include"),
                    &format!(
                        "add `- system: {}` with a version matching {} to `versions:`",
                        dependency.system, dependency.requirement
                    ),
                ),
                Some(other) if !dependency.requirement.matches(&other.version) => self.error(
                    member.source.clone(),
                    "versions",
                    format!(
                        "{needs}, but this system version has {} {} (line {})",
                        other.system, other.version, other.source.line
                    ),
                    &format!(
                        "list a version of {} matching {}, or another version of {}",
                        dependency.system, dependency.requirement, member.system
                    ),
                ),
                Some(_) => {}
            }
        }
    }
}
