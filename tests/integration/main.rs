//! Integration tests, compiled as one binary. Fixtures live in `tests/data/`.

mod intervals;
mod reference;
mod shapley;
