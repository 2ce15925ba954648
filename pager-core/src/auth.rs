//! The auth guard: one check, shared by every adapter, run before a body is parsed.
//!
//! Configured per adapter instance under the key `auth` (see [`AuthConfig`]); every method
//! configured must pass. A failure is one [`Error::Unauthorized`] that does not say which part
//! failed. Secret comparisons are constant-time: values are compared as fixed-length SHA-256
//! digests with `subtle` (so neither content nor length leaks through an early exit), and HMAC
//! signatures with `hmac::Mac::verify_slice`.
//!
//! ```
//! use bytes::Bytes;
//! use pager_core::auth::{AuthConfig, AuthGuard};
//!
//! let config: AuthConfig = serde_json::from_value(serde_json::json!({"api_key": "k-123"}))?;
//! let guard = AuthGuard::new(config)?;
//! let ok = http::Request::post("/hook?x-api-key=k-123").body(Bytes::new())?;
//! let bad = http::Request::post("/hook?x-api-key=guess").body(Bytes::new())?;
//! assert!(guard.check(&ok).is_ok());
//! assert_eq!(guard.check(&bad).unwrap_err().status(), 401);
//! // Secrets never show in Debug output.
//! assert!(!format!("{guard:?}").contains("k-123"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::{ConfigError, Error};

/// A secret from configuration. Its `Debug` prints `**REDACTED**`; it has no `Display` and no
/// `Serialize`, so it cannot reach a log, an error message or a stored record by accident.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that must use it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether `presented` is this secret, compared in constant time (as SHA-256 digests, so
    /// neither the content nor the length leaks through an early exit). For hosts that check
    /// their own tokens (pager-server's read API) the way the guard checks an instance's.
    ///
    /// ```
    /// let token = pager_core::auth::Secret::new("t-1");
    /// assert!(token.matches(b"t-1"));
    /// assert!(!token.matches(b"t-2"));
    /// ```
    pub fn matches(&self, presented: &[u8]) -> bool {
        secret_eq(presented, self.0.as_bytes())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("**REDACTED**")
    }
}

/// When the host received the request. Hosts insert it into the request's extensions
/// (`req.extensions_mut().insert(ReceivedAt::now())`); the guard reads it to check an HMAC
/// timestamp's age, so that [`crate::Integration::handle`] itself never reads a clock.
/// Without it a timestamp check fails closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceivedAt(pub SystemTime);

impl ReceivedAt {
    /// The current time. For hosts; adapters never call it.
    pub fn now() -> Self {
        Self(SystemTime::now())
    }
}

/// The `auth` section of an instance's configuration. Every configured method must pass;
/// `bearer`, `authorization` and `basic` all use the `Authorization` header, so at most one of
/// them may be set.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AuthConfig {
    /// `"key"`, or `{"key", "query_param", "header"}`: the key in the query parameter
    /// `query_param` (default `x-api-key`, as Spot Connect sends it) or the header `header`
    /// (default `X-Api-Key`).
    pub api_key: Option<ApiKey>,
    /// `Authorization: Bearer <token>`.
    pub bearer: Option<Secret>,
    /// `Authorization: <type> <credentials>`, as Alertmanager's `http_config.authorization`
    /// sends it (`type` defaults to `Bearer`, compared case-insensitively).
    pub authorization: Option<Authorization>,
    /// `Authorization: Basic base64(username:password)`.
    pub basic: Option<Basic>,
    /// An HMAC-SHA256 signature of the raw body in a header.
    pub hmac: Option<HmacConfig>,
}

/// API key settings; see [`AuthConfig::api_key`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiKey {
    /// The key.
    pub key: Secret,
    /// The query parameter that may carry it.
    pub query_param: String,
    /// The header that may carry it.
    pub header: String,
}

impl<'de> Deserialize<'de> for ApiKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            key: Secret,
            #[serde(default = "default_query_param")]
            query_param: String,
            #[serde(default = "default_api_key_header")]
            header: String,
        }
        #[derive(Deserialize)]
        #[serde(
            untagged,
            expecting = "an API key string, or {\"key\", \"query_param\", \"header\"}"
        )]
        enum Form {
            Key(Secret),
            Full(Full),
        }
        Ok(match Form::deserialize(deserializer)? {
            Form::Key(key) => ApiKey {
                key,
                query_param: default_query_param(),
                header: default_api_key_header(),
            },
            Form::Full(f) => ApiKey {
                key: f.key,
                query_param: f.query_param,
                header: f.header,
            },
        })
    }
}

