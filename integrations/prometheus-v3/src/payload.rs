//! The Alertmanager webhook body (payload `version` "4"), mirrored for serde.
//!
//! Strings borrow from the body where no JSON escape forces a copy. Optional fields are
//! `Option`s, so a missing field and `null` mean the same; unknown fields are ignored
//! (Alertmanager added `notification_reason` in 0.32 and `routeLabels` in 0.34 without
//! changing `version`).

use std::borrow::Cow;
use std::fmt;

use pager_core::json::Str;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

/// Labels or annotations: name → value, sorted by name (byte-wise, as Prometheus sorts them),
/// a later duplicate name replacing an earlier one. A vector of exactly its length rather than
/// a `BTreeMap`: label sets are small, and a tree node per 3-entry annotation set was the
/// largest part of the adapter's memory on big payloads.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Labels<'a>(Vec<(Str<'a>, Str<'a>)>);

impl<'a> Labels<'a> {
    pub const fn new() -> Self {
        Self(Vec::new())
    }

    /// From pairs in any order (later duplicates win).
    pub fn from_pairs(mut pairs: Vec<(Str<'a>, Str<'a>)>) -> Self {
        // Stable, so among equal names the last one sent stays last; keep that one.
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        let mut deduped: Vec<(Str<'a>, Str<'a>)> = Vec::with_capacity(pairs.len());
        for pair in pairs {
            match deduped.last_mut() {
                Some(last) if last.0 == pair.0 => *last = pair,
                _ => deduped.push(pair),
            }
        }
        Self(deduped)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        let at = self
            .0
            .binary_search_by(|(k, _)| k.as_str().cmp(name))
            .ok()?;
        self.0.get(at).map(|(_, v)| v.as_str())
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + Clone {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Labels<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LabelsVisitor;
        impl<'de> Visitor<'de> for LabelsVisitor {
            type Value = Labels<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Labels<'de>, A::Error> {
                let mut pairs = Vec::new();
                while let Some(pair) = map.next_entry()? {
                    pairs.push(pair);
                }
                Ok(Labels::from_pairs(pairs))
            }
        }
        deserializer.deserialize_map(LabelsVisitor)
    }
}

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
    #[serde(borrow, default, rename = "externalURL")]
    pub external_url: Option<Str<'a>>,
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
    #[serde(default)]
    pub status: Option<AlertStatus>,
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

/// Alert mode's second, shallow read of the body: each alert's exact text, so its event can
/// carry the alert verbatim. Only called on a body that already parsed as a [`Notification`].
#[derive(Debug, Deserialize)]
pub(crate) struct RawAlerts<'a> {
    #[serde(borrow)]
    pub alerts: Vec<&'a RawValue>,
}

/// An alert's own status, as far as the adapter acts on it; decided once while parsing (the
/// mapping asks for it many times per alert).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AlertStatus {
    Firing,
    Resolved,
    Unknown,
}

impl<'de> Deserialize<'de> for AlertStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Str::deserialize(deserializer)?.as_str() {
            "firing" => AlertStatus::Firing,
            "resolved" => AlertStatus::Resolved,
            _ => AlertStatus::Unknown,
        })
    }
}

impl Alert<'_> {
    pub fn status(&self) -> AlertStatus {
        self.status.unwrap_or(AlertStatus::Unknown)
    }

    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels.as_ref()?.get(name)
    }

    pub fn annotation(&self, name: &str) -> Option<&str> {
        self.annotations.as_ref()?.get(name)
    }

    /// The alert's id: its `fingerprint` as sent, or, when absent or empty, computed the way
    /// Prometheus computes it from the labels.
    pub fn fingerprint(&self) -> Cow<'_, str> {
        match self.fingerprint.as_deref().filter(|f| !f.is_empty()) {
            Some(given) => Cow::Borrowed(given),
            None => Cow::Owned(crate::fingerprint::fingerprint(self.labels.as_ref())),
        }
    }

    /// The text a person reads first: the `summary` annotation, else `description`.
    pub fn summary(&self) -> Option<&str> {
        self.annotation("summary")
            .filter(|s| !s.is_empty())
            .or_else(|| self.annotation("description").filter(|s| !s.is_empty()))
    }

    /// `endsAt`, or `None` for Go's zero time, which Alertmanager sends for every firing alert.
    pub fn ends_at(&self) -> Option<&str> {
        self.ends_at.as_deref().filter(|t| !is_zero_time(t))
    }
}

/// Go's zero `time.Time` (`0001-01-01T00:00:00Z`), in any RFC 3339 spelling.
fn is_zero_time(t: &str) -> bool {
    t.is_empty()
        || chrono::DateTime::parse_from_rfc3339(t).is_ok_and(|d| d.timestamp() == -62_135_596_800)
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

    fn labels(json: &str) -> Labels<'_> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn labels_are_sorted_last_duplicate_wins_and_borrowed() {
        let l = labels(r#"{"b": "2", "a": "1", "b": "3", "c": "x\ny"}"#);
        assert_eq!(
            l.iter().collect::<Vec<_>>(),
            [("a", "1"), ("b", "3"), ("c", "x\ny")]
        );
        assert_eq!(l.get("b"), Some("3"));
        assert_eq!(l.get("z"), None);
        assert!(l.0[0].1.is_borrowed());
        assert!(!l.0[2].1.is_borrowed(), "an escape forces a copy");
        assert!(serde_json::from_str::<Labels<'_>>(r#"{"a": 1}"#).is_err());
    }

    #[test]
    fn escape_free_scalar_fields_borrow_from_the_body() {
        let body = br#"{"receiver": "ops", "status": "firing", "groupKey": "{}:{a=\"b\"}",
            "alerts": [{"status": "firing", "fingerprint": "f1", "startsAt": "2026-11-22T03:44:01Z"}]}"#;
        let n: Notification<'_> = serde_json::from_slice(body).unwrap();
        assert!(
            n.receiver.as_ref().unwrap().is_borrowed(),
            "Option<Str> borrows"
        );
        assert!(n.status.is_borrowed());
        assert!(
            !n.group_key.as_ref().unwrap().is_borrowed(),
            "escaped: copied"
        );
        let alert = &n.alerts[0];
        assert!(alert.fingerprint.as_ref().unwrap().is_borrowed());
        assert!(alert.starts_at.as_ref().unwrap().is_borrowed());
    }

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
