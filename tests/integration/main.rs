//! Integration tests, compiled as one binary. Fixtures live in `tests/data/`.

mod events;
mod funnel;
mod generate;
mod journey_map;
mod reference;
mod validate;
