//! A state change → its event. Pure functions over the payload; the mapping table is in the
//! adapter's README.

use pager_core::json::non_blank;
use pager_core::template::{Value, epoch_seconds_to_rfc3339};
use pager_core::text::url_without_secrets;
use pager_core::{Action, AdditionalData, Error, Event, Meta};

use crate::payload::{Probe, StateChange};

/// The one event a state change stands for.
pub(crate) fn event(change: &StateChange<'_>) -> Result<Event, Error> {
    let Some(check_id) = change.check_id.as_ref().and_then(Value::non_blank) else {
        return Err(Error::invalid(
            "check_id",
            "missing or empty: the check's id identifies the alert",
        ));
    };
    let current = non_blank(change.current_state.as_ref());
    let (action, state, reason) = match current {
        Some(state) if state.eq_ignore_ascii_case("down") => (Action::Create, "down", None),
        Some(state) if state.eq_ignore_ascii_case("failing") => (Action::Create, "failing", None),
        Some(state) if state.eq_ignore_ascii_case("up") => (Action::Resolve, "up", None),
        Some(state) if state.eq_ignore_ascii_case("success") => {
            (Action::Resolve, "succeeding", None)
        }
        Some(state) => (
            Action::Other,
            "",
            Some(format!(
                "current_state {state:?} is none of UP, DOWN, SUCCESS, FAILING"
            )),
        ),
        None => (
            Action::Other,
            "",
            Some("no current_state: not a state change".to_owned()),
        ),
    };
    let name = non_blank(change.check_name.as_ref()).unwrap_or(check_id);
    let title = if state.is_empty() {
        name.to_owned()
    } else {
        format!("{name} is {state}")
    };
    let description = non_blank(change.long_description.as_ref())
        .or_else(|| non_blank(change.description.as_ref()))
        .map(str::to_owned);
    // Pingdom's importance is HIGH or LOW, words of the shared severity vocabulary.
    let urgency = non_blank(change.importance_level.as_ref())
        .and_then(|level| pager_core::severity::built_in(&level.to_ascii_lowercase()));
    let tags = change
        .tags
        .iter()
        .flatten()
        .filter_map(|tag| non_blank(Some(tag)).map(str::to_owned))
        .collect();
    let event = Event::new(action, check_id, title)
        .with_description(description)
        .with_urgency(urgency)
        .with_tags(tags)
        .with_additional_data(additional_data(check_id, change))
        .with_meta(
            Meta::new()
                .with_optional("previous_state", non_blank(change.previous_state.as_ref()))
                .with_optional("current_state", current)
                .with_optional("reason", reason),
        );
    Ok(event)
}

fn additional_data(check_id: &str, change: &StateChange<'_>) -> Vec<AdditionalData> {
    let mut data = Vec::new();
    let params = change.check_params.as_deref();
    if let Some(link) = params
        .and_then(|p| non_blank(p.full_url.as_ref()))
        .and_then(|url| AdditionalData::link("Checked URL", &url_without_secrets(url)))
    {
        data.push(link);
    }
    for (label, value) in [
        ("Check", non_blank(change.check_name.as_ref())),
        ("Check ID", Some(check_id)),
        ("Check type", non_blank(change.check_type.as_ref())),
    ] {
        if let Some(value) = value {
            data.push(AdditionalData::text(label, value));
        }
    }
    if let Some(host) = params.and_then(|p| non_blank(p.hostname.as_ref())) {
        let host = match params.and_then(|p| p.port.as_ref().and_then(Value::non_blank)) {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        data.push(AdditionalData::text("Host", host));
    }
    if let (Some(from), Some(to)) = (
        non_blank(change.previous_state.as_ref()),
        non_blank(change.current_state.as_ref()),
    ) {
        data.push(AdditionalData::text("State", format!("{from} → {to}")));
    }
    for (label, value) in [
        ("Importance", non_blank(change.importance_level.as_ref())),
        ("Summary", non_blank(change.description.as_ref())),
    ] {
        if let Some(value) = value {
            data.push(AdditionalData::text(label, value));
        }
    }
    for (label, probe) in [
        ("First probe", change.first_probe.as_deref()),
        ("Second probe", change.second_probe.as_deref()),
    ] {
        if let Some(probe) = probe.and_then(probe_text) {
            data.push(AdditionalData::text(label, probe));
        }
    }
    let changed_at = change
        .state_changed_timestamp
        .as_ref()
        .and_then(Value::non_blank)
        .and_then(epoch_seconds_to_rfc3339)
        .or_else(|| {
            non_blank(change.state_changed_utc_time.as_ref()).and_then(naive_utc_to_rfc3339)
        });
    if let Some(at) = changed_at {
        data.push(AdditionalData::datetime("State changed at", at));
    }
    data
}

/// `Stockholm, Sweden (123.4.5.6)`; `None` for an empty probe (`{}` on a recovery).
fn probe_text(probe: &Probe<'_>) -> Option<String> {
    let address = non_blank(probe.ip.as_ref()).or_else(|| non_blank(probe.ipv6.as_ref()));
    match (non_blank(probe.location.as_ref()), address) {
        (Some(location), Some(address)) => Some(format!("{location} ({address})")),
        (Some(location), None) => Some(location.to_owned()),
        (None, Some(address)) => Some(address.to_owned()),
        (None, None) => None,
    }
}

/// `state_changed_utc_time` (`2016-01-01T01:01:01`, UTC without a zone) as RFC 3339.
fn naive_utc_to_rfc3339(text: &str) -> Option<String> {
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
        .ok()
        .map(|t| {
            t.and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_urls_lose_credentials_and_query() {
        assert_eq!(
            url_without_secrets("https://u:p@shop.example.com:8443/health?key=k#x"),
            "https://shop.example.com:8443/health"
        );
        assert_eq!(
            url_without_secrets("http://api.alerta.io/"),
            "http://api.alerta.io/"
        );
    }

    #[test]
    fn utc_times_without_a_zone_read_as_utc() {
        assert_eq!(
            naive_utc_to_rfc3339("2016-01-01T01:01:01").as_deref(),
            Some("2016-01-01T01:01:01.000Z")
        );
        assert_eq!(naive_utc_to_rfc3339("01/01/2016"), None);
    }
}
