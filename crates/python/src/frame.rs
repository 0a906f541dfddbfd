//! Python columns (one list per column, as the Python layer hands a pandas, polars or dict
//! frame over) turned into `journeysim_io::frame` text, which the file readers then read: the
//! frame gets the file's parsing rules and messages.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt, PyList, PyString};

use journeysim_io::frame::{Cell, FrameText};

/// One column: its name, its values, and whether it holds text (a path, user or touchpoint,
/// where a float NaN is pandas' missing value, not the number).
pub type Column<'py> = (String, Bound<'py, PyList>, bool);

/// Largest integer an `f64` holds exactly; larger ones are written as their decimal text.
const EXACT_INT: i64 = 1 << 53;

/// The frame's CSV text. Holds the GIL (it reads Python objects); the reading that follows
/// runs without it.
pub fn frame_text(columns: &[Column<'_>]) -> PyResult<Vec<u8>> {
    let header: Vec<&str> = columns.iter().map(|(name, _, _)| name.as_str()).collect();
    let rows = columns.first().map_or(0, |(_, values, _)| values.len());
    if let Some((name, values, _)) = columns.iter().find(|(_, v, _)| v.len() != rows) {
        return Err(PyValueError::new_err(format!(
            "column '{name}' has {} values but column '{}' has {rows}",
            values.len(),
            header[0]
        )));
    }
    let mut frame = FrameText::new(&header).map_err(crate::error::to_py)?;
    for i in 0..rows {
        for (_, values, text) in columns {
            let item = values.get_item(i)?;
            write_cell(&mut frame, &item, *text)?;
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