/// The query parameter an API key is read from unless `query_param` says otherwise (as Spot
/// Connect sends it); never kept as part of a delivery's notification.
pub(crate) const DEFAULT_API_KEY_PARAM: &str = "x-api-key";

fn default_query_param() -> String {
    DEFAULT_API_KEY_PARAM.to_owned()
}

fn default_api_key_header() -> String {
    "X-Api-Key".to_owned()
}

fn default_scheme() -> String {
    "Bearer".to_owned()
}

/// `Authorization: <type> <credentials>`; see [`AuthConfig::authorization`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Authorization {
    /// The scheme, e.g. `Bearer` or `ApiKey`.
    #[serde(rename = "type", default = "default_scheme")]
    pub scheme: String,
    /// The credentials after the scheme.
    pub credentials: Secret,
}

/// Basic auth; see [`AuthConfig::basic`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Basic {
    /// The user name.
    pub username: String,
    /// The password.
    pub password: Secret,
}

/// How a signature is written in its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum SignatureEncoding {
    /// Lowercase or uppercase hex (Grafana, GitHub, Sentry).
    #[default]
    Hex,
    /// Standard base64 with padding.
    Base64,
}

/// HMAC-SHA256 signature settings; see [`AuthConfig::hmac`].
///
/// The signed bytes are the raw body, or, with `timestamp_header`, `<timestamp>:<body>` where
/// `<timestamp>` is that header's value (Unix seconds) — the scheme Grafana's webhook contact
/// point uses. A configured signature is always required: a request without the header fails.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct HmacConfig {
    /// The shared secret, used as UTF-8 bytes.
    pub secret: Secret,
    /// The header carrying the signature, e.g. `X-Grafana-Alerting-Signature`.
    pub header: String,
    /// `hex` (default) or `base64`.
    #[serde(default)]
    pub encoding: SignatureEncoding,
    /// A prefix before the signature, e.g. `sha256=`; required when configured.
    #[serde(default)]
    pub prefix: Option<String>,
    /// The header carrying the Unix-seconds timestamp that is signed with the body.
    #[serde(default)]
    pub timestamp_header: Option<String>,
    /// How far the timestamp may be from [`ReceivedAt`], in seconds. Default 300 when
    /// `timestamp_header` is set.
    #[serde(default)]
    pub tolerance_seconds: Option<u64>,
}

/// A validated [`AuthConfig`], ready to check requests.
#[derive(Debug, Clone)]
pub struct AuthGuard {
    api_key: Option<ApiKey>,
    /// `bearer` and `authorization` in one form: `(scheme, credentials)`.
    authorization: Option<(String, Secret)>,
    basic: Option<Basic>,
    hmac: Option<HmacConfig>,
}

impl AuthGuard {
    /// Validates the configuration.
    ///
    /// # Errors
    /// When more than one of `bearer`, `authorization` and `basic` is set, or a secret, key,
    /// header name or scheme is empty.
    pub fn new(config: AuthConfig) -> Result<Self, ConfigError> {
        let invalid = |path: &str, message: &str| ConfigError::Invalid {
            integration: "auth",
            path: path.to_owned(),
            message: message.to_owned(),
        };
        let header_name = |path: &str, name: &str| {
            http::HeaderName::from_bytes(name.as_bytes())
                .map(|_| ())
                .map_err(|_| invalid(path, "must be a valid header name"))
        };
        let AuthConfig {
            api_key,
            bearer,
            authorization,
            basic,
            hmac,
        } = config;
        if [bearer.is_some(), authorization.is_some(), basic.is_some()]
            .iter()
            .filter(|set| **set)
            .count()
            > 1
        {
            return Err(invalid(
                "the top level",
                "bearer, authorization and basic all use the Authorization header: set at most one",
            ));
        }
        if let Some(key) = &api_key {
            if key.key.expose().is_empty() {
                return Err(invalid("api_key", "the key must not be empty"));
            }
            if key.query_param.is_empty() && key.header.is_empty() {
                return Err(invalid("api_key", "set query_param or header"));
            }
            if !key.header.is_empty() {
                header_name("api_key.header", &key.header)?;
            }
        }
        let authorization = match (bearer, authorization) {
            (Some(token), _) => Some(("Bearer".to_owned(), token)),
            (_, Some(a)) => Some((a.scheme, a.credentials)),
            _ => None,
        };
        if let Some((scheme, credentials)) = &authorization {
            if scheme.is_empty() || scheme.contains(char::is_whitespace) {
                return Err(invalid("authorization.type", "must be one word"));
            }
            if credentials.expose().is_empty() {
                return Err(invalid(
                    "authorization",
                    "the credentials must not be empty",
                ));
            }
        }
        if let Some(basic) = &basic {
            if basic.username.is_empty() || basic.password.expose().is_empty() {
                return Err(invalid("basic", "username and password must not be empty"));
            }
        }
        if let Some(h) = &hmac {
            if h.secret.expose().is_empty() {
                return Err(invalid("hmac.secret", "must not be empty"));
            }
            header_name("hmac.header", &h.header)?;
            match &h.timestamp_header {
                Some(name) => header_name("hmac.timestamp_header", name)?,
                None if h.tolerance_seconds.is_some() => {
                    return Err(invalid("hmac.tolerance_seconds", "needs timestamp_header"));
                }
                None => {}
            }
        }
        Ok(Self {
            api_key,
            authorization,
            basic,
            hmac,
        })
    }

