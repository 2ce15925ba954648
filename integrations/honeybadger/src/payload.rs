//! Honeybadger's webhook body (payload version v2, the default; v3's ids as strings are read
//! too), as far as the mapping reads it. `project.token` (the project's ingestion key) and
//! `notice` are never read.

use std::fmt;

use pager_core::json::{Object, Str};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer};

/// One webhook: an event about a fault, an uptime site or a check-in.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Webhook<'a> {
    /// `occurred`, `resolved`, `down`, `check_in_missing`, …
    #[serde(borrow)]
    pub event: Option<Str<'a>>,
    /// A one-line summary, as Honeybadger's notifications show it.
    #[serde(borrow)]
    pub message: Option<Str<'a>>,
    #[serde(borrow)]
    pub project: Option<Object<Project<'a>>>,
    #[serde(borrow)]
    pub fault: Option<Object<Fault<'a>>>,
    #[serde(borrow)]
    pub site: Option<Object<Site<'a>>>,
    #[serde(borrow)]
    pub outage: Option<Object<Outage<'a>>>,
    #[serde(borrow)]
    pub check_in: Option<Object<CheckIn<'a>>>,
    /// Who caused the event (assigned, commented, resolved by hand).
    #[serde(borrow)]
    pub actor: Option<Object<Person<'a>>>,
    #[serde(borrow)]
    pub assignee: Option<Object<Person<'a>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Project<'a> {
    pub id: Option<Id>,
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
}

/// A fault: one unique error, however many notices it has.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Fault<'a> {
    pub id: Option<Id>,
    /// The error class.
    #[serde(borrow)]
    pub klass: Option<Str<'a>>,
    /// The error message, without the class.
    #[serde(borrow)]
    pub message: Option<Str<'a>>,
    #[serde(borrow)]
    pub component: Option<Str<'a>>,
    #[serde(borrow)]
    pub action: Option<Str<'a>>,
    #[serde(borrow)]
    pub environment: Option<Str<'a>>,
    #[serde(borrow)]
    pub project_name: Option<Str<'a>>,
    pub notices_count: Option<u64>,
    #[serde(borrow)]
    pub last_notice_at: Option<Str<'a>>,
    #[serde(borrow)]
    pub tags: Option<Vec<Str<'a>>>,
    /// The fault's page in Honeybadger.
    #[serde(borrow)]
    pub url: Option<Str<'a>>,
}

/// An uptime-monitored site.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Site<'a> {
    pub id: Option<Id>,
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
    /// The monitored URL.
    #[serde(borrow)]
    pub url: Option<Str<'a>>,
    #[serde(borrow)]
    pub state: Option<Str<'a>>,
    /// The site's page in Honeybadger.
    #[serde(borrow)]
    pub details_url: Option<Str<'a>>,
    #[serde(borrow)]
    pub cert_will_expire_at: Option<Str<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Outage<'a> {
    #[serde(borrow)]
    pub down_at: Option<Str<'a>>,
    #[serde(borrow)]
    pub up_at: Option<Str<'a>>,
    /// The HTTP status the failing check got.
    pub status: Option<u16>,
    #[serde(borrow)]
    pub reason: Option<Str<'a>>,
}

/// A check-in. Its `id` is the last part of its unauthenticated report URL
/// (`https://api.honeybadger.io/v1/check_in/<id>`): whoever holds it can report.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CheckIn<'a> {
    #[serde(borrow)]
    pub id: Option<Str<'a>>,
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
    #[serde(borrow)]
    pub slug: Option<Str<'a>>,
    #[serde(borrow)]
    pub state: Option<Str<'a>>,
    #[serde(borrow)]
    pub schedule_type: Option<Str<'a>>,
    #[serde(borrow)]
    pub report_period: Option<Str<'a>>,
    #[serde(borrow)]
    pub cron_schedule: Option<Str<'a>>,
    pub missed_count: Option<u64>,
    #[serde(borrow)]
    pub reported_at: Option<Str<'a>>,
    #[serde(borrow)]
    pub expected_at: Option<Str<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Person<'a> {
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
}

/// A record's id: an integer in v2 (faults, projects), a string in v3 and for sites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Id(pub String);

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IdVisitor;
        impl Visitor<'_> for IdVisitor {
            type Value = Id;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an id (a string or an integer)")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Id, E> {
                Ok(Id(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Id, E> {
                Ok(Id(v.to_string()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Id, E> {
                Ok(Id(v.trim().to_owned()))
            }
        }
        deserializer.deserialize_any(IdVisitor)
    }
}
