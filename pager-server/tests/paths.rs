#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The adapter contract's two hooks for multi-endpoint APIs (PagerDuty, Opsgenie): the
//! receiver routes `POST /integrations/{name}/{*rest}` to the instance and the adapter sees the
//! path below the instance's URL; and an adapter may shape its answer to an accepted delivery.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use bytes::Bytes;
use http_body_util::BodyExt;
use pager_core::{Action, Answer, Error, Event, Instance, Integration};
use pager_server::Receiver;
use pager_server::store::{MemoryStore, Store};
use serde_json::{Value, json};
use tower::ServiceExt;

/// Opens an alert titled with the path and query it was given; answers 202 for `/v2/enqueue`.
#[derive(Debug)]
struct PathEcho;

impl Integration for PathEcho {
    fn id(&self) -> &'static str {
        "path-echo"
    }

    fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
        Ok(vec![Event::new(Action::Create, "k", req.uri().to_string())])
    }

    fn answer(&self, req: &http::Request<Bytes>, events: &[Event]) -> Option<Answer> {
        (req.uri().path() == "/v2/enqueue").then(|| {
            Answer::new(
                StatusCode::ACCEPTED,
                json!({"status": "success", "dedup_key": events[0].thirdparty_id}),
            )
        })
    }
}

async fn post(router: &axum::Router, uri: &str) -> (StatusCode, Value) {
    let response = router
        .clone()
        .oneshot(Request::post(uri).body(Body::from("{}")).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&body).unwrap())
}

#[tokio::test]
async fn the_adapter_sees_the_path_below_its_instance_and_may_shape_the_answer() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let receiver = Receiver::new(Arc::clone(&store))
        .with_instance("pd", Instance::new(Box::new(PathEcho)))
        .unwrap();
    let router = receiver.router();
    let title = |answer: &Value| answer["results"][0]["alert_id"].as_i64().unwrap();
    let titles = || async {
        store
            .alerts(&pager_server::store::AlertFilter::new())
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.title)
            .collect::<Vec<_>>()
    };

    // The instance's own URL: the adapter sees "/", with the query; the host's answer.
    let (status, answer) = post(&router, "/integrations/pd?x-api-key=k").await;
    assert_eq!(status, StatusCode::OK);
    assert!(title(&answer) > 0);
    assert_eq!(titles().await, ["/?x-api-key=k"]);

    // Below it: the rest of the path, and the adapter's own answer.
    let (status, answer) = post(&router, "/integrations/pd/v2/enqueue").await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(answer, json!({"status": "success", "dedup_key": "k"}));
    let (status, _) = post(
        &router,
        "/integrations/pd/generic/2010-04-15/create_event.json",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // One alert, its title the latest path.
    assert_eq!(titles().await, ["/generic/2010-04-15/create_event.json"]);

    // Nested under a prefix, the adapter still sees the path below the instance.
    let nested = axum::Router::new().nest(
        "/pagerhook",
        Receiver::new(Arc::new(MemoryStore::new()))
            .with_instance("pd", Instance::new(Box::new(PathEcho)))
            .unwrap()
            .router(),
    );
    let (status, answer) = post(&nested, "/pagerhook/integrations/pd/v2/enqueue").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");

    // An unknown instance is a 404 below it too.
    let (status, _) = post(&router, "/integrations/nope/v2/enqueue").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
