//! Writing results: to standard output, or atomically to a file.
//!
//! A file is written to a temporary sibling and renamed into place only when complete, so a
//! failure never leaves a partial output behind.

use std::io::Write;
use std::path::Path;

use journeysim_core::error::{Error, Result};

/// Writes `bytes` to `path` atomically, or to standard output when `path` is `None` or `-`.
pub fn write_output(path: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match path {
        None => write_stdout(bytes),
        Some(p) if p.as_os_str() == "-" => write_stdout(bytes),
        Some(p) => write_atomically(p, |file, name| {
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
        Some(p) if p.as_os_str() != "-" => write_atomically(p, |file, name| {
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

/// Writes a temporary sibling of `path` with `produce`, then renames it into place: a failure
/// (in `produce` or in writing) never leaves a partial file, and an existing file is replaced
/// only by a complete one. The new file gets the old file's permissions, or the usual 0644 on
/// Unix (temporary files are created 0600, which would hide results from other users).
fn write_atomically(
    path: &Path,
    produce: impl FnOnce(&mut std::fs::File, &str) -> Result<()>,
) -> Result<()> {
    let name = path.display().to_string();
    let error = |source| Error::Write {
        path: name.clone(),
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
    produce(file.as_file_mut(), &name)?;
    file.as_file().sync_all().map_err(error)?;
    file.persist(path).map_err(|e| error(e.error))?;
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
