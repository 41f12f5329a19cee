//! Writing output files so that readers never see a half-written one, and
//! nothing but the named output is ever touched.
//!
//! A file is written into a temporary file beside it, created exclusively
//! (`O_EXCL`: a planted symlink or file at that name is never followed or
//! reused) under an unpredictable name, flushed, then renamed over the
//! destination. A destination that exists and is not a regular file (a
//! character device such as `/dev/null`, a FIFO, `/dev/stdout`) is written
//! into, never replaced. A symlink to a regular file replaces the file it
//! points to, as a plain write would. Temporary files of writers that died
//! (`kill -9`, power loss) are removed by the next write into the directory.
//!
//! Reading is bounded: [`read_limited`] and [`read_to_string_limited`] read
//! at most a stated number of bytes (plus one, to tell "exactly the limit"
//! from "more"), so `/dev/zero`, an endless FIFO or a huge file is refused
//! with a message naming the file and the limit instead of exhausting
//! memory.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

/// The most bytes a scenario, plan, device profile or other small input
/// file may hold.
pub const MAX_INPUT_BYTES: u64 = 16 << 20;

/// The most bytes a result file (`result.json`, which lists every job of a
/// large workload) may hold.
pub const MAX_RESULT_BYTES: u64 = 1 << 30;

/// The most bytes a trace may hold unless the scenario's
/// `[workload] max_trace_bytes` says otherwise.
pub const MAX_TRACE_BYTES: u64 = 256 << 20;

/// Reads the file at `path` whole, refusing it once it holds more than
/// `limit` bytes; `what` names the kind of file in that error ("scenario",
/// "trace"; the caller names the file). Works for devices and FIFOs (it never trusts a size it was
/// told), and never holds more than `limit + 1` bytes.
pub fn read_limited(path: &Path, limit: u64, what: &str) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let cap = limit.saturating_add(1);
    let hint = file
        .metadata()
        .ok()
        .filter(std::fs::Metadata::is_file)
        .map_or(0, |m| m.len());
    if hint > limit {
        return Err(too_large(limit, what));
    }
    let mut bytes = Vec::new();
    let mut reader = file.take(cap);
    let mut chunk = vec![0u8; 64 << 10];
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if bytes.len() + n > bytes.capacity() {
            // Grow geometrically, but never past the cap: a file at the
            // limit costs the limit, not twice it.
            let want = (bytes.capacity() * 2).max(hint as usize + 1).max(n);
            let want = want.min(usize::try_from(cap).unwrap_or(usize::MAX));
            let more = want.saturating_sub(bytes.len()).max(n);
            if bytes.try_reserve_exact(more).is_err() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::OutOfMemory,
                    format!(
                        "out of memory after reading {} (the limit for a {what} is {}; this machine, or its address-space limit, cannot hold more)",
                        bytes_in_words(bytes.len() as u64),
                        bytes_in_words(limit)
                    ),
                ));
            }
        }
        bytes.extend_from_slice(&chunk[..n]);
        if bytes.len() as u64 > limit {
            return Err(too_large(limit, what));
        }
    }
    Ok(bytes)
}

/// [`read_limited`] for a text file: also refuses bytes that are not UTF-8.
pub fn read_to_string_limited(path: &Path, limit: u64, what: &str) -> std::io::Result<String> {
    String::from_utf8(read_limited(path, limit, what)?).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "not UTF-8 text (first bad byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// The error for a file over its limit; callers name the file.
fn too_large(limit: u64, what: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!(
            "holds more than {}, the limit for a {what}",
            bytes_in_words(limit)
        ),
    )
}

/// `n` bytes as "16 MiB" when it is a whole number of MiB, else "N bytes".
fn bytes_in_words(n: u64) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else {
        format!("{n} bytes")
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory
/// (created if missing), flushed to disk, then renamed over `path`; the
/// directory is synced so the rename itself survives a crash. On failure
/// the temporary file is removed and `path` is untouched. See the module
/// docs for destinations that are not regular files.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let target = match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(std::io::Error::other(
                "is a directory (expected a file name)",
            ));
        }
        // A device, FIFO or socket: write into it; renaming over it would
        // replace, say, /dev/null with a regular file.
        Ok(m) if !m.is_file() => {
            let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
            return f.write_all(bytes).and_then(|()| f.flush());
        }
        // An existing file, possibly through symlinks: replace the file the
        // user's path names, not the symlink.
        Ok(_) => std::fs::canonicalize(path)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => path.to_path_buf(),
        Err(e) => return Err(e),
    };
    let (dir, name) = split(&target);
    std::fs::create_dir_all(&dir)?;
    remove_stale_temps(&dir);
    let mut tmp = temp_in(&dir, &name)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(&target).map_err(|e| e.error)?;
    sync_dir(&dir);
    Ok(())
}

