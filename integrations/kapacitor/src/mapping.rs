//! An alert event → its event. Pure functions over the payload; the mapping table is in the
//! adapter's README.

use pager_core::json::Str;
use pager_core::json::non_blank;
use pager_core::{Action, AdditionalData, Error, Event, Meta, severity};
use serde_json::value::RawValue;

use crate::payload::{Alert, Series};

/// The one event an alert POST stands for.
pub(crate) fn event(alert: &Alert<'_>) -> Result<Event, Error> {
    let Some(id) = non_blank(alert.id.as_ref()) else {
        return Err(Error::invalid(
            "id",
            "missing or empty: the alert's ID (its .id() template) identifies the alert",
        ));
    };
    let Some(level) = non_blank(alert.level.as_ref()) else {
        return Err(Error::invalid(
            "level",
            "missing or empty: Kapacitor sends OK, INFO, WARNING or CRITICAL",
        ));
    };
    let (action, urgency, reason) = if level.eq_ignore_ascii_case("ok") {
        (Action::Resolve, None, None)
    } else {
        match level.to_ascii_lowercase().as_str() {
            // The shared vocabulary: info → low, warning → medium, critical → critical.
            name @ ("info" | "warning" | "critical") => {
                (Action::Create, severity::built_in(name), None)
            }
            _ => (
                Action::Other,
                None,
                Some(format!(
                    "level {level:?} is none of OK, INFO, WARNING, CRITICAL"
                )),
            ),
        }
    };
    let title = match non_blank(alert.message.as_ref()).and_then(|m| m.lines().next()) {
        Some(line) if !line.trim().is_empty() => line.trim().to_owned(),
        _ => format!("{id} is {level}"),
    };
    let series = alert
        .data
        .as_ref()
        .and_then(|data| data.series.as_ref())
        .and_then(|series| series.first());
    let meta = Meta::new()
        .with_optional("reason", reason)
        .with_optional("recoverable", alert.recoverable.filter(|r| !r));
    Ok(Event::new(action, id, title)
        .with_description(description(alert.details.as_ref()))
        .with_urgency(urgency)
        .with_additional_data(additional_data(alert, id, level, series.map(|s| &**s)))
        .with_meta(meta))
}

/// The details, unless they are the default `.details()` template's output: the alert's
/// template data as JSON, HTML-escaped by Go's `html/template` (`{&#34;Name&#34;:…`), which
/// repeats what the additional data shows.
fn description(details: Option<&Str<'_>>) -> Option<String> {
    non_blank(details)
        .filter(|details| !details.starts_with("{&#34;"))
        .map(str::to_owned)
}

fn additional_data(
    alert: &Alert<'_>,
    id: &str,
    level: &str,
    series: Option<&Series<'_>>,
) -> Vec<AdditionalData> {
    let mut data = vec![
        AdditionalData::text("Alert ID", id),
        AdditionalData::text("Level", level),
    ];
    if let Some(previous) = non_blank(alert.previous_level.as_ref()) {
        data.push(AdditionalData::text("Previous level", previous));
    }
    if let Some(time) = non_blank(alert.time.as_ref()) {
        data.push(AdditionalData::datetime("Event at", time));
    }
    if let Some(duration) = alert.duration.filter(|d| *d > 0) {
        data.push(AdditionalData::text("Duration", duration_text(duration)));
    }
    let Some(series) = series else {
        return data;
    };
    if let Some(name) = non_blank(series.name.as_ref()) {
        data.push(AdditionalData::text("Measurement", name));
    }
    for (key, value) in series.tags.iter().flatten() {
        if let (Some(key), Some(value)) = (non_blank(Some(key)), non_blank(Some(value))) {
            data.push(AdditionalData::text(key.to_owned(), value));
        }
    }
    // The last row holds the values that set the level; its time is the event's time.
    let columns = series.columns.iter().flatten();
    let row = series.values.iter().flatten().last().into_iter().flatten();
    for (column, value) in columns.zip(row) {
        if let (Some(column), Some(value)) = (non_blank(Some(column)), value_text(value))
            && column != "time"
        {
            data.push(AdditionalData::text(column.to_owned(), value));
        }
    }
    data
}

/// A field value as text: a string's content, a number or boolean as written; nothing for
/// `null`, blanks, arrays and objects.
fn value_text(value: &RawValue) -> Option<String> {
    let raw = value.get().trim();
    let text = if raw.starts_with('"') {
        serde_json::from_str::<String>(raw).ok()?
    } else if raw.starts_with(['[', '{']) || raw == "null" {
        return None;
    } else {
        raw.to_owned()
    };
    Some(text).filter(|t| !t.trim().is_empty())
}

/// A Go `time.Duration` (nanoseconds) as hours, minutes and seconds: `1h2m3s`, `1.5s`, `250ms`.
fn duration_text(nanos: i64) -> String {
    const SECOND: i64 = 1_000_000_000;
    if nanos < SECOND {
        let millis = nanos / 1_000_000;
        return if millis > 0 {
            format!("{millis}ms")
        } else {
            format!("{nanos}ns")
        };
    }
    let seconds = nanos / SECOND;
    let (hours, minutes, secs) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    let fraction = format!("{:03}", nanos % SECOND / 1_000_000);
    let fraction = fraction.trim_end_matches('0');
    let hours = if hours > 0 {
        format!("{hours}h")
    } else {
        String::new()
    };
    let minutes = if !hours.is_empty() || minutes > 0 {
        format!("{minutes}m")
    } else {
        String::new()
    };
    if fraction.is_empty() {
        format!("{hours}{minutes}{secs}s")
    } else {
        format!("{hours}{minutes}{secs}.{fraction}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_go_prints_them() {
        assert_eq!(duration_text(3_000_000_000), "3s");
        assert_eq!(duration_text(120_000_000_000), "2m0s");
        assert_eq!(duration_text(3_723_000_000_000), "1h2m3s");
        assert_eq!(duration_text(1_500_000_000), "1.5s");
        assert_eq!(duration_text(250_000_000), "250ms");
        assert_eq!(duration_text(42), "42ns");
    }
}
