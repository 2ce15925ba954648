//! How long the store keeps what it no longer needs: `[retention]` in `pagerhook serve`'s
//! configuration, and the durations it is written in.
//!
//! ```toml
//! [retention]
//! deliveries = "30d"        # the delivery log (default 30 days)
//! resolved_alerts = "90d"   # resolved alerts and their history (default 90 days)
//! ```
//!
//! Open and acknowledged alerts are never pruned, nor their history, nor the deliveries that
//! history refers to (see [`crate::store::Store::prune`]).

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;

/// The retention of the delivery log and of resolved alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Retention {
    /// How long a delivery stays in the log. Default 30 days.
    pub deliveries: RetentionPeriod,
    /// How long a resolved alert (and its history) stays after it resolved. Default 90 days.
    pub resolved_alerts: RetentionPeriod,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            deliveries: RetentionPeriod(Duration::from_secs(30 * DAY)),
            resolved_alerts: RetentionPeriod(Duration::from_secs(90 * DAY)),
        }
    }
}

impl Retention {
    /// A retention of `deliveries` for the log and `resolved_alerts` for resolved alerts.
    pub fn new(deliveries: RetentionPeriod, resolved_alerts: RetentionPeriod) -> Self {
        Self {
            deliveries,
            resolved_alerts,
        }
    }

    /// The cutoffs at `now`: `(deliveries_before, resolved_alerts_before)`, the arguments of
    /// [`crate::store::Store::prune`].
    pub fn cutoffs(&self, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        let before = |period: RetentionPeriod| {
            chrono::Duration::from_std(period.0)
                .ok()
                .and_then(|d| now.checked_sub_signed(d))
                .unwrap_or(DateTime::<Utc>::MIN_UTC)
        };
        (before(self.deliveries), before(self.resolved_alerts))
    }

    /// How often the receiver prunes: a tenth of the shorter retention, at most an hour and at
    /// least a second.
    pub fn interval(&self) -> Duration {
        (self.deliveries.0.min(self.resolved_alerts.0) / 10)
            .clamp(Duration::from_secs(1), Duration::from_secs(3600))
    }
}

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;

/// A retention period, written as a whole number and a unit: `"10s"`, `"15m"`, `"12h"`,
/// `"30d"`, `"2w"` (units s, m, h, d, w; no spaces, no fractions, at least one second).
///
/// ```
/// use std::time::Duration;
/// use pager_server::retention::RetentionPeriod;
///
/// assert_eq!("12h".parse::<RetentionPeriod>()?.as_duration(), Duration::from_secs(12 * 3600));
/// assert!("12".parse::<RetentionPeriod>().is_err());
/// # Ok::<(), pager_server::retention::DurationError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct RetentionPeriod(Duration);

impl RetentionPeriod {
    /// The period as a [`Duration`].
    pub fn as_duration(self) -> Duration {
        self.0
    }

    /// A period of `minutes` minutes (at least one).
    pub(crate) const fn minutes(minutes: u64) -> Self {
        let minutes = if minutes == 0 { 1 } else { minutes };
        Self(Duration::from_secs(minutes * MINUTE))
    }

    /// A period of `duration`, at least a second.
    ///
    /// # Errors
    /// [`DurationError::Zero`] for less than a second.
    pub fn new(duration: Duration) -> Result<Self, DurationError> {
        if duration < Duration::from_secs(1) {
            return Err(DurationError::Zero);
        }
        Ok(Self(duration))
    }
}

/// Why a retention period could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DurationError {
    /// Not a number followed by a unit.
    #[error(
        "{0:?} is not a duration; write a whole number and a unit: \"10s\", \"15m\", \"12h\", \"30d\", \"2w\""
    )]
    Syntax(String),
    /// A unit other than s, m, h, d, w.
    #[error("unknown unit {0:?} in a duration; use s, m, h, d or w")]
    Unit(String),
    /// Too large to represent.
    #[error("duration {0:?} is too large")]
    Overflow(String),
    /// Less than a second: it would prune everything as soon as it was written.
    #[error("a retention period must be at least 1s")]
    Zero,
}

impl std::str::FromStr for RetentionPeriod {
    type Err = DurationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let digits = text.bytes().take_while(u8::is_ascii_digit).count();
        let (number, unit) = text.split_at(digits);
        if number.is_empty() || unit.is_empty() {
            return Err(DurationError::Syntax(text.to_owned()));
        }
        let seconds = match unit {
            "s" => 1,
            "m" => MINUTE,
            "h" => HOUR,
            "d" => DAY,
            "w" => 7 * DAY,
            _ => return Err(DurationError::Unit(unit.to_owned())),
        };
        let total = number
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(seconds))
            .ok_or_else(|| DurationError::Overflow(text.to_owned()))?;
        Self::new(Duration::from_secs(total))
    }
}

impl TryFrom<String> for RetentionPeriod {
    type Error = DurationError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl fmt::Display for RetentionPeriod {
    /// In the largest unit that divides it: `"5m"`, `"90s"`, `"2w"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.0.as_secs();
        let (count, unit) = [(7 * DAY, "w"), (DAY, "d"), (HOUR, "h"), (MINUTE, "m")]
            .into_iter()
            .find(|(size, _)| seconds % size == 0 && seconds >= *size)
            .map_or((seconds, "s"), |(size, unit)| (seconds / size, unit));
        write!(f, "{count}{unit}")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn periods_parse_with_their_unit_and_refuse_the_rest() {
        let secs = |t: &str| t.parse::<RetentionPeriod>().map(|p| p.0.as_secs());
        assert_eq!(secs("10s"), Ok(10));
        assert_eq!(secs("15m"), Ok(900));
        assert_eq!(secs("12h"), Ok(43_200));
        assert_eq!(secs("30d"), Ok(2_592_000));
        assert_eq!(secs("2w"), Ok(1_209_600));
        assert_eq!(secs("30"), Err(DurationError::Syntax("30".into())));
        assert_eq!(secs("d"), Err(DurationError::Syntax("d".into())));
        assert_eq!(secs("1.5h"), Err(DurationError::Unit(".5h".into())));
        assert_eq!(secs("3 d"), Err(DurationError::Unit(" d".into())));
        assert_eq!(secs("1y"), Err(DurationError::Unit("y".into())));
        assert_eq!(secs("0s"), Err(DurationError::Zero));
        for text in ["90s", "5m", "1h", "36h", "3d", "2w"] {
            assert_eq!(text.parse::<RetentionPeriod>().unwrap().to_string(), text);
        }
        assert_eq!("60s".parse::<RetentionPeriod>().unwrap().to_string(), "1m");
        assert!(matches!(
            secs("99999999999999999999w"),
            Err(DurationError::Overflow(_))
        ));
    }

    #[test]
    fn the_interval_is_a_tenth_of_the_shorter_retention_within_bounds() {
        let r = |d: &str, a: &str| Retention::new(d.parse().unwrap(), a.parse().unwrap());
        assert_eq!(Retention::default().interval(), Duration::from_secs(3600));
        assert_eq!(r("100s", "90d").interval(), Duration::from_secs(10));
        assert_eq!(r("30d", "5s").interval(), Duration::from_secs(1));
        let now = DateTime::from_timestamp(1_000_000, 0).unwrap();
        let (deliveries, alerts) = r("10s", "1m").cutoffs(now);
        assert_eq!(deliveries.timestamp(), 999_990);
        assert_eq!(alerts.timestamp(), 999_940);
    }
}