    /// Checks a request against every configured method.
    ///
    /// # Errors
    /// [`Error::Unauthorized`] when any configured method fails (the [`crate::Instance`]
    /// running the guard names its integration).
    pub fn check<B: AsRef<[u8]>>(&self, req: &http::Request<B>) -> Result<(), Error> {
        // `&` rather than `&&`: every configured check runs, whatever the first one says.
        let passed = self.head_passes(req) & self.hmac.as_ref().is_none_or(|h| check_hmac(h, req));
        if passed {
            Ok(())
        } else {
            Err(Error::unauthorized())
        }
    }

    /// Whether a request's body is needed to decide: only an HMAC signature is computed over
    /// it. When `false`, [`AuthGuard::check_head`] decides alone and a host can refuse a
    /// request before reading its body.
    ///
    /// ```
    /// use pager_core::auth::{AuthConfig, AuthGuard};
    /// let key: AuthConfig = serde_json::from_value(serde_json::json!({"api_key": "k"}))?;
    /// assert!(!AuthGuard::new(key)?.needs_body());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn needs_body(&self) -> bool {
        self.hmac.is_some()
    }

    /// Checks what the head decides (URI and headers: API key, `Authorization`, Basic), so a
    /// host can refuse a request before reading its body. A failure is final; a pass is the
    /// whole answer only when [`AuthGuard::needs_body`] is `false` — [`AuthGuard::check`]
    /// (which [`crate::Instance`] runs) is still the check of record.
    ///
    /// # Errors
    /// [`Error::Unauthorized`] when a head-only method fails.
    pub fn check_head<B>(&self, req: &http::Request<B>) -> Result<(), Error> {
        if self.head_passes(req) {
            Ok(())
        } else {
            Err(Error::unauthorized())
        }
    }

    /// The lowercase names of the headers this guard reads a secret or signature from (the
    /// API key's header, the HMAC signature and timestamp headers), for hosts and rules that
    /// show headers and must leave these out.
    pub fn header_names(&self) -> Vec<String> {
        let api_key = self.api_key.as_ref().map(|k| k.header.as_str());
        let hmac =
            self.hmac.as_ref().into_iter().flat_map(|h| {
                std::iter::once(h.header.as_str()).chain(h.timestamp_header.as_deref())
            });
        api_key
            .into_iter()
            .chain(hmac)
            .filter(|name| !name.is_empty())
            .map(str::to_ascii_lowercase)
            .collect()
    }

    /// The query parameter this guard reads an API key from, if any (`x-api-key` by default).
    pub fn query_param_name(&self) -> Option<&str> {
        self.api_key
            .as_ref()
            .map(|k| k.query_param.as_str())
            .filter(|name| !name.is_empty())
    }

    fn head_passes<B>(&self, req: &http::Request<B>) -> bool {
        self.api_key.as_ref().is_none_or(|k| check_api_key(k, req))
            & self
                .authorization
                .as_ref()
                .is_none_or(|(s, c)| check_authorization(s, c, req))
            & self.basic.as_ref().is_none_or(|b| check_basic(b, req))
    }
}

