//! # pager-testkit: pagerhook's test tooling (unpublished)
//!
//! What tests (and the CLI's `--replay`) need and the contract crate must not hold, because it
//! reads files, the environment or the clock, or writes to stderr:
//!
//! - replaying captured deliveries: [`load_request`] builds the request a fixture records (its
//!   body plus the sibling `.headers` file, see [`headers_path`]), [`parse_header_line`] reads
//!   one `Name: value` line, [`body_files`] lists a fixtures folder;
//! - snapshot tests: [`events_json`] and [`rejection`] run one fixture through an adapter;
//! - live tests: [`alertmanager_for_test`] finds a real Alertmanager or skips loudly,
//!   [`find_on_path`] finds any binary.

mod alertmanager;
mod fixture;

pub use alertmanager::{alertmanager_for_test, find_on_path};
pub use fixture::{
    body_files, events_json, headers_path, load_request, parse_header_line, rejection,
};
