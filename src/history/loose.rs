//! Loose objects: find the damaged ones before libgit2 reads any.
//!
//! libgit2 1.9 (the newest `libgit2-sys` on crates.io, 0.18.8+1.9.7) never returns when it
//! inflates a truncated loose object: its zlib drain loop makes no progress and retries
//! forever (libgit2 issue 7342, fixed upstream after that release). So before a repository
//! is walked (only when the history cache misses), every loose object under `objects/??/`
//! (and under the object folders it borrows from, `objects/info/alternates`) is inflated
//! here, with `flate2`: the stream must end, start with a `<type> <size>\0` header of a
//! known type, and hold exactly `size` bytes after it. A damaged one is reported as
//! corruption and the repository is not walked at all. The check stops after `BUDGET`
//! compressed bytes, so a repository with a huge loose backlog is slowed by a bounded
//! amount (git packs loose objects away from a few thousand on, so a budget is rarely hit).
//! This module reads files; it never calls libgit2.

use std::fs;
use std::path::{Path, PathBuf};

use flate2::{Decompress, FlushDecompress, Status};
use git2::Oid;
use rayon::prelude::*;

use super::integrity::{Broken, Fault, Kind, Via};

/// At most this many compressed bytes of loose objects are checked per repository.
pub(crate) const BUDGET: u64 = 64 << 20;

/// What checking a repository's loose objects found.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    /// Damaged loose objects, by path.
    pub damaged: Vec<Broken>,
    /// Loose objects checked, and their compressed bytes.
    pub checked: usize,
    pub bytes: u64,
    /// Loose objects left unchecked because the budget was spent.
    pub skipped: usize,
}

impl Scan {
    /// A line for `--verbose`.
    pub(crate) fn summary(&self, repo: &Path, elapsed: std::time::Duration) -> String {
        let mut line = format!(
            "{}: {} loose objects ({} KiB) checked in {elapsed:.2?}",
            repo.display(),
            self.checked,
            self.bytes / 1024
        );
        if self.skipped > 0 {
            line.push_str(&format!(
                "; {} more not checked (budget of {} MiB spent)",
                self.skipped,
                BUDGET >> 20
            ));
        }
        line
    }
}

/// Checks the loose objects of the object folder `objects` (and of those it borrows
/// from), at most `budget` compressed bytes of them, in path order.
pub(crate) fn scan(objects: &Path, budget: u64) -> Scan {
    let mut files = Vec::new();
    for folder in object_folders(objects) {
        list(&folder, &mut files);
    }
    let mut scan = Scan::default();
    let mut within = Vec::new();
    for (path, id, size) in files {
        if scan.bytes + size > budget {
            scan.skipped += 1;
            continue;
        }
        scan.bytes += size;
        scan.checked += 1;
        within.push((path, id));
    }
    scan.damaged = within
        .par_iter()
        .map_init(Inflater::new, |inflater, (path, id)| {
            let (kind, why) = check_file(inflater, path).err()?;
            Some(Broken {
                id: *id,
                kind,
                fault: Fault::Damaged(why),
                via: Via::Loose(shown(objects, path)),
            })
        })
        .flatten()
        .collect();
    scan
}

/// `objects` and the folders named in its `info/alternates` (relative ones to `objects`).
fn object_folders(objects: &Path) -> Vec<PathBuf> {
    let mut folders = vec![objects.to_path_buf()];
    if let Ok(text) = fs::read_to_string(objects.join("info").join("alternates")) {
        let named = text.lines().map(str::trim);
        let named = named.filter(|l| !l.is_empty() && !l.starts_with('#'));
        folders.extend(named.map(|l| objects.join(l)));
    }
    folders
}

/// The loose object files of `objects` (path, id, size), sorted by path.
fn list(objects: &Path, out: &mut Vec<(PathBuf, Oid, u64)>) {
    let Ok(entries) = fs::read_dir(objects) else {
        return;
    };
    let mut fans: Vec<(PathBuf, String)> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let fan = name.len() == 2 && name.bytes().all(|b| b.is_ascii_hexdigit());
            fan.then(|| (e.path(), name))
        })
        .collect();
    fans.sort();
    for (dir, fan) in fans {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        let mut found: Vec<(PathBuf, Oid, u64)> = entries
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                if name.len() != 38 {
                    return None; // git's temporary files (`tmp_obj_*`) and the like
                }
                let id = Oid::from_str(&format!("{fan}{name}")).ok()?;
                let meta = e.metadata().ok().filter(fs::Metadata::is_file)?;
                Some((e.path(), id, meta.len()))
            })
            .collect();
        found.sort();
        out.extend(found);
    }
}

