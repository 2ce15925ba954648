//! Errors: what was wrong with a delivery, where, and which HTTP status answers it.

use http::StatusCode;

/// Why a delivery was rejected. Every variant names the integration and says what was wrong
/// and where; [`Error::status`] maps it to the HTTP status a receiver should answer.
///
/// "Understood but nothing to do" is never an error: adapters return no events or an
/// [`crate::Action::Other`] event instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Authentication failed. Deliberately does not say which part failed.
    #[error("{integration}: unauthorized")]
    Unauthorized {
        /// The integration's slug.
        integration: &'static str,
    },
    /// The body is larger than the configured limit.
    #[error("{integration}: payload of {size} bytes exceeds the limit of {limit} bytes")]
    PayloadTooLarge {
        /// The integration's slug.
        integration: &'static str,
        /// The body's size in bytes (or the size read so far, when reading stopped early).
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// The `Content-Type` header names a format the adapter cannot read.
    #[error("{integration}: unsupported content type {content_type:?}; expected {expected}")]
    UnsupportedContentType {
        /// The integration's slug.
        integration: &'static str,
        /// The `Content-Type` header as sent.
        content_type: String,
        /// What the adapter reads, for a person ("application/json").
        expected: &'static str,
    },
    /// The body is not well-formed (e.g. not JSON, truncated JSON).
    #[error("{integration}: malformed payload at line {line}, column {column}: {message}")]
    Malformed {
        /// The integration's slug.
        integration: &'static str,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem (0 when the input ended before it).
        column: usize,
        /// What was wrong.
        message: String,
    },
    /// The body is well-formed but does not match the vendor's schema.
    #[error("{integration}: invalid payload at {path}: {message}")]
    Invalid {
        /// The integration's slug.
        integration: &'static str,
        /// Where: a JSON path such as `alerts[0].labels`, or `the top level`.
        path: String,
        /// What was wrong.
        message: String,
    },
    /// A configured limit other than the body size was exceeded.
    #[error("{integration}: {limit} exceeded: {message}")]
    LimitExceeded {
        /// The integration's slug.
        integration: &'static str,
        /// The name of the limit (e.g. `max_alerts`).
        limit: &'static str,
        /// What exceeded it.
        message: String,
    },
}

impl Error {
    /// The HTTP status a receiver should answer with: 401, 413, 415, or 400.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Error::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Error::UnsupportedContentType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::Malformed { .. } | Error::Invalid { .. } | Error::LimitExceeded { .. } => {
                StatusCode::BAD_REQUEST
            }
        }
    }

    /// [`Error::Invalid`]: the payload is well-formed but wrong at `path` (a JSON path such as
    /// `data.essentials.alertId`), for the reason in `message`.
    pub fn invalid(
        integration: &'static str,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Invalid {
            integration,
            path: path.into(),
            message: message.into(),
        }
    }

    /// The error for an event whose `meta` could not be serialized: reported as the adapter's
    /// failure on this payload (never expected for plain data), rather than a panic.
    pub fn meta(integration: &'static str, error: &serde_json::Error) -> Self {
        Error::invalid(
            integration,
            "the top level",
            format!("could not build the event's meta: {error}"),
        )
    }

    /// The slug of the integration that rejected the delivery.
    pub fn integration(&self) -> &'static str {
        match self {
            Error::Unauthorized { integration }
            | Error::PayloadTooLarge { integration, .. }
            | Error::UnsupportedContentType { integration, .. }
            | Error::Malformed { integration, .. }
            | Error::Invalid { integration, .. }
            | Error::LimitExceeded { integration, .. } => integration,
        }
    }
}

/// Why an adapter could not be built from its configuration, or a slug is unknown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No adapter is registered under this slug.
    #[error("unknown integration {slug:?}; known integrations: {}", known.join(", "))]
    UnknownIntegration {
        /// The slug asked for.
        slug: String,
        /// Every registered slug, sorted.
        known: Vec<&'static str>,
    },
    /// The configuration does not match the adapter's options.
    #[error("{integration}: invalid configuration at {path}: {message}")]
    Invalid {
        /// The integration's slug.
        integration: &'static str,
        /// Where: an option path such as `urgency_map.p1`, or `the top level`.
        path: String,
        /// What was wrong.
        message: String,
    },
}

/// A serde path as errors show it: `alerts[0].labels`, or `the top level` for the root.
pub(crate) fn describe_path(path: &serde_path_to_error::Path) -> String {
    let path = path.to_string();
    if path == "." {
        "the top level".to_owned()
    } else {
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        let i = "x";
        assert_eq!(Error::Unauthorized { integration: i }.status(), 401);
        assert_eq!(
            Error::PayloadTooLarge {
                integration: i,
                size: 2,
                limit: 1
            }
            .status(),
            413
        );
        let ct = Error::UnsupportedContentType {
            integration: i,
            content_type: "text/xml".into(),
            expected: "application/json",
        };
        assert_eq!(ct.status(), 415);
        assert_eq!(
            ct.to_string(),
            "x: unsupported content type \"text/xml\"; expected application/json"
        );
        let invalid = Error::Invalid {
            integration: i,
            path: "alerts".into(),
            message: "m".into(),
        };
        assert_eq!(invalid.status(), 400);
        assert_eq!(invalid.integration(), "x");
    }

    #[test]
    fn unknown_slug_lists_known() {
        let e = ConfigError::UnknownIntegration {
            slug: "nope".into(),
            known: vec!["a", "b"],
        };
        assert_eq!(
            e.to_string(),
            "unknown integration \"nope\"; known integrations: a, b"
        );
    }
}
