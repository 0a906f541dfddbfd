//! Integration tests, compiled as one binary. Fixtures live in `tests/data/`.

mod intervals;
mod order;
mod pictures;
mod reference;
mod shapley;
