//! Uptime Kuma's webhook body (`server/notification-providers/webhook.js`): `{heartbeat,
//! monitor, msg}`, where `heartbeat` is `Heartbeat.toJSONAsync()` plus the server's time zone
//! and `monitor` is `Monitor.toJSON(preloadData, false)` (without its sensitive fields), as far
//! as the mapping reads them. Both are `null` when the notification is about no heartbeat (a
//! test, a certificate or domain expiry notice).

use pager_core::json::{Object, Str};
use pager_core::template::Value;
use serde::Deserialize;

/// The whole body.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Notification<'a> {
    #[serde(borrow)]
    pub heartbeat: Option<Object<Heartbeat<'a>>>,
    #[serde(borrow)]
    pub monitor: Option<Object<Monitor<'a>>>,
    /// Uptime Kuma's one-line text: `[<name>] [🔴 Down] <heartbeat msg>`, or the notice.
    #[serde(borrow)]
    pub msg: Option<Str<'a>>,
    // Uptime Kuma's built-in PagerTree provider (`notification-providers/pagertree.js`) posts
    // `{event_type, id, title, urgency, heartbeat, monitor}`: the same heartbeat and monitor,
    // no `msg`, and these two besides.
    /// `Uptime Kuma Monitor "<name>" is DOWN`, or a notice's text.
    #[serde(borrow)]
    pub title: Option<Str<'a>>,
    /// The urgency chosen in the provider's settings: silent, low, medium, high, critical.
    #[serde(borrow)]
    pub urgency: Option<Str<'a>>,
}

/// The heartbeat that changed the monitor's state.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Heartbeat<'a> {
    #[serde(borrow, rename = "monitorID")]
    pub monitor_id: Option<Value<'a>>,
    /// 0 down, 1 up, 2 pending, 3 maintenance.
    #[serde(borrow)]
    pub status: Option<Value<'a>>,
    /// UTC, `YYYY-MM-DD HH:mm:ss.SSS`.
    #[serde(borrow)]
    pub time: Option<Str<'a>>,
    /// The check's result: the error of a failing check (`N/A` when it had none).
    #[serde(borrow)]
    pub msg: Option<Str<'a>>,
    /// Response time in milliseconds, or `null`.
    #[serde(borrow)]
    pub ping: Option<Value<'a>>,
    /// On an up: when the outage began (UTC, as `time`).
    #[serde(borrow, rename = "lastDownTime")]
    pub last_down_time: Option<Str<'a>>,
}

/// The monitor.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Monitor<'a> {
    #[serde(borrow)]
    pub id: Option<Value<'a>>,
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
    /// The monitor's groups and name, `Group / Name`.
    #[serde(borrow, rename = "pathName")]
    pub path_name: Option<Str<'a>>,
    #[serde(borrow)]
    pub description: Option<Str<'a>>,
    /// `http`, `keyword`, `ping`, `port`, `push`, `dns`, `group`, …
    #[serde(borrow, rename = "type")]
    pub kind: Option<Str<'a>>,
    /// The checked URL (`https://` for monitor types without one). May carry credentials.
    #[serde(borrow)]
    pub url: Option<Str<'a>>,
    #[serde(borrow)]
    pub hostname: Option<Str<'a>>,
    #[serde(borrow)]
    pub port: Option<Value<'a>>,
    #[serde(borrow, deserialize_with = "pager_core::json::objects")]
    pub tags: Vec<Tag<'a>>,
}

/// One of the monitor's tags.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Tag<'a> {
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
    #[serde(borrow)]
    pub value: Option<Value<'a>>,
}
