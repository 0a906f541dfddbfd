//! Integration tests, compiled as one binary. Fixtures live in `tests/data/`.

mod reference;
mod simulate;
