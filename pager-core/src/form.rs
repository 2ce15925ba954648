//! Reading form-encoded request bodies (`application/x-www-form-urlencoded`), for vendors that
//! post their variables as HTML form fields (UptimeRobot's "POST parameters", StatusCake).
//!
//! A form body reads as [`Fields`], the same type a template-filled JSON body reads as, so an
//! adapter whose vendor sends either maps one type: [`json_or_form`] says which the request
//! carries, [`fields`] reads a form.
//!
//! - **Names and values** are percent-decoded, `+` read as a space; each must be UTF-8 once
//!   decoded, else a 400 naming the field. A value is borrowed from the body when it has no
//!   escapes.
//! - **A repeated name**: the last one counts (as in [`Fields`] from JSON). A field without
//!   `=` has an empty value, which reads as absent.
//! - **An empty body** is malformed: a form without fields is not a notification.
//!
//! ```
//! use pager_core::form::{self, BodyFormat};
//!
//! let req = http::Request::post("/")
//!     .header("Content-Type", "application/x-www-form-urlencoded")
//!     .body(bytes::Bytes::from_static(b"monitorID=777&monitorFriendlyName=My+site&alertDetails=HTTP%20500"))?;
//! assert_eq!(form::json_or_form(&req)?, BodyFormat::Form);
//! let fields = form::fields(req.body())?;
//! assert_eq!(fields.get("monitorID"), Some("777"));
//! assert_eq!(fields.get("monitorFriendlyName"), Some("My site"));
//! assert_eq!(fields.get("alertDetails"), Some("HTTP 500"));
//!
//! let err = form::fields(b"name=%FF").unwrap_err();
//! assert_eq!(err.to_string(), r#"invalid payload at form field "name": not UTF-8 once percent-decoded"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;

use crate::Error;
use crate::json::Str;
use crate::template::{Fields, Value};

/// The content type of a form body.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// What a request's body is, by its `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyFormat {
    /// JSON: no `Content-Type`, or one [`crate::json::require_json`] accepts.
    Json,
    /// `application/x-www-form-urlencoded`, with or without parameters.
    Form,
}

/// For a vendor that posts either JSON or a form: which one the request carries.
///
/// ```
/// use pager_core::form::{BodyFormat, json_or_form};
///
/// let req = |ct: &str| http::Request::post("/").header("Content-Type", ct).body(()).unwrap();
/// assert_eq!(json_or_form(&req("application/json; charset=utf-8")).unwrap(), BodyFormat::Json);
/// assert_eq!(json_or_form(&req("Application/X-WWW-Form-Urlencoded")).unwrap(), BodyFormat::Form);
/// assert_eq!(json_or_form(&http::Request::post("/").body(()).unwrap()).unwrap(), BodyFormat::Json);
/// let err = json_or_form(&req("multipart/form-data; boundary=x")).unwrap_err();
/// assert_eq!(err.status(), 415);
/// ```
///
/// # Errors
/// [`Error::UnsupportedContentType`] for any other content type.
pub fn json_or_form<B>(req: &http::Request<B>) -> Result<BodyFormat, Error> {
    let Some(value) = req.headers().get(http::header::CONTENT_TYPE) else {
        return Ok(BodyFormat::Json);
    };
    let raw = String::from_utf8_lossy(value.as_bytes());
    let essence = raw
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence == FORM_CONTENT_TYPE {
        Ok(BodyFormat::Form)
    } else if crate::json::is_json_essence(&essence) {
        Ok(BodyFormat::Json)
    } else {
        Err(Error::unsupported_content_type(
            raw.into_owned(),
            "application/json or application/x-www-form-urlencoded",
        ))
    }
}

