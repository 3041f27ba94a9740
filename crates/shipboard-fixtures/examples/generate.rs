//! Writes a generated content repo (and its Zola site) to folders of your choice, e.g. to
//! build it with your own binary:
//! `cargo run --release -p shipboard-fixtures --example generate -- 10000 /tmp/portal [/tmp/zola-site]`.

use std::path::PathBuf;

use shipboard_fixtures::{ensure, Params};

fn main() {
    let mut args = std::env::args().skip(1);
    let usage = "usage: generate RELEASES CONTENT_DIR [ZOLA_DIR]";
    let releases: usize = args.next().and_then(|n| n.parse().ok()).expect(usage);
    let dir = PathBuf::from(args.next().expect(usage));
    let zola = args.next().map(PathBuf::from);
    let params = Params::sized(releases);
    let repo = ensure(&dir, &params, zola.as_deref());
    println!(
        "{} {} ({} content files; {})",
        if repo.reused { "reused" } else { "generated" },
        dir.display(),
        repo.size.files,
        repo.history
    );
}
