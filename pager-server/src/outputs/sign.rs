//! Standard Webhooks signing (<https://www.standardwebhooks.com>), so that a receiver verifies
//! pagerhook's requests with any of that specification's libraries.
//!
//! Each request carries `webhook-id` (the message's idempotency key, the same on every
//! attempt), `webhook-timestamp` (seconds since the epoch, of this attempt) and, when the output
//! has a secret, `webhook-signature: v1,<base64 of HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`,
//! where the key is the secret's base64 part after `whsec_`.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

/// A signing secret: `whsec_` followed by base64 (the specification's form; its libraries
/// generate 24–64 random bytes). Redacted in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningSecret {
    key: Vec<u8>,
}

impl SigningSecret {
    /// Parses `whsec_<base64>`. The error never quotes the secret.
    ///
    /// # Errors
    /// Without the prefix, with invalid base64, or with fewer than 16 key bytes.
    pub fn parse(text: &str) -> Result<Self, String> {
        let Some(encoded) = text.strip_prefix("whsec_") else {
            return Err("a signing secret starts with \"whsec_\" (then base64)".to_owned());
        };
        let key = STANDARD
            .decode(encoded)
            .map_err(|_| "the signing secret after \"whsec_\" is not valid base64".to_owned())?;
        if key.len() < 16 {
            return Err(format!(
                "the signing secret is {} bytes; use at least 16 (24-64 random bytes is usual)",
                key.len()
            ));
        }
        Ok(Self { key })
    }

    /// The `webhook-signature` header value for message `id` sent at `timestamp` with `body`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        // HMAC takes a key of any length.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key) else {
            return String::new();
        };
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

impl fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("**REDACTED**")
    }
}

impl<'de> Deserialize<'de> for SigningSecret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn signs_like_the_specifications_test_vector() {
        let secret = SigningSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(
            secret.sign(
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1_614_265_330,
                br#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn bad_secrets_are_refused_without_being_quoted() {
        for bad in [
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_!!notbase64!!",
            "whsec_c2hvcnQ=",
        ] {
            let error = SigningSecret::parse(bad).unwrap_err();
            assert!(!error.contains(bad.trim_start_matches("whsec_")), "{error}");
        }
        assert_eq!(
            format!(
                "{:?}",
                SigningSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap()
            ),
            "**REDACTED**"
        );
    }
}