/// An HMAC signature with a timestamp that a request presented: what a host remembers, until
/// `expires`, to answer a replay of an accepted request without applying it again (a captured
/// "resolved" replayed after a re-fire must not silence the outage). Without a timestamp
/// header there is no window to bound what is remembered, and no replay defence.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignatureNonce {
    /// The signature's bytes in lowercase hex (however the sender encoded them).
    pub signature: String,
    /// When the timestamp signed with it leaves the tolerance window: after that the guard
    /// refuses the request anyway.
    pub expires: SystemTime,
}

impl AuthGuard {
    /// The request's [`SignatureNonce`], when the guard checks an HMAC with a timestamp and
    /// the request carries both headers (call it after [`AuthGuard::check`] passed).
    pub fn signature_nonce<B>(&self, req: &http::Request<B>) -> Option<SignatureNonce> {
        let config = self.hmac.as_ref()?;
        let ts_header = config.timestamp_header.as_ref()?;
        let signature = presented_signature(config, req)?;
        let seconds = std::str::from_utf8(header(req, ts_header)?.trim_ascii())
            .ok()?
            .parse::<u64>()
            .ok()?;
        let tolerance = config.tolerance_seconds.unwrap_or(300);
        let expires =
            UNIX_EPOCH.checked_add(Duration::from_secs(seconds.checked_add(tolerance)?))?;
        Some(SignatureNonce {
            signature: hex::encode(signature),
            expires,
        })
    }
}

/// The signature bytes a request presents in `config.header`.
fn presented_signature<B>(config: &HmacConfig, req: &http::Request<B>) -> Option<Vec<u8>> {
    let presented = header(req, &config.header).map(<[u8]>::trim_ascii)?;
    let presented = match &config.prefix {
        Some(prefix) => presented.strip_prefix(prefix.as_bytes())?,
        None => presented,
    };
    match config.encoding {
        SignatureEncoding::Hex => hex::decode(presented).ok(),
        SignatureEncoding::Base64 => BASE64.decode(presented).ok(),
    }
}

/// Constant-time equality for secrets of any length: compares SHA-256 digests.
fn secret_eq(presented: &[u8], expected: &[u8]) -> bool {
    Sha256::digest(presented)
        .ct_eq(&Sha256::digest(expected))
        .into()
}

fn header<'r, B>(req: &'r http::Request<B>, name: &str) -> Option<&'r [u8]> {
    req.headers().get(name).map(http::HeaderValue::as_bytes)
}

fn check_api_key<B>(key: &ApiKey, req: &http::Request<B>) -> bool {
    let from_query = req.uri().query().and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(name, _)| !key.query_param.is_empty() && *name == key.query_param)
            .map(|(_, value)| value.into_owned().into_bytes())
    });
    let from_header = (!key.header.is_empty())
        .then(|| header(req, &key.header))
        .flatten()
        .map(<[u8]>::to_vec);
    from_query
        .or(from_header)
        .is_some_and(|presented| secret_eq(&presented, key.key.expose().as_bytes()))
}

/// Splits `Authorization: <scheme> <credentials>`.
fn authorization_parts<B>(req: &http::Request<B>) -> Option<(&[u8], &[u8])> {
    let value = header(req, "authorization")?;
    let space = value.iter().position(|b| *b == b' ')?;
    let (scheme, rest) = value.split_at(space);
    Some((scheme, rest.trim_ascii()))
}

fn check_authorization<B>(scheme: &str, credentials: &Secret, req: &http::Request<B>) -> bool {
    authorization_parts(req).is_some_and(|(presented_scheme, presented)| {
        presented_scheme.eq_ignore_ascii_case(scheme.as_bytes())
            & secret_eq(presented, credentials.expose().as_bytes())
    })
}

fn check_basic<B>(basic: &Basic, req: &http::Request<B>) -> bool {
    let Some((scheme, encoded)) = authorization_parts(req) else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case(b"basic") {
        return false;
    }
    let Ok(decoded) = BASE64.decode(encoded) else {
        return false;
    };
    let Some(colon) = decoded.iter().position(|b| *b == b':') else {
        return false;
    };
    let (user, password) = decoded.split_at(colon);
    let password = password.get(1..).unwrap_or_default();
    secret_eq(user, basic.username.as_bytes())
        & secret_eq(password, basic.password.expose().as_bytes())
}

