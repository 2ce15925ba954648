//! Text helpers shared by adapters.

use std::borrow::Cow;

/// `s` cut to at most `max_chars` characters, on a character boundary, ending in `…` when cut.
///
/// ```
/// assert_eq!(pager_core::text::truncate("Größe", 4), "Grö…");
/// assert_eq!(pager_core::text::truncate("short", 10), "short");
/// ```
pub fn truncate(s: &str, max_chars: usize) -> Cow<'_, str> {
    // A string has at most as many chars as bytes: most texts need no counting.
    if s.len() <= max_chars {
        return Cow::Borrowed(s);
    }
    match s.char_indices().nth(max_chars) {
        None => Cow::Borrowed(s),
        Some(_) if max_chars == 0 => Cow::Borrowed(""),
        Some(_) => {
            let keep = max_chars.saturating_sub(1);
            let end = s.char_indices().nth(keep).map_or(s.len(), |(i, _)| i);
            let mut out = String::with_capacity(end + 3);
            out.push_str(s.get(..end).unwrap_or_default());
            out.push('…');
            Cow::Owned(out)
        }
    }
}

/// `url` without the parts where monitors keep credentials and tokens: its user info
/// (`user:password@`), query and fragment. Text without `://` is returned as it is.
///
/// ```
/// use pager_core::text::url_without_secrets;
///
/// assert_eq!(
///     url_without_secrets("https://user:pw@host.example:8443/a/b?token=x#f"),
///     "https://host.example:8443/a/b"
/// );
/// assert_eq!(url_without_secrets("https://host/a"), "https://host/a");
/// ```
pub fn url_without_secrets(url: &str) -> Cow<'_, str> {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return Cow::Borrowed(url);
    };
    let (scheme, rest) = url.split_at(scheme_end);
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let path = path.split(['?', '#']).next().unwrap_or_default();
    if host.len() == authority.len() && path.len() + authority.len() == rest.len() {
        return Cow::Borrowed(url);
    }
    Cow::Owned(format!("{scheme}{host}{path}"))
}

/// The items of a comma-separated list (`"env:prod, role:web"`), trimmed, blanks dropped: how
/// template-built payloads carry tags.
///
/// ```
/// assert_eq!(pager_core::text::comma_list(" env:prod,,role:web "), ["env:prod", "role:web"]);
/// ```
pub fn comma_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Everything but RFC 3986's unreserved characters (letters, digits, `-`, `.`, `_`, `~`).
const NOT_UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `text` percent-encoded for any one part of a URL (a path segment, a query value): every
/// byte but RFC 3986's unreserved characters.
///
/// ```
/// assert_eq!(pager_core::text::percent_encode_component("a b/c~é"), "a%20b%2Fc~%C3%A9");
/// ```
pub fn percent_encode_component(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, NOT_UNRESERVED).to_string()
}

#[cfg(test)]
mod tests {
    use super::truncate;

    #[test]
    fn cuts_on_char_boundaries() {
        assert_eq!(truncate("🚨🚨🚨", 2), "🚨…");
        assert_eq!(truncate("🚨🚨", 2), "🚨🚨");
        assert_eq!(truncate("abc", 0), "");
        assert_eq!(truncate("abc", 1), "…");
        assert_eq!(truncate("", 0), "");
        assert_eq!(truncate("abcdef", 3).chars().count(), 3);
    }
}
