//! The one output grammar of every command (`--format table|json|csv`, `--out FILE`): data go to
//! standard output or atomically to the file, warnings to standard error.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use journeysim_core::Result;
use journeysim_io::output::write_output;
use journeysim_report::{Format, Report, render};

/// `--format` and `--out`.
#[derive(Args)]
pub struct OutputArgs {
    /// Output format [default: from the --out extension, else table].
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Table,
    Json,
    Csv,
}

impl OutputArgs {
    /// The format asked for, else the one `--out`'s extension names, else `default`.
    fn format(&self, default: Format) -> Format {
        match self.format {
            Some(FormatArg::Table) => Format::Table,
            Some(FormatArg::Json) => Format::Json,
            Some(FormatArg::Csv) => Format::Csv,
            None => self
                .out
                .as_deref()
                .and_then(Format::from_extension)
                .unwrap_or(default),
        }
    }

    /// Renders `report` and writes it where asked.
    pub fn emit<R: Report>(&self, report: &R, default: Format) -> Result<()> {
        let bytes = render(report, self.format(default))?;
        write_output(self.out.as_deref(), &bytes)
    }
}

/// Prints the library's warnings about the input on standard error, options named by their
/// flags.
pub fn warn(warnings: &[String]) {
    for w in warnings {
        eprintln!("warning: {}", super::flags::in_flags(w));
    }
}
