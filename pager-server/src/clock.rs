//! The receiver's clock: what "now" is for the delivery log, retention, heartbeats and
//! maintenance windows. [`SystemClock`] in production; [`ManualClock`] in tests, which set
//! and advance time by hand, so time-driven behaviour is tested without sleeping.

use std::fmt::Debug;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

/// A source of the current time.
pub trait Clock: Send + Sync + Debug + 'static {
    /// Now.
    fn now(&self) -> DateTime<Utc>;
}

/// The host's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that shows the time it was last set to.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

impl ManualClock {
    /// A clock showing `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        Self {
            now: Mutex::new(now),
        }
    }

    /// Sets the time.
    pub fn set(&self, now: DateTime<Utc>) {
        *crate::lock(&self.now) = now;
    }

    /// Moves the time on by `by` (back, if negative); returns the new time.
    pub fn advance(&self, by: chrono::TimeDelta) -> DateTime<Utc> {
        let mut now = crate::lock(&self.now);
        *now += by;
        *now
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *crate::lock(&self.now)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::{Clock, ManualClock};

    #[test]
    fn a_manual_clock_shows_what_it_was_set_to() {
        let start = chrono::DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z")
            .unwrap()
            .to_utc();
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        assert_eq!(
            clock.advance(TimeDelta::seconds(90)),
            start + TimeDelta::seconds(90)
        );
        assert_eq!(clock.now(), start + TimeDelta::seconds(90));
        clock.set(start);
        assert_eq!(clock.now(), start);
    }
}
