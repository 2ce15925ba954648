//! A triggered alert → its event. Pure functions over the payload; the mapping table is in
//! the adapter's README.

use std::collections::BTreeMap;

use pager_core::json::{Str, non_blank, object_as_data};
use pager_core::text::{percent_encode_component, url_without_secrets};
use pager_core::{Action, AdditionalData, Error, Event, Meta};
use serde_json::value::RawValue;

use crate::payload::Alert;

/// The one event a triggered alert stands for: always a `create` (Splunk sends nothing when
/// the condition clears).
pub(crate) fn event(alert: &Alert<'_>, key_field: Option<&str>) -> Result<Event, Error> {
    let fields = match alert.result {
        Some(raw) => {
            serde_json::from_str::<BTreeMap<Str<'_>, &RawValue>>(raw.get()).map_err(|_| {
                Error::invalid(
                    "result",
                    "not a JSON object: Splunk sends the first result row as field → value",
                )
            })?
        }
        None => BTreeMap::new(),
    };
    let search_name = non_blank(alert.search_name.as_ref());
    let app = non_blank(alert.app.as_ref());
    let sid = non_blank(alert.sid.as_ref());
    let (search_key, key_source) = match (search_name, sid) {
        (Some(name), _) => (
            app.map_or_else(|| name.to_owned(), |app| format!("{app}/{name}")),
            "search_name",
        ),
        (None, Some(sid)) => (format!("sid:{}", sid_without_run(sid)), "sid"),
        (None, None) => {
            return Err(Error::invalid(
                "search_name",
                "missing or empty, and no sid: nothing names the alert",
            ));
        }
    };
    let keyed = key_field.and_then(|field| {
        fields
            .get(&Str(field.into()))
            .and_then(|value| value_text(value))
            .map(|value| (field, value))
    });
    let (key, key_source) = match &keyed {
        Some((field, value)) => (format!("{search_key}/{field}={value}"), key_source),
        None => (search_key, key_source),
    };
    let name = search_name.map_or_else(
        || sid.map_or_else(String::new, |sid| format!("Splunk search {sid}")),
        str::to_owned,
    );
    let title = match &keyed {
        Some((field, value)) => format!("{name} ({field}={value})"),
        None => name,
    };
    let mut meta = Meta::new().with("key_source", key_source);
    if let Some(field) = key_field.filter(|_| keyed.is_none()) {
        meta = meta.with("key_field_missing", field);
    }
    Ok(Event::new(Action::Create, key, title)
        .with_additional_data(additional_data(alert, sid, search_name, app))
        .with_meta(meta))
}

fn additional_data(
    alert: &Alert<'_>,
    sid: Option<&str>,
    search_name: Option<&str>,
    app: Option<&str>,
) -> Vec<AdditionalData> {
    let mut data = Vec::new();
    if let Some(link) = non_blank(alert.results_link.as_ref())
        .and_then(|url| AdditionalData::link("Results", &results_link(url, sid)))
    {
        data.push(link);
    }
    for (label, value) in [
        ("Search", search_name),
        ("App", app),
        ("Owner", non_blank(alert.owner.as_ref())),
        ("SID", sid),
    ] {
        if let Some(value) = value {
            data.push(AdditionalData::text(label, value));
        }
    }
    data.extend(alert.result.map(object_as_data).unwrap_or_default());
    data
}

/// `results_link` without user info, query and fragment, then with `?sid=<sid>` again: the
/// one query parameter Splunk Web's `@go` page needs, taken from the payload's own `sid`.
fn results_link(url: &str, sid: Option<&str>) -> String {
    let base = url_without_secrets(url);
    match sid {
        Some(sid) if url.contains('?') => format!("{base}?sid={}", percent_encode_component(sid)),
        _ => base.into_owned(),
    }
}

/// A scheduled search's sid without its run suffix (`scheduler__admin__search__W2_at_1427942640_178`
/// → `scheduler__admin__search__W2`): the same for every run of one saved search. Any other
/// sid is returned whole (an ad hoc search: each run its own alert).
fn sid_without_run(sid: &str) -> &str {
    if !sid.starts_with("scheduler_") && !sid.starts_with("rt_scheduler_") {
        return sid;
    }
    match sid.rsplit_once("_at_") {
        Some((search, run))
            if !search.is_empty()
                && run.split('_').all(|part| {
                    !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                }) =>
        {
            search
        }
        _ => sid,
    }
}

/// A result field's value as key text: a string trimmed, a number or boolean as written, a
/// multivalue field's values joined with `,`; nothing for `null`, blanks and objects.
fn value_text(value: &RawValue) -> Option<String> {
    let raw = value.get().trim();
    let text = if raw.starts_with('"') {
        serde_json::from_str::<Str<'_>>(raw).ok()?.trim().to_owned()
    } else if raw.starts_with('[') {
        let values = serde_json::from_str::<Vec<&RawValue>>(raw).ok()?;
        let parts: Vec<String> = values.into_iter().filter_map(value_text).collect();
        parts.join(",")
    } else if raw.starts_with('{') || raw == "null" {
        return None;
    } else {
        raw.to_owned()
    };
    Some(text).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheduled_sids_lose_their_run_suffix() {
        assert_eq!(
            sid_without_run("scheduler__admin__search__W2_at_1427942640_178"),
            "scheduler__admin__search__W2"
        );
        assert_eq!(
            sid_without_run("rt_scheduler__admin__search__RMD5ab_at_1427942640_3.12"),
            "rt_scheduler__admin__search__RMD5ab"
        );
        assert_eq!(sid_without_run("1427942640.178"), "1427942640.178");
        assert_eq!(sid_without_run("scheduler_x_at_now"), "scheduler_x_at_now");
        assert_eq!(sid_without_run("scheduler__at_"), "scheduler__at_");
    }

    #[test]
    fn results_links_keep_only_the_sid() {
        assert_eq!(
            results_link(
                "http://u:p@splunk:8000/app/search/@go?sid=a_b&token=x#f",
                Some("a b")
            ),
            "http://splunk:8000/app/search/@go?sid=a%20b"
        );
        assert_eq!(
            results_link("https://splunk/app/search/@go", Some("s")),
            "https://splunk/app/search/@go"
        );
        assert_eq!(
            results_link("https://splunk/@go?sid=s", None),
            "https://splunk/@go"
        );
    }
}
