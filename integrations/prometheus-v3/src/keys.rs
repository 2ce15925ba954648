//! Group mode's dedup key and its fallbacks (the recipe is in the adapter's README).

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use crate::payload::{Alert, Notification};

/// The group's key and where it came from (`meta.key_source`): `groupKey` as sent, else a
/// fallback from the receiver and the group labels, the common labels, or the alerts'
/// fingerprints.
pub(crate) fn group_key<'n>(n: &'n Notification<'n>) -> (Cow<'n, str>, &'static str) {
    if let Some(key) = n.group_key.as_deref().filter(|k| !k.is_empty()) {
        return (Cow::Borrowed(key), "groupKey");
    }
    let receiver = n.receiver.as_deref().unwrap_or_default();
    let (labels, source) = match (&n.group_labels, &n.common_labels) {
        (Some(g), _) if !g.is_empty() => (g, "groupLabels"),
        (_, Some(c)) if !c.is_empty() => (c, "commonLabels"),
        _ => {
            let fingerprints: BTreeSet<Cow<'_, str>> =
                n.alerts.iter().map(Alert::fingerprint).collect();
            let list = fingerprints.into_iter().collect::<Vec<_>>().join(",");
            return (
                Cow::Owned(format!("fallback:{receiver}:[{list}]")),
                "fingerprints",
            );
        }
    };
    let mut key = format!("fallback:{receiver}:{{");
    for (i, (k, v)) in labels.iter().enumerate() {
        if i > 0 {
            key.push_str(", ");
        }
        let _ = write!(key, "{k}={}", serde_json::Value::from(v));
    }
    key.push('}');
    (Cow::Owned(key), source)
}

/// The lowercase hex SHA-256 of a key: Alertmanager's own PagerDuty and Opsgenie dedup key.
pub(crate) fn sha256_hex(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_matches_a_known_digest() {
        assert_eq!(
            sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
