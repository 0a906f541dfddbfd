//! The one error type of the library.
//!
//! Every message names the input (file and, where there is one, line), says what was wrong and,
//! where it helps, how to fix it: "paths.csv line 12: total_null is -3; counts must be >= 0".
//! The binary maps [`Error::exit_code`] to the process exit code: 2 for bad input or usage, 1 for
//! failures of the machine (I/O on output) or of the numerics.

use std::borrow::Cow;
use std::fmt;

/// The longest name, in characters, that a message quotes whole.
const NAME_CHARS: usize = 80;
/// The most items a message lists.
const LIST_ITEMS: usize = 10;

/// `name` as a message quotes it: whole up to 80 characters, else its first 77 and `...`, so a
/// 1 MB state name does not make a 1 MB message. Every message that quotes user text (a name,
/// a field, a key) quotes it through this.
///
/// ```
/// use journeysim_core::error::clip;
///
/// assert_eq!(clip("email"), "email");
/// let long = "x".repeat(1_000_000);
/// assert_eq!(clip(&long).chars().count(), 80);
/// assert!(clip(&long).ends_with("..."));
/// ```
pub fn clip(name: &str) -> Cow<'_, str> {
    match name.char_indices().nth(NAME_CHARS) {
        None => Cow::Borrowed(name),
        Some(_) => {
            let end = name
                .char_indices()
                .nth(NAME_CHARS - 3)
                .map_or(name.len(), |(i, _)| i);
            Cow::Owned(format!("{}...", &name[..end]))
        }
    }
}

/// `items` as a message lists them: each [`clip`]ped, joined by `", "`, at most 10 and then
/// `"and N more"`, so an error about 5,000 channels stays readable.
///
/// ```
/// use journeysim_core::error::clip_list;
///
/// assert_eq!(clip_list(["a", "b"]), "a, b");
/// let many: Vec<String> = (0..5000).map(|i| format!("c{i}")).collect();
/// assert_eq!(clip_list(&many), "c0, c1, c2, c3, c4, c5, c6, c7, c8, c9 and 4990 more");
/// ```
pub fn clip_list<I, S>(items: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut out = String::new();
    let mut more = 0usize;
    for (i, item) in items.into_iter().enumerate() {
        if i >= LIST_ITEMS {
            more += 1;
            continue;
        }
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&clip(item.as_ref()));
    }
    if more > 0 {
        out.push_str(&format!(" and {more} more"));
    }
    out
}

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
    /// An input is not valid in its format (JSON syntax, a field of the wrong type, an unknown
    /// field): the message is the parser's own, quoted as it gave it.
    #[error("{at}: {message}")]
    Parse {
        /// Which input and line.
        at: Location,
        /// The parser's message.
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
    /// An option has a value the library cannot use: "threads must be at least 1".
    ///
    /// `option` is the option's name in the library's options types (`min_journeys`), so a face
    /// that spells its options differently (the command line's `--min-journeys`) can name it its
    /// own way. Other options the message mentions are written in backticks (`journeys`).
    #[error("{option} {message}")]
    Option {
        /// The option's name, as in the options types.
        option: &'static str,
        /// What is wrong with its value, following the name: "must be at least 1".
        message: String,
    },
    /// A parameter or model is invalid (bad order, rows not summing to 1, unabsorbable states).
    /// Options the message mentions are written in backticks (`models`).
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

    /// Shorthand for an [`Error::Option`].
    pub fn option(option: &'static str, message: impl Into<String>) -> Self {
        Error::Option {
            option,
            message: message.into(),
        }
    }

    /// The process exit code this error should produce: 2 for bad input or usage, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input { .. }
            | Error::Parse { .. }
            | Error::Read { .. }
            | Error::Option { .. }
            | Error::Invalid(_) => 2,
            Error::Write { .. } | Error::Numerical(_) => 1,
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::{Error, clip, clip_list};

    #[test]
    fn clip_cuts_on_characters_not_bytes() {
        let name = "é".repeat(81);
        let cut = clip(&name);
        assert_eq!(cut.chars().count(), 80);
        assert_eq!(cut, format!("{}...", "é".repeat(77)));
        let exact = "é".repeat(80);
        assert_eq!(clip(&exact), exact);
    }

    #[test]
    fn clip_list_says_how_many_are_left_out() {
        assert_eq!(clip_list(Vec::<String>::new()), "");
        let ten: Vec<String> = (0..10).map(|i| i.to_string()).collect();
        assert_eq!(clip_list(&ten), "0, 1, 2, 3, 4, 5, 6, 7, 8, 9");
        let eleven: Vec<String> = (0..11).map(|i| i.to_string()).collect();
        assert!(clip_list(&eleven).ends_with("9 and 1 more"));
        assert_eq!(clip_list(["x".repeat(200)]).len(), 80);
    }

    #[test]
    fn an_option_error_names_the_option_not_a_flag() {
        let e = Error::option("min_journeys", "must be >= 0");
        assert_eq!(e.to_string(), "min_journeys must be >= 0");
        assert!(!e.to_string().contains("--"));
        assert_eq!(e.exit_code(), 2);
    }

    #[test]
    fn the_engines_option_errors_name_no_flag() {
        use crate::simulate::{SimulateOptions, Stop};
        let bad = [
            SimulateOptions {
                threads: Some(0),
                ..SimulateOptions::journeys(10)
            },
            SimulateOptions {
                max_steps: 0,
                ..SimulateOptions::journeys(10)
            },
            SimulateOptions::journeys(0),
            SimulateOptions {
                stop: Stop::Precision {
                    half_width: 0.0,
                    max_journeys: 10,
                },
                ..SimulateOptions::journeys(10)
            },
            SimulateOptions {
                stop: Stop::Precision {
                    half_width: 0.01,
                    max_journeys: 0,
                },
                ..SimulateOptions::journeys(10)
            },
        ];
        for options in bad {
            let e = options.check().unwrap_err();
            assert!(matches!(e, Error::Option { .. }), "{e:?}");
            assert!(!e.to_string().contains("--"), "{e}");
        }
    }
}
