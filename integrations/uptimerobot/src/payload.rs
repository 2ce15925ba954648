//! The alert contact's body: UptimeRobot's notification variables (`*monitorID*`,
//! `*alertType*`, …) by name, either as POST parameters (a form) or as the JSON object the user
//! wrote with them. Both read as [`Fields`]: scalars as text, blank values absent.

use bytes::Bytes;
use pager_core::Error;
use pager_core::form::{self, BodyFormat};
use pager_core::json::Object;
use pager_core::template::Fields;

/// Reads the request's body by its `Content-Type`.
pub(crate) fn read(req: &http::Request<Bytes>) -> Result<Fields<'_>, Error> {
    match form::json_or_form(req)? {
        BodyFormat::Form => form::fields(req.body()),
        _ => pager_core::json::from_slice::<Object<Fields<'_>>>(req.body())
            .map(|Object(fields)| fields),
    }
}
