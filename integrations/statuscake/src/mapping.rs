//! The webhook's fields → its event. Pure functions; the mapping table is in the adapter's
//! README.

use pager_core::template::Fields;
use pager_core::{Action, AdditionalData, Error, Event, Meta};

/// The one event a webhook stands for.
pub(crate) fn event(fields: &Fields<'_>) -> Result<Event, Error> {
    let url = fields.get("URL");
    let Some(key) = fields.get("TestID").or(url) else {
        return Err(Error::invalid(
            "URL",
            "missing: a StatusCake webhook names its test by URL (or TestID)",
        ));
    };
    let name = fields.get("Name").or(url).unwrap_or(key);
    let status = fields.get("Status");
    let (action, title, reason) = match status {
        Some(s) if s.eq_ignore_ascii_case("down") => {
            (Action::Create, format!("{name} is down"), None)
        }
        Some(s) if s.eq_ignore_ascii_case("up") => (Action::Resolve, format!("{name} is up"), None),
        Some(other) => (
            Action::Other,
            format!("{name}: {other}"),
            Some(format!("Status {other:?} is neither Up nor Down")),
        ),
        None => (Action::Other, name.to_owned(), Some("no Status".to_owned())),
    };
    let description = fields.get("StatusCode").map(|code| match code {
        "0" => "No response (timeout, status code 0)".to_owned(),
        code => format!("Status code {code}"),
    });
    let tags = fields
        .get("Tags")
        .map(pager_core::text::comma_list)
        .unwrap_or_default();
    Ok(Event::new(action, key, title)
        .with_description(description)
        .with_tags(tags)
        .with_additional_data(additional_data(fields))
        .with_meta(
            Meta::new()
                .with(
                    "key_source",
                    if fields.get("TestID").is_some() {
                        "TestID"
                    } else {
                        "URL"
                    },
                )
                .with_optional("reason", reason),
        ))
}

fn additional_data(fields: &Fields<'_>) -> Vec<AdditionalData> {
    let mut data = Vec::new();
    if let Some(link) = fields
        .get("URL")
        .and_then(|url| AdditionalData::link("URL", url))
    {
        data.push(link);
    }
    for (label, key) in [
        ("Test", "Name"),
        ("Test ID", "TestID"),
        ("Status", "Status"),
        ("Status code", "StatusCode"),
        ("IP", "IP"),
    ] {
        if let Some(value) = fields.get(key) {
            data.push(AdditionalData::text(label, value));
        }
    }
    if let Some(rate) = fields.get("CheckRate") {
        data.push(AdditionalData::text("Check rate", format!("{rate} s")));
    }
    data
}
