//! Integration tests, compiled as one binary. Fixtures live in `tests/data/`.

mod intervals;
mod order;
mod reference;
mod shapley;