/// `objects/ab/cdef…` for a file of the main object folder, else the full path.
fn shown(objects: &Path, path: &Path) -> String {
    match path.strip_prefix(objects) {
        Ok(inside) => format!("objects/{}", inside.to_string_lossy().replace('\\', "/")),
        Err(_) => path.display().to_string(),
    }
}

/// A zlib inflater and its output buffer, reused from object to object by one thread
/// (allocating and zeroing them per object was most of the check's cost).
pub(crate) struct Inflater {
    inflate: Decompress,
    out: Vec<u8>,
}

impl Inflater {
    pub(crate) fn new() -> Inflater {
        Inflater {
            inflate: Decompress::new(true),
            out: vec![0u8; 16 * 1024],
        }
    }
}

fn check_file(inflater: &mut Inflater, path: &Path) -> Result<(), (Kind, String)> {
    let data = match fs::read(path) {
        Ok(data) => data,
        // Gone since it was listed: `git gc` or `git maintenance` packed it meanwhile.
        // The pack holds it now; that is no damage.
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err((Kind::Unknown, format!("unreadable: {err}"))),
    };
    check(inflater, &data)
}

/// Checks one loose object's bytes: a complete zlib stream whose content is a well-formed
/// object. The error says what the object claims to be (when its header says) and why.
pub(crate) fn check(inflater: &mut Inflater, data: &[u8]) -> Result<(), (Kind, String)> {
    inflater.inflate.reset(true);
    let Inflater { inflate, out } = inflater;
    let mut header: Vec<u8> = Vec::new();
    let mut parsed: Option<(Kind, u64)> = None;
    let mut body = 0u64;
    loop {
        let (read, written) = (inflate.total_in(), inflate.total_out());
        let input = data.get(read as usize..).unwrap_or(&[]);
        let kind = parsed.map_or(Kind::Unknown, |(k, _)| k);
        let status = inflate
            .decompress(input, out, FlushDecompress::None)
            .map_err(|_| (kind, "not a valid zlib stream".to_owned()))?;
        let produced = &out[..(inflate.total_out() - written) as usize];
        let mut rest = produced;
        if parsed.is_none() {
            header.extend_from_slice(produced);
            match header.iter().position(|b| *b == 0) {
                Some(nul) => {
                    parsed = Some(parse_header(&header[..nul])?);
                    body = (header.len() - nul - 1) as u64;
                    rest = &[];
                }
                None if header.len() > 32 => {
                    return Err((Kind::Unknown, "no object header".to_owned()))
                }
                None => rest = &[],
            }
        }
        body += rest.len() as u64;
        let kind = parsed.map_or(Kind::Unknown, |(k, _)| k);
        // Past its declared size it is damaged whatever follows: stop inflating (a small
        // hostile file could otherwise inflate to a thousand times its size).
        if let Some((_, size)) = parsed {
            if body > size {
                return Err((
                    kind,
                    format!("its header says {size} bytes but it holds more"),
                ));
            }
        }
        match status {
            Status::StreamEnd => break,
            _ if inflate.total_in() == read && inflate.total_out() == written => {
                return Err((kind, "truncated: its compressed data ends early".to_owned()))
            }
            _ => {}
        }
    }
    let Some((kind, size)) = parsed else {
        return Err((Kind::Unknown, "no object header".to_owned()));
    };
    if body != size {
        return Err((
            kind,
            format!("its header says {size} bytes but it holds {body}"),
        ));
    }
    Ok(())
}

