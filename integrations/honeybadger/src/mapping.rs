//! A webhook → its event. Pure functions over the payload; the mapping table is in the
//! adapter's README.

use pager_core::json::non_blank;
use pager_core::text::url_without_secrets;
use pager_core::{Action, AdditionalData, Error, Event, Meta};
use sha2::{Digest, Sha256};

use crate::payload::{CheckIn, Fault, Site, Webhook};

/// What an event is about, which decides its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Fault,
    Site,
    CheckIn,
    Project,
}

/// The one event a webhook stands for.
pub(crate) fn event(webhook: &Webhook<'_>) -> Result<Event, Error> {
    let Some(name) = non_blank(webhook.event.as_ref()) else {
        return Err(Error::invalid(
            "event",
            "missing or empty: every Honeybadger webhook names its event",
        ));
    };
    let (family, action, reason) = classify(name);
    let family = match family {
        Some(family) => family,
        // An event this adapter does not know: keyed on the record it carries.
        None => subject_of(webhook).ok_or_else(|| {
            Error::invalid(
                "event",
                format!("{name:?} carries no fault, site, check_in or project to key it on"),
            )
        })?,
    };
    let fault = webhook.fault.as_deref();
    let site = webhook.site.as_deref();
    let check_in = webhook.check_in.as_deref();
    let key = match family {
        Family::Fault => fault_key(fault)?,
        Family::Site => site_key(site)?,
        Family::CheckIn => check_in_key(check_in)?,
        Family::Project => project_key(webhook)?,
    };
    let check_in_id = check_in.and_then(|c| non_blank(c.id.as_ref()));
    let message = non_blank(webhook.message.as_ref())
        .and_then(|m| m.lines().next())
        .map(|line| masked(line.trim(), check_in_id))
        .filter(|line| !line.is_empty());
    let title = message.unwrap_or_else(|| fallback_title(family, name, fault, site, check_in));
    let description = match family {
        Family::Fault => fault.and_then(fault_summary),
        Family::Site => webhook
            .outage
            .as_ref()
            .and_then(|o| non_blank(o.reason.as_ref()))
            .map(str::to_owned),
        Family::CheckIn | Family::Project => None,
    };
    let tags = match family {
        Family::Fault => fault
            .and_then(|f| f.tags.as_ref())
            .into_iter()
            .flatten()
            .filter_map(|tag| non_blank(Some(tag)))
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    let event = Event::new(action, key, title)
        .with_description(description)
        .with_tags(tags)
        .with_additional_data(additional_data(webhook, name));
    Ok(event.with_meta(
        Meta::new()
            .with("event", name)
            .with_optional("reason", reason),
    ))
}

/// The family, action and (for `other`) the reason of an event name; `None` family for an
/// unknown event.
fn classify(name: &str) -> (Option<Family>, Action, Option<String>) {
    let other = |why: &str| Some(why.to_owned());
    match name {
        "occurred" | "unresolved" | "rate_exceeded" => (Some(Family::Fault), Action::Create, None),
        "resolved" => (Some(Family::Fault), Action::Resolve, None),
        "assigned" => (
            Some(Family::Fault),
            Action::Other,
            other("an assignment does not change whether the error is open"),
        ),
        "commented" => (
            Some(Family::Fault),
            Action::Other,
            other("a comment does not change whether the error is open"),
        ),
        "down" => (Some(Family::Site), Action::Create, None),
        "up" => (Some(Family::Site), Action::Resolve, None),
        "check_in_missing" => (Some(Family::CheckIn), Action::Create, None),
        "check_in_reporting" => (Some(Family::CheckIn), Action::Resolve, None),
        "deployed" => (
            Some(Family::Project),
            Action::Other,
            other("a deploy is not an alert"),
        ),
        _ => (
            None,
            Action::Other,
            Some(format!("event {name:?} is not mapped to an alert state")),
        ),
    }
}

/// The record an unknown event is about: the first of fault, site, check-in, project present.
fn subject_of(webhook: &Webhook<'_>) -> Option<Family> {
    if webhook.fault.is_some() {
        Some(Family::Fault)
    } else if webhook.site.is_some() {
        Some(Family::Site)
    } else if webhook.check_in.is_some() {
        Some(Family::CheckIn)
    } else if webhook.project.is_some() {
        Some(Family::Project)
    } else {
        None
    }
}

fn fault_key(fault: Option<&Fault<'_>>) -> Result<String, Error> {
    let fault =
        fault.ok_or_else(|| Error::invalid("fault", "missing: the event is about a fault"))?;
    match fault.id.as_ref().filter(|id| !id.0.is_empty()) {
        Some(id) => Ok(format!("fault:{}", id.0)),
        None => Err(Error::invalid(
            "fault.id",
            "missing or empty: the fault's id identifies the error",
        )),
    }
}

fn site_key(site: Option<&Site<'_>>) -> Result<String, Error> {
    let site =
        site.ok_or_else(|| Error::invalid("site", "missing: the event is about an uptime site"))?;
    match site.id.as_ref().filter(|id| !id.0.is_empty()) {
        Some(id) => Ok(format!("site:{}", id.0)),
        None => Err(Error::invalid(
            "site.id",
            "missing or empty: the site's id identifies it",
        )),
    }
}

/// `check_in:` and the first 32 hex digits of the SHA-256 of the check-in's id: the id is the
/// secret end of its report URL, so it is kept out of alerts, logs and outgoing webhooks.
fn check_in_key(check_in: Option<&CheckIn<'_>>) -> Result<String, Error> {
    let check_in = check_in
        .ok_or_else(|| Error::invalid("check_in", "missing: the event is about a check-in"))?;
    let Some(id) = non_blank(check_in.id.as_ref()) else {
        return Err(Error::invalid(
            "check_in.id",
            "missing or empty: the check-in's id identifies it",
        ));
    };
    let digest = Sha256::digest(id.as_bytes());
    let mut key = String::from("check_in:");
    key.push_str(&hex::encode(
        digest.iter().take(16).copied().collect::<Vec<u8>>(),
    ));
    Ok(key)
}

fn project_key(webhook: &Webhook<'_>) -> Result<String, Error> {
    match webhook
        .project
        .as_ref()
        .and_then(|p| p.id.as_ref())
        .filter(|id| !id.0.is_empty())
    {
        Some(id) => Ok(format!("project:{}", id.0)),
        None => Err(Error::invalid(
            "project.id",
            "missing or empty: the event is about the project",
        )),
    }
}

/// `line` with the check-in's id (shown by Honeybadger for a check-in without a name) hidden.
fn masked(line: &str, check_in_id: Option<&str>) -> String {
    match check_in_id {
        Some(id) => line.replace(id, "[check-in id]"),
        None => line.to_owned(),
    }
}

fn fault_summary(fault: &Fault<'_>) -> Option<String> {
    match (
        non_blank(fault.klass.as_ref()),
        non_blank(fault.message.as_ref()),
    ) {
        (Some(klass), Some(message)) => Some(format!("{klass}: {message}")),
        (Some(one), None) | (None, Some(one)) => Some(one.to_owned()),
        (None, None) => None,
    }
}

fn fallback_title(
    family: Family,
    name: &str,
    fault: Option<&Fault<'_>>,
    site: Option<&Site<'_>>,
    check_in: Option<&CheckIn<'_>>,
) -> String {
    let what = match family {
        Family::Fault => fault
            .and_then(fault_summary)
            .unwrap_or_else(|| "A Honeybadger error".to_owned()),
        // A site's URL may carry credentials (`user:pw@`, `?token=`): never shown with them.
        Family::Site => site
            .and_then(|s| {
                non_blank(s.name.as_ref()).map(str::to_owned).or_else(|| {
                    non_blank(s.url.as_ref()).map(|u| url_without_secrets(u).into_owned())
                })
            })
            .unwrap_or_else(|| "A Honeybadger uptime site".to_owned()),
        Family::CheckIn => check_in
            .and_then(|c| non_blank(c.name.as_ref()).or(non_blank(c.slug.as_ref())))
            .unwrap_or("A Honeybadger check-in")
            .to_owned(),
        Family::Project => "Honeybadger project".to_owned(),
    };
    format!("{what} ({name})")
}

fn additional_data(webhook: &Webhook<'_>, name: &str) -> Vec<AdditionalData> {
    let mut data = Vec::new();
    let fault = webhook.fault.as_deref();
    let site = webhook.site.as_deref();
    let check_in = webhook.check_in.as_deref();
    for (label, url) in [
        (
            "Honeybadger fault",
            fault.and_then(|f| non_blank(f.url.as_ref())),
        ),
        (
            "Honeybadger site",
            site.and_then(|s| non_blank(s.details_url.as_ref())),
        ),
        ("Site URL", site.and_then(|s| non_blank(s.url.as_ref()))),
    ] {
        if let Some(link) = url
            // Honeybadger's own links as they are; the monitored site's may carry credentials.
            .map(|url| match label {
                "Site URL" => url_without_secrets(url),
                _ => url.into(),
            })
            .and_then(|url| AdditionalData::link(label, &url))
        {
            data.push(link);
        }
    }
    let project = webhook
        .project
        .as_ref()
        .and_then(|p| non_blank(p.name.as_ref()))
        .or_else(|| fault.and_then(|f| non_blank(f.project_name.as_ref())));
    let notices = fault.and_then(|f| f.notices_count).map(|n| n.to_string());
    let status = webhook
        .outage
        .as_ref()
        .and_then(|o| o.status)
        .map(|s| s.to_string());
    let missed = check_in.and_then(|c| c.missed_count).map(|n| n.to_string());
    for (label, value) in [
        ("Event", Some(name)),
        ("Project", project),
        (
            "Environment",
            fault.and_then(|f| non_blank(f.environment.as_ref())),
        ),
        (
            "Error class",
            fault.and_then(|f| non_blank(f.klass.as_ref())),
        ),
        (
            "Component",
            fault.and_then(|f| non_blank(f.component.as_ref())),
        ),
        ("Action", fault.and_then(|f| non_blank(f.action.as_ref()))),
        ("Notices", notices.as_deref()),
        ("Site", site.and_then(|s| non_blank(s.name.as_ref()))),
        ("Site state", site.and_then(|s| non_blank(s.state.as_ref()))),
        ("HTTP status", status.as_deref()),
        (
            "Check-in",
            check_in.and_then(|c| non_blank(c.name.as_ref())),
        ),
        (
            "Check-in slug",
            check_in.and_then(|c| non_blank(c.slug.as_ref())),
        ),
        (
            "Check-in state",
            check_in.and_then(|c| non_blank(c.state.as_ref())),
        ),
        (
            "Schedule",
            check_in.and_then(|c| {
                non_blank(c.report_period.as_ref()).or(non_blank(c.cron_schedule.as_ref()))
            }),
        ),
        ("Missed", missed.as_deref()),
        (
            "By",
            webhook
                .actor
                .as_ref()
                .and_then(|a| non_blank(a.name.as_ref())),
        ),
        (
            "Assignee",
            webhook
                .assignee
                .as_ref()
                .and_then(|a| non_blank(a.name.as_ref())),
        ),
    ] {
        if let Some(value) = value {
            data.push(AdditionalData::text(label, value));
        }
    }
    data.extend(datetimes(webhook));
    data
}

fn datetimes(webhook: &Webhook<'_>) -> Vec<AdditionalData> {
    let fault = webhook.fault.as_deref();
    let site = webhook.site.as_deref();
    let check_in = webhook.check_in.as_deref();
    let mut data = Vec::new();
    let outage = webhook.outage.as_deref();
    for (label, at) in [
        (
            "Last notice at",
            fault.and_then(|f| non_blank(f.last_notice_at.as_ref())),
        ),
        (
            "Down at",
            outage.and_then(|o| non_blank(o.down_at.as_ref())),
        ),
        ("Up at", outage.and_then(|o| non_blank(o.up_at.as_ref()))),
        (
            "Certificate expires at",
            site.and_then(|s| non_blank(s.cert_will_expire_at.as_ref())),
        ),
        (
            "Reported at",
            check_in.and_then(|c| non_blank(c.reported_at.as_ref())),
        ),
        (
            "Expected at",
            check_in.and_then(|c| non_blank(c.expected_at.as_ref())),
        ),
    ] {
        if let Some(at) = at {
            data.push(AdditionalData::datetime(label, at));
        }
    }
    data
}
