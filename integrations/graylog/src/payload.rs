//! The body of Graylog's HTTP notification: `EventNotificationModelData`
//! (`org.graylog.events.notifications`), its `event` an `EventDto`
//! (`org.graylog.events.event`), written by Jackson in `HTTPEventNotification`; as far as the
//! mapping reads it.

use pager_core::json::{Object, Str};
use serde::Deserialize;
use serde_json::value::RawValue;

/// One notification: an event of an event definition, with the definition's metadata.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Notification<'a> {
    /// The event definition's database id; `<unknown>` when the definition was not found.
    #[serde(borrow)]
    pub event_definition_id: Option<Str<'a>>,
    /// `aggregation-v1`, `correlation-v1`, …; `test-dummy-v1` for a test notification.
    #[serde(borrow)]
    pub event_definition_type: Option<Str<'a>>,
    #[serde(borrow)]
    pub event_definition_title: Option<Str<'a>>,
    #[serde(borrow)]
    pub event_definition_description: Option<Str<'a>>,
    /// Graylog 5.1 and later.
    #[serde(borrow)]
    pub remediation_steps: Option<Str<'a>>,
    #[serde(borrow)]
    pub job_definition_id: Option<Str<'a>>,
    #[serde(borrow)]
    pub job_trigger_id: Option<Str<'a>>,
    #[serde(borrow)]
    pub event: Option<Object<EventDto<'a>>>,
    /// The messages behind the event (`MessageSummary`), up to the definition's backlog
    /// size; only counted.
    #[serde(borrow)]
    pub backlog: Option<Vec<&'a RawValue>>,
}

/// The event as Graylog stores it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct EventDto<'a> {
    /// The event's own id (a ULID): new for every event.
    #[serde(borrow)]
    pub id: Option<Str<'a>>,
    /// `notification-test-v1` for a test notification.
    #[serde(borrow)]
    pub event_definition_type: Option<Str<'a>>,
    #[serde(borrow)]
    pub event_definition_id: Option<Str<'a>>,
    /// A URN (`urn:graylog:message:es:<index>:<id>`), not a link.
    #[serde(borrow)]
    pub origin_context: Option<Str<'a>>,
    /// ISO 8601 in UTC, as Jackson writes Joda `DateTime`s.
    #[serde(borrow)]
    pub timestamp: Option<Str<'a>>,
    #[serde(borrow)]
    pub timerange_start: Option<Str<'a>>,
    #[serde(borrow)]
    pub timerange_end: Option<Str<'a>>,
    #[serde(borrow)]
    pub message: Option<Str<'a>>,
    #[serde(borrow)]
    pub source: Option<Str<'a>>,
    /// The values of the definition's key fields (its group-by fields, for an aggregation).
    #[serde(borrow)]
    pub key_tuple: Option<Vec<Str<'a>>>,
    /// `key_tuple` joined with `|` (`EventImpl`); `""` for a definition without keys.
    #[serde(borrow)]
    pub key: Option<Str<'a>>,
    /// 1 low, 2 medium (normal), 3 high; Graylog 6 adds 0 info and 4 critical.
    pub priority: Option<i64>,
    /// False for a definition that records events without alerting.
    pub alert: Option<bool>,
    /// The definition's custom fields: name → value.
    #[serde(borrow)]
    pub fields: Option<&'a RawValue>,
}
