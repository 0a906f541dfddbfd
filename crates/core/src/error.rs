//! The one error type of the library.
//!
//! Every message names the input (file and, where there is one, line), says what was wrong and,
//! where it helps, how to fix it: "paths.csv line 12: total_null is -3; counts must be >= 0".
//! The binary maps [`Error::exit_code`] to the process exit code: 2 for bad input or usage, 1 for
//! failures of the machine (I/O on output) or of the numerics.

use std::fmt;

/// Where in the input a problem was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The input's name as the user gave it (`-` is shown as `<stdin>`).
    pub source: String,
    /// 1-based line number, when the problem belongs to one line.
    pub line: Option<u64>,
}

impl Location {
    /// A location for a whole input.
    pub fn file(source: impl Into<String>) -> Self {
        Location {
            source: source.into(),
            line: None,
        }
    }

    /// A location for one line of an input.
    pub fn line(source: impl Into<String>, line: u64) -> Self {
        Location {
            source: source.into(),
            line: Some(line),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{} line {}", self.source, line),
            None => write!(f, "{}", self.source),
        }
    }
}

/// Everything that can go wrong in journeysim.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input data are malformed: a bad header, field, count or path.
    #[error("{at}: {message}")]
    Input {
        /// Which input and line.
        at: Location,
        /// What was wrong, and the fix where there is one.
        message: String,
    },
    /// An input file could not be opened or read.
    #[error("{path}: {source}")]
    Read {
        /// The path as given.
        path: String,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A parameter or model is invalid (bad order, rows not summing to 1, unabsorbable states).
    #[error("{0}")]
    Invalid(String),
    /// An output could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The output path (`<stdout>` for standard output).
        path: String,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A numerical method failed (should not happen on a valid absorbing chain).
    #[error("numerical failure: {0}")]
    Numerical(String),
}

impl Error {
    /// Shorthand for an [`Error::Input`].
    pub fn input(at: Location, message: impl Into<String>) -> Self {
        Error::Input {
            at,
            message: message.into(),
        }
    }

    /// The process exit code this error should produce: 2 for bad input or usage, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input { .. } | Error::Read { .. } | Error::Invalid(_) => 2,
            Error::Write { .. } | Error::Numerical(_) => 1,
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
