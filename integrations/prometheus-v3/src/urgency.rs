//! Severity label values → urgency.

use std::collections::BTreeMap;

use pager_core::Urgency;

/// Severity names as Prometheus users write them, lowercase. Anything else → no urgency
/// (the host's default). `none` is the conventional severity of always-firing heartbeat
/// alerts such as kube-prometheus' `Watchdog`, so it maps to silent.
const BUILT_IN: &[(&str, Urgency)] = &[
    ("critical", Urgency::Critical),
    ("crit", Urgency::Critical),
    ("fatal", Urgency::Critical),
    ("page", Urgency::Critical),
    ("emergency", Urgency::Critical),
    ("emerg", Urgency::Critical),
    ("alert", Urgency::Critical),
    ("disaster", Urgency::Critical),
    ("p0", Urgency::Critical),
    ("p1", Urgency::Critical),
    ("sev0", Urgency::Critical),
    ("sev1", Urgency::Critical),
    ("high", Urgency::High),
    ("error", Urgency::High),
    ("err", Urgency::High),
    ("major", Urgency::High),
    ("p2", Urgency::High),
    ("sev2", Urgency::High),
    ("medium", Urgency::Medium),
    ("warning", Urgency::Medium),
    ("warn", Urgency::Medium),
    ("moderate", Urgency::Medium),
    ("average", Urgency::Medium),
    ("p3", Urgency::Medium),
    ("sev3", Urgency::Medium),
    ("low", Urgency::Low),
    ("info", Urgency::Low),
    ("informational", Urgency::Low),
    ("notice", Urgency::Low),
    ("minor", Urgency::Low),
    ("debug", Urgency::Low),
    ("p4", Urgency::Low),
    ("p5", Urgency::Low),
    ("sev4", Urgency::Low),
    ("sev5", Urgency::Low),
    ("none", Urgency::Silent),
    ("silent", Urgency::Silent),
];

/// Maps severity values to urgency: the configured map first, then [`BUILT_IN`];
/// case-insensitive, surrounding whitespace ignored.
#[derive(Debug, Clone)]
pub(crate) struct UrgencyMap {
    custom: BTreeMap<String, Urgency>,
}

impl UrgencyMap {
    pub fn new(custom: &BTreeMap<String, Urgency>) -> Self {
        Self {
            custom: custom
                .iter()
                .map(|(k, v)| (k.trim().to_lowercase(), *v))
                .collect(),
        }
    }

    pub fn get(&self, severity: &str) -> Option<Urgency> {
        let severity = severity.trim();
        if let Some(found) = self.custom.get(severity) {
            return Some(*found);
        }
        // Called once per alert: no lowercase copy unless the name is not ASCII (the built-in
        // names all are).
        if severity.is_ascii() {
            let custom = self
                .custom
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(severity))
                .map(|(_, u)| *u);
            return custom.or_else(|| {
                BUILT_IN
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case(severity))
                    .map(|(_, u)| *u)
            });
        }
        self.custom.get(&severity.to_lowercase()).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_names_case_insensitive() {
        let map = UrgencyMap::new(&BTreeMap::new());
        assert_eq!(map.get("Critical"), Some(Urgency::Critical));
        assert_eq!(map.get(" page "), Some(Urgency::Critical));
        assert_eq!(map.get("warning"), Some(Urgency::Medium));
        assert_eq!(map.get("error"), Some(Urgency::High));
        assert_eq!(map.get("INFO"), Some(Urgency::Low));
        assert_eq!(map.get("none"), Some(Urgency::Silent));
        assert_eq!(map.get("whatever"), None);
        assert_eq!(map.get(""), None);
    }

    #[test]
    fn configured_names_win() {
        let custom = BTreeMap::from([
            ("Warning".to_owned(), Urgency::High),
            ("ticket".to_owned(), Urgency::Low),
            ("Ärger".to_owned(), Urgency::Critical),
        ]);
        let map = UrgencyMap::new(&custom);
        assert_eq!(map.get("WARNING"), Some(Urgency::High));
        assert_eq!(map.get("ticket"), Some(Urgency::Low));
        assert_eq!(map.get("critical"), Some(Urgency::Critical));
        assert_eq!(
            map.get("ÄRGER"),
            Some(Urgency::Critical),
            "non-ASCII names fold too"
        );
    }
}
