//! Helpers for adapters' behaviour tests: a fixture's single event, a JSON request, a data value.

use bytes::Bytes;
use pager_core::{Error, Event, Integration};

/// The one event `integration` makes of `fixtures/<slug>/<name>` (its `.headers` replayed).
///
/// # Panics
/// When the fixture cannot be read, is refused, or gives other than one event: the test fails
/// there, naming the fixture.
#[allow(clippy::panic)] // test tooling: a failure is the test's
pub fn fixture_event(integration: &dyn Integration, slug: &str, name: &str) -> Event {
    let path = crate::fixtures_dir(slug).join(name);
    let req = crate::load_request(&path)
        .unwrap_or_else(|e| panic!("cannot load {}: {e}", path.display()));
    let mut events = integration
        .handle(&req)
        .unwrap_or_else(|e| panic!("{slug}/{name} refused: {e}"));
    assert_eq!(events.len(), 1, "{slug}/{name}: one event");
    events.remove(0)
}

/// A `POST /` of `body` as `application/json`.
pub fn json_request(body: &serde_json::Value) -> http::Request<Bytes> {
    let mut req = http::Request::new(Bytes::from(body.to_string()));
    *req.method_mut() = http::Method::POST;
    req.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    req
}

/// What `integration` makes of `body` posted as JSON.
///
/// # Errors
/// The adapter's.
pub fn handle_json(
    integration: &dyn Integration,
    body: &serde_json::Value,
) -> Result<Vec<Event>, Error> {
    integration.handle(&json_request(body))
}

/// The value of `event`'s first `additional_data` entry labelled `label`.
pub fn data<'e>(event: &'e Event, label: &str) -> Option<&'e str> {
    event
        .additional_data
        .iter()
        .find(|d| d.label == label)
        .map(|d| d.value.as_str())
}
