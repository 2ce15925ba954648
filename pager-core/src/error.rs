//! Errors: what was wrong with a delivery, where, and which HTTP status answers it.

use http::StatusCode;

/// Why a delivery was rejected. Every variant names the integration and says what was wrong
/// and where; [`Error::status`] maps it to the HTTP status a receiver should answer.
///
/// Adapters build errors without their id ([`Error::invalid`], [`Error::malformed`], …); the
/// [`crate::Instance`] that called the adapter adds it ([`Error::with_integration`]), so every
/// error a host sees reads `"<slug>: <what> at <where>"`. An error straight from an adapter,
/// not yet through an `Instance`, has an empty [`Error::integration`] and no prefix.
///
/// "Understood but nothing to do" is never an error: adapters return no events or an
/// [`crate::Action::Other`] event instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Authentication failed. Deliberately does not say which part failed.
    #[error("{}unauthorized", Slug(integration))]
    Unauthorized {
        /// The integration's slug.
        integration: &'static str,
    },
    /// The body is larger than the configured limit.
    #[error(
        "{}payload of {size} bytes exceeds the limit of {limit} bytes",
        Slug(integration)
    )]
    PayloadTooLarge {
        /// The integration's slug.
        integration: &'static str,
        /// The body's size in bytes (or the size read so far, when reading stopped early).
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// The `Content-Type` header names a format the adapter cannot read.
    #[error(
        "{}unsupported content type {content_type:?}; expected {expected}",
        Slug(integration)
    )]
    UnsupportedContentType {
        /// The integration's slug.
        integration: &'static str,
        /// The `Content-Type` header as sent.
        content_type: String,
        /// What the adapter reads, for a person ("application/json").
        expected: &'static str,
    },
    /// The body is not well-formed (e.g. not JSON, truncated JSON).
    #[error(
        "{}malformed payload at line {line}, column {column}: {message}",
        Slug(integration)
    )]
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
    #[error("{}invalid payload at {path}: {message}", Slug(integration))]
    Invalid {
        /// The integration's slug.
        integration: &'static str,
        /// Where: a JSON path such as `alerts[0].labels`, or `the top level`.
        path: String,
        /// What was wrong.
        message: String,
    },
    /// A configured limit other than the body size was exceeded.
    #[error("{}{limit} exceeded: {message}", Slug(integration))]
    LimitExceeded {
        /// The integration's slug.
        integration: &'static str,
        /// The name of the limit (e.g. `max_alerts`).
        limit: &'static str,
        /// What exceeded it.
        message: String,
    },
    /// The adapter failed on a payload it accepted: our fault, not the sender's (500, so a
    /// sender that retries on 5xx keeps the delivery). Never expected; reported, not panicked.
    #[error("{}internal error: {message}", Slug(integration))]
    Internal {
        /// The integration's slug.
        integration: &'static str,
        /// What went wrong.
        message: String,
    },
}

/// `"<slug>: "`, or nothing while the slug is not known yet.
struct Slug<'a>(&'a str);

impl std::fmt::Display for Slug<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            Ok(())
        } else {
            write!(f, "{}: ", self.0)
        }
    }
}

impl Error {
    /// The HTTP status a receiver should answer with: 401, 413, 415, 400, or 500 for
    /// [`Error::Internal`].
    pub fn status(&self) -> StatusCode {
        match self {
            Error::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Error::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Error::UnsupportedContentType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::Malformed { .. } | Error::Invalid { .. } | Error::LimitExceeded { .. } => {
                StatusCode::BAD_REQUEST
            }
            Error::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// [`Error::Unauthorized`].
    pub fn unauthorized() -> Self {
        Error::Unauthorized { integration: "" }
    }

    /// [`Error::PayloadTooLarge`]: a body of `size` bytes over a limit of `limit`.
    pub fn payload_too_large(size: usize, limit: usize) -> Self {
        Error::PayloadTooLarge {
            integration: "",
            size,
            limit,
        }
    }

    /// [`Error::UnsupportedContentType`]: `content_type` as sent, and what is `expected`.
    pub fn unsupported_content_type(
        content_type: impl Into<String>,
        expected: &'static str,
    ) -> Self {
        Error::UnsupportedContentType {
            integration: "",
            content_type: content_type.into(),
            expected,
        }
    }

    /// [`Error::Malformed`]: not well-formed at `line`, `column` (1-based).
    pub fn malformed(line: usize, column: usize, message: impl Into<String>) -> Self {
        Error::Malformed {
            integration: "",
            line,
            column,
            message: message.into(),
        }
    }

    /// [`Error::Invalid`]: the payload is well-formed but wrong at `path` (a JSON path such as
    /// `data.essentials.alertId`), for the reason in `message`.
    pub fn invalid(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid {
            integration: "",
            path: path.into(),
            message: message.into(),
        }
    }

    /// [`Error::LimitExceeded`]: the limit named `limit` (`max_alerts`), and what exceeded it.
    pub fn limit_exceeded(limit: &'static str, message: impl Into<String>) -> Self {
        Error::LimitExceeded {
            integration: "",
            limit,
            message: message.into(),
        }
    }

    /// [`Error::Internal`]: the adapter's own failure on an accepted payload.
    pub fn internal(message: impl Into<String>) -> Self {
        Error::Internal {
            integration: "",
            message: message.into(),
        }
    }

    /// The error with its integration set to `slug`, unless one is set already (the
    /// [`crate::Instance`] calls this on every error its adapter returns).
    #[must_use]
    pub fn with_integration(mut self, slug: &'static str) -> Self {
        let (Error::Unauthorized { integration }
        | Error::PayloadTooLarge { integration, .. }
        | Error::UnsupportedContentType { integration, .. }
        | Error::Malformed { integration, .. }
        | Error::Invalid { integration, .. }
        | Error::LimitExceeded { integration, .. }
        | Error::Internal { integration, .. }) = &mut self;
        if integration.is_empty() {
            *integration = slug;
        }
        self
    }

    /// The slug of the integration that rejected the delivery; empty for an error straight
    /// from an adapter (see [`Error::with_integration`]).
    pub fn integration(&self) -> &'static str {
        match self {
            Error::Unauthorized { integration }
            | Error::PayloadTooLarge { integration, .. }
            | Error::UnsupportedContentType { integration, .. }
            | Error::Malformed { integration, .. }
            | Error::Invalid { integration, .. }
            | Error::LimitExceeded { integration, .. }
            | Error::Internal { integration, .. } => integration,
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
        assert_eq!(Error::unauthorized().status(), 401);
        assert_eq!(Error::payload_too_large(2, 1).status(), 413);
        let ct = Error::unsupported_content_type("text/xml", "application/json");
        assert_eq!(ct.status(), 415);
        assert_eq!(Error::invalid("alerts", "m").status(), 400);
        assert_eq!(Error::limit_exceeded("max_alerts", "m").status(), 400);
        assert_eq!(Error::malformed(1, 1, "m").status(), 400);
        assert_eq!(Error::internal("m").status(), 500);
    }

    #[test]
    fn the_integration_is_added_once_by_whoever_knows_it() {
        let bare = Error::unsupported_content_type("text/xml", "application/json");
        assert_eq!(bare.integration(), "");
        assert_eq!(
            bare.to_string(),
            "unsupported content type \"text/xml\"; expected application/json"
        );
        let named = bare.with_integration("x");
        assert_eq!(named.integration(), "x");
        assert_eq!(
            named.to_string(),
            "x: unsupported content type \"text/xml\"; expected application/json"
        );
        assert_eq!(named.clone().with_integration("y"), named, "set once");
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
