//! Integration tests, compiled as one binary. Fixtures live in `tests/data/`.

mod cli;
mod hand_computed;
mod properties;
mod reference;
mod scenarios;
mod simulate;
