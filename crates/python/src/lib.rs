//! The native half of the `journeysim` Python package (`journeysim._native`), built by maturin.
//! It depends on `journeysim-core` and `journeysim-io` only: data frames arrive as columns,
//! become the text the file readers read ([`journeysim_io::frame`]), and every computation runs
//! without the GIL. The Python half (`python/journeysim/`) shapes inputs and outputs into
//! DataFrames, ChannelAttribution's and the CLI's.

mod api;
mod compat;
mod error;
mod frame;
mod source;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(compat::ca_markov, m)?)?;
    m.add_function(wrap_pyfunction!(compat::ca_heuristics, m)?)?;
    m.add_function(wrap_pyfunction!(compat::ca_transition_matrix, m)?)?;
    m.add_function(wrap_pyfunction!(compat::ca_choose_order, m)?)?;
    m.add_function(wrap_pyfunction!(api::attribute, m)?)?;
    m.add_function(wrap_pyfunction!(api::fit, m)?)?;
    m.add_function(wrap_pyfunction!(api::model_from_json, m)?)?;
    m.add_function(wrap_pyfunction!(api::model_load, m)?)?;
    m.add_function(wrap_pyfunction!(api::simulate, m)?)?;
    m.add_function(wrap_pyfunction!(api::whatif, m)?)?;
    m.add_function(wrap_pyfunction!(api::aggregate_events, m)?)?;
    m.add_function(wrap_pyfunction!(api::generate, m)?)?;
    m.add_class::<api::NativeModel>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DEFAULT_SEED", journeysim_core::rng::DEFAULT_SEED)?;
    Ok(())
}
