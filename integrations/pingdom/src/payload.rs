//! Pingdom's state change webhook body (<https://www.pingdom.com/resources/webhooks>), as far as
//! the mapping reads it.

use pager_core::json::{Object, Str};
use pager_core::template::Value;
use serde::Deserialize;

/// One check's state change.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct StateChange<'a> {
    /// The check's id, a number.
    #[serde(borrow)]
    pub check_id: Option<Value<'a>>,
    #[serde(borrow)]
    pub check_name: Option<Str<'a>>,
    /// `HTTP`, `TCP`, `PING`, `DNS`, …, or a transaction check's type.
    #[serde(borrow)]
    pub check_type: Option<Str<'a>>,
    /// The check's settings; their keys depend on the check's type.
    #[serde(borrow)]
    pub check_params: Option<Object<CheckParams<'a>>>,
    #[serde(borrow)]
    pub tags: Option<Vec<Str<'a>>>,
    /// `UP`/`DOWN` for an uptime check, `SUCCESS`/`FAILING` for a transaction check.
    #[serde(borrow)]
    pub previous_state: Option<Str<'a>>,
    #[serde(borrow)]
    pub current_state: Option<Str<'a>>,
    /// `HIGH` or `LOW`.
    #[serde(borrow)]
    pub importance_level: Option<Str<'a>>,
    /// Epoch seconds.
    #[serde(borrow)]
    pub state_changed_timestamp: Option<Value<'a>>,
    /// UTC without a zone, `2016-01-01T01:01:01`.
    #[serde(borrow)]
    pub state_changed_utc_time: Option<Str<'a>>,
    #[serde(borrow)]
    pub long_description: Option<Str<'a>>,
    #[serde(borrow)]
    pub description: Option<Str<'a>>,
    #[serde(borrow)]
    pub first_probe: Option<Object<Probe<'a>>>,
    #[serde(borrow)]
    pub second_probe: Option<Object<Probe<'a>>>,
}

/// `check_params`, the keys the mapping reads.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CheckParams<'a> {
    #[serde(borrow)]
    pub hostname: Option<Str<'a>>,
    #[serde(borrow)]
    pub port: Option<Value<'a>>,
    #[serde(borrow)]
    pub full_url: Option<Str<'a>>,
}

/// A probe server that saw the change.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Probe<'a> {
    #[serde(borrow)]
    pub ip: Option<Str<'a>>,
    #[serde(borrow)]
    pub ipv6: Option<Str<'a>>,
    #[serde(borrow)]
    pub location: Option<Str<'a>>,
}
