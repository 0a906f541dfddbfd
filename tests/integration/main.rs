//! Integration tests, compiled as one binary. Fixtures live in `tests/data/`.

mod cli;
mod generate;
mod hand_computed;
mod journey_map;
mod properties;
mod reference;
mod scenarios;
mod simulate;
mod whatif;
