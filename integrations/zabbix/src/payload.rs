//! The media type's body: a flat object of macro values, read with [`pager_core::template`]'s
//! rules. Zabbix sends every parameter as a string (numbers and booleans are accepted too); a
//! macro Zabbix could not resolve in this notification arrives as its own name
//! (`{EVENT.RECOVERY.ID}`) and reads as absent, as does a blank value.

use pager_core::template::{Fields, Placeholder};
use serde::{Deserialize, Deserializer};

/// The body's parameters by name (`event_id`, `event_value`, …).
#[derive(Debug, Default)]
pub(crate) struct Payload<'a>(Fields<'a>);

impl<'a> std::ops::Deref for Payload<'a> {
    type Target = Fields<'a>;
    fn deref(&self) -> &Fields<'a> {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Payload<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let fields = Fields::deserialize(deserializer)?;
        Ok(Self(fields.with_placeholder(Placeholder::Macro)))
    }
}