/// Checks, before long work, that [`write_atomically`] could write `path`
/// now: not a directory, and a temporary file can be created (and is
/// removed again) in its directory, which is created if missing. A device
/// or FIFO must open for writing.
pub fn check_writable(path: &Path) -> std::io::Result<()> {
    let target = match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(std::io::Error::other(
                "is a directory (expected a file name)",
            ));
        }
        Ok(m) if !m.is_file() => {
            return std::fs::OpenOptions::new().write(true).open(path).map(drop);
        }
        Ok(_) => std::fs::canonicalize(path)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => path.to_path_buf(),
        Err(e) => return Err(e),
    };
    let (dir, name) = split(&target);
    std::fs::create_dir_all(&dir)?;
    temp_in(&dir, &name).map(drop)
}

/// The directory (`.` for a bare name) and file name of `path`.
pub(crate) fn split(path: &Path) -> (PathBuf, String) {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let name = path
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    (dir, name)
}

/// The prefix of every temporary name this process creates:
/// `.cirrus-tmp.PID.`, so that the next writer can tell a dead writer's
/// leftovers (their PID no longer runs) from a live one's.
fn temp_prefix() -> String {
    format!("{TEMP_MARK}{}.", std::process::id())
}

/// What every temporary name starts with.
pub(crate) const TEMP_MARK: &str = ".cirrus-tmp.";

/// A new temporary file in `dir` for the output `name`: exclusive, with
/// random characters in its name, removed when dropped unless persisted.
pub(crate) fn temp_in(dir: &Path, name: &str) -> std::io::Result<tempfile::NamedTempFile> {
    let prefix = format!("{}{}.", temp_prefix(), sanitize(name));
    tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .rand_bytes(10)
        .tempfile_in(dir)
}

/// A new temporary directory in `dir` (see [`temp_in`]).
pub(crate) fn temp_dir_in(dir: &Path) -> std::io::Result<tempfile::TempDir> {
    tempfile::Builder::new()
        .prefix(&temp_prefix())
        .suffix(".tmpdir")
        .rand_bytes(10)
        .tempdir_in(dir)
}

/// `name` with anything but ASCII letters, digits, `-`, `_` and `.`
/// replaced, and cut to 40 bytes: only a readable hint in a temp name.
fn sanitize(name: &str) -> String {
    name.chars()
        .take(40)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The name of an output set's manifest (`output_set::MANIFEST`): a temp
/// directory holding one is a committed set, left for `output_set::recover`.
pub const OUTPUT_SET_MANIFEST: &str = "manifest.json";

/// Removes the temporary files and directories in `dir` left by writers
/// that no longer run (best effort: errors are ignored). Symlinks planted
/// at such names are removed, never followed. Also removes the temp files
/// of versions before 0.1 of this writer (`.NAME.PID.tmp`) whose PID is gone.
pub fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(pid) = temp_owner(name) else {
            continue;
        };
        if pid == std::process::id() || process_runs(pid) {
            continue;
        }
        // Committed sets are finished by `output_set::recover`, not dropped.
        if entry.path().join(OUTPUT_SET_MANIFEST).is_file() {
            continue;
        }
        let path = entry.path();
        let is_dir = entry
            .file_type()
            .map(|t| t.is_dir() && !t.is_symlink())
            .unwrap_or(false);
        let _ = if is_dir {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
    }
}

/// Whether `name` is a temporary of a writer that no longer runs.
pub(crate) fn is_dead_temp(name: &str) -> bool {
    temp_owner(name).is_some_and(|pid| pid != std::process::id() && !process_runs(pid))
}

/// The PID of the writer that made the temporary `name`, if it is one.
fn temp_owner(name: &str) -> Option<u32> {
    if let Some(rest) = name.strip_prefix(TEMP_MARK) {
        if !(rest.ends_with(".tmp") || rest.ends_with(".tmpdir")) {
            return None;
        }
        return rest.split('.').next()?.parse().ok();
    }
    // Older writers: `.NAME.PID.tmp`.
    let stem = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (_, pid) = stem.rsplit_once('.')?;
    pid.parse().ok()
}

