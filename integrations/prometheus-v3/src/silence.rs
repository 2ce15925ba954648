//! The link into the Alertmanager UI that pre-fills a silence for an alert or a group.

use pager_core::{AdditionalData, DataFormat};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::payload::Labels;

/// Everything but RFC 3986's unreserved characters is percent-encoded in the query value.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A link that opens Alertmanager's "new silence" form with a matcher per label:
/// `<externalURL>/#/silences/new?filter={name="value",…}`. `external_url` must already be
/// known to be an http(s) URL; no link without it or without labels.
pub(crate) fn silence_link(
    external_url: Option<&str>,
    labels: &Labels<'_>,
) -> Option<AdditionalData> {
    let base = external_url?.trim_end_matches('/');
    if labels.is_empty() {
        return None;
    }
    let mut filter = String::from("{");
    for (i, (name, value)) in labels.iter().enumerate() {
        if i > 0 {
            filter.push(',');
        }
        if is_legacy_name(name) {
            filter.push_str(name);
        } else {
            push_quoted(&mut filter, name);
        }
        filter.push('=');
        push_quoted(&mut filter, value);
    }
    filter.push('}');
    let mut url = format!("{base}/#/silences/new?filter=");
    url.extend(utf8_percent_encode(&filter, QUERY_VALUE));
    Some(AdditionalData::new(DataFormat::Link, "Silence", url))
}

/// A label name Alertmanager's matcher parser accepts unquoted: `[a-zA-Z_][a-zA-Z0-9_]*`.
fn is_legacy_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// Appends `value` double-quoted, with `"`, `\` and newline backslash-escaped as
/// Alertmanager's matcher parser expects.
fn push_quoted(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use pager_core::json::Str;

    use super::*;

    fn labels(pairs: &[(&'static str, &'static str)]) -> Labels<'static> {
        Labels::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| (Str((*k).into()), Str((*v).into())))
                .collect(),
        )
    }

    #[test]
    fn silence_link_escapes_matchers() {
        let labels = labels(&[("alertname", "A B"), ("quote", "say \"hi\"\n"), ("1x", "y")]);
        let link = silence_link(Some("http://am.example:9093/"), &labels).unwrap();
        assert_eq!(
            link.value,
            "http://am.example:9093/#/silences/new?filter=%7B%221x%22%3D%22y%22%2Calertname%3D%22A%20B%22%2Cquote%3D%22say%20%5C%22hi%5C%22%5Cn%22%7D"
        );
        assert!(silence_link(None, &labels).is_none());
        assert!(silence_link(Some("http://am"), &Labels::new()).is_none());
    }
}
