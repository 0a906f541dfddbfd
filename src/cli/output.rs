//! The one output grammar of every command (`--format table|json|csv`, `--out FILE`): data go to
//! standard output or atomically to the file, warnings to standard error.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use journeysim_core::{Error, Result};
use journeysim_io::output::write_output;
use journeysim_report::{Format, Report, render};

/// `--format` and `--out`.
#[derive(Args)]
pub struct OutputArgs {
    /// Output format [default: from the --out extension, else table]; with it, --out may have
    /// any extension.
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// Write to this file (atomically) instead of standard output; its extension (.json, .csv,
    /// .txt) chooses the format unless --format is given.
    #[arg(long, value_parser = super::values::out_path())]
    out: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Table,
    Json,
    Csv,
}

impl OutputArgs {
    /// The format asked for, else the one `--out`'s extension names (`.json`, `.csv`, `.txt`
    /// for a table), else `default`. Without `--format`, an extension that names no supported
    /// format is an error: a `.xlsx` holding a text table is worse than no file. With
    /// `--format`, any name is accepted (the format was chosen explicitly).
    fn format(&self, default: Format) -> Result<Format> {
        Ok(match self.format {
            Some(FormatArg::Table) => Format::Table,
            Some(FormatArg::Json) => Format::Json,
            Some(FormatArg::Csv) => Format::Csv,
            None => match self.out.as_deref() {
                Some(out) => format_of_extension(out)?.unwrap_or(default),
                None => default,
            },
        })
    }

    /// Checks `--format`/`--out` before any work, so a bad name stops the run before anything
    /// (an `--svg`) is written.
    pub fn check(&self) -> Result<()> {
        self.format(Format::Table).map(|_| ())
    }

    /// Renders `report` and writes it where asked.
    pub fn emit<R: Report>(&self, report: &R, default: Format) -> Result<()> {
        let bytes = render(report, self.format(default)?)?;
        write_output(self.out.as_deref(), &bytes)
    }
}

/// The output of a command that writes one kind of text (an SQL query, a paths CSV): which
/// `--format` names it and which `--out` extensions fit it.
pub struct OneFormat {
    /// What the command writes, for messages ("an SQL query").
    pub what: &'static str,
    /// The one `--format` that applies.
    pub format: Format,
    /// Its name as `--format` spells it.
    pub format_name: &'static str,
    /// `--out` extensions that fit without `--format` (lower case, no dot).
    pub extensions: &'static [&'static str],
}

impl OutputArgs {
    /// Checks `--format` and `--out` for a command that writes only `one`: another `--format`
    /// cannot apply and is an error; without `--format`, `--out`'s extension must be one of
    /// `one.extensions` (or none).
    pub fn check_one(&self, one: &OneFormat) -> Result<()> {
        if let Some(asked) = self.format {
            let asked = match asked {
                FormatArg::Table => Format::Table,
                FormatArg::Json => Format::Json,
                FormatArg::Csv => Format::Csv,
            };
            if asked != one.format {
                return Err(Error::Invalid(format!(
                    "--format: this command writes {}; only --format {} applies (or leave --format out)",
                    one.what, one.format_name
                )));
            }
            return Ok(());
        }
        if let Some(out) = self.out.as_deref()
            && let Some(extension) = out.extension()
        {
            let extension = extension.to_string_lossy().to_ascii_lowercase();
            if !one.extensions.contains(&extension.as_str()) {
                return Err(Error::Invalid(format!(
                    "--out {}: the extension .{extension} does not fit {}; use {}, or give --format {} to write it under any name",
                    out.display(),
                    one.what,
                    one.extensions
                        .iter()
                        .map(|e| format!(".{e}"))
                        .collect::<Vec<_>>()
                        .join(" or "),
                    one.format_name
                )));
            }
        }
        Ok(())
    }

    /// Whether `--format` was given.
    pub fn format_given(&self) -> bool {
        self.format.is_some()
    }

    /// The `--out` file, if any.
    pub fn out(&self) -> Option<&Path> {
        self.out.as_deref()
    }

    /// Writes `bytes` to `--out` (atomically) or standard output.
    pub fn write(&self, bytes: &[u8]) -> Result<()> {
        write_output(self.out.as_deref(), bytes)
    }
}

/// The format `out`'s extension names, `None` when it has no extension (or is `-`), an error
/// when the extension names no supported format.
fn format_of_extension(out: &Path) -> Result<Option<Format>> {
    let Some(extension) = out.extension() else {
        return Ok(None);
    };
    if let Some(format) = Format::from_extension(out) {
        return Ok(Some(format));
    }
    if extension.eq_ignore_ascii_case("txt") {
        return Ok(Some(Format::Table));
    }
    Err(Error::Invalid(format!(
        "--out {}: the extension .{} names no supported format; use .json, .csv or .txt (a table), \
         or choose the format explicitly with --format table|json|csv",
        out.display(),
        extension.to_string_lossy()
    )))
}

/// Prints the library's warnings about the input on standard error, options named by their
/// flags.
pub fn warn(warnings: &[String]) {
    for w in warnings {
        eprintln!("warning: {}", super::flags::in_flags(w));
    }
}
