//! The importer: incremental re-imports, deletions, zips, malformed files.

use crate::fixture_dir as fixtures;
use std::io::Write;
use vouch_osv::{Database, Ecosystem, Lookup};

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), t).unwrap();
        }
    }
}

#[test]
fn reimport_reads_only_what_changed() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("rustsec");
    copy_dir(&fixtures().join("rustsec"), &src);
    let mut db = Database::create(&t.path().join("db/advisories.redb")).unwrap();
    let first = db.import(&src, &|_, _| {}).unwrap();
    assert_eq!((first.files, first.parsed, first.unchanged), (13, 13, 0));

    let again = db.import(&src, &|_, _| {}).unwrap();
    assert_eq!(
        (again.parsed, again.unchanged, again.advisories_written),
        (0, 13, 0)
    );

    // Same bytes, new modification time: read and hashed, not parsed.
    let f = src.join("crates/RUSTSEC-2016-0001.json");
    let bytes = std::fs::read(&f).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&f, &bytes).unwrap();
    let touched = db.import(&src, &|_, _| {}).unwrap();
    assert_eq!((touched.parsed, touched.unchanged), (0, 13));

    // Changed content: re-parsed and replaced; a deleted file's advisory goes away.
    let text = String::from_utf8(bytes)
        .unwrap()
        .replace("\"fixed\": \"0.9.0\"", "\"fixed\": \"0.9.1\"");
    std::fs::write(&f, text).unwrap();
    std::fs::remove_file(src.join("crates/RUSTSEC-2024-0445.json")).unwrap();
    let changed = db.import(&src, &|_, _| {}).unwrap();
    assert_eq!(
        (changed.parsed, changed.removed, changed.advisories_written),
        (1, 1, 1)
    );
    let r = db.reader().unwrap();
    assert!(
        r.by_package(&Ecosystem::CratesIo, "cap-primitives")
            .unwrap()
            .is_empty()
    );
    let openssl = r.by_package(&Ecosystem::CratesIo, "openssl").unwrap();
    assert_eq!(openssl.len(), 1);
    assert_eq!(
        vouch_osv::range::fixed_versions(&openssl[0].affected[0]),
        ["0.9.1"]
    );
    assert_eq!(r.count().unwrap(), 12);
    let status = db.status().unwrap();
    assert_eq!(status.sources.len(), 1);
    assert_eq!(status.sources[0].advisories, 12);
    assert_eq!(status.sources[0].withdrawn, 1);
}

#[test]
fn zip_sources_and_bad_files() {
    let t = tempfile::tempdir().unwrap();
    let zip_path = t.path().join("PyPI.zip");
    {
        let f = std::fs::File::create(&zip_path).unwrap();
        let mut z = zip::ZipWriter::new(f);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for name in ["py/PYSEC-2022-42969.yaml", "gratient/PYSEC-2024-1.yaml"] {
            z.start_file(name, opts).unwrap();
            z.write_all(&std::fs::read(fixtures().join("pypa/vulns").join(name)).unwrap())
                .unwrap();
        }
        z.start_file("broken.json", opts).unwrap();
        z.write_all(b"{\"id\": ").unwrap();
        z.start_file("README.md", opts).unwrap();
        z.write_all(b"not an advisory").unwrap();
        z.finish().unwrap();
    }
    let mut db = Database::create(&t.path().join("advisories.redb")).unwrap();
    let s = db.import(&zip_path, &|_, _| {}).unwrap();
    assert_eq!((s.files, s.advisories_written, s.errors.len()), (3, 2, 1));
    assert!(
        s.errors[0].contains("PyPI.zip!broken.json: not a valid OSV record"),
        "{:?}",
        s.errors
    );
    assert_eq!(s.source.as_ref().unwrap().kind, "zip");
    let r = db.reader().unwrap();
    assert_eq!(r.by_package(&Ecosystem::PyPI, "py").unwrap().len(), 1);
    // Unchanged zip members are not re-read.
    let again = db.import(&zip_path, &|_, _| {}).unwrap();
    assert_eq!((again.parsed, again.unchanged), (0, 3));
}

#[test]
fn not_a_source_is_a_clear_error() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("notes.txt");
    std::fs::write(&p, "hello").unwrap();
    let mut db = Database::create(&t.path().join("advisories.redb")).unwrap();
    let e = db.import(&p, &|_, _| {}).err().unwrap().to_string();
    assert!(
        e.contains("is not a directory or a .zip of OSV advisories"),
        "{e}"
    );
    let missing = Database::open(&t.path().join("none/advisories.redb"))
        .err()
        .unwrap();
    assert!(
        missing.to_string().starts_with("no advisory database at"),
        "{missing}"
    );
}

#[test]
fn readers_share_the_database() {
    let t = tempfile::tempdir().unwrap();
    let file = t.path().join("advisories.redb");
    {
        let mut db = Database::create(&file).unwrap();
        db.import(&fixtures().join("rustsec"), &|_, _| {}).unwrap();
    }
    let a = Database::open(&file).unwrap();
    let b = Database::open(&file).unwrap();
    assert_eq!(a.reader().unwrap().count().unwrap(), 13);
    assert_eq!(b.reader().unwrap().count().unwrap(), 13);
}
