//! One severity vocabulary: the names Prometheus-style senders write in a `severity` label
//! (or a priority field), and the [`Urgency`] each means. Every adapter reading such a name
//! uses [`UrgencyMap`], so "minor" means the same everywhere.
//!
//! | urgency | names (case-insensitive, surrounding whitespace ignored) |
//! |---|---|
//! | critical | critical, crit, fatal, page, emergency, emerg, alert, disaster, p0, p1, sev0, sev1 |
//! | high | high, error, err, major, p2, sev2 |
//! | medium | medium, warning, warn, moderate, average, p3, sev3 |
//! | low | low, info, informational, notice, minor, debug, p4, p5, sev4, sev5 |
//! | silent | none, silent (`none` is the conventional severity of always-firing heartbeat alerts such as kube-prometheus' `Watchdog`) |
//!
//! Anything else has no urgency: the host's default applies. An instance can add or override
//! names with its `urgency_map` option.
//!
//! ```
//! use std::collections::BTreeMap;
//! use pager_core::{Urgency, severity::UrgencyMap};
//!
//! let map = UrgencyMap::new(&BTreeMap::from([("Ticket".to_owned(), Urgency::Low)]));
//! assert_eq!(map.get(" Warning "), Some(Urgency::Medium));
//! assert_eq!(map.get("TICKET"), Some(Urgency::Low));
//! assert_eq!(map.get("whatever"), None);
//! ```

use std::collections::BTreeMap;

use crate::Urgency;

/// The built-in meaning of a severity name, already lowercase and trimmed.
pub fn built_in(name: &str) -> Option<Urgency> {
    Some(match name {
        "critical" | "crit" | "fatal" | "page" | "emergency" | "emerg" | "alert" | "disaster"
        | "p0" | "p1" | "sev0" | "sev1" => Urgency::Critical,
        "high" | "error" | "err" | "major" | "p2" | "sev2" => Urgency::High,
        "medium" | "warning" | "warn" | "moderate" | "average" | "p3" | "sev3" => Urgency::Medium,
        "low" | "info" | "informational" | "notice" | "minor" | "debug" | "p4" | "p5" | "sev4"
        | "sev5" => Urgency::Low,
        "none" | "silent" => Urgency::Silent,
        _ => return None,
    })
}

/// Severity names → urgency: an instance's overrides first, then the [built-in](built_in)
/// vocabulary; names compared case-insensitively, surrounding whitespace ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UrgencyMap {
    overrides: BTreeMap<String, Urgency>,
}

impl UrgencyMap {
    /// The built-in vocabulary with `overrides` (an adapter's `urgency_map` option) on top.
    pub fn new(overrides: &BTreeMap<String, Urgency>) -> Self {
        Self {
            overrides: overrides
                .iter()
                .map(|(name, urgency)| (normalize(name), *urgency))
                .collect(),
        }
    }

    /// The urgency `severity` means, if any.
    pub fn get(&self, severity: &str) -> Option<Urgency> {
        let name = normalize(severity);
        self.overrides
            .get(&name)
            .copied()
            .or_else(|| built_in(&name))
    }
}

fn normalize(name: &str) -> String {
    name.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_names_case_insensitive() {
        let map = UrgencyMap::default();
        assert_eq!(map.get("Critical"), Some(Urgency::Critical));
        assert_eq!(map.get(" page "), Some(Urgency::Critical));
        assert_eq!(map.get("warning"), Some(Urgency::Medium));
        assert_eq!(map.get("error"), Some(Urgency::High));
        assert_eq!(map.get("INFO"), Some(Urgency::Low));
        assert_eq!(map.get("minor"), Some(Urgency::Low));
        assert_eq!(map.get("none"), Some(Urgency::Silent));
        assert_eq!(map.get("whatever"), None);
        assert_eq!(map.get(""), None);
    }

    #[test]
    fn overrides_win_and_fold_case() {
        let map = UrgencyMap::new(&BTreeMap::from([
            ("Warning".to_owned(), Urgency::High),
            ("ticket".to_owned(), Urgency::Low),
            ("Ärger".to_owned(), Urgency::Critical),
        ]));
        assert_eq!(map.get("WARNING"), Some(Urgency::High));
        assert_eq!(map.get("ticket"), Some(Urgency::Low));
        assert_eq!(map.get("critical"), Some(Urgency::Critical));
        assert_eq!(map.get("ÄRGER"), Some(Urgency::Critical));
    }
}
