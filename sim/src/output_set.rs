//! Output files written as a set: after a crash or `kill -9` at any moment,
//! a directory holds its complete old set or, once the next `cirrus`
//! command that writes or reads it has run, its complete new set — never a
//! new `result.json` beside old CSVs.
//!
//! [`OutputSet::commit`] stages every file in a temporary directory inside
//! the output directory, then writes the staged `manifest.json` (names,
//! sizes and FNV-1a 64 hashes): that is the commit point. It then removes
//! the directory's old manifest, moves the files in, and moves the new
//! manifest in last. A set staged with its manifest by a writer that died is
//! moved in by [`recover`]; one staged without it is discarded. [`verify`]
//! checks the files a manifest names.

use crate::fsio;
use serde::{Deserialize, Serialize};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The name of a directory's manifest (defined in [`fsio`], whose stale
/// temp sweep must not drop a committed set).
pub const MANIFEST: &str = fsio::OUTPUT_SET_MANIFEST;

/// One file of a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// File name inside the directory.
    pub name: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// FNV-1a 64 of its content, 16 hex digits.
    pub fnv1a64: String,
}

/// A directory's manifest (format 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always 1.
    pub format_version: u32,
    /// The files of the set, by name.
    pub files: Vec<Entry>,
}

/// Files to be written into one directory as a set.
#[derive(Debug)]
pub struct OutputSet {
    dir: PathBuf,
    files: Vec<(String, Vec<u8>)>,
}

fn hash_hex(bytes: &[u8]) -> String {
    let h = crate::engine::content_hash(bytes);
    format!("{h:016x}")
}

impl OutputSet {
    /// An empty set for directory `dir` (created on commit).
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
            files: Vec::new(),
        }
    }

    /// The directory the set is written into.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Adds file `name` (a plain file name, no directories) with `bytes`;
    /// a later file of the same name replaces an earlier one.
    pub fn add(&mut self, name: &str, bytes: Vec<u8>) {
        self.files.retain(|(n, _)| n != name);
        self.files.push((name.to_owned(), bytes));
    }

    /// Writes the set (see the module docs). Files of the directory that are
    /// not in the set stay, and stay in the manifest when they were in it.
    pub fn commit(self) -> std::io::Result<()> {
        if let Ok(m) = std::fs::symlink_metadata(&self.dir)
            && !m.is_dir()
            && !std::fs::metadata(&self.dir).is_ok_and(|m| m.is_dir())
        {
            return Err(std::io::Error::other(
                "exists and is not a directory (--out names a directory)",
            ));
        }
        std::fs::create_dir_all(&self.dir)?;
        recover(&self.dir)?;
        let mut manifest = read_manifest(&self.dir).unwrap_or(Manifest {
            format_version: 1,
            files: Vec::new(),
        });
        let staging = fsio::temp_dir_in(&self.dir)?;
        for (name, bytes) in &self.files {
            if name.contains('/') || name == MANIFEST || name.starts_with('.') {
                return Err(std::io::Error::other(format!(
                    "`{name}` is not a plain output file name"
                )));
            }
            write_synced(&staging.path().join(name), bytes)?;
            manifest.files.retain(|e| &e.name != name);
            manifest.files.push(Entry {
                name: name.clone(),
                bytes: bytes.len() as u64,
                fnv1a64: hash_hex(bytes),
            });
        }
        manifest.files.sort_by(|a, b| a.name.cmp(&b.name));
        let json = serde_json::to_string_pretty(&manifest).map_err(std::io::Error::other)?;
        write_synced(
            &staging.path().join(MANIFEST),
            format!("{json}\n").as_bytes(),
        )?;
        fsio::sync_dir(staging.path());
        // Committed: from here on the staged set is moved in, by this
        // process or by the next `recover`.
        let staging = staging.keep();
        apply(&self.dir, &staging)
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Moves a committed staged set (its manifest present) into `dir`, the
/// manifest last, and removes the staging directory.
fn apply(dir: &Path, staging: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(dir.join(MANIFEST)) {
        Ok(()) => fsio::sync_dir(dir),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let manifest = read_manifest(staging)
        .ok_or_else(|| std::io::Error::other("staged manifest unreadable"))?;
    for e in &manifest.files {
        let from = staging.join(&e.name);
        if from.exists() {
            std::fs::rename(&from, dir.join(&e.name))?;
        }
    }
    fsio::sync_dir(dir);
    std::fs::rename(staging.join(MANIFEST), dir.join(MANIFEST))?;
    fsio::sync_dir(dir);
    std::fs::remove_dir_all(staging)
}

fn read_manifest(dir: &Path) -> Option<Manifest> {
    let text = crate::fsio::read_to_string_limited(
        &dir.join(MANIFEST),
        crate::fsio::MAX_INPUT_BYTES,
        "manifest",
    )
    .ok()?;
    serde_json::from_str(&text).ok()
}

/// Finishes the committed sets that writers which died left staged in
/// `dir`, and removes every other leftover temporary file of dead writers.
pub fn recover(dir: &Path) -> std::io::Result<()> {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let is_dir = entry
                .file_type()
                .is_ok_and(|t| t.is_dir() && !t.is_symlink());
            let path = entry.path();
            if is_dir
                && fsio::is_dead_temp(&entry.file_name().to_string_lossy())
                && path.join(MANIFEST).is_file()
            {
                apply(dir, &path)?;
            }
        }
    }
    fsio::remove_stale_temps(dir);
    Ok(())
}

