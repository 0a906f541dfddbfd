//! journeysim's errors as Python exceptions: a file that cannot be read or written is an
//! `OSError`, everything else (bad data, bad options) a `ValueError`, with the library's message.

use pyo3::PyErr;
use pyo3::exceptions::{PyOSError, PyValueError};

use journeysim_core::Error;

/// The Python exception for `e`.
pub fn to_py(e: Error) -> PyErr {
    match e {
        Error::Read { .. } | Error::Write { .. } => PyOSError::new_err(e.to_string()),
        other => PyValueError::new_err(other.to_string()),
    }
}

/// `serde_json` failing on a result (never expected: every number is finite).
pub fn json(e: serde_json::Error) -> PyErr {
    PyValueError::new_err(format!("cannot write the result as JSON: {e}"))
}
