//! Writing results: to standard output, or atomically to a file.
//!
//! A file is written to a temporary sibling and renamed into place only when complete, so a
//! failure never leaves a partial output behind.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `bytes` to `path` atomically, or to standard output when `path` is `None` or `-`.
pub fn write_output(path: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match path {
        None => write_stdout(bytes),
        Some(p) if p.as_os_str() == "-" => write_stdout(bytes),
        Some(p) => write_atomically(p, bytes),
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
        Some(p) if p.as_os_str() != "-" => {
            let name = p.display().to_string();
            let error = |source| Error::Write {
                path: name.clone(),
                source,
            };
            let dir = match p.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => Path::new("."),
            };
            let file = tempfile::NamedTempFile::new_in(dir).map_err(error)?;
            let mut writer = std::io::BufWriter::with_capacity(1 << 20, file);
            produce(&mut writer, &name)?;
            let file = writer.into_inner().map_err(|e| error(e.into_error()))?;
            file.as_file().sync_all().map_err(error)?;
            file.persist(p).map_err(|e| error(e.error))?;
            Ok(())
        }
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

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let error = |source| Error::Write {
        path: path.display().to_string(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(error)?;
    file.write_all(bytes).map_err(error)?;
    file.as_file().sync_all().map_err(error)?;
    file.persist(path).map_err(|e| error(e.error))?;
    Ok(())
}