/// Reads a form body into [`Fields`] (see the module's rules).
///
/// ```
/// let fields = pager_core::form::fields(b"a=1&b=&c&a=2&d=%E2%9C%93")?;
/// assert_eq!(fields.get("a"), Some("2"), "the last one counts");
/// assert_eq!(fields.get("b"), None, "blank");
/// assert_eq!(fields.get("c"), None, "no value");
/// assert_eq!(fields.get("d"), Some("✓"));
/// # Ok::<(), pager_core::Error>(())
/// ```
///
/// # Errors
/// [`Error::Malformed`] for an empty body or a field without a name (with its column),
/// [`Error::Invalid`] naming the field whose name or value is not UTF-8 once decoded.
pub fn fields(body: &[u8]) -> Result<Fields<'_>, Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::malformed(
            1,
            0,
            "the body is empty; expected form fields (name=value&…)",
        ));
    }
    let mut pairs = Vec::new();
    let mut offset = 0;
    for segment in body.split(|b| *b == b'&') {
        let column = offset + 1;
        offset += segment.len() + 1;
        // Trailing line breaks from a hand-written body, and empty segments (`a=1&&b=2`).
        let segment = segment.trim_ascii_end();
        if segment.is_empty() {
            continue;
        }
        let (name, value) = match segment.iter().position(|b| *b == b'=') {
            Some(at) => (
                segment.get(..at).unwrap_or_default(),
                segment.get(at + 1..).unwrap_or_default(),
            ),
            None => (segment, &[][..]),
        };
        if name.is_empty() {
            return Err(Error::malformed(1, column, "a form field without a name"));
        }
        let Some(name) = decode(name) else {
            return Err(Error::malformed(
                1,
                column,
                "a form field name that is not UTF-8 once percent-decoded",
            ));
        };
        let Some(value) = decode(value) else {
            return Err(Error::invalid(
                format!("form field {:?}", &*name),
                "not UTF-8 once percent-decoded",
            ));
        };
        pairs.push((Str(name), Value::from(Str(value))));
    }
    Ok(pairs.into_iter().collect())
}

/// `+` as a space, then percent-decoding; borrowed when neither changed anything.
fn decode(raw: &[u8]) -> Option<Cow<'_, str>> {
    if raw.contains(&b'+') {
        let spaced: Vec<u8> = raw
            .iter()
            .map(|b| if *b == b'+' { b' ' } else { *b })
            .collect();
        let decoded: Vec<u8> = percent_encoding::percent_decode(&spaced).collect();
        String::from_utf8(decoded).ok().map(Cow::Owned)
    } else {
        percent_encoding::percent_decode(raw).decode_utf8().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(content_type: Option<&str>) -> http::Request<()> {
        let mut builder = http::Request::post("/");
        if let Some(ct) = content_type {
            builder = builder.header("Content-Type", ct);
        }
        builder.body(()).unwrap()
    }

    #[test]
    fn content_types() {
        for json in [
            None,
            Some(""),
            Some("application/json"),
            Some("text/json"),
            Some("application/vnd.x+json; charset=utf-8"),
        ] {
            assert_eq!(
                json_or_form(&request(json)).unwrap(),
                BodyFormat::Json,
                "{json:?}"
            );
        }
        for form in [
            "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded; charset=UTF-8",
            " APPLICATION/X-WWW-FORM-URLENCODED ",
        ] {
            assert_eq!(
                json_or_form(&request(Some(form))).unwrap(),
                BodyFormat::Form,
                "{form}"
            );
        }
        for other in [
            "text/plain",
            "multipart/form-data; boundary=b",
            "application/xml",
        ] {
            let err = json_or_form(&request(Some(other))).unwrap_err();
            assert_eq!(err.status(), 415, "{other}");
            assert!(
                err.to_string()
                    .contains("expected application/json or application/x-www-form-urlencoded"),
                "{err}"
            );
        }
    }

    #[test]
    fn values_borrow_unless_decoded() {
        let body = b"plain=db-1&spaced=a+b&escaped=a%26b&name%20x=y\r\n";
        let fields = fields(body).unwrap();
        assert_eq!(fields.get("plain"), Some("db-1"));
        assert_eq!(fields.get("spaced"), Some("a b"));
        assert_eq!(fields.get("escaped"), Some("a&b"));
        assert_eq!(
            fields.get("name x"),
            Some("y"),
            "trailing line break dropped"
        );
        let inside = |s: &str| body.as_ptr_range().contains(&s.as_ptr());
        assert!(inside(fields.get("plain").unwrap()), "borrowed");
        assert!(!inside(fields.get("spaced").unwrap()), "decoded: owned");
    }

    #[test]
    fn errors_say_what_and_where() {
        let empty = fields(b" \n").unwrap_err();
        assert_eq!(
            empty.to_string(),
            "malformed payload at line 1, column 0: the body is empty; expected form fields (name=value&…)"
        );
        let nameless = fields(b"a=1&=2").unwrap_err();
        assert_eq!(
            nameless.to_string(),
            "malformed payload at line 1, column 5: a form field without a name"
        );
        let bad_name = fields(b"a=1&%C3=2").unwrap_err();
        assert_eq!(bad_name.status(), 400);
        assert!(bad_name.to_string().contains("column 5"), "{bad_name}");
        let bad_value = fields(b"a=1&b=%C3%28").unwrap_err();
        assert_eq!(
            bad_value.to_string(),
            r#"invalid payload at form field "b": not UTF-8 once percent-decoded"#
        );
        let raw_invalid = fields(b"b=\xFF").unwrap_err();
        assert_eq!(raw_invalid.status(), 400);
    }
}
