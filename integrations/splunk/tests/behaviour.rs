//! The mapping field by field on the fixtures: the search's key, the optional key field, the
//! results link, the result row as data.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use bytes::Bytes;
use pager_core::{Action, AdditionalData, Integration};
use pager_splunk::Splunk;

fn splunk(options: &serde_json::Value) -> pager_core::Instance {
    pager_testkit::instance::<Splunk>(options).unwrap()
}

fn fixture(instance: &pager_core::Instance, name: &str) -> pager_core::Event {
    let path = pager_testkit::fixtures_dir("splunk").join(name);
    let req = pager_testkit::load_request(&path).unwrap();
    let mut events = instance.handle(&req).unwrap();
    assert_eq!(events.len(), 1, "{name}");
    events.remove(0)
}

fn handle(body: &serde_json::Value) -> Result<Vec<pager_core::Event>, pager_core::Error> {
    let req = http::Request::post("/")
        .body(Bytes::from(body.to_string()))
        .unwrap();
    Splunk::default().handle(&req)
}

#[test]
fn a_saved_search_opens_one_alert_per_app_and_search() {
    let event = fixture(
        &splunk(&serde_json::Value::Null),
        "saved-search-by-host.json",
    );
    assert_eq!(event.action, Action::Create);
    assert_eq!(event.thirdparty_id, "search/Disk usage above 90%");
    assert_eq!(event.dedup_keys, ["search/Disk usage above 90%"]);
    assert_eq!(event.title, "Disk usage above 90%");
    assert_eq!(event.description, None);
    assert_eq!(event.urgency, None);
    assert!(event.tags.is_empty());
    let sid = "scheduler__admin__search__RMD5e461ad9ab4c8a3b1_at_1764561600_1234";
    assert_eq!(
        event.additional_data,
        [
            AdditionalData::link(
                "Results",
                &format!("http://splunk.example.local:8000/app/search/@go?sid={sid}")
            )
            .unwrap(),
            AdditionalData::text("Search", "Disk usage above 90%"),
            AdditionalData::text("App", "search"),
            AdditionalData::text("Owner", "admin"),
            AdditionalData::text("SID", sid),
            AdditionalData::text("_time", "1764561540"),
            AdditionalData::text("count", "2"),
            AdditionalData::text("host", "web-01"),
            AdditionalData::text("mount", "/var"),
            AdditionalData::text("used_pct", "93.4"),
        ]
    );
    assert_eq!(
        event.meta_value(),
        serde_json::json!({"key_source": "search_name"})
    );
}

#[test]
fn key_field_makes_one_alert_per_value() {
    let by_host = splunk(&serde_json::json!({"key_field": "host"}));
    let event = fixture(&by_host, "saved-search-by-host.json");
    assert_eq!(
        event.thirdparty_id,
        "search/Disk usage above 90%/host=web-01"
    );
    assert_eq!(event.title, "Disk usage above 90% (host=web-01)");
    assert_eq!(
        event.meta_value(),
        serde_json::json!({"key_source": "search_name"})
    );

    let without = fixture(&by_host, "failed-logins-no-host.json");
    assert_eq!(without.thirdparty_id, "itsi/Failed logins");
    assert_eq!(without.title, "Failed logins");
    assert_eq!(
        without.meta_value(),
        serde_json::json!({
            "key_source": "search_name",
            "key_field_missing": "host"
        })
    );
    assert!(!without.additional_data.iter().any(|d| d.label == "empty"));
}

#[test]
fn the_documented_example_without_a_search_name_is_keyed_on_the_scheduled_search() {
    let event = fixture(&splunk(&serde_json::Value::Null), "documented-example.json");
    assert_eq!(event.action, Action::Create);
    assert_eq!(event.thirdparty_id, "sid:scheduler_admin_search_W2");
    assert_eq!(
        event.title,
        "Splunk search scheduler_admin_search_W2_at_14232356_132"
    );
    assert_eq!(event.meta_value(), serde_json::json!({"key_source": "sid"}));
    assert_eq!(
        event.additional_data[0],
        AdditionalData::link(
            "Results",
            "http://web.example.local:8000/app/search/@go?sid=scheduler_admin_search_W2_at_14232356_132"
        )
        .unwrap()
    );
    assert!(!event.additional_data.iter().any(|d| d.label == "Search"));
    assert!(
        event
            .additional_data
            .contains(&AdditionalData::text("sourcetype", "mongod"))
    );
}

#[test]
fn links_lose_credentials_and_other_query_parameters() {
    let events = handle(&serde_json::json!({
        "search_name": "s", "sid": "1764561600.42",
        "results_link": "https://admin:changeme@splunk:8000/app/search/@go?sid=1764561600.42&auth=token"
    }))
    .unwrap();
    assert_eq!(events[0].thirdparty_id, "s", "no app: the name alone");
    assert_eq!(
        events[0].additional_data[0],
        AdditionalData::link(
            "Results",
            "https://splunk:8000/app/search/@go?sid=1764561600.42"
        )
        .unwrap()
    );
    let json = serde_json::to_string(&events[0]).unwrap();
    assert!(
        !json.contains("changeme") && !json.contains("auth=token"),
        "{json}"
    );
}

#[test]
fn multivalue_and_numeric_key_fields_and_refusals() {
    let req = |body: serde_json::Value| {
        http::Request::post("/")
            .body(Bytes::from(body.to_string()))
            .unwrap()
    };
    let by_user = splunk(&serde_json::json!({"key_field": " user "}));
    let multi = by_user
        .handle(&req(
            serde_json::json!({"search_name": "s", "result": {"user": ["a", " b", ""]}}),
        ))
        .unwrap();
    assert_eq!(multi[0].thirdparty_id, "s/user=a,b");
    let number = by_user
        .handle(&req(
            serde_json::json!({"search_name": "s", "result": {"user": 7}}),
        ))
        .unwrap();
    assert_eq!(number[0].thirdparty_id, "s/user=7");
    let ad_hoc = handle(&serde_json::json!({"sid": "1764561600.42"})).unwrap();
    assert_eq!(
        ad_hoc[0].thirdparty_id, "sid:1764561600.42",
        "ad hoc: per run"
    );

    let err = handle(&serde_json::json!({"search_name": " ", "app": "search"})).unwrap_err();
    assert_eq!(err.status(), 400);
    assert_eq!(
        err.to_string(),
        "invalid payload at search_name: missing or empty, and no sid: nothing names the alert"
    );
    let err = handle(&serde_json::json!({"search_name": "s", "result": [1]})).unwrap_err();
    assert_eq!(err.status(), 400);
    assert!(
        err.to_string().starts_with("invalid payload at result: "),
        "{err}"
    );
    let blank = pager_testkit::instance::<Splunk>(&serde_json::json!({"key_field": " "}));
    assert!(blank.is_err());
}