/// Why a directory's files do not match its manifest.
#[derive(Debug, thiserror::Error)]
#[error("{}: the output set is inconsistent: {reason} (an interrupted or foreign write; run the command that wrote it again)", dir.display())]
pub struct Inconsistent {
    /// The directory.
    pub dir: PathBuf,
    /// The first mismatch found.
    pub reason: String,
}

/// Completes an interrupted set in `dir` (see [`recover`]), then checks
/// every file its manifest names. A directory without a manifest passes
/// (outputs written before manifests existed, or single files).
pub fn verify(dir: &Path) -> Result<(), Inconsistent> {
    let fail = |reason: String| Inconsistent {
        dir: dir.to_path_buf(),
        reason,
    };
    recover(dir).map_err(|e| fail(format!("cannot complete a staged set: {e}")))?;
    let path = dir.join(MANIFEST);
    let text = match crate::fsio::read_to_string_limited(
        &path,
        crate::fsio::MAX_INPUT_BYTES,
        "manifest",
    ) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(fail(format!("cannot read {MANIFEST}: {e}"))),
    };
    let manifest: Manifest =
        serde_json::from_str(&text).map_err(|e| fail(format!("{MANIFEST}: {e}")))?;
    for e in &manifest.files {
        let bytes = crate::fsio::read_limited(
            &dir.join(&e.name),
            crate::fsio::MAX_RESULT_BYTES,
            "result file",
        )
        .map_err(|err| fail(format!("`{}`: {err}", e.name)))?;
        if bytes.len() as u64 != e.bytes || hash_hex(&bytes) != e.fnv1a64 {
            return Err(fail(format!(
                "`{}` differs from the one {MANIFEST} names",
                e.name
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(dir: &Path, files: &[(&str, &str)]) -> std::io::Result<()> {
        let mut s = OutputSet::new(dir);
        for (n, b) in files {
            s.add(n, b.as_bytes().to_vec());
        }
        s.commit()
    }

    #[test]
    fn a_set_is_written_with_its_manifest_and_verifies() {
        let d = tempfile::tempdir().expect("tempdir");
        set(d.path(), &[("result.json", "{}"), ("jobs.csv", "a\n")]).expect("commit");
        verify(d.path()).expect("consistent");
        let m = read_manifest(d.path()).expect("manifest");
        let names: Vec<_> = m.files.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["jobs.csv", "result.json"]);
        // A second set into the same directory keeps the first's other files.
        set(d.path(), &[("cost.csv", "c")]).expect("commit");
        verify(d.path()).expect("consistent");
        assert_eq!(read_manifest(d.path()).expect("manifest").files.len(), 3);
    }

    #[test]
    fn a_changed_file_is_reported() {
        let d = tempfile::tempdir().expect("tempdir");
        set(d.path(), &[("result.json", "{}"), ("jobs.csv", "a")]).expect("commit");
        std::fs::write(d.path().join("jobs.csv"), "b").expect("edit");
        let e = verify(d.path()).expect_err("inconsistent");
        assert!(e.to_string().contains("`jobs.csv` differs"), "{e}");
    }

    /// A writer killed after its commit point, half-way through moving the
    /// files in: the next reader finishes the move.
    #[test]
    fn a_committed_set_of_a_dead_writer_is_rolled_forward() {
        let d = tempfile::tempdir().expect("tempdir");
        set(d.path(), &[("result.json", "old"), ("jobs.csv", "old")]).expect("commit");
        let staging = d
            .path()
            .join(format!("{}4194304.xyz.tmpdir", fsio::TEMP_MARK));
        std::fs::create_dir(&staging).expect("staging");
        let manifest = Manifest {
            format_version: 1,
            files: ["jobs.csv", "result.json"]
                .iter()
                .map(|n| Entry {
                    name: (*n).to_owned(),
                    bytes: 3,
                    fnv1a64: hash_hex(b"new"),
                })
                .collect(),
        };
        let json = serde_json::to_string(&manifest).expect("json");
        std::fs::write(staging.join(MANIFEST), json).expect("manifest");
        // result.json already moved in; jobs.csv still staged; old manifest gone.
        std::fs::write(d.path().join("result.json"), "new").expect("moved");
        std::fs::write(staging.join("jobs.csv"), "new").expect("staged");
        std::fs::remove_file(d.path().join(MANIFEST)).expect("rm");
        verify(d.path()).expect("rolled forward");
        assert_eq!(
            std::fs::read_to_string(d.path().join("jobs.csv")).expect("r"),
            "new"
        );
        assert!(!staging.exists());
    }

    /// A writer killed before its commit point: the old set stays, the
    /// staged files go.
    #[test]
    fn an_uncommitted_set_of_a_dead_writer_is_dropped() {
        let d = tempfile::tempdir().expect("tempdir");
        set(d.path(), &[("result.json", "old")]).expect("commit");
        let staging = d
            .path()
            .join(format!("{}4194304.xyz.tmpdir", fsio::TEMP_MARK));
        std::fs::create_dir(&staging).expect("staging");
        std::fs::write(staging.join("result.json"), "new").expect("staged");
        verify(d.path()).expect("old set");
        assert_eq!(
            std::fs::read_to_string(d.path().join("result.json")).expect("r"),
            "old"
        );
        assert!(!staging.exists());
    }

    #[test]
    fn a_file_as_the_directory_is_refused() {
        let d = tempfile::tempdir().expect("tempdir");
        let f = d.path().join("file");
        std::fs::write(&f, "x").expect("file");
        let e = set(&f, &[("a.csv", "a")]).expect_err("not a directory");
        assert!(e.to_string().contains("not a directory"), "{e}");
    }
}