/// Whether process `pid` exists (Linux: `/proc/PID`; elsewhere assumed
/// running, so nothing is removed).
fn process_runs(pid: u32) -> bool {
    if !Path::new("/proc/self").exists() {
        return true;
    }
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Syncs directory `dir` so renames in it survive a crash (best effort: not
/// every platform can open a directory to sync it).
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_reads_refuse_more_than_the_limit() {
        let d = tempfile::tempdir().expect("tmp");
        let p = d.path().join("f.txt");
        std::fs::write(&p, b"0123456789").expect("write");
        assert_eq!(
            read_limited(&p, 10, "test file").expect("at the limit"),
            b"0123456789"
        );
        let e = read_limited(&p, 9, "test file").expect_err("over");
        assert!(
            e.to_string()
                .ends_with("holds more than 9 bytes, the limit for a test file"),
            "{e}"
        );
        assert_eq!(
            read_to_string_limited(&p, 16 << 20, "x").expect("text"),
            "0123456789"
        );
    }

    #[cfg(unix)]
    #[test]
    fn an_endless_device_is_refused_at_the_limit() {
        let e = read_limited(Path::new("/dev/zero"), 1 << 20, "scenario").expect_err("endless");
        assert_eq!(
            e.to_string(),
            "holds more than 1 MiB, the limit for a scenario"
        );
    }

    #[test]
    fn replaces_a_file_and_leaves_no_temp() {
        let d = tempfile::tempdir().expect("tempdir");
        let p = d.path().join("out.csv");
        write_atomically(&p, b"old").expect("write");
        write_atomically(&p, b"new").expect("write");
        assert_eq!(std::fs::read(&p).expect("read"), b"new");
        let names: Vec<_> = std::fs::read_dir(d.path())
            .expect("dir")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.csv")]);
    }

    #[test]
    fn a_planted_symlink_at_a_temp_name_is_never_followed() {
        let d = tempfile::tempdir().expect("tempdir");
        let victim = d.path().join("victim.txt");
        std::fs::write(&victim, b"ORIGINAL").expect("victim");
        let out = d.path().join("out");
        std::fs::create_dir(&out).expect("out");
        // Every name a predictable writer could use for this process.
        for n in ["result.json", "jobs.csv"] {
            let link = out.join(format!(".{n}.{}.tmp", std::process::id()));
            std::os::unix::fs::symlink(&victim, link).expect("symlink");
        }
        write_atomically(&out.join("result.json"), b"{}").expect("write");
        assert_eq!(std::fs::read(&victim).expect("read"), b"ORIGINAL");
        assert_eq!(std::fs::read(out.join("result.json")).expect("read"), b"{}");
    }

    #[test]
    fn a_device_is_written_into_not_replaced() {
        let null = Path::new("/dev/null");
        write_atomically(null, b"discarded").expect("write");
        let m = std::fs::symlink_metadata(null).expect("meta");
        assert!(!m.is_file(), "/dev/null became a regular file");
    }

    #[test]
    fn a_symlink_to_a_file_replaces_the_file_it_names() {
        let d = tempfile::tempdir().expect("tempdir");
        let real = d.path().join("real.csv");
        std::fs::write(&real, b"old").expect("real");
        let link = d.path().join("link.csv");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        write_atomically(&link, b"new").expect("write");
        assert!(std::fs::symlink_metadata(&link).expect("meta").is_symlink());
        assert_eq!(std::fs::read(&real).expect("read"), b"new");
    }

    #[test]
    fn a_directory_is_refused() {
        let d = tempfile::tempdir().expect("tempdir");
        let e = write_atomically(d.path(), b"x").expect_err("a directory");
        assert!(e.to_string().contains("is a directory"), "{e}");
    }

    #[test]
    fn dead_writers_temps_are_removed_live_ones_kept() {
        let d = tempfile::tempdir().expect("tempdir");
        // PID 4194304 is beyond Linux's largest PID: never running.
        let dead = d
            .path()
            .join(format!("{TEMP_MARK}4194304.out.csv.abcdefghij.tmp"));
        let old_style = d.path().join(".out.csv.4194304.tmp");
        let live = d
            .path()
            .join(format!("{TEMP_MARK}1.out.csv.abcdefghij.tmp"));
        let user = d.path().join(".notes.tmp");
        for p in [&dead, &old_style, &live, &user] {
            std::fs::write(p, b"x").expect("plant");
        }
        write_atomically(&d.path().join("out.csv"), b"new").expect("write");
        assert!(!dead.exists() && !old_style.exists());
        assert!(live.exists(), "PID 1 runs: its temp file stays");
        assert!(user.exists(), "not a temp name: stays");
    }
}
