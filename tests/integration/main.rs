//! Integration tests, compiled as one binary. Fixtures live in `tests/data/`.

mod architecture;
mod bad_input;
mod cli;
mod events;
mod flag_rules;
mod funnel;
mod fuzz_regressions;
mod generate;
mod golden;
mod hand_computed;
mod help_examples;
mod intervals;
mod journey_map;
mod map_engine;
mod order;
mod output_files;
mod permutation;
mod pictures;
mod properties;
mod reference;
mod scenarios;
mod shapley;
mod simulate;
mod support;
mod validate;
mod whatif;
