//! The Alertmanager webhook body (payload `version` "4"), mirrored for serde.
//!
//! Strings borrow from the body where no JSON escape forces a copy. Optional fields are
//! `Option`s, so a missing field and `null` mean the same; unknown fields are ignored
//! (Alertmanager added `notification_reason` in 0.32 and `routeLabels` in 0.34 without
//! changing `version`).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;

pub(crate) type Str<'a> = Cow<'a, str>;
/// Labels or annotations: name → value, sorted by name.
pub(crate) type Labels<'a> = BTreeMap<Str<'a>, Str<'a>>;

#[derive(Debug, Deserialize)]
#[serde(expecting = "an Alertmanager webhook notification (a JSON object)")]
#[serde(rename_all = "camelCase")]
#[allow(clippy::struct_field_names)] // `notification_reason` is Alertmanager's name
pub(crate) struct Notification<'a> {
    #[serde(borrow, default)]
    pub receiver: Option<Str<'a>>,
    #[serde(borrow)]
    pub status: Str<'a>,
    #[serde(borrow, deserialize_with = "pager_core::json::objects")]
    pub alerts: Vec<Alert<'a>>,
    #[serde(borrow, default)]
    pub group_labels: Option<Labels<'a>>,
    #[serde(borrow, default)]
    pub common_labels: Option<Labels<'a>>,
    #[serde(borrow, default)]
    pub common_annotations: Option<Labels<'a>>,
    #[serde(borrow, default)]
    pub route_labels: Option<Labels<'a>>,
    #[serde(borrow, default, rename = "externalURL")]
    pub external_url: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub version: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub group_key: Option<Str<'a>>,
    #[serde(default)]
    pub truncated_alerts: Option<u64>,
    #[serde(borrow, default, rename = "notification_reason")]
    pub notification_reason: Option<Str<'a>>,
}

#[derive(Debug, Deserialize)]
#[serde(expecting = "an Alertmanager alert (a JSON object)")]
#[serde(rename_all = "camelCase")]
pub(crate) struct Alert<'a> {
    #[serde(borrow, default)]
    pub status: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub labels: Option<Labels<'a>>,
    #[serde(borrow, default)]
    pub annotations: Option<Labels<'a>>,
    #[serde(borrow, default)]
    pub starts_at: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub ends_at: Option<Str<'a>>,
    #[serde(borrow, default, rename = "generatorURL")]
    pub generator_url: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub fingerprint: Option<Str<'a>>,
}

/// An alert's own status, as far as the adapter acts on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AlertStatus {
    Firing,
    Resolved,
    Unknown,
}

impl AlertStatus {
    pub fn parse(status: Option<&str>) -> Self {
        match status {
            Some("firing") => AlertStatus::Firing,
            Some("resolved") => AlertStatus::Resolved,
            _ => AlertStatus::Unknown,
        }
    }
}

impl Alert<'_> {
    pub fn status(&self) -> AlertStatus {
        AlertStatus::parse(self.status.as_deref())
    }

    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels.as_ref()?.get(name).map(AsRef::as_ref)
    }

    pub fn annotation(&self, name: &str) -> Option<&str> {
        self.annotations.as_ref()?.get(name).map(AsRef::as_ref)
    }

    /// `endsAt`, or `None` for Go's zero time, which Alertmanager sends for every firing alert.
    pub fn ends_at(&self) -> Option<&str> {
        self.ends_at.as_deref().filter(|t| !is_zero_time(t))
    }
}

/// Go's zero `time.Time` (`0001-01-01T00:00:00Z`), in any RFC 3339 spelling.
fn is_zero_time(t: &str) -> bool {
    t.is_empty()
        || t.starts_with("0001-01-01T00:00:00")
            && chrono::DateTime::parse_from_rfc3339(t)
                .is_ok_and(|d| d.timestamp() == -62_135_596_800)
}

/// Reverses Go's `regexp.QuoteMeta`, which Alertmanager applies to the receiver name:
/// `wh\.basic` (on the wire `"wh\\.basic"`) is the receiver configured as `wh.basic`.
pub(crate) fn unquote_meta(s: &str) -> Cow<'_, str> {
    if !s.contains('\\') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(&next) = chars.peek() {
                if r"\.+*?()|[]{}^$".contains(next) {
                    out.push(next);
                    chars.next();
                    continue;
                }
            }
        }
        out.push(c);
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receiver_names_are_unescaped() {
        assert_eq!(unquote_meta(r"wh\.basic"), "wh.basic");
        assert_eq!(unquote_meta(r"a\(b\)\*\\c"), r"a(b)*\c");
        assert_eq!(unquote_meta("plain"), "plain");
        assert_eq!(unquote_meta(r"trailing\"), r"trailing\");
    }

    #[test]
    fn zero_time_in_its_spellings() {
        assert!(is_zero_time("0001-01-01T00:00:00Z"));
        assert!(is_zero_time("0001-01-01T00:00:00.000Z"));
        assert!(is_zero_time(""));
        assert!(!is_zero_time("2026-11-22T03:44:04.637958Z"));
        assert!(!is_zero_time("0001-01-01T00:00:00+05:30"));
    }
}
