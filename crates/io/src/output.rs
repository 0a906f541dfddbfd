//! Writing results: to standard output, or atomically to a file.
//!
//! A regular file is written to a temporary sibling and renamed into place only when complete,
//! so a failure never leaves a partial output behind. What is not a regular file (a device such
//! as `/dev/null`, a FIFO) is opened and written directly: renaming onto it would replace the
//! node. A symbolic link is followed and its target is replaced, never the link itself.
//!
//! Temporary files being written are listed in [`pending_temporary_files`], so the binary can
//! remove them when it is interrupted by a signal ([`remove_pending_temporary_files`]).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use journeysim_core::error::{Error, Result};

/// Writes `bytes` to `path` atomically, or to standard output when `path` is `None` or `-`.
pub fn write_output(path: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match path {
        None => write_stdout(bytes),
        Some(p) if p.as_os_str() == "-" => write_stdout(bytes),
        Some(p) => write_file(p, |file, name| {
            file.write_all(bytes).map_err(|source| Error::Write {
                path: name.to_owned(),
                source,
            })
        }),
    }
}

/// Streams output produced by `produce` to `path` atomically (temporary sibling renamed into
/// place when `produce` succeeds), or to standard output when `path` is `None` or `-`. For
/// outputs too large to hold in memory (generated event logs).
pub fn write_output_streaming(
    path: Option<&Path>,
    produce: impl FnOnce(&mut dyn Write, &str) -> Result<()>,
) -> Result<()> {
    match path {
        Some(p) if p.as_os_str() != "-" => write_file(p, |file, name| {
            let mut writer = std::io::BufWriter::with_capacity(1 << 20, file);
            produce(&mut writer, name)?;
            writer.flush().map_err(|source| Error::Write {
                path: name.to_owned(),
                source,
            })
        }),
        _ => {
            let stdout = std::io::stdout().lock();
            let mut writer = std::io::BufWriter::with_capacity(1 << 20, stdout);
            match produce(&mut writer, "<stdout>").and_then(|_| {
                writer.flush().map_err(|source| Error::Write {
                    path: "<stdout>".into(),
                    source,
                })
            }) {
                Err(Error::Write { source, .. })
                    if source.kind() == std::io::ErrorKind::BrokenPipe =>
                {
                    Ok(())
                }
                other => other,
            }
        }
    }
}

fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|_| stdout.flush()) {
        // A closed pipe (`| head`) is the reader's choice, not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(|source| Error::Write {
            path: "<stdout>".into(),
            source,
        }),
    }
}

/// Writes `path` with `produce`: through to the node when it exists and is not a regular file
/// (device, FIFO, socket), else atomically. A symbolic link is resolved first, so its target is
/// what gets written or replaced. Errors name `path` as given.
fn write_file(
    path: &Path,
    produce: impl FnOnce(&mut std::fs::File, &str) -> Result<()>,
) -> Result<()> {
    let name = path.display().to_string();
    let error = |source| Error::Write {
        path: name.clone(),
        source,
    };
    let target = resolve_links(path).map_err(error)?;
    match std::fs::metadata(&target) {
        Ok(meta) if !meta.is_file() && !meta.is_dir() => {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .open(&target)
                .map_err(error)?;
            produce(&mut file, &name)?;
            file.flush().map_err(error)
        }
        _ => write_atomically(&target, &name, produce),
    }
}

/// `path` with every symbolic link along its last component followed (to the link's target,
/// relative to the link's directory), so a dangling link names the file to create. Directories
/// on the way are left to the operating system.
fn resolve_links(path: &Path) -> std::io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    // The limit Linux puts on nested links (ELOOP).
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&current)?;
                current = match current.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
}

/// Temporary files being written now: removed by [`remove_pending_temporary_files`] when the
/// program is interrupted, renamed into place (and dropped from the list) when complete.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// The temporary files being written now.
pub fn pending_temporary_files() -> Vec<PathBuf> {
    PENDING.lock().map(|p| p.clone()).unwrap_or_default()
}

/// Removes every temporary file being written (for a signal handler that then exits), so an
/// interrupted `--out` leaves nothing behind. Holds the list locked, so no new temporary file
/// is listed (or renamed into place) while it runs.
pub fn remove_pending_temporary_files() {
    let mut pending = match PENDING.lock() {
        Ok(p) => p,
        Err(poisoned) => poisoned.into_inner(),
    };
    for path in pending.drain(..) {
        let _ = std::fs::remove_file(path);
    }
    // Keep the lock: the program is about to exit, and a writer must not rename a file now.
    std::mem::forget(pending);
}

