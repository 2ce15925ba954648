//! The Alertmanager webhook body (payload `version` "4"), mirrored for serde.
//!
//! Strings borrow from the body where no JSON escape forces a copy. Optional fields are
//! `Option`s, so a missing field and `null` mean the same; unknown fields are ignored
//! (Alertmanager added `notification_reason` in 0.32 and `routeLabels` in 0.34 without
//! changing `version`).

use std::borrow::Cow;
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub(crate) type Str<'a> = Cow<'a, str>;

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
        if !pairs.is_sorted_by(|a, b| a.0 < b.0) {
            // Stable, so among equal names the last one sent stays last; keep that one.
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            let mut deduped: Vec<(Str<'a>, Str<'a>)> = Vec::with_capacity(pairs.len());
            for pair in pairs {
                match deduped.last_mut() {
                    Some(last) if last.0 == pair.0 => *last = pair,
                    _ => deduped.push(pair),
                }
            }
            pairs = deduped;
        }
        pairs.shrink_to_fit();
        Self(pairs)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        // A typical label set is small: comparing lengths first skips nearly every byte
        // comparison, where a binary search compares bytes at every step.
        if self.0.len() <= 16 {
            return self
                .0
                .iter()
                .find(|(k, _)| k.len() == name.len() && k.as_ref() == name)
                .map(|(_, v)| v.as_ref());
        }
        let at = self
            .0
            .binary_search_by(|(k, _)| k.as_ref().cmp(name))
            .ok()?;
        self.0.get(at).map(|(_, v)| v.as_ref())
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + Clone {
        self.0.iter().map(|(k, v)| (k.as_ref(), v.as_ref()))
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
                // Room for a typical label set at once; `from_pairs` gives back the rest
                // (an in-place shrink, not a copy).
                let mut pairs = Vec::with_capacity(16);
                while let Some((BorrowedStr(k), BorrowedStr(v))) = map.next_entry()? {
                    pairs.push((k, v));
                }
                Ok(Labels::from_pairs(pairs))
            }
        }
        deserializer.deserialize_map(LabelsVisitor)
    }
}

impl Serialize for Labels<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

/// A string borrowed from the input when it has no escapes (serde's `Cow<str>` always copies).
struct BorrowedStr<'a>(Str<'a>);

impl<'de: 'a, 'a> Deserialize<'de> for BorrowedStr<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrVisitor;
        impl<'de> Visitor<'de> for StrVisitor {
            type Value = BorrowedStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: serde::de::Error>(
                self,
                v: &'de str,
            ) -> Result<Self::Value, E> {
                Ok(BorrowedStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(BorrowedStr(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(BorrowedStr(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(StrVisitor)
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
    pub status: Option<Status<'a>>,
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

/// An alert's `status` as sent, and what it means, decided once while parsing (the mapping
/// asks for it many times per alert).
#[derive(Debug)]
pub(crate) struct Status<'a> {
    pub raw: Str<'a>,
    pub kind: AlertStatus,
}

impl<'de: 'a, 'a> Deserialize<'de> for Status<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let BorrowedStr(raw) = BorrowedStr::deserialize(deserializer)?;
        let kind = AlertStatus::parse(Some(&raw));
        Ok(Self { raw, kind })
    }
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
        self.status
            .as_ref()
            .map_or(AlertStatus::Unknown, |s| s.kind)
    }

    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels.as_ref()?.get(name)
    }

    pub fn annotation(&self, name: &str) -> Option<&str> {
        self.annotations.as_ref()?.get(name)
    }

    /// The alert's id: its `fingerprint` as sent, or, when absent or empty, computed the way
    /// Prometheus computes it from the labels.
    pub fn fingerprint(&self) -> Str<'_> {
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
    // The exact spelling Alertmanager sends for every firing alert first, without parsing.
    t.is_empty()
        || t == "0001-01-01T00:00:00Z"
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
        // Past 16 labels, the binary search.
        let many = Labels::from_pairs(
            (0..40)
                .map(|i| (Cow::Owned(format!("l{i:02}")), Cow::Owned(i.to_string())))
                .collect(),
        );
        assert_eq!(many.get("l07"), Some("7"));
        assert_eq!(many.get("l39"), Some("39"));
        assert_eq!(many.get("l40"), None);
        assert!(matches!(l.0[0].1, Cow::Borrowed(_)));
        assert!(matches!(l.0[2].1, Cow::Owned(_)), "an escape forces a copy");
        assert_eq!(
            serde_json::to_string(&l).unwrap(),
            r#"{"a":"1","b":"3","c":"x\ny"}"#
        );
        assert!(serde_json::from_str::<Labels<'_>>(r#"{"a": 1}"#).is_err());
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
