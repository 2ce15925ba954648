//! PagerDuty's Events API bodies, as far as the mapping reads them: v2 (`/v2/enqueue`) and the
//! v1 generic API (`/generic/2010-04-15/create_event.json`) in one struct, since their field
//! names do not overlap and a delivery to the instance's own URL is told apart by them.

use pager_core::json::{Object, Str};
use serde::Deserialize;
use serde_json::value::RawValue;

/// One event, v2 or v1.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Body<'a> {
    // v2
    /// The integration key (a credential: never copied into an event).
    #[serde(borrow)]
    pub routing_key: Option<Str<'a>>,
    /// `trigger`, `acknowledge` or `resolve`.
    #[serde(borrow)]
    pub event_action: Option<Str<'a>>,
    #[serde(borrow)]
    pub dedup_key: Option<Str<'a>>,
    #[serde(borrow)]
    pub payload: Option<Object<Payload<'a>>>,
    #[serde(borrow, deserialize_with = "pager_core::json::objects")]
    pub links: Vec<Link<'a>>,
    #[serde(borrow, deserialize_with = "pager_core::json::objects")]
    pub images: Vec<Image<'a>>,
    // both
    #[serde(borrow)]
    pub client: Option<Str<'a>>,
    #[serde(borrow)]
    pub client_url: Option<Str<'a>>,
    // v1
    /// The v1 integration key (a credential: never copied into an event).
    #[serde(borrow)]
    pub service_key: Option<Str<'a>>,
    /// `trigger`, `acknowledge` or `resolve`.
    #[serde(borrow)]
    pub event_type: Option<Str<'a>>,
    #[serde(borrow)]
    pub incident_key: Option<Str<'a>>,
    #[serde(borrow)]
    pub description: Option<Str<'a>>,
    /// Any JSON; kept verbatim.
    #[serde(borrow)]
    pub details: Option<&'a RawValue>,
    #[serde(borrow, deserialize_with = "pager_core::json::objects")]
    pub contexts: Vec<Context<'a>>,
}

/// v2's `payload`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Payload<'a> {
    #[serde(borrow)]
    pub summary: Option<Str<'a>>,
    #[serde(borrow)]
    pub source: Option<Str<'a>>,
    /// `critical`, `error`, `warning` or `info`.
    #[serde(borrow)]
    pub severity: Option<Str<'a>>,
    #[serde(borrow)]
    pub timestamp: Option<Str<'a>>,
    #[serde(borrow)]
    pub component: Option<Str<'a>>,
    #[serde(borrow)]
    pub group: Option<Str<'a>>,
    #[serde(borrow)]
    pub class: Option<Str<'a>>,
    /// Any JSON; kept verbatim.
    #[serde(borrow)]
    pub custom_details: Option<&'a RawValue>,
}

/// v2's `links[]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Link<'a> {
    #[serde(borrow)]
    pub href: Option<Str<'a>>,
    #[serde(borrow)]
    pub text: Option<Str<'a>>,
}

/// v2's `images[]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Image<'a> {
    #[serde(borrow)]
    pub src: Option<Str<'a>>,
    #[serde(borrow)]
    pub href: Option<Str<'a>>,
    #[serde(borrow)]
    pub alt: Option<Str<'a>>,
}

/// v1's `contexts[]`: `{"type": "link", "href", "text"}` or `{"type": "image", "src", "href"}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Context<'a> {
    #[serde(borrow, rename = "type")]
    pub kind: Option<Str<'a>>,
    #[serde(borrow)]
    pub href: Option<Str<'a>>,
    #[serde(borrow)]
    pub src: Option<Str<'a>>,
    #[serde(borrow)]
    pub text: Option<Str<'a>>,
    #[serde(borrow)]
    pub alt: Option<Str<'a>>,
}