/// `commit 123` as (kind, size).
fn parse_header(header: &[u8]) -> Result<(Kind, u64), (Kind, String)> {
    let bad = || (Kind::Unknown, "no object header".to_owned());
    let text = std::str::from_utf8(header).map_err(|_| bad())?;
    let (kind, size) = text.split_once(' ').ok_or_else(bad)?;
    let kind = match kind {
        "commit" => Kind::Commit,
        "tree" => Kind::Tree,
        "blob" => Kind::Blob,
        "tag" => Kind::Tag,
        _ => return Err(bad()),
    };
    let size = size
        .parse::<u64>()
        .map_err(|_| (kind, "no object size".to_owned()))?;
    Ok((kind, size))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn deflate(bytes: &[u8]) -> Vec<u8> {
        let mut encoder =
            flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn a_whole_object_passes() {
        assert_eq!(
            check(&mut Inflater::new(), &deflate(b"blob 5\0hello")),
            Ok(())
        );
        let big: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut object = format!("blob {}\0", big.len()).into_bytes();
        object.extend(&big);
        assert_eq!(check(&mut Inflater::new(), &deflate(&object)), Ok(()));
    }

    #[test]
    fn truncated_objects_fail_at_any_length() {
        let object = deflate(b"commit 37\0tree 4b825dc642cb6eb9a060e54bf8d69288");
        // One inflater for all: each check starts afresh.
        let mut inflater = Inflater::new();
        for len in 0..object.len() {
            let (_, why) = check(&mut inflater, &object[..len]).unwrap_err();
            assert!(
                why.contains("truncated") || why.contains("header"),
                "{len}: {why}"
            );
        }
        assert_eq!(check(&mut inflater, &object), Ok(()));
        assert_eq!(
            check(&mut inflater, &object[..object.len() - 2])
                .unwrap_err()
                .0,
            Kind::Commit
        );
    }

    #[test]
    fn garbage_and_wrong_sizes_and_headers_fail() {
        assert_eq!(
            check(&mut Inflater::new(), &[0xA5; 40]).unwrap_err().1,
            "not a valid zlib stream"
        );
        assert_eq!(
            check(&mut Inflater::new(), &deflate(b"tree 9\0abc")).unwrap_err(),
            (
                Kind::Tree,
                "its header says 9 bytes but it holds 3".to_owned()
            )
        );
        assert_eq!(
            check(&mut Inflater::new(), &deflate(b"bogus 3\0abc"))
                .unwrap_err()
                .0,
            Kind::Unknown
        );
        assert!(check(&mut Inflater::new(), &deflate(&[b'x'; 100])).is_err());
        // Past its declared size it stops at once, however much more it would inflate to.
        let mut long = b"blob 3\0".to_vec();
        long.extend(std::iter::repeat_n(b'a', 4 << 20));
        assert_eq!(
            check(&mut Inflater::new(), &deflate(&long)).unwrap_err().1,
            "its header says 3 bytes but it holds more"
        );
    }

    #[test]
    fn an_object_packed_away_since_it_was_listed_is_no_damage() {
        let gone = std::env::temp_dir().join("shipboard-loose-gone-object");
        let _ = std::fs::remove_file(&gone);
        assert_eq!(check_file(&mut Inflater::new(), &gone), Ok(()));
    }

    #[test]
    fn scan_reports_damaged_files_and_respects_the_budget() {
        let dir = tempfile::tempdir().unwrap();
        let objects = dir.path();
        let good = deflate(b"blob 5\0hello");
        let id = "0123456789012345678901234567890123456789";
        let other = "ab23456789012345678901234567890123456789";
        for (hex, bytes) in [(id, &good[..]), (other, &good[..good.len() - 3])] {
            let fan = objects.join(&hex[..2]);
            fs::create_dir_all(&fan).unwrap();
            fs::write(fan.join(&hex[2..]), bytes).unwrap();
        }
        fs::create_dir_all(objects.join("pack")).unwrap();
        let found = scan(objects, BUDGET);
        assert_eq!((found.checked, found.skipped), (2, 0));
        assert_eq!(found.damaged.len(), 1);
        let broken = &found.damaged[0];
        assert_eq!(broken.id.to_string(), other);
        assert_eq!(broken.kind, Kind::Blob);
        assert_eq!(
            broken.via,
            Via::Loose(format!("objects/ab/{}", &other[2..]))
        );
        // The budget stops the check before the second file: it is not read.
        let found = scan(objects, good.len() as u64);
        assert_eq!((found.checked, found.skipped), (1, 1));
        assert!(found.damaged.is_empty());
    }
}
