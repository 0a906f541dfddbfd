//! Python columns (one list per column, as the Python layer hands a pandas, polars or dict
//! frame over) turned into `journeysim_io::frame` text, which the file readers then read: the
//! frame gets the file's parsing rules and messages.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyFloat, PyInt, PyList, PyString};

use journeysim_io::frame::{Cell, FrameText};

/// A column's values: a list of Python objects, or a numeric column packed by the Python layer
/// as `("f8" | "i8", bytes)`, its values little-endian `f64` or `i64` (what a pandas column of
/// a NumPy float or integer dtype becomes without a Python object per value).
#[derive(FromPyObject)]
pub enum Values<'py> {
    /// One Python object per row.
    List(Bound<'py, PyList>),
    /// Packed numbers: the kind and the bytes.
    Packed(String, Bound<'py, PyBytes>),
}

/// One column: its name, its values, and whether it holds text (a path, user or touchpoint,
/// where a float NaN is pandas' missing value, not the number).
pub type Column<'py> = (String, Values<'py>, bool);

/// Largest integer an `f64` holds exactly; larger ones are written as their decimal text.
const EXACT_INT: i64 = 1 << 53;

/// A column as it is read: Python objects, or packed `f64` or `i64` words.
enum Cells<'a, 'py> {
    Objects(&'a Bound<'py, PyList>),
    Floats(&'a [u8]),
    Ints(&'a [u8]),
}

impl<'a, 'py> Cells<'a, 'py> {
    fn of(name: &str, values: &'a Values<'py>) -> PyResult<Self> {
        match values {
            Values::List(list) => Ok(Cells::Objects(list)),
            Values::Packed(kind, bytes) => {
                let bytes = bytes.as_bytes();
                match kind.as_str() {
                    "f8" if bytes.len() % 8 == 0 => Ok(Cells::Floats(bytes)),
                    "i8" if bytes.len() % 8 == 0 => Ok(Cells::Ints(bytes)),
                    _ => Err(PyValueError::new_err(format!(
                        "column '{name}': packed values of kind '{kind}' in {} bytes; expected \
                         'f8' or 'i8' in whole 8-byte words",
                        bytes.len()
                    ))),
                }
            }
        }
    }

    fn len(&self) -> usize {
        match self {
            Cells::Objects(list) => list.len(),
            Cells::Floats(bytes) | Cells::Ints(bytes) => bytes.len() / 8,
        }
    }

    /// Writes row `i`'s cell; `text` as in [`Column`].
    fn write(&self, frame: &mut FrameText, i: usize, text: bool) -> PyResult<()> {
        let word =
            |bytes: &[u8]| -> [u8; 8] { bytes[i * 8..i * 8 + 8].try_into().expect("eight bytes") };
        let written = match self {
            Cells::Objects(list) => return write_cell(frame, &list.get_item(i)?, text),
            Cells::Floats(bytes) => match f64::from_le_bytes(word(bytes)) {
                x if text && x.is_nan() => frame.cell(Cell::Missing),
                x => frame.cell(Cell::Number(x)),
            },
            Cells::Ints(bytes) => match i64::from_le_bytes(word(bytes)) {
                n if n.unsigned_abs() <= EXACT_INT as u64 => frame.cell(Cell::Number(n as f64)),
                n => frame.cell(Cell::Text(&n.to_string())),
            },
        };
        written.map_err(crate::error::to_py)
    }
}

/// The frame's CSV text. Holds the GIL (it reads Python objects); the reading that follows
/// runs without it.
pub fn frame_text(columns: &[Column<'_>]) -> PyResult<Vec<u8>> {
    let header: Vec<&str> = columns.iter().map(|(name, _, _)| name.as_str()).collect();
    let cells: Vec<Cells<'_, '_>> = columns
        .iter()
        .map(|(name, values, _)| Cells::of(name, values))
        .collect::<PyResult<_>>()?;
    let rows = cells.first().map_or(0, Cells::len);
    if let Some(i) = (0..cells.len()).find(|&i| cells[i].len() != rows) {
        return Err(PyValueError::new_err(format!(
            "column '{}' has {} values but column '{}' has {rows}",
            header[i],
            cells[i].len(),
            header[0]
        )));
    }
    let mut frame = FrameText::new(&header).map_err(crate::error::to_py)?;
    for i in 0..rows {
        for (column, (_, _, text)) in cells.iter().zip(columns) {
            column.write(&mut frame, i, *text)?;
        }
        frame.end_row().map_err(crate::error::to_py)?;
    }
    frame.into_bytes().map_err(crate::error::to_py)
}

fn write_cell(frame: &mut FrameText, item: &Bound<'_, PyAny>, text: bool) -> PyResult<()> {
    let cell_result = if item.is_none() {
        frame.cell(Cell::Missing)
    } else if let Ok(s) = item.cast::<PyString>() {
        let s = s.to_cow()?;
        frame.cell(Cell::Text(&s))
    } else if item.is_instance_of::<PyBool>() {
        let b: bool = item.extract()?;
        frame.cell(Cell::Number(if b { 1.0 } else { 0.0 }))
    } else if let Ok(x) = item.cast::<PyFloat>() {
        let x = x.value();
        if text && x.is_nan() {
            frame.cell(Cell::Missing)
        } else {
            frame.cell(Cell::Number(x))
        }
    } else if item.is_instance_of::<PyInt>() {
        match item.extract::<i64>() {
            Ok(i) if i.abs() <= EXACT_INT => frame.cell(Cell::Number(i as f64)),
            _ => {
                let s = item.str()?;
                let s = s.to_cow()?;
                frame.cell(Cell::Text(&s))
            }
        }
    } else {
        let s = item.str()?;
        let s = s.to_cow()?;
        frame.cell(Cell::Text(&s))
    };
    cell_result.map_err(crate::error::to_py)
}
