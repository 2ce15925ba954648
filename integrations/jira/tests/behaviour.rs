//! The mapping field by field on the fixtures: the issue's life (created, in progress, done,
//! reopened, deleted), priorities, the browse link, people kept out of the event.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use pager_core::{Action, AdditionalData, Urgency};
use pager_jira::Jira;
use pager_testkit::data;

fn fixture(name: &str) -> pager_core::Event {
    pager_testkit::fixture_event(&Jira, "jira", name)
}

fn handle(body: &serde_json::Value) -> Result<Vec<pager_core::Event>, pager_core::Error> {
    pager_testkit::handle_json(&Jira, body)
}

#[test]
fn a_created_issue_opens_an_alert_keyed_on_its_id() {
    let created = fixture("issue-created.json");
    assert_eq!(created.action, Action::Create);
    assert_eq!(created.thirdparty_id, "10042");
    assert_eq!(created.dedup_keys, ["10042"]);
    assert_eq!(
        created.title,
        "OPS-17: Checkout returns 502 for EU customers"
    );
    assert_eq!(
        created.description.as_deref(),
        Some("Since 09:10 UTC the EU load balancer answers 502 on /checkout.")
    );
    assert_eq!(created.urgency, Some(Urgency::Critical), "Highest");
    assert_eq!(created.tags, ["checkout", "prod"]);
    assert_eq!(
        created.additional_data[0],
        AdditionalData::link("Jira issue", "https://acme.atlassian.net/browse/OPS-17").unwrap()
    );
    assert_eq!(data(&created, "Issue"), Some("OPS-17"));
    assert_eq!(data(&created, "Issue ID"), Some("10042"));
    assert_eq!(data(&created, "Project"), Some("Operations (OPS)"));
    assert_eq!(data(&created, "Issue type"), Some("Bug"));
    assert_eq!(data(&created, "Status"), Some("To Do"));
    assert_eq!(data(&created, "Priority"), Some("Highest"));
    assert_eq!(data(&created, "Transition"), None);
    assert_eq!(
        created.meta_value(),
        serde_json::json!({
            "webhook_event": "jira:issue_created",
            "issue_event_type_name": "issue_created",
            "status_category": "new"
        })
    );
}

#[test]
fn done_resolves_reopening_opens_again_and_deleting_resolves() {
    let created = fixture("issue-created.json");
    let progress = fixture("issue-in-progress.json");
    assert_eq!(
        progress.action,
        Action::Create,
        "an open status: a dedup create"
    );
    assert_eq!(data(&progress, "Transition"), Some("To Do → In Progress"));
    let done = fixture("issue-done.json");
    assert_eq!(done.action, Action::Resolve);
    assert_eq!(data(&done, "Transition"), Some("In Progress → Done"));
    assert_eq!(done.meta_value()["status_category"], "done");
    let reopened = fixture("issue-reopened.json");
    assert_eq!(reopened.action, Action::Create);
    assert_eq!(data(&reopened, "Transition"), Some("Done → To Do"));
    let deleted = fixture("issue-deleted.json");
    assert_eq!(deleted.action, Action::Resolve);
    for event in [&progress, &done, &reopened, &deleted] {
        assert_eq!(event.thirdparty_id, created.thirdparty_id);
        assert_eq!(event.dedup_keys, created.dedup_keys);
    }
}

#[test]
fn the_documented_update_without_a_status_change_is_other() {
    let event = fixture("documented-issue-updated.json");
    assert_eq!(event.action, Action::Other);
    assert_eq!(event.thirdparty_id, "99291");
    assert_eq!(event.title, "JRA-20002: I feel the need for speed");
    assert_eq!(
        event.description.as_deref(),
        Some("Make the issue nav load 10x faster")
    );
    assert_eq!(
        event.urgency,
        Some(Urgency::Low),
        "a bare priority name, Minor"
    );
    assert_eq!(event.tags, ["UI", "dialogue", "move"]);
    assert_eq!(
        data(&event, "Jira issue"),
        Some("https://jira.atlassian.com/browse/JRA-20002")
    );
    assert_eq!(
        event.meta_value(),
        serde_json::json!({
            "webhook_event": "jira:issue_updated",
            "reason": "an update without a status change"
        })
    );
}

#[test]
fn no_people_and_no_credentials_reach_the_event() {
    for name in [
        "documented-issue-updated.json",
        "issue-created.json",
        "issue-done.json",
    ] {
        let event = serde_json::to_string(&fixture(name)).unwrap();
        for secret in [
            "emailAddress",
            "accountId",
            "5b10a2844c20165700ede21g",
            "oncall@",
            "brollins",
            "Bryan",
        ] {
            assert!(!event.contains(secret), "{name} leaks {secret}");
        }
    }
    let event = handle(&serde_json::json!({
        "webhookEvent": "jira:issue_created",
        "issue": {"id": "5", "key": "OPS-5",
                  "self": "https://bot:token@acme.atlassian.net/rest/api/2/issue/5?sig=abc"}
    }))
    .unwrap()
    .remove(0);
    assert_eq!(
        data(&event, "Jira issue"),
        Some("https://acme.atlassian.net/browse/OPS-5")
    );
    assert_eq!(event.title, "OPS-5", "without a summary, the key");
    assert_eq!(event.urgency, None, "no priority");
}

#[test]
fn status_changes_without_a_category_and_other_events_are_other() {
    let event = handle(&serde_json::json!({
        "webhookEvent": "jira:issue_updated",
        "issue": {"id": "7", "fields": {"status": {"name": "Closed"}}},
        "changelog": {"items": [{"field": "status", "toString": "Closed"}]}
    }))
    .unwrap()
    .remove(0);
    assert_eq!(event.action, Action::Other);
    assert_eq!(event.title, "7", "neither key nor summary: the id");
    assert_eq!(
        event.meta_value()["reason"],
        "a status change without issue.fields.status.statusCategory.key"
    );
    assert_eq!(data(&event, "Transition"), Some("→ Closed"));
    let comment = handle(&serde_json::json!({
        "webhookEvent": "comment_created",
        "issue": {"id": "7", "key": "OPS-7"},
        "comment": {"body": "on it", "author": {"accountId": "x"}}
    }))
    .unwrap()
    .remove(0);
    assert_eq!(comment.action, Action::Other);
    assert_eq!(
        comment.meta_value()["reason"],
        "webhookEvent \"comment_created\" is none of jira:issue_created, jira:issue_updated, \
         jira:issue_deleted"
    );
    let adf = handle(&serde_json::json!({
        "webhookEvent": "jira:issue_created",
        "issue": {"id": "8", "fields": {"description": {"type": "doc", "content": []},
                                        "priority": {"name": "Medium"}}}
    }))
    .unwrap()
    .remove(0);
    assert_eq!(adf.description, None, "a rich-text description is skipped");
    assert_eq!(adf.urgency, Some(Urgency::Medium));
}

#[test]
fn errors_name_the_field() {
    let err =
        handle(&serde_json::json!({"webhookEvent": "jira:issue_created", "issue": {"id": " "}}))
            .unwrap_err();
    assert_eq!(err.status().as_u16(), 400);
    assert!(err.to_string().contains("issue.id"), "{err}");
    let err = handle(&serde_json::json!({"issue": {"id": "1"}})).unwrap_err();
    assert!(err.to_string().contains("webhookEvent"), "{err}");
}