fn check_hmac<B: AsRef<[u8]>>(config: &HmacConfig, req: &http::Request<B>) -> bool {
    let Some(signature) = presented_signature(config, req) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(config.secret.expose().as_bytes()) else {
        return false;
    };
    if let Some(ts_header) = &config.timestamp_header {
        let Some(timestamp) = header(req, ts_header).map(<[u8]>::trim_ascii) else {
            return false;
        };
        let tolerance = Duration::from_secs(config.tolerance_seconds.unwrap_or(300));
        if !timestamp_is_fresh(timestamp, tolerance, req.extensions().get::<ReceivedAt>()) {
            return false;
        }
        mac.update(timestamp);
        mac.update(b":");
    }
    mac.update(req.body().as_ref());
    mac.verify_slice(&signature).is_ok()
}

fn timestamp_is_fresh(
    timestamp: &[u8],
    tolerance: Duration,
    received: Option<&ReceivedAt>,
) -> bool {
    let Some(ReceivedAt(received)) = received else {
        return false;
    };
    let Some(seconds) = std::str::from_utf8(timestamp)
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
    else {
        return false;
    };
    let Some(sent) = UNIX_EPOCH.checked_add(Duration::from_secs(seconds)) else {
        return false;
    };
    let skew = match received.duration_since(sent) {
        Ok(age) => age,
        Err(ahead) => ahead.duration(),
    };
    skew <= tolerance
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use serde_json::json;

    use super::*;

    fn guard(config: serde_json::Value) -> AuthGuard {
        AuthGuard::new(serde_json::from_value(config).unwrap()).unwrap()
    }

    fn req(uri: &str, headers: &[(&str, &str)], body: &'static [u8]) -> http::Request<Bytes> {
        let mut builder = http::Request::post(uri);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        builder.body(Bytes::from_static(body)).unwrap()
    }

    fn ok(guard: &AuthGuard, req: &http::Request<Bytes>) -> bool {
        match guard.check(req) {
            Ok(()) => true,
            Err(e) => {
                assert_eq!(e.to_string(), "unauthorized");
                false
            }
        }
    }

    fn sign(secret: &str, data: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(data);
        hex::encode(mac.finalize().into_bytes())
    }

    #[test]
    fn the_head_decides_unless_a_signature_is_configured() {
        let key = guard(json!({"api_key": "k"}));
        assert!(!key.needs_body());
        assert!(key.check_head(&req("/?x-api-key=k", &[], b"")).is_ok());
        assert!(key.check_head(&req("/?x-api-key=guess", &[], b"")).is_err());
        let signed = guard(json!({"api_key": "k", "hmac": {"secret": "s", "header": "X-Sig"}}));
        assert!(signed.needs_body());
        // A head failure is final, whatever the body would say.
        assert!(
            signed
                .check_head(&req("/?x-api-key=guess", &[], b""))
                .is_err()
        );
        // A head pass is not a pass: the signature is still checked.
        let unsigned = req("/?x-api-key=k", &[], b"{}");
        assert!(signed.check_head(&unsigned).is_ok());
        assert!(!ok(&signed, &unsigned));
        let signature = sign("s", b"{}");
        let both = req("/?x-api-key=k", &[("X-Sig", signature.as_str())], b"{}");
        assert!(ok(&signed, &both));
    }

    #[test]
    fn api_key_from_query_or_header() {
        let g = guard(json!({"api_key": "capture-api-key"}));
        assert!(ok(&g, &req("/spot?x-api-key=capture-api-key", &[], b"")));
        assert!(ok(
            &g,
            &req("/spot?a=1&x-api-key=capture%2Dapi%2Dkey", &[], b"")
        ));
        assert!(ok(
            &g,
            &req("/spot", &[("X-Api-Key", "capture-api-key")], b"")
        ));
        assert!(!ok(&g, &req("/spot?x-api-key=capture-api-ke", &[], b"")));
        assert!(!ok(&g, &req("/spot?x-api-key=", &[], b"")));
        assert!(!ok(&g, &req("/spot", &[], b"")));
        let custom =
            guard(json!({"api_key": {"key": "k", "query_param": "token", "header": "X-Token"}}));
        assert!(ok(&custom, &req("/?token=k", &[], b"")));
        assert!(ok(&custom, &req("/", &[("x-token", "k")], b"")));
        assert!(!ok(&custom, &req("/?x-api-key=k", &[], b"")));
    }

    #[test]
    fn bearer_and_custom_authorization_schemes() {
        let bearer = guard(json!({"bearer": "s3cr3t-bearer-token"}));
        assert!(ok(
            &bearer,
            &req("/", &[("authorization", "Bearer s3cr3t-bearer-token")], b"")
        ));
        assert!(ok(
            &bearer,
            &req("/", &[("authorization", "bearer s3cr3t-bearer-token")], b"")
        ));
        assert!(!ok(
            &bearer,
            &req("/", &[("authorization", "Basic s3cr3t-bearer-token")], b"")
        ));
        assert!(!ok(&bearer, &req("/", &[("authorization", "Bearer")], b"")));
        assert!(!ok(&bearer, &req("/", &[], b"")));
        let api = guard(json!({"authorization": {"type": "ApiKey", "credentials": "key-abc-123"}}));
        assert!(ok(
            &api,
            &req("/", &[("authorization", "ApiKey key-abc-123")], b"")
        ));
        assert!(!ok(
            &api,
            &req("/", &[("authorization", "Bearer key-abc-123")], b"")
        ));
        let default_type = guard(json!({"authorization": {"credentials": "c"}}));
        assert!(ok(
            &default_type,
            &req("/", &[("authorization", "Bearer c")], b"")
        ));
    }

    #[test]
    fn basic_auth() {
        let g =
            guard(json!({"basic": {"username": "pagerhook", "password": "capture-basic-pass"}}));
        // The header Alertmanager sent in fixtures/prometheus-v3/single-firing.headers.
        assert!(ok(
            &g,
            &req(
                "/",
                &[(
                    "authorization",
                    "Basic cGFnZXJob29rOmNhcHR1cmUtYmFzaWMtcGFzcw=="
                )],
                b""
            )
        ));
        let wrong = BASE64.encode("pagerhook:capture-basic-pas");
        assert!(!ok(
            &g,
            &req("/", &[("authorization", &format!("Basic {wrong}"))], b"")
        ));
        assert!(!ok(&g, &req("/", &[("authorization", "Basic !!!")], b"")));
        let no_colon = BASE64.encode("pagerhook");
        assert!(!ok(
            &g,
            &req("/", &[("authorization", &format!("Basic {no_colon}"))], b"")
        ));
    }

    #[test]
    fn hmac_of_the_body_with_prefix_and_encodings() {
        let body = br#"{"status":"firing"}"#;
        let sig = sign("topsecret", body);
        let g = guard(
            json!({"hmac": {"secret": "topsecret", "header": "X-Signature", "prefix": "sha256="}}),
        );
        assert!(ok(
            &g,
            &req("/", &[("x-signature", &format!("sha256={sig}"))], body)
        ));
        assert!(
            !ok(&g, &req("/", &[("x-signature", &sig)], body)),
            "prefix is required when configured"
        );
        assert!(
            !ok(
                &g,
                &req("/", &[("x-signature", &format!("sha256={sig}"))], b"{}")
            ),
            "other body"
        );
        assert!(
            !ok(&g, &req("/", &[], body)),
            "a configured signature is never skipped"
        );
        let b64 = guard(
            json!({"hmac": {"secret": "topsecret", "header": "X-Sig", "encoding": "base64"}}),
        );
        let sig_b64 = BASE64.encode(hex::decode(&sig).unwrap());
        assert!(ok(&b64, &req("/", &[("x-sig", &sig_b64)], body)));
        assert!(!ok(&b64, &req("/", &[("x-sig", &sig)], body)));
    }

    #[test]
    fn hmac_with_timestamp_needs_a_fresh_timestamp_and_a_receive_time() {
        let body = br#"{"status":"firing"}"#;
        let config = json!({"hmac": {"secret": "s", "header": "X-Grafana-Alerting-Signature",
            "timestamp_header": "X-Grafana-Alerting-Signature-Timestamp", "tolerance_seconds": 60}});
        let g = guard(config);
        let sent = 1_790_000_000_u64;
        let signed = [format!("{sent}:").as_bytes(), body].concat();
        let make = |ts: u64, received: Option<u64>| {
            let mut r = req(
                "/",
                &[
                    ("X-Grafana-Alerting-Signature", &sign("s", &signed)),
                    ("X-Grafana-Alerting-Signature-Timestamp", &ts.to_string()),
                ],
                body,
            );
            if let Some(at) = received {
                r.extensions_mut()
                    .insert(ReceivedAt(UNIX_EPOCH + Duration::from_secs(at)));
            }
            r
        };
        assert!(ok(&g, &make(sent, Some(sent + 30))));
        assert!(
            ok(&g, &make(sent, Some(sent - 30))),
            "clock skew either way"
        );
        assert!(!ok(&g, &make(sent, Some(sent + 61))), "too old: a replay");
        assert!(!ok(&g, &make(sent, None)), "no receive time: fail closed");
        assert!(
            !ok(&g, &make(sent + 1, Some(sent))),
            "the timestamp is signed"
        );
    }

    #[test]
    fn a_timestamped_signature_is_a_nonce_whatever_its_letter_case() {
        let config = json!({"hmac": {"secret": "s", "header": "X-Sig",
            "timestamp_header": "X-Ts", "tolerance_seconds": 60}});
        let g = guard(config);
        let sig = sign("s", b"1790000000:{}");
        let nonce = |sig: &str| {
            g.signature_nonce(&req("/", &[("X-Sig", sig), ("X-Ts", "1790000000")], b"{}"))
        };
        let lower = nonce(&sig).unwrap();
        assert_eq!(
            lower,
            nonce(&sig.to_uppercase()).unwrap(),
            "one nonce per signature"
        );
        assert_eq!(lower.signature, sig.to_lowercase());
        assert_eq!(
            lower.expires,
            UNIX_EPOCH + Duration::from_secs(1_790_000_060)
        );
        let untimed = guard(json!({"hmac": {"secret": "s", "header": "X-Sig"}}));
        assert_eq!(
            untimed.signature_nonce(&req("/", &[("X-Sig", &sig)], b"{}")),
            None,
            "no timestamp, no window, no replay defence"
        );
    }

    #[test]
    fn every_configured_method_must_pass() {
        let g = guard(json!({"api_key": "k", "bearer": "b"}));
        assert!(ok(
            &g,
            &req("/?x-api-key=k", &[("authorization", "Bearer b")], b"")
        ));
        assert!(!ok(&g, &req("/?x-api-key=k", &[], b"")));
        assert!(!ok(&g, &req("/", &[("authorization", "Bearer b")], b"")));
        assert!(
            ok(&guard(json!({})), &req("/", &[], b"")),
            "no auth configured: open"
        );
    }

    #[test]
    fn invalid_configurations_are_rejected_without_showing_secrets() {
        let build = |v: serde_json::Value| AuthGuard::new(serde_json::from_value(v).unwrap());
        let err =
            build(json!({"bearer": "a", "basic": {"username": "u", "password": "p"}})).unwrap_err();
        assert!(err.to_string().contains("at most one"), "{err}");
        assert!(build(json!({"api_key": ""})).is_err());
        assert!(build(json!({"hmac": {"secret": "s", "header": "bad header"}})).is_err());
        let err = build(json!({"api_key": {"key": "k", "header": "X Token"}})).unwrap_err();
        assert!(
            err.to_string()
                .contains("api_key.header: must be a valid header name"),
            "{err}"
        );
        let err =
            build(json!({"hmac": {"secret": "s", "header": "X-S", "timestamp_header": "X T"}}))
                .unwrap_err();
        assert!(err.to_string().contains("hmac.timestamp_header"), "{err}");
        assert!(
            build(json!({"hmac": {"secret": "s", "header": "X-S", "tolerance_seconds": 5}}))
                .is_err()
        );
        assert!(serde_json::from_value::<AuthConfig>(json!({"api_kye": "x"})).is_err());
        let config: AuthConfig = serde_json::from_value(json!({
            "api_key": "secret-1", "basic": {"username": "u", "password": "secret-2"},
            "hmac": {"secret": "secret-3", "header": "X-S"}
        }))
        .unwrap();
        let debug = format!("{:?}", AuthGuard::new(config).unwrap());
        for secret in ["secret-1", "secret-2", "secret-3"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
        assert!(debug.contains("**REDACTED**"));
    }
}
