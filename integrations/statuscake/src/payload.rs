//! The contact group's webhook body: StatusCake posts its fields (`Token`, `Status`,
//! `StatusCode`, `URL`, `IP`, `Tags`, `Name`, `CheckRate`) as a form. A JSON object of the same
//! names is read too (a relay that re-posts them as JSON). Both read as [`Fields`]: values as
//! text, blank values absent.

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
