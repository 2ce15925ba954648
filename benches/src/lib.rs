//! Benchmarks of pagerhook adapters. The benchmarks themselves arrive with the benchmarks issue;
//! this crate exists so the workspace layout is complete and `cargo bench` has a home.

pub use pager_integrations::registry;
