//! Links from alerts: their source (`generatorURL`), runbooks, dashboards and any other URL
//! annotation.

use std::borrow::Cow;

use pager_core::{AdditionalData, DataFormat, is_http_url};

use crate::payload::{Alert, Labels};

/// At most this many links of one kind (source, runbook, …) per event, so a 1000-alert group
/// does not carry 1000 links.
const MAX_LINKS_PER_KIND: usize = 10;
/// At most this many kinds of link (distinct `*_url` annotation names) per event, so a payload
/// of thousands of distinct URL annotations costs no quadratic lookup.
const MAX_LINK_KINDS: usize = 16;

/// The label a link annotation is shown under, if the annotation is a link at all: `Runbook`
/// and `Dashboard` for their usual spellings, else the annotation's own name when it ends in
/// `url` or `_link`.
fn link_label(annotation: &str) -> Option<Cow<'static, str>> {
    const RUNBOOK: [&str; 5] = [
        "runbook",
        "runbook_url",
        "runbookurl",
        "playbook",
        "playbook_url",
    ];
    const DASHBOARD: [&str; 6] = [
        "dashboard",
        "dashboard_url",
        "dashboardurl",
        "grafana_url",
        "grafana_dashboard",
        "dashboard_link",
    ];
    let ends_with = |suffix: &str| {
        annotation
            .len()
            .checked_sub(suffix.len())
            .and_then(|at| annotation.get(at..))
            .is_some_and(|tail| same_name(tail, suffix))
    };
    if RUNBOOK.iter().any(|name| same_name(annotation, name)) {
        Some(Cow::Borrowed("Runbook"))
    } else if DASHBOARD.iter().any(|name| same_name(annotation, name)) {
        Some(Cow::Borrowed("Dashboard"))
    } else if ends_with("url") || ends_with("_link") {
        Some(Cow::Owned(annotation.to_owned()))
    } else {
        None
    }
}

/// `written` is `name` (lowercase, `_`-separated) in any case, with `-` or `_`. Compared in
/// place rather than on a lowercased copy: this runs for every annotation of every alert, and
/// the copy cost 7% of group mode at 100 alerts (BENCHMARKS.md).
fn same_name(written: &str, name: &str) -> bool {
    written.len() == name.len()
        && written
            .bytes()
            .zip(name.bytes())
            .all(|(w, n)| w.to_ascii_lowercase() == n || (w == b'-' && n == b'_'))
}

/// Appends the alerts' source (generatorURL), runbook, dashboard and other URL annotations as
/// links. A kind with one distinct URL is shown under its plain label; several are told apart
/// by alertname. Non-http(s) and empty URLs are left out.
pub(crate) fn push_links<'a>(
    data: &mut Vec<AdditionalData>,
    alerts: impl Iterator<Item = &'a Alert<'a>>,
) {
    // label → [(url, alertname)], labels in first-seen order.
    type UrlsOfKind<'a> = (Cow<'static, str>, Vec<(&'a str, Option<&'a str>)>);
    let mut kinds: Vec<UrlsOfKind<'a>> = Vec::new();
    let mut add = |label: Cow<'static, str>, url: &'a str, name: Option<&'a str>| {
        let at = match kinds.iter().position(|(l, _)| *l == label) {
            Some(at) => at,
            None if kinds.len() < MAX_LINK_KINDS => {
                kinds.push((label, Vec::new()));
                kinds.len() - 1
            }
            None => return,
        };
        if let Some((_, urls)) = kinds.get_mut(at) {
            if is_http_url(url)
                && urls.len() < MAX_LINKS_PER_KIND
                && !urls.iter().any(|(u, _)| *u == url)
            {
                urls.push((url, name));
            }
        }
    };
    for alert in alerts {
        let name = alert.label("alertname").filter(|s| !s.is_empty());
        if let Some(url) = alert.generator_url.as_deref() {
            add(Cow::Borrowed("Source"), url, name);
        }
        for (key, value) in alert.annotations.iter().flat_map(Labels::iter) {
            if let Some(label) = link_label(key) {
                add(label, value, name);
            }
        }
    }
    for (label, urls) in kinds {
        let several = urls.len() > 1;
        for (url, name) in urls {
            let label = match name {
                Some(name) if several => Cow::Owned(format!("{label}: {name}")),
                _ => label.clone(),
            };
            data.push(AdditionalData::new(DataFormat::Link, label, url));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_labels() {
        for (annotation, shown_as) in [
            ("runbook_url", "Runbook"),
            ("Runbook-URL", "Runbook"),
            ("dashboard", "Dashboard"),
            ("logs_url", "logs_url"),
            ("Logs-Link", "Logs-Link"),
            ("dashboard-URL", "Dashboard"),
            ("GRAFANA_URL", "Dashboard"),
        ] {
            assert_eq!(
                link_label(annotation).as_deref(),
                Some(shown_as),
                "{annotation}"
            );
        }
        assert_eq!(link_label("summary"), None);
        assert_eq!(link_label("runbook_urls"), None);
    }
}
