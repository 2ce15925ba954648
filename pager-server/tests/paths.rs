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

async fn send(router: &axum::Router, method: &str, uri: &str) -> StatusCode {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::empty())
        .unwrap();
    router.clone().oneshot(request).await.unwrap().status()
}

/// UptimeRobot's webhook without POST values (and PagerTree's `…/g?` URLs): a GET whose query
/// string is the notification. It is read and stored as a form body, without the API key.
#[tokio::test]
async fn a_get_delivers_its_query_string_as_a_form_without_the_api_key() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let registry = pager_integrations::registry();
    let instance = registry
        .build("uptimerobot", &json!({"auth": {"api_key": "k-1"}}))
        .unwrap();
    let receiver = Receiver::new(Arc::clone(&store))
        .with_instance("robot", instance)
        .unwrap();
    let router = receiver.router();

    let down = "/integrations/robot?monitorID=780123456&monitorFriendlyName=Shop%20API\
                &alertType=1&alertDetails=HTTP+503&x-api-key=k-1";
    assert_eq!(send(&router, "GET", down).await, StatusCode::OK);
    let alerts = store
        .alerts(&pager_server::store::AlertFilter::new())
        .await
        .unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].thirdparty_id, "780123456");
    assert_eq!(alerts[0].title, "Shop API is down");
    let log = store.deliveries(None, 10).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(
        log[0].content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    let stored = store.delivery(log[0].id).await.unwrap().unwrap();
    assert_eq!(
        stored.body.as_deref(),
        Some(&b"monitorID=780123456&monitorFriendlyName=Shop%20API&alertType=1&alertDetails=HTTP+503"[..]),
        "the query as sent, less the key"
    );

    // Below the instance's URL too (PagerTree's `/g?`); the up resolves the down's alert.
    let up = "/integrations/robot/g?x-api-key=k-1&monitorID=780123456&alertType=2";
    assert_eq!(send(&router, "GET", up).await, StatusCode::OK);
    let open = store
        .alerts(
            &pager_server::store::AlertFilter::new()
                .status(pager_server::lifecycle::AlertStatus::Open),
        )
        .await
        .unwrap();
    assert!(open.is_empty(), "{open:?}");

    // The guard decides a GET with a notification; a GET with nothing but the key or no query
    // at all, and a HEAD, are refused and record nothing.
    assert_eq!(
        send(
            &router,
            "GET",
            "/integrations/robot?monitorID=1&alertType=1"
        )
        .await,
        StatusCode::UNAUTHORIZED
    );
    // Decided before the guard: a probe is no failed login.
    for (method, uri) in [
        ("GET", "/integrations/robot"),
        ("GET", "/integrations/robot?x-api-key=k-1"),
        ("GET", "/integrations/robot?x-api-key=k-1&"),
        ("HEAD", "/integrations/robot?x-api-key=k-1&monitorID=1"),
    ] {
        assert_eq!(
            send(&router, method, uri).await,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {uri}"
        );
    }
    assert_eq!(store.deliveries(None, 10).await.unwrap().len(), 2);
}