/// Lists a temporary file for the life of the value.
struct Pending(PathBuf);

impl Pending {
    fn new(path: &Path) -> Pending {
        if let Ok(mut p) = PENDING.lock() {
            p.push(path.to_path_buf());
        }
        Pending(path.to_path_buf())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if let Ok(mut p) = PENDING.lock()
            && let Some(i) = p.iter().position(|q| *q == self.0)
        {
            p.swap_remove(i);
        }
    }
}

/// Writes a temporary sibling of `path` with `produce`, then renames it into place: a failure
/// (in `produce` or in writing) never leaves a partial file, and an existing file is replaced
/// only by a complete one. The new file gets the old file's permissions, or the usual 0644 on
/// Unix (temporary files are created 0600, which would hide results from other users).
fn write_atomically(
    path: &Path,
    name: &str,
    produce: impl FnOnce(&mut std::fs::File, &str) -> Result<()>,
) -> Result<()> {
    let error = |source| Error::Write {
        path: name.to_owned(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    let permissions = std::fs::metadata(path)
        .map(|m| m.permissions())
        .ok()
        .or_else(default_permissions);
    if let Some(permissions) = permissions {
        builder.permissions(permissions);
    }
    let mut file = builder.tempfile_in(dir).map_err(error)?;
    let pending = Pending::new(file.path());
    let written =
        produce(file.as_file_mut(), name).and_then(|()| file.as_file().sync_all().map_err(error));
    if let Err(e) = written {
        // Removed before it is unlisted, so an interrupt in between cannot leave it behind.
        drop(file);
        drop(pending);
        return Err(e);
    }
    // Renamed while listed: a signal handler holding the list waits for the rename, or the
    // rename waits for it.
    let listed = PENDING.lock();
    file.persist(path).map_err(|e| error(e.error))?;
    drop(listed);
    drop(pending);
    Ok(())
}

#[cfg(unix)]
fn default_permissions() -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(std::fs::Permissions::from_mode(0o644))
}

/// Elsewhere temporary files get the platform's ordinary permissions.
#[cfg(not(unix))]
fn default_permissions() -> Option<std::fs::Permissions> {
    None
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::FileTypeExt;

    #[test]
    fn a_symlink_stays_a_link_and_its_target_gets_the_output() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target.txt");
        std::fs::write(&target, "old").unwrap();
        let link = dir.path().join("link.txt");
        std::os::unix::fs::symlink("target.txt", &link).unwrap();
        write_output(Some(&link), b"new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        // A dangling link: the file it names is created.
        let dangling = dir.path().join("dangling.txt");
        std::os::unix::fs::symlink(dir.path().join("made.txt"), &dangling).unwrap();
        write_output(Some(&dangling), b"made").unwrap();
        assert!(
            std::fs::symlink_metadata(&dangling)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("made.txt")).unwrap(),
            "made"
        );
        // No temporary file is left beside either.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), 4, "{names:?}");
    }

    #[test]
    fn a_fifo_is_written_through_and_stays_a_fifo() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        write_output_streaming(Some(&fifo), |w, _| {
            w.write_all(b"through the pipe").unwrap();
            Ok(())
        })
        .unwrap();
        assert_eq!(reader.join().unwrap(), b"through the pipe");
        assert!(
            std::fs::symlink_metadata(&fifo)
                .unwrap()
                .file_type()
                .is_fifo()
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn a_full_device_is_a_write_error_naming_it_and_stays_a_device() {
        let full = Path::new("/dev/full");
        assert!(
            std::fs::metadata(full).is_ok_and(|m| m.file_type().is_char_device()),
            "Linux has /dev/full; without it this test would prove nothing"
        );
        let e = write_output(Some(full), &[b'x'; 1 << 16]).unwrap_err();
        assert!(matches!(e, Error::Write { .. }), "{e}");
        assert!(e.to_string().contains("/dev/full"), "{e}");
        assert!(
            std::fs::symlink_metadata(full)
                .unwrap()
                .file_type()
                .is_char_device()
        );
        assert!(pending_temporary_files().is_empty());
    }

    #[test]
    fn a_regular_file_is_replaced_and_nothing_stays_pending() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.txt");
        std::fs::write(&out, "old").unwrap();
        write_output(Some(&out), b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "new");
        // A failing producer leaves the old file and no temporary one.
        let e = write_output_streaming(Some(&out), |_, _| Err(Error::Invalid("stop".into())));
        assert!(e.is_err());
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
