//! Reading JSON request bodies with errors that say where.

use serde::Deserialize;

use crate::Error;

/// The content types a JSON adapter accepts: none at all (as sent by hand), `application/json`,
/// `text/json`, and any `application/*+json`, each with or without parameters.
pub const JSON_CONTENT_TYPES: &str = "application/json";

/// Checks the request's `Content-Type` for JSON (see [`JSON_CONTENT_TYPES`]).
///
/// # Errors
/// [`Error::UnsupportedContentType`] for any other content type.
pub fn require_json<B>(integration: &'static str, req: &http::Request<B>) -> Result<(), Error> {
    let Some(value) = req.headers().get(http::header::CONTENT_TYPE) else {
        return Ok(());
    };
    let raw = String::from_utf8_lossy(value.as_bytes());
    let essence = raw.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let ok = essence.is_empty()
        || essence == "application/json"
        || essence == "text/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"));
    if ok {
        Ok(())
    } else {
        Err(Error::UnsupportedContentType {
            integration,
            content_type: raw.into_owned(),
            expected: JSON_CONTENT_TYPES,
        })
    }
}

/// Deserializes `body` into `T`, borrowing strings from `body` where `T` allows it.
///
/// The fast path is a plain `serde_json` parse. Only when it fails is the body parsed again
/// with path tracking, so the error can name the field (`alerts[3].labels.severity`) without
/// slowing down every valid delivery.
///
/// # Errors
/// [`Error::Malformed`] for syntax errors and truncated input (with line and column),
/// [`Error::Invalid`] for schema errors (with the JSON path).
pub fn from_slice<'de, T: Deserialize<'de>>(integration: &'static str, body: &'de [u8]) -> Result<T, Error> {
    match serde_json::from_slice(body) {
        Ok(value) => Ok(value),
        Err(_) => Err(explain::<T>(integration, body)),
    }
}

fn explain<'de, T: Deserialize<'de>>(integration: &'static str, body: &'de [u8]) -> Error {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Error::Malformed {
            integration,
            line: 1,
            column: 0,
            message: "the body is empty; expected a JSON object".to_owned(),
        };
    }
    if body.starts_with(b"\xEF\xBB\xBF") {
        return Error::Malformed {
            integration,
            line: 1,
            column: 1,
            message: "the body starts with a UTF-8 byte order mark, which JSON does not allow".to_owned(),
        };
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let (path, inner) = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(err) => {
            let path = err.path().to_string();
            (path, err.into_inner())
        }
        // The value parsed: what failed is what follows it ("trailing characters").
        Ok(_) => match de.end() {
            Err(err) => (".".to_owned(), err),
            Ok(()) => {
                return Error::Malformed { integration, line: 1, column: 1, message: "unparseable body".to_owned() };
            }
        },
    };
    let (line, column) = (inner.line(), inner.column());
    let message = strip_position(&inner.to_string());
    match inner.classify() {
        serde_json::error::Category::Data => Error::Invalid {
            integration,
            path: if path == "." { "the top level".to_owned() } else { path },
            message: format!("{message} (line {line}, column {column})"),
        },
        serde_json::error::Category::Eof => Error::Malformed {
            integration,
            line,
            column,
            message: format!("{message} (the JSON is truncated)"),
        },
        serde_json::error::Category::Syntax | serde_json::error::Category::Io => Error::Malformed {
            integration,
            line,
            column,
            message,
        },
    }
}

/// serde_json appends " at line L column C"; the error types carry those separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message.get(..at).unwrap_or(message).to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Doc {
        items: Vec<BTreeMap<String, String>>,
    }

    #[test]
    fn schema_errors_name_the_path() {
        let err = from_slice::<Doc>("t", br#"{"items": [{"a": "b"}, {"c": 1}]}"#).unwrap_err();
        let Error::Invalid { path, message, .. } = &err else { panic!("{err:?}") };
        assert_eq!(path, "items[1].c");
        assert!(message.starts_with("invalid type: integer `1`, expected a string"), "{message}");
    }

    #[test]
    fn missing_field_is_at_the_top_level() {
        let err = from_slice::<Doc>("t", b"{}").unwrap_err();
        assert_eq!(err.to_string(), "t: invalid payload at the top level: missing field `items` (line 1, column 2)");
    }

    #[test]
    fn syntax_and_truncation_give_line_and_column() {
        let err = from_slice::<Doc>("t", b"{\n \"items\": [}").unwrap_err();
        assert!(matches!(err, Error::Malformed { line: 2, column: 12, .. }), "{err:?}");
        let err = from_slice::<Doc>("t", b"{\"items\": [").unwrap_err();
        assert!(err.to_string().contains("truncated"), "{err}");
        let err = from_slice::<Doc>("t", b"   ").unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
        let err = from_slice::<Doc>("t", b"{\"items\": []} x").unwrap_err();
        assert!(err.to_string().contains("trailing characters"), "{err}");
    }

    #[test]
    fn content_types() {
        let req = |ct: &str| http::Request::builder().header("content-type", ct).body(()).unwrap();
        for ok in ["application/json", "Application/JSON; charset=utf-8", "application/vnd.foo+json", "text/json"] {
            assert!(require_json("t", &req(ok)).is_ok(), "{ok}");
        }
        assert!(require_json("t", &http::Request::new(())).is_ok());
        let err = require_json("t", &req("application/x-www-form-urlencoded")).unwrap_err();
        assert_eq!(err.status(), 415);
    }
}
