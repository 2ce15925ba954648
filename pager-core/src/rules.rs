//! Rules: an instance's own, sandboxed say over the events its adapter makes.
//!
//! An instance's configuration may carry `rules`, an ordered list, and `dedup_key`, a
//! template that is shorthand for one unconditional rule setting the dedup key and that runs
//! **before** the listed rules (so a rule can still override it). Each rule is
//!
//! | key | what it is |
//! |---|---|
//! | `if` | an expression; the rule applies when it is true (absent = always) |
//! | `set.dedup_key` | a template: the new `thirdparty_id`, put first in `dedup_keys` (the adapter's keys stay after it) |
//! | `set.title`, `set.description` | templates (a description that renders empty is removed; a title may not be empty) |
//! | `set.urgency` | a template rendering a severity name of the shared vocabulary ([`crate::severity`]; `warning` → medium), or empty for the host's default |
//! | `set.action` | a template rendering `create`, `acknowledge`, `resolve` or `other` |
//! | `set.tags` | templates, each a tag added (empty and repeated tags skipped) |
//! | `set.additional_data` | label → template, each a text entry added (empty values skipped) |
//! | `drop` | `true` removes the event |
//! | `stop` | `true`: no later rule runs for this event when this one applied |
//!
//! Unknown keys are refused. Expressions and templates are [minijinja]'s (Jinja2) language, and
//! are compiled when the instance is built ([`Rules::new`]): a syntax error is a
//! [`ConfigError::Invalid`] naming the rule (`rules[2].set.title`) and the line and column.
//!
//! ## When they run, and on what
//!
//! For each event the adapter made, after its `meta` depth check and before the per-event
//! [`crate::Limits`] cut it (so what rules set is cut too), every rule runs in order: every
//! rule whose `if` holds applies, until one with `stop = true` applied or one dropped the
//! event. Each rule sees the same context, built once per event:
//!
//! - `event`: the event as the adapter made it, before any rule (its JSON form: `event.title`,
//!   `event.urgency`, `event.meta.…`);
//! - `payload`: the body parsed as JSON (`none` when it is not JSON); parsed only when some
//!   rule mentions `payload`;
//! - `alert`: the event's `meta.alert` (the alert's own object, for adapters that make one
//!   event per alert), else undefined;
//! - `instance`: the instance's name ([`crate::Instance::with_name`]), else the integration's
//!   slug; `integration`: the slug;
//! - `headers`: the request's headers by lowercase name, without secret-bearing ones
//!   (`authorization`, `cookie`, `proxy-authorization`, any whose name contains `key`,
//!   `token`, `secret`, `signature` or `auth`, and the headers the instance's auth guard reads).
//!
//! ## Limits and failures
//!
//! The language is sandboxed: no file system, no includes, no macros. A rule's `if` and
//! values are rendered in one pass (in the order of the table above), which runs on [`FUEL`]
//! steps of minijinja's VM at most, and each rendered value may be at most
//! [`MAX_RENDERED_BYTES`] bytes. The control characters U+001E and U+001F mark a rule's values
//! in that pass: a template may not contain them, and a value written from the context has
//! them replaced by U+FFFD. Undefined values are strict: `payload.commonLabel.env`
//! (a typo) fails instead of reading as empty (`is defined` and the `default` filter test
//! for absent values).
//!
//! A rule that fails on an event (an undefined value, fuel exhausted, a value too long, an
//! urgency or action that is not one) is skipped for that event, as a whole: none of its
//! `set` values apply. The alert is never lost, and the failure is reported
//! ([`crate::Instance::handle_with_report`]) for the host to count and record.
//!
//! ```
//! use pager_core::rules::{RuleConfig, Rules};
//!
//! let rules: Vec<RuleConfig> = serde_json::from_value(serde_json::json!([
//!     {"if": "event.title is startingwith('DB')", "set": {"urgency": "high", "tags": ["db"]}},
//! ]))?;
//! assert!(Rules::new("example", None, &rules)?.is_some());
//!
//! let broken: Vec<RuleConfig> = serde_json::from_value(serde_json::json!([
//!     {"set": {"title": "{{ event.title "}},
//! ]))?;
//! let err = Rules::new("example", None, &broken).unwrap_err();
//! assert!(err.to_string().starts_with("example: invalid configuration at rules[0].set.title: syntax error"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [minijinja]: https://docs.rs/minijinja/2

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io;
use std::sync::{Arc, OnceLock};

use minijinja::value::{Enumerator, Object, ObjectRepr};
use minijinja::{AutoEscape, Environment, ErrorKind, Template, UndefinedBehavior, Value};
use serde::Deserialize;

use crate::{Action, AdditionalData, ConfigError, Event, Meta, Urgency};

mod lazy;

/// The most VM steps one rule may take on one event, its condition and values together
/// (minijinja's fuel). A typical rule takes tens; 50,000 is a few milliseconds at worst, and
/// bounds loops a rule could write.
pub const FUEL: u64 = 50_000;

/// The most bytes one rendered value may have; longer is a rule failure.
pub const MAX_RENDERED_BYTES: usize = 4096;

/// One rule as configured (see the [module docs](self)).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct RuleConfig {
    /// An expression; the rule applies when it is true. Absent = always.
    #[serde(rename = "if")]
    pub condition: Option<String>,
    /// The values the rule sets.
    pub set: Option<SetConfig>,
    /// Removes the event.
    pub drop: bool,
    /// No later rule runs when this one applied.
    pub stop: bool,
}

/// What a rule sets: each value a template (see the [module docs](self)).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct SetConfig {
    /// The new dedup key (`thirdparty_id`).
    pub dedup_key: Option<String>,
    /// The new title.
    pub title: Option<String>,
    /// The new description (empty = none).
    pub description: Option<String>,
    /// A severity name, or empty for the host's default.
    pub urgency: Option<String>,
    /// `create`, `acknowledge`, `resolve` or `other`.
    pub action: Option<String>,
    /// Tags to add.
    pub tags: Vec<String>,
    /// Text entries to add, label → value.
    pub additional_data: BTreeMap<String, String>,
}

/// Which rule: the instance's `dedup_key` option or `rules[i]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum RuleId {
    /// The instance's `dedup_key` option.
    DedupKey,
    /// `rules[i]`.
    Rule(usize),
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleId::DedupKey => f.write_str("dedup_key"),
            RuleId::Rule(i) => write!(f, "rules[{i}]"),
        }
    }
}

/// A rule that failed on one event and was skipped for it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RuleFailure {
    /// The rule.
    pub rule: RuleId,
    /// The event's position among the adapter's events for the delivery.
    pub event: usize,
    /// What failed, and in which part (`rules[1].set.urgency: …`).
    pub message: String,
}

impl fmt::Display for RuleFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "event {}: {}", self.event, self.message)
    }
}

/// What running the rules on a delivery's events did.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    pub(crate) dropped: usize,
    pub(crate) failures: Vec<RuleFailure>,
}

/// What the rules see of the request, besides the events.
pub(crate) struct RequestContext<'a> {
    pub(crate) req: &'a http::Request<bytes::Bytes>,
    pub(crate) instance: &'a str,
    pub(crate) integration: &'static str,
    /// Header names (lowercase) the instance's auth guard reads.
    pub(crate) secret_headers: &'a [String],
}

/// The mark a rule's output starts with when the rule applies, and the mark after each of
/// its values: control characters no template may contain, and which the rules' formatter
/// replaces in every value it writes ([`write_value`]), so that no value read from a payload
/// can move a rule's values.
const APPLIED: u8 = 0x1e;
const END: u8 = 0x1f;

/// One compiled rule. Its condition and values are one template, rendered in one pass
/// ([`Compiler::rule`]): each render builds and drops minijinja's state (~180 ns), which
/// was about a quarter of five typical rules' time when every condition and value had a
/// render of its own (issue 16).
#[derive(Debug)]
struct Compiled {
    id: RuleId,
    /// Whether the rule has a condition (an `if`).
    conditional: bool,
    parts: Vec<Part>,
    /// What the rule's template renders when it is plain text (no `{`, so no context changes
    /// it): rendered once when compiled. Eight constant tags cost 4.3 µs more than one when
    /// each was rendered (BENCHMARKS.md, issue 16).
    constant: Option<Result<String, String>>,
    drop: bool,
    stop: bool,
}

/// One value a rule sets.
#[derive(Debug)]
struct Part {
    target: Target,
    /// As failures name it: `rules[0].set.title`.
    name: String,
}

/// What a value of a rule sets.
#[derive(Debug)]
enum Target {
    DedupKey,
    Title,
    Description,
    Urgency,
    Action,
    Tag,
    Data(String),
}

/// The compiled rule templates, one per rule, in the rules' order (the template of the rule
/// with id `rules[i]` is named `rules[i]`).
type TemplateList<'env> = Vec<Template<'env, 'env>>;

self_cell::self_cell!(
    /// The environment and the rule templates compiled in it, kept compiled: a template
    /// borrows its environment, and looking one up by name for each render allocated (issue 16).
    struct Engine {
        owner: Environment<'static>,
        #[covariant]
        dependent: TemplateList,
    }
    impl {Debug}
);

/// An instance's compiled rules (see the [module docs](self)).
#[derive(Debug)]
pub struct Rules {
    engine: Engine,
    /// The rules, in the order of the [`Engine`]'s templates.
    list: Vec<Compiled>,
    uses: Uses,
}

/// Which context variables some rule mentions: the others are not computed.
#[derive(Debug, Clone, Copy)]
#[allow(clippy::struct_excessive_bools)] // four independent flags, read once per delivery
struct Uses {
    event: bool,
    payload: bool,
    alert: bool,
    headers: bool,
}

/// The values a rule computed, applied only when all of them rendered. For `description` and
/// `urgency`, `None` leaves the event's alone and `Some(None)` clears it.
#[derive(Default)]
#[allow(clippy::option_option)]
struct Changes {
    dedup_key: Option<String>,
    title: Option<String>,
    description: Option<Option<String>>,
    urgency: Option<Option<Urgency>>,
    action: Option<Action>,
    tags: Vec<String>,
    additional_data: Vec<(String, String)>,
}

impl Rules {
    /// Compiles the instance's `dedup_key` option and `rules`; `Ok(None)` when there are none
    /// (an instance without rules does no rule work at all). `integration` names the
    /// instance's adapter in errors.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the rule part (`rules[0].if`, `dedup_key`) and, for a
    /// syntax error, the line and column; also for a rule that does nothing, or drops and sets.
    pub fn new(
        integration: &'static str,
        dedup_key: Option<&str>,
        rules: &[RuleConfig],
    ) -> Result<Option<Self>, ConfigError> {
        if dedup_key.is_none() && rules.is_empty() {
            return Ok(None);
        }
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_fuel(Some(FUEL));
        env.set_auto_escape_callback(|_| AutoEscape::None);
        env.set_formatter(write_value);
        let mut compiler = Compiler {
            integration,
            env,
            used: BTreeSet::new(),
        };
        let mut list = Vec::with_capacity(rules.len() + 1);
        if let Some(template) = dedup_key {
            let option = RuleConfig {
                set: Some(SetConfig {
                    dedup_key: Some(template.to_owned()),
                    ..SetConfig::default()
                }),
                ..RuleConfig::default()
            };
            list.push(compiler.rule(RuleId::DedupKey, &option)?);
        }
        for (i, rule) in rules.iter().enumerate() {
            list.push(compiler.rule(RuleId::Rule(i), rule)?);
        }
        let Compiler { env, used, .. } = compiler;
        let engine = Engine::try_new(env, |env| {
            list.iter()
                .map(|rule| env.get_template(&rule.id.to_string()))
                .collect::<Result<TemplateList<'_>, _>>()
        })
        .map_err(|e| ConfigError::Invalid {
            integration,
            path: e.name().unwrap_or_default().to_owned(),
            message: describe(&e),
        })?;
        for (rule, template) in list.iter_mut().zip(engine.borrow_dependent()) {
            if !template.source().contains('{') {
                rule.constant = Some(render_rule(rule, template, &Value::from(())));
            }
        }
        Ok(Some(Self {
            engine,
            list,
            uses: Uses {
                event: used.contains("event"),
                payload: used.contains("payload"),
                alert: used.contains("alert"),
                headers: used.contains("headers"),
            },
        }))
    }

    /// Runs the rules on `events` in place: drops, changes, and reports failures.
    pub(crate) fn apply(&self, events: &mut Vec<Event>, request: &RequestContext<'_>) -> Applied {
        let mut applied = Applied::default();
        let payload = if self.uses.payload {
            lazy::body(request.req.body()).unwrap_or(Value::from(()))
        } else {
            Value::UNDEFINED
        };
        let headers = if self.uses.headers {
            headers_value(request.req.headers(), request.secret_headers)
        } else {
            Value::UNDEFINED
        };
        let mut kept = Vec::with_capacity(events.len());
        for (position, event) in std::mem::take(events).into_iter().enumerate() {
            match self.apply_one(event, position, request, &payload, &headers, &mut applied) {
                Some(event) => kept.push(event),
                None => applied.dropped += 1,
            }
        }
        *events = kept;
        applied
    }

    /// Runs the rules on one event; `None` when a rule dropped it.
    ///
    /// Every rule sees the event as the adapter made it, so what the rules change is applied
    /// after the last one ran: meanwhile the event itself is the `event` rules read (moved in,
    /// not copied).
    fn apply_one(
        &self,
        event: Event,
        position: usize,
        request: &RequestContext<'_>,
        payload: &Value,
        headers: &Value,
        applied: &mut Applied,
    ) -> Option<Event> {
        let alert = if self.uses.alert {
            event
                .meta
                .get_bytes("alert")
                .and_then(lazy::shared)
                .unwrap_or(Value::UNDEFINED)
        } else {
            Value::UNDEFINED
        };
        let (event_value, event) = if self.uses.event {
            let object = Arc::new(EventObject::new(event));
            (Value::from_dyn_object(Arc::clone(&object)), Err(object))
        } else {
            (Value::UNDEFINED, Ok(event))
        };
        let ctx = Value::from_object(Context {
            event: event_value,
            payload: payload.clone(),
            alert,
            headers: headers.clone(),
            instance: Value::from(request.instance),
            integration: Value::from(request.integration),
        });
        let mut all_changes = Vec::new();
        let mut dropped = false;
        for (rule, template) in self.list.iter().zip(self.engine.borrow_dependent()) {
            match run(rule, template, &ctx) {
                Err(message) => applied.failures.push(RuleFailure {
                    rule: rule.id,
                    event: position,
                    message,
                }),
                Ok(None) => {}
                Ok(Some(changes)) => {
                    if rule.drop {
                        dropped = true;
                        break;
                    }
                    all_changes.push(changes);
                    if rule.stop {
                        break;
                    }
                }
            }
        }
        drop(ctx);
        if dropped {
            return None;
        }
        // Rendering keeps no value of the context, so the event is the object's alone again.
        let mut event = event.unwrap_or_else(|object| {
            Arc::try_unwrap(object).map_or_else(|shared| shared.event.clone(), |o| o.event)
        });
        for changes in all_changes {
            changes.apply_to(&mut event);
        }
        Some(event)
    }
}

/// Runs `rule` (its compiled `template`): `Ok(None)` when its condition is false, its changes
/// when it applies.
fn run(
    rule: &Compiled,
    template: &Template<'_, '_>,
    ctx: &Value,
) -> Result<Option<Changes>, String> {
    let output = match &rule.constant {
        Some(constant) => constant.clone()?,
        None => render_rule(rule, template, ctx)?,
    };
    let Some(values) = output.strip_prefix(char::from(APPLIED)) else {
        return if output.is_empty() && rule.conditional {
            Ok(None)
        } else {
            Err(format!("{}: rendered without its mark", rule.id))
        };
    };
    let mut values = values.split_terminator(char::from(END));
    let mut changes = Changes::default();
    for part in &rule.parts {
        let value = values
            .next()
            .ok_or_else(|| format!("{}: rendered without its mark", part.name))?;
        changes.set(part, value)?;
    }
    Ok(Some(changes))
}

/// Renders `rule`'s `template` (each value at most [`MAX_RENDERED_BYTES`], on [`FUEL`] for the
/// whole rule); the error names the part that failed and says what failed.
fn render_rule(
    rule: &Compiled,
    template: &Template<'_, '_>,
    ctx: &Value,
) -> Result<String, String> {
    // Room for a few short values: growing from empty took a few reallocations per rule.
    let mut out = Capped {
        buf: Vec::with_capacity(128),
        ..Capped::default()
    };
    let Err(e) = template.render_captured_to(ctx, &mut out) else {
        return String::from_utf8(out.buf).map_err(|_| format!("{}: not UTF-8", rule.id));
    };
    // Where the output stopped is where the rule failed: in its condition before the mark,
    // else in the value after the last end mark. (Each value's template compiles alone, so
    // its blocks are its own: no mark is ever written inside a capture.)
    let name = if out.buf.is_empty() && rule.conditional {
        format!("{}.if", rule.id)
    } else {
        rule.parts
            .get(out.values)
            .map_or_else(|| rule.id.to_string(), |part| part.name.clone())
    };
    Err(if out.over {
        format!("{name}: the rendered value is longer than {MAX_RENDERED_BYTES} bytes")
    } else if e.kind() == ErrorKind::OutOfFuel {
        format!("{name}: fuel exhausted (the rule took more than {FUEL} steps)")
    } else {
        format!("{name}: {}", describe(&e))
    })
}

impl Changes {
    /// Takes one rendered value of the rule; the error names it.
    fn set(&mut self, part: &Part, value: &str) -> Result<(), String> {
        let name = &part.name;
        match &part.target {
            Target::DedupKey => self.dedup_key = Some(required(name, value)?),
            Target::Title => self.title = Some(required(name, value)?),
            Target::Description => {
                self.description = Some(Some(value.to_owned()).filter(|d| !d.trim().is_empty()));
            }
            Target::Urgency => {
                let severity = value.trim().to_lowercase();
                self.urgency = Some(if severity.is_empty() {
                    None
                } else {
                    Some(crate::severity::built_in(&severity).ok_or_else(|| {
                        format!(
                            "{name}: {value:?} is not a severity name (critical, high, medium, \
                             low, silent or a synonym)"
                        )
                    })?)
                });
            }
            Target::Action => {
                self.action = Some(parse_action(value).ok_or_else(|| {
                    format!("{name}: {value:?} is not create, acknowledge, resolve or other")
                })?);
            }
            Target::Tag => {
                if !value.trim().is_empty() {
                    self.tags.push(value.trim().to_owned());
                }
            }
            Target::Data(label) => {
                if !value.is_empty() {
                    self.additional_data.push((label.clone(), value.to_owned()));
                }
            }
        }
        Ok(())
    }

    fn apply_to(self, event: &mut Event) {
        if let Some(key) = self.dedup_key {
            event.dedup_keys.retain(|k| *k != key);
            event.dedup_keys.insert(0, key.clone());
            event.thirdparty_id = key;
        }
        if let Some(title) = self.title {
            event.title = title;
        }
        if let Some(description) = self.description {
            event.description = description;
        }
        if let Some(urgency) = self.urgency {
            event.urgency = urgency;
        }
        if let Some(action) = self.action {
            event.action = action;
        }
        for tag in self.tags {
            if !event.tags.contains(&tag) {
                event.tags.push(tag);
            }
        }
        for (label, value) in self.additional_data {
            event
                .additional_data
                .push(AdditionalData::text(label, value));
        }
    }
}

/// A value that may not be empty, trimmed; the error names it.
fn required(name: &str, value: &str) -> Result<String, String> {
    match value.trim() {
        "" => Err(format!("{name}: rendered empty")),
        text => Ok(text.to_owned()),
    }
}

fn parse_action(name: &str) -> Option<Action> {
    Some(match name.trim().to_lowercase().as_str() {
        "create" => Action::Create,
        "acknowledge" => Action::Acknowledge,
        "resolve" => Action::Resolve,
        "other" => Action::Other,
        _ => return None,
    })
}

/// Compiles rules into one environment, collecting the context variables they use.
struct Compiler {
    integration: &'static str,
    env: Environment<'static>,
    used: BTreeSet<String>,
}

impl Compiler {
    /// Compiles a rule into one template: its condition, the mark [`APPLIED`], then each value
    /// followed by [`END`], each in a scope of its own:
    ///
    /// ```text
    /// {% if (CONDITION) %}\u{1e}{% with %}DEDUP_KEY\u{1f}{% endwith %}…{% with %}DATA\u{1f}{% endwith %}{% endif %}
    /// ```
    ///
    /// A rule that applies renders the mark; one whose condition is false renders nothing.
    /// Each value's template is first compiled alone, so that a syntax error names it and its
    /// line and column, and a template that compiles alone keeps its blocks to itself in the
    /// rule's; what it sets stays in its scope. The values are rendered in the order above,
    /// in one pass on one [`FUEL`]. (A value without `{` is plain text: no scope.)
    fn rule(&mut self, id: RuleId, rule: &RuleConfig) -> Result<Compiled, ConfigError> {
        let nothing = SetConfig::default();
        let set = rule.set.as_ref().unwrap_or(&nothing);
        let sets_something = *set != nothing;
        if rule.drop && sets_something {
            return Err(self.invalid(
                format!("{id}"),
                "a rule that drops the event cannot also set values".to_owned(),
            ));
        }
        if !rule.drop && !rule.stop && !sets_something {
            return Err(self.invalid(
                format!("{id}"),
                "the rule does nothing: give it set, drop or stop".to_owned(),
            ));
        }
        let mut source = String::new();
        if let Some(expr) = rule.condition.as_deref() {
            self.expression(format!("{id}.if"), expr)?;
            source.push_str("{% if (");
            source.push_str(expr);
            source.push_str(") %}");
        }
        source.push(char::from(APPLIED));
        let mut parts = Vec::new();
        for (target, name, template) in values(id, set) {
            if let Target::Data(label) = &target {
                if label.trim().is_empty() {
                    return Err(self.invalid(
                        format!("{id}.set.additional_data"),
                        "a label must not be empty".to_owned(),
                    ));
                }
            }
            self.check(&name, template)?;
            // As the template renders alone: minijinja drops one newline at its end, and what
            // it sets stays its own (`{% set event = … %}` changes no later value's `event`).
            let template = template
                .strip_suffix('\n')
                .map_or(template, |t| t.strip_suffix('\r').unwrap_or(t));
            // (The end mark comes before `{% endwith %}`, so that a template ending in a
            // literal `{` does not make a tag of it.)
            if template.contains('{') {
                source.push_str("{% with %}");
                source.push_str(template);
                source.push(char::from(END));
                source.push_str("{% endwith %}");
            } else {
                source.push_str(template);
                source.push(char::from(END));
            }
            parts.push(Part { target, name });
        }
        if rule.condition.is_some() {
            source.push_str("{% endif %}");
        }
        // Named after the rule: the [`Engine`] finds it by that name.
        let name = id.to_string();
        if let Err(e) = self.env.add_template_owned(name.clone(), source) {
            return Err(self.invalid(name, describe(&e)));
        }
        Ok(Compiled {
            id,
            conditional: rule.condition.is_some(),
            parts,
            constant: None,
            drop: rule.drop,
            stop: rule.stop,
        })
    }

    /// Checks `expr` as an expression, so that errors point into it; the rule's template
    /// tests it in an `{% if %}`.
    fn expression(&mut self, name: String, expr: &str) -> Result<(), ConfigError> {
        // minijinja 2.24's expression lexer panics ("empty lexer stack") on a `}}` or `%}`
        // followed by more text; an expression has no use for them outside a string, where
        // `'}' ~ '}'` writes them. Refusing them also keeps the rule's template whole.
        if let Some(at) = expr.find("}}").or_else(|| expr.find("%}")) {
            let (line, column) = line_column(expr, at);
            return Err(self.invalid(
                name,
                format!(
                    "an expression may not contain `}}}}` or `%}}` (in a string, write '}}' ~ \
                     '}}') at line {line}, column {column}"
                ),
            ));
        }
        self.marks_refused(&name, expr)?;
        match self.env.compile_expression(expr) {
            Ok(expression) => self.used.extend(expression.undeclared_variables(false)),
            Err(e) => return Err(self.invalid(name, located(&e, expr))),
        }
        Ok(())
    }

    /// Checks one value's template alone, so that errors point into it.
    fn check(&mut self, name: &str, source: &str) -> Result<(), ConfigError> {
        self.marks_refused(name, source)?;
        match self.env.template_from_str(source) {
            Ok(template) => self.used.extend(template.undeclared_variables(false)),
            Err(e) => return Err(self.invalid(name.to_owned(), located(&e, source))),
        }
        Ok(())
    }

    /// Refuses the two control characters that mark a rule's output.
    fn marks_refused(&self, name: &str, source: &str) -> Result<(), ConfigError> {
        match memchr::memchr2(APPLIED, END, source.as_bytes()) {
            Some(at) => {
                let (line, column) = line_column(source, at);
                Err(self.invalid(
                    name.to_owned(),
                    format!(
                        "the control characters U+001E and U+001F are reserved, at line {line}, \
                         column {column}"
                    ),
                ))
            }
            None => Ok(()),
        }
    }

    fn invalid(&self, path: String, message: String) -> ConfigError {
        ConfigError::Invalid {
            integration: self.integration,
            path,
            message,
        }
    }
}

/// A rule's values in the order its template renders them: what each sets, its name, its
/// template. The instance's `dedup_key` option is named `dedup_key`.
fn values(id: RuleId, set: &SetConfig) -> Vec<(Target, String, &str)> {
    let name = |part: &str| match id {
        RuleId::DedupKey => "dedup_key".to_owned(),
        RuleId::Rule(_) => format!("{id}.set.{part}"),
    };
    let mut values = Vec::new();
    let singles = [
        (Target::DedupKey, "dedup_key", &set.dedup_key),
        (Target::Title, "title", &set.title),
        (Target::Description, "description", &set.description),
        (Target::Urgency, "urgency", &set.urgency),
        (Target::Action, "action", &set.action),
    ];
    for (target, part, template) in singles {
        if let Some(template) = template {
            values.push((target, name(part), template.as_str()));
        }
    }
    for (t, template) in set.tags.iter().enumerate() {
        values.push((Target::Tag, name(&format!("tags[{t}]")), template.as_str()));
    }
    for (label, template) in &set.additional_data {
        values.push((
            Target::Data(label.clone()),
            name(&format!("additional_data.{label}")),
            template.as_str(),
        ));
    }
    values
}

/// The rules' formatter: minijinja's own, except that a string with the marks [`APPLIED`] or
/// [`END`] is written with them replaced by U+FFFD (other values write strings escaped).
fn write_value(
    out: &mut minijinja::Output<'_>,
    state: &minijinja::State<'_, '_>,
    value: &Value,
) -> Result<(), minijinja::Error> {
    match value.as_str() {
        Some(text) if memchr::memchr2(APPLIED, END, text.as_bytes()).is_some() => {
            let unmarked = text.replace([char::from(APPLIED), char::from(END)], "\u{fffd}");
            let unmarked = if value.is_safe() {
                Value::from_safe_string(unmarked)
            } else {
                Value::from(unmarked)
            };
            minijinja::escape_formatter(out, state, &unmarked)
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// A minijinja error without its template name: the kind, the detail.
fn describe(e: &minijinja::Error) -> String {
    match e.detail() {
        Some(detail) => format!("{}: {detail}", e.kind()),
        None => e.kind().to_string(),
    }
}

/// A compile error with its line and column in `source`.
fn located(e: &minijinja::Error, source: &str) -> String {
    let what = describe(e);
    match (e.range(), e.line()) {
        (Some(range), _) => {
            let (line, column) = line_column(source, range.start);
            format!("{what} at line {line}, column {column}")
        }
        (None, Some(line)) => format!("{what} at line {line}"),
        (None, None) => what,
    }
}

/// The 1-based line and column (in characters) of byte `at` in `source`.
fn line_column(source: &str, at: usize) -> (usize, usize) {
    let before = source.get(..at).unwrap_or(source);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The request's headers rules may see: lowercase names, secret-bearing ones left out,
/// repeated headers joined with `, `.
fn headers_value(headers: &http::HeaderMap, secret: &[String]) -> Value {
    let mut map: BTreeMap<&str, String> = BTreeMap::new();
    for (name, value) in headers {
        let name = name.as_str();
        if is_secret_header(name) || secret.iter().any(|s| s == name) {
            continue;
        }
        let value = String::from_utf8_lossy(value.as_bytes());
        map.entry(name)
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert_with(|| value.into_owned());
    }
    Value::from_serialize(&map)
}

/// Whether a header (lowercase name) may carry a secret.
fn is_secret_header(name: &str) -> bool {
    matches!(name, "authorization" | "cookie" | "proxy-authorization")
        || ["key", "token", "secret", "signature", "auth"]
            .iter()
            .any(|word| name.contains(word))
}

/// The keys of an event's JSON form ([`crate::event::EVENT_JSON_KEYS`]) in key order, as a
/// JSON object reads.
const EVENT_KEYS: [&str; 10] = [
    "action",
    "additional_data",
    "dedup_keys",
    "description",
    "incident",
    "meta",
    "tags",
    "thirdparty_id",
    "title",
    "urgency",
];

/// The `event` rules see: the event as the adapter made it, read as its JSON form, each field
/// made a value the first time a rule reads it (no JSON is written for the whole event).
#[derive(Debug)]
struct EventObject {
    event: Event,
    fields: [OnceLock<Value>; EVENT_KEYS.len()],
}

impl EventObject {
    fn new(event: Event) -> Self {
        Self {
            event,
            fields: Default::default(),
        }
    }

    fn field(&self, key: &str) -> Value {
        let event = &self.event;
        let or_none = |text: Option<&str>| text.map_or(Value::from(()), Value::from);
        match key {
            "action" => Value::from(event.action.as_str()),
            "additional_data" => lazy::json_form(&event.additional_data),
            "dedup_keys" => lazy::json_form(&event.dedup_keys),
            "description" => or_none(event.description.as_deref()),
            "incident" => lazy::json_form(&event.incident),
            "meta" => Value::from_object(MetaObject::new(&event.meta)),
            "tags" => lazy::json_form(&event.tags),
            "thirdparty_id" => Value::from(event.thirdparty_id.as_str()),
            "title" => Value::from(event.title.as_str()),
            "urgency" => or_none(event.urgency.map(Urgency::as_str)),
            _ => Value::UNDEFINED,
        }
    }
}

impl Object for EventObject {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = key.as_str()?;
        let at = EVENT_KEYS.binary_search(&key).ok()?;
        Some(self.fields.get(at)?.get_or_init(|| self.field(key)).clone())
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(&EVENT_KEYS)
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(EVENT_KEYS.len())
    }
}

/// What every rule sees (see the [module docs](self)): a value not computed because no rule
/// mentions it is undefined.
#[derive(Debug)]
struct Context {
    event: Value,
    payload: Value,
    alert: Value,
    headers: Value,
    instance: Value,
    integration: Value,
}

impl Object for Context {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        Some(match key.as_str()? {
            "event" => self.event.clone(),
            "payload" => self.payload.clone(),
            "alert" => self.alert.clone(),
            "headers" => self.headers.clone(),
            "instance" => self.instance.clone(),
            "integration" => self.integration.clone(),
            _ => return None,
        })
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(&[
            "alert",
            "event",
            "headers",
            "instance",
            "integration",
            "payload",
        ])
    }
}

/// An event's `meta` as rules read it: a JSON object whose values are read as [`lazy::shared`]
/// the first time a rule looks at them.
#[derive(Debug)]
struct MetaObject {
    meta: Meta,
    /// In key order (a `meta` has no repeated keys).
    keys: Vec<Value>,
    values: Vec<OnceLock<Value>>,
}

impl MetaObject {
    fn new(meta: &Meta) -> Self {
        let mut keys: Vec<Value> = meta.iter().map(|(key, _)| Value::from(key)).collect();
        keys.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
        keys.dedup_by(|a, b| a.as_str() == b.as_str());
        Self {
            meta: meta.clone(),
            values: keys.iter().map(|_| OnceLock::new()).collect(),
            keys,
        }
    }
}

impl Object for MetaObject {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = key.as_str()?;
        let at = self
            .keys
            .binary_search_by(|k| k.as_str().unwrap_or_default().cmp(key))
            .ok()?;
        let value = self.values.get(at)?.get_or_init(|| {
            self.meta
                .get_bytes(key)
                .and_then(lazy::shared)
                .unwrap_or(Value::UNDEFINED)
        });
        Some(value.clone())
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Iter(Box::new(self.keys.clone().into_iter()))
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.keys.len())
    }
}

/// A writer of a rule's output that refuses to let one of its values grow past
/// [`MAX_RENDERED_BYTES`] (the values end at [`END`]; the mark [`APPLIED`] is not counted).
#[derive(Default)]
struct Capped {
    buf: Vec<u8>,
    /// Whether a value grew too long, and then which (how many values had ended before it).
    over: bool,
    values: usize,
    /// The bytes of the current value so far.
    value: usize,
}

impl io::Write for Capped {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let mark = usize::from(self.buf.is_empty() && bytes.first() == Some(&APPLIED));
        let mut rest = bytes.get(mark..).unwrap_or_default();
        while let Some(at) = memchr::memchr(END, rest) {
            self.value += at;
            self.check()?;
            self.values += 1;
            self.value = 0;
            rest = rest.get(at + 1..).unwrap_or_default();
        }
        self.value += rest.len();
        self.check()?;
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Capped {
    fn check(&mut self) -> io::Result<()> {
        if self.value > MAX_RENDERED_BYTES {
            self.over = true;
            return Err(io::Error::other("rendered value too long"));
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::needless_pass_by_value)] // json!() arguments read best by value
mod tests {
    use std::time::{Duration, Instant};

    use bytes::Bytes;
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::{Adapter, Error, Handled, Integration, Meta, Registry};

    /// Makes one event per entry of `events`: `{"key", "title", "alert"?}`.
    #[derive(Debug, Default)]
    struct Echo;

    impl Integration for Echo {
        fn id(&self) -> &'static str {
            "echo"
        }
        fn handle(&self, req: &http::Request<Bytes>) -> Result<Vec<Event>, Error> {
            let body: serde_json::Value = serde_json::from_slice(req.body())
                .map_err(|e| Error::malformed(e.line(), e.column(), e.to_string()))?;
            let empty = Vec::new();
            let events = body["events"].as_array().unwrap_or(&empty);
            Ok(events
                .iter()
                .map(|e| {
                    let mut meta = Meta::new().with("n", 1);
                    if let Some(alert) = e.get("alert") {
                        meta = meta.with("alert", alert.clone());
                    }
                    Event::new(
                        Action::Create,
                        e["key"].as_str().unwrap_or("k"),
                        e["title"].as_str().unwrap_or("t"),
                    )
                    .with_meta(meta)
                })
                .collect())
        }
    }

    impl Adapter for Echo {
        const ID: &'static str = "echo";
        const NAME: &'static str = "Echo";
        const VERSION: &'static str = "0";
        type Config = serde_json::Value;
        fn from_config(_: serde_json::Value) -> Result<Self, ConfigError> {
            Ok(Echo)
        }
    }

    fn instance(config: serde_json::Value) -> Result<crate::Instance, ConfigError> {
        Registry::new().with::<Echo>().build("echo", &config)
    }

    fn run(config: serde_json::Value, body: serde_json::Value) -> Handled {
        let req = http::Request::post("/hook")
            .header("content-type", "application/json")
            .header("x-team", "db")
            .header("authorization", "Bearer s3cret")
            .header("x-api-token", "t0k")
            .body(Bytes::from(body.to_string()))
            .unwrap();
        instance(config).unwrap().handle_with_report(&req).unwrap()
    }

    fn one(rules: serde_json::Value) -> Handled {
        run(
            json!({"rules": rules}),
            json!({"env": "prod", "events": [{"key": "k1", "title": "DB down", "alert": {"fp": "abc"}}]}),
        )
    }

    /// What each rule failure says, in order.
    fn messages_of(handled: &Handled) -> Vec<&str> {
        handled
            .rule_failures
            .iter()
            .map(|f| f.message.as_str())
            .collect()
    }

    fn config_error(config: serde_json::Value) -> String {
        instance(config).unwrap_err().to_string()
    }

    #[test]
    fn payload_event_and_alert_read_like_json_values() {
        // Nested objects and arrays, indexing, iteration, `in`, length, tojson and `none`.
        let handled = run(
            json!({"rules": [{"set": {
                "title": "{{ payload.a.b[1].c }} {{ payload.list | length }} {{ 'y' in payload.list }} \
                          {% for k in payload.a %}{{ k }};{% endfor %} {{ payload.n is none }} \
                          {{ payload.a.b[0] | tojson }} {{ alert.fp }} {{ event.meta.n }}",
                "tags": ["{% for x in payload.list %}{{ x }}{% endfor %}"],
            }}]}),
            json!({"a": {"z": 1, "b": [{"c": "first"}, {"c": "second"}]}, "list": ["x", "y"],
                   "n": null, "events": [{"key": "k", "title": "t", "alert": {"fp": "abc"}}]}),
        );
        assert!(
            handled.rule_failures.is_empty(),
            "{:?}",
            handled.rule_failures
        );
        let event = &handled.events[0];
        assert_eq!(
            event.title,
            r#"second 2 True b;z; True {"c":"first"} abc 1"#
        );
        assert_eq!(event.tags, ["xy"]);
        // A body that is not JSON is `none`.
        let rules = [RuleConfig {
            set: Some(SetConfig {
                title: Some("{{ payload is none }}".into()),
                ..SetConfig::default()
            }),
            ..RuleConfig::default()
        }];
        let rules = Rules::new("echo", None, &rules).unwrap().unwrap();
        for (body, expected) in [(&b"not json {"[..], "True"), (&b"{\"a\": 1}"[..], "False")] {
            let mut events = vec![Event::new(Action::Create, "k", "t")];
            let request = http::Request::post("/hook")
                .body(Bytes::copy_from_slice(body))
                .unwrap();
            let applied = rules.apply(
                &mut events,
                &RequestContext {
                    req: &request,
                    instance: "i",
                    integration: "echo",
                    secret_headers: &[],
                },
            );
            assert!(applied.failures.is_empty(), "{:?}", applied.failures);
            assert_eq!(events[0].title, expected);
        }
    }

    #[test]
    fn the_event_reads_as_its_json_form() {
        // Read field by field (no JSON is written for it), the event is what its JSON says:
        // every key in key order, `null` for what is absent, lists and objects as JSON.
        let full = Event::new(Action::Acknowledge, "k", "DB <down> & \"out\"")
            .with_dedup_key("k2")
            .with_description(Some("line 1\nline 2".into()))
            .with_urgency(Some(Urgency::High))
            .with_incident(Some(crate::Incident::new(crate::Severity::Sev2, None)))
            .with_tags(vec!["a".into(), "b".into()])
            .with_additional_data(vec![AdditionalData::text("Runbook", "see x")])
            .with_meta(
                Meta::new()
                    .with("z", json!({"b": [1, 2.5, null], "a": "x"}))
                    .with("alert", json!({"labels": {"env": "prod"}})),
            );
        let bare = Event::new(Action::Create, "k", "t");
        let rules = [RuleConfig {
            set: Some(SetConfig {
                description: Some("{{ event | tojson }}".into()),
                tags: vec![
                    "{% for k in event %}{{ k }} {% endfor %}".into(),
                    "{% for k in event.meta %}{{ k }} {% endfor %}".into(),
                    "{{ event.urgency is none }} {{ event.description is none }} \
                     {{ event.incident is none }} {{ event.meta.alert.labels.env if event.meta.alert is defined else '-' }} \
                     {{ event.dedup_keys | length }}"
                        .into(),
                ],
                ..SetConfig::default()
            }),
            ..RuleConfig::default()
        }];
        let rules = Rules::new("echo", None, &rules).unwrap().unwrap();
        let request = http::Request::post("/hook").body(Bytes::new()).unwrap();
        for (event, checks) in [
            (full, "False False False prod 2"),
            (bare, "True True True - 1"),
        ] {
            let expected = serde_json::to_value(&event).unwrap();
            let mut events = vec![event];
            let applied = rules.apply(
                &mut events,
                &RequestContext {
                    req: &request,
                    instance: "i",
                    integration: "echo",
                    secret_headers: &[],
                },
            );
            assert!(applied.failures.is_empty(), "{:?}", applied.failures);
            let event = &events[0];
            let read: serde_json::Value =
                serde_json::from_str(event.description.as_deref().unwrap()).unwrap();
            assert_eq!(read, expected);
            let keys: Vec<_> = expected.as_object().unwrap().keys().cloned().collect();
            let meta_keys: Vec<_> = expected["meta"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect();
            // (An empty tag is not added: the bare event's `meta` is `{}`.)
            let added: Vec<_> = [keys.join(" "), meta_keys.join(" "), checks.to_owned()]
                .into_iter()
                .filter(|tag| !tag.is_empty())
                .collect();
            assert_eq!(event.tags[event.tags.len() - added.len()..], added);
        }
    }

    #[test]
    fn a_repeated_key_reads_as_its_last_value() {
        let req = http::Request::post("/hook")
            .body(Bytes::from_static(
                br#"{"d": 1, "events": [{"key": "a"}], "d": {"x": 2}, "c": 0}"#,
            ))
            .unwrap();
        let handled = instance(json!({"rules": [{"set": {"title": "{{ payload.d.x }} {{ payload | list | join(',') }}"}}]}))
            .unwrap()
            .handle_with_report(&req)
            .unwrap();
        assert!(
            handled.rule_failures.is_empty(),
            "{:?}",
            handled.rule_failures
        );
        assert_eq!(handled.events[0].title, "2 c,d,events");
    }

    #[test]
    fn no_rules_means_no_rule_work() {
        assert!(Rules::new("x", None, &[]).unwrap().is_none());
        let handled = run(json!({}), json!({"events": [{"key": "a"}]}));
        assert_eq!(handled.events.len(), 1);
        assert_eq!(handled.dropped, 0);
        assert!(handled.rule_failures.is_empty());
    }

    #[test]
    fn if_selects_the_events_a_rule_applies_to() {
        let handled = run(
            json!({"rules": [{"if": "'DB' in event.title", "set": {"title": "db: {{ event.title }}"}}]}),
            json!({"events": [{"key": "a", "title": "DB down"}, {"key": "b", "title": "web down"}]}),
        );
        let titles: Vec<_> = handled.events.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(titles, ["db: DB down", "web down"]);
        assert!(handled.rule_failures.is_empty());
    }

    #[test]
    fn set_dedup_key_becomes_thirdparty_id_and_keeps_the_adapters_key() {
        let handled = one(json!([{"set": {"dedup_key": "{{ payload.env }}/{{ alert.fp }}"}}]));
        let event = &handled.events[0];
        assert_eq!(event.thirdparty_id, "prod/abc");
        assert_eq!(event.dedup_keys, ["prod/abc", "k1"]);
        // Setting the adapter's own key again does not repeat it.
        let handled = one(json!([{"set": {"dedup_key": "k1"}}]));
        assert_eq!(handled.events[0].dedup_keys, ["k1"]);
    }

    #[test]
    fn the_dedup_key_option_runs_before_the_rules() {
        let handled = run(
            json!({"dedup_key": "{{ integration }}:{{ event.thirdparty_id }}",
                   "rules": [{"if": "event.title == 'special'", "set": {"dedup_key": "special"}}]}),
            json!({"events": [{"key": "a"}, {"key": "b", "title": "special"}]}),
        );
        assert_eq!(handled.events[0].thirdparty_id, "echo:a");
        assert_eq!(handled.events[1].thirdparty_id, "special");
        assert_eq!(handled.events[1].dedup_keys, ["special", "echo:b", "b"]);
    }

    #[test]
    fn set_title_description_urgency_action() {
        let handled = one(json!([{"set": {
            "title": "{{ event.title }} ({{ instance }})",
            "description": "see {{ headers['x-team'] }}",
            "urgency": "Warning",
            "action": "resolve",
        }}]));
        let event = &handled.events[0];
        assert_eq!(event.title, "DB down (echo)");
        assert_eq!(event.description.as_deref(), Some("see db"));
        assert_eq!(event.urgency, Some(Urgency::Medium));
        assert_eq!(event.action, Action::Resolve);
        // Empty urgency = the host's default; empty description = none.
        let handled = one(json!([
            {"set": {"urgency": "high", "description": "x"}},
            {"set": {"urgency": "", "description": " "}},
        ]));
        assert_eq!(handled.events[0].urgency, None);
        assert_eq!(handled.events[0].description, None);
    }

    #[test]
    fn tags_and_additional_data_are_added() {
        let handled = one(json!([
            {"set": {"tags": ["db", "env:{{ payload.env }}", ""], "additional_data": {"Fingerprint": "{{ alert.fp }}"}}},
            {"set": {"tags": ["db", "second"]}},
        ]));
        let event = &handled.events[0];
        assert_eq!(event.tags, ["db", "env:prod", "second"]);
        assert_eq!(
            event.additional_data,
            [AdditionalData::text("Fingerprint", "abc")]
        );
    }

    #[test]
    fn drop_removes_the_event_and_is_counted() {
        let handled = run(
            json!({"rules": [{"if": "event.thirdparty_id == 'b'", "drop": true},
                             {"set": {"tags": ["seen"]}}]}),
            json!({"events": [{"key": "a"}, {"key": "b"}, {"key": "c"}]}),
        );
        let keys: Vec<_> = handled
            .events
            .iter()
            .map(|e| e.thirdparty_id.as_str())
            .collect();
        assert_eq!(keys, ["a", "c"]);
        assert_eq!(handled.dropped, 1);
        assert!(handled.events.iter().all(|e| e.tags == ["seen"]));
    }

    #[test]
    fn stop_ends_the_rules_for_that_event_only_when_it_applied() {
        let handled = run(
            json!({"rules": [
                {"if": "event.thirdparty_id == 'a'", "set": {"tags": ["first"]}, "stop": true},
                {"set": {"tags": ["second"]}},
            ]}),
            json!({"events": [{"key": "a"}, {"key": "b"}]}),
        );
        assert_eq!(handled.events[0].tags, ["first"]);
        assert_eq!(handled.events[1].tags, ["second"]);
    }

    #[test]
    fn rules_see_the_event_as_the_adapter_made_it() {
        let handled = one(json!([
            {"set": {"title": "changed"}},
            {"set": {"description": "{{ event.title }}"}},
        ]));
        assert_eq!(handled.events[0].title, "changed");
        assert_eq!(handled.events[0].description.as_deref(), Some("DB down"));
    }

    #[test]
    fn secret_headers_are_hidden() {
        let handled = one(
            json!([{"set": {"description": "{{ headers | dictsort | map('first') | join(',') }}"}}]),
        );
        assert_eq!(
            handled.events[0].description.as_deref(),
            Some("content-type,x-team")
        );
        // The header the auth guard reads is hidden too, whatever its name.
        let with_auth = run(
            json!({"auth": {"api_key": {"key": "db", "header": "X-Team"}},
                   "rules": [{"set": {"description": "{{ headers | list | join(',') }}"}}]}),
            json!({"events": [{}]}),
        );
        assert_eq!(
            with_auth.events[0].description.as_deref(),
            Some("content-type")
        );
        assert!(is_secret_header("x-grafana-alerting-signature"));
        assert!(is_secret_header("x-api-key"));
        assert!(!is_secret_header("x-team"));
    }

    #[test]
    fn a_failing_rule_is_skipped_for_that_event_only() {
        let handled = run(
            json!({"rules": [
                {"set": {"title": "{{ alert.fp }}", "tags": ["partial"]}},
                {"set": {"urgency": "{{ alert.sev }}"}},
                {"set": {"tags": ["ok"]}},
            ]}),
            json!({"events": [{"key": "a", "title": "t", "alert": {"fp": "f", "sev": "bogus"}}, {"key": "b", "title": "t"}]}),
        );
        let [first, second] = &handled.events[..] else {
            panic!("{:?}", handled.events)
        };
        // Event a: rule 0 applies, rule 1 renders an urgency that is not one.
        assert_eq!(first.title, "f");
        assert_eq!(first.urgency, None);
        assert_eq!(first.tags, ["partial", "ok"]);
        // Event b has no alert: rules 0 and 1 fail as a whole (no partial tag), rule 2 applies.
        assert_eq!(second.title, "t");
        assert_eq!(second.tags, ["ok"]);
        let failures: Vec<_> = handled
            .rule_failures
            .iter()
            .map(|f| (f.rule, f.event))
            .collect();
        assert_eq!(
            failures,
            [
                (RuleId::Rule(1), 0),
                (RuleId::Rule(0), 1),
                (RuleId::Rule(1), 1)
            ]
        );
        let messages = messages_of(&handled);
        assert!(
            messages[0].starts_with("rules[1].set.urgency: \"bogus\" is not a severity name"),
            "{messages:?}"
        );
        assert!(
            messages[1].starts_with("rules[0].set.title: undefined value"),
            "{messages:?}"
        );
    }

    #[test]
    fn strict_undefined_fails_a_typo_in_if() {
        let handled =
            one(json!([{"if": "payload.envv == 'prod' and payload.envv.x", "drop": true}]));
        assert_eq!(
            handled.events.len(),
            1,
            "a failing drop rule keeps the event"
        );
        assert_eq!(handled.rule_failures.len(), 1);
        assert!(
            handled.rule_failures[0]
                .message
                .starts_with("rules[0].if: undefined value")
        );
        // `is defined` and `default` are the way to test for absent values.
        let handled = one(json!([{"if": "payload.envv is defined", "drop": true},
                                 {"set": {"title": "{{ payload.envv | default('none') }}"}}]));
        assert_eq!(handled.events[0].title, "none");
        assert!(handled.rule_failures.is_empty());
    }

    #[test]
    fn bad_action_and_empty_title_are_failures() {
        let handled = one(json!([{"set": {"action": "close"}}, {"set": {"title": " "}}]));
        assert_eq!(handled.events[0].action, Action::Create);
        assert_eq!(handled.events[0].title, "DB down");
        let messages = messages_of(&handled);
        assert_eq!(
            messages,
            [
                "rules[0].set.action: \"close\" is not create, acknowledge, resolve or other",
                "rules[1].set.title: rendered empty"
            ]
        );
    }

    #[test]
    fn fuel_exhaustion_returns_quickly_with_a_typed_failure() {
        let started = Instant::now();
        let handled = one(json!([
            {"set": {"title": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"}},
            // With output, the cap on the rendered value may stop it first: a failure either way.
            {"set": {"title": "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}"}},
        ]));
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(handled.events.len(), 1);
        assert_eq!(handled.events[0].title, "DB down");
        let messages = messages_of(&handled);
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert_eq!(
            messages[0],
            format!("rules[0].set.title: fuel exhausted (the rule took more than {FUEL} steps)")
        );
        assert!(
            messages[1].starts_with("rules[1].set.title: "),
            "{messages:?}"
        );
    }

    #[test]
    fn rendered_values_are_capped() {
        let handled = one(json!([{"set": {"description": "{{ 'x' * 5000 }}"}}]));
        assert_eq!(handled.events[0].description, None);
        assert_eq!(
            handled.rule_failures[0].message,
            format!(
                "rules[0].set.description: the rendered value is longer than {MAX_RENDERED_BYTES} bytes"
            )
        );
    }

    #[test]
    fn fuel_is_the_rules_and_a_failure_is_named_by_its_value() {
        // Each value alone runs on less than half the fuel; together they run out.
        let half = "x{% for i in range(N) %}{% endfor %}".replace('N', &(FUEL / 6).to_string());
        let alone = one(json!([{"set": {"title": half}}, {"set": {"description": half}}]));
        assert!(alone.rule_failures.is_empty(), "{:?}", alone.rule_failures);
        let together = one(json!([{"set": {"title": half, "description": half}}]));
        assert_eq!(together.rule_failures.len(), 1);
        assert!(
            together.rule_failures[0]
                .message
                .starts_with("rules[0].set.description: fuel exhausted"),
            "{:?}",
            together.rule_failures
        );
        // The failing value is named, wherever it is in the rule.
        let handled = one(json!([
            {"if": "event.title", "set": {"tags": ["a", "{{ event.nope }}"], "additional_data": {"x": "1"}}},
            {"set": {"title": "t", "additional_data": {"a": "1", "b": "{{ 'x' * 5000 }}"}}},
        ]));
        let messages = messages_of(&handled);
        assert_eq!(
            messages,
            [
                "rules[0].set.tags[1]: undefined value".to_owned(),
                format!(
                    "rules[1].set.additional_data.b: the rendered value is longer than \
                     {MAX_RENDERED_BYTES} bytes"
                ),
            ]
        );
        assert_eq!(handled.events[0].title, "DB down");
    }

    #[test]
    fn each_value_renders_as_its_template_would_alone() {
        // What a value sets stays its own; one newline at the end is dropped, as minijinja
        // drops it at the end of a template; a literal `{` at the end stays text; escaping
        // blocks escape.
        let handled = one(json!([{"set": {
            "title": "{% set x = 'leak' %}{% set event = {'title': 'forged'} %}a{",
            "description": "{{ event.title }} {{ x is defined }}\n",
            "tags": ["{% autoescape 'html' %}{{ '<b>' }}{% endautoescape %}"],
            "additional_data": {"a": "v\n", "b": "\r\n"},
        }}]));
        assert!(
            handled.rule_failures.is_empty(),
            "{:?}",
            handled.rule_failures
        );
        let event = &handled.events[0];
        assert_eq!(event.title, "a{");
        assert_eq!(event.description.as_deref(), Some("DB down False"));
        assert_eq!(event.tags, ["&lt;b&gt;"]);
        let data: Vec<_> = event
            .additional_data
            .iter()
            .map(|d| (d.label.as_ref(), d.value.as_str()))
            .collect();
        assert_eq!(data, [("a", "v")]);
    }

    #[test]
    fn a_failure_is_named_by_where_the_rule_stopped() {
        let long = "x".repeat(MAX_RENDERED_BYTES + 1);
        let spin = "{% for i in range(99999) %}{% endfor %}";
        let handled = one(json!([
            // Plain text, rendered once when compiled.
            {"set": {"title": long}},
            // Fuel runs out in a loop whose steps have no position.
            {"set": {"title": "t", "tags": [spin]}},
            {"if": "event.title and nope", "set": {"title": "t"}},
            // An expression over two lines.
            {"set": {"title": "t", "tags": ["{{ payload\n.nope.x }}"]}},
        ]));
        assert_eq!(
            messages_of(&handled),
            [
                format!(
                    "rules[0].set.title: the rendered value is longer than {MAX_RENDERED_BYTES} \
                     bytes"
                ),
                format!(
                    "rules[1].set.tags[0]: fuel exhausted (the rule took more than {FUEL} steps)"
                ),
                "rules[2].if: undefined value".to_owned(),
                "rules[3].set.tags[0]: undefined value".to_owned(),
            ]
        );
    }

    #[test]
    fn a_value_read_from_the_payload_cannot_move_a_rules_values() {
        let handled = run(
            json!({"rules": [{"set": {
                "title": "{{ payload.t }}",
                "description": "{{ payload.d }}",
                "tags": ["{{ payload.list }}"],
            }}]}),
            json!({"t": "a\u{1f}b\u{1e}", "d": "c", "list": ["\u{1f}"], "events": [{"title": "x"}]}),
        );
        assert!(
            handled.rule_failures.is_empty(),
            "{:?}",
            handled.rule_failures
        );
        assert_eq!(handled.events[0].title, "a\u{fffd}b\u{fffd}");
        assert_eq!(handled.events[0].description.as_deref(), Some("c"));
        // A list is written as its items' representation, control characters escaped.
        assert_eq!(handled.events[0].tags, [r#"["\u{1f}"]"#]);
        // A template may not write the marks itself.
        assert!(
            config_error(json!({"rules": [{"set": {"title": "a\u{1f}b"}}]})).contains(
                "rules[0].set.title: the control characters U+001E and U+001F are reserved, \
                 at line 1, column 2"
            )
        );
    }

    #[test]
    fn limits_apply_to_what_rules_set() {
        let handled = run(
            json!({"limits": {"max_title_chars": 5}, "rules": [{"set": {"title": "a long title"}}]}),
            json!({"events": [{}]}),
        );
        assert_eq!(handled.events[0].title, "a lo…");
    }

    #[test]
    fn compile_errors_name_the_rule_part_and_position() {
        assert_eq!(
            config_error(
                json!({"rules": [{"drop": true, "if": "true"}, {"if": "event.title ==", "drop": true}]})
            ),
            "echo: invalid configuration at rules[1].if: syntax error: unexpected end of input, expected expression at line 1, column 13"
        );
        assert_eq!(
            config_error(json!({"rules": [{"set": {"title": "ok", "tags": ["a", "{{ x "]}}]})),
            "echo: invalid configuration at rules[0].set.tags[1]: syntax error: unexpected end of input, expected end of variable block at line 1, column 4"
        );
        assert_eq!(
            config_error(json!({"dedup_key": "{% if %}"})),
            "echo: invalid configuration at dedup_key: syntax error: unexpected end of block at line 1, column 7"
        );
        // An expression cannot break out of the template it is wrapped in (and minijinja's
        // expression lexer, which panics on `}}{{`, never sees one).
        assert_eq!(
            config_error(
                json!({"rules": [{"if": "true) %}x{% endif %}{% if (true", "drop": true}]})
            ),
            "echo: invalid configuration at rules[0].if: an expression may not contain `}}` or `%}` \
             (in a string, write '}' ~ '}') at line 1, column 7"
        );
        assert!(
            config_error(json!({"rules": [{"if": "a\n}}{{", "drop": true}]}))
                .ends_with("at line 2, column 1")
        );
        assert!(
            config_error(json!({"rules": [{"if": "'}}' == '}'", "drop": true}]}))
                .contains("may not contain")
        );
        assert_eq!(
            one(json!([{"if": "('}' ~ '}') | length == 2", "set": {"tags": ["yes"]}}])).events[0]
                .tags,
            ["yes"]
        );
        // Includes and macros do not exist.
        assert!(
            config_error(
                json!({"rules": [{"set": {"title": "{% include 'rules[0].set.title' %}"}}]})
            )
            .starts_with("echo: invalid configuration at rules[0].set.title: syntax error")
        );
    }

    #[test]
    fn rule_shapes_are_checked() {
        assert_eq!(
            config_error(json!({"rules": [{"if": "true", "colour": "red"}]})),
            "instance: invalid configuration at rules[0].colour: unknown field `colour`, expected one of `if`, `set`, `drop`, `stop`"
        );
        assert!(
            config_error(json!({"rules": [{"set": {"titel": "x"}}]})).starts_with(
                "instance: invalid configuration at rules[0].set.titel: unknown field `titel`"
            )
        );
        assert_eq!(
            config_error(json!({"rules": [{"if": "true"}]})),
            "echo: invalid configuration at rules[0]: the rule does nothing: give it set, drop or stop"
        );
        assert_eq!(
            config_error(json!({"rules": [{"drop": true, "set": {"title": "x"}}]})),
            "echo: invalid configuration at rules[0]: a rule that drops the event cannot also set values"
        );
        assert!(
            config_error(json!({"dedup_key": 3}))
                .starts_with("instance: invalid configuration at dedup_key: invalid type")
        );
    }

    fn arbitrary_rule_text() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "{{",
            "}}",
            "{%",
            "%}",
            "{#",
            "#}",
            "if",
            "for",
            "in",
            "endfor",
            "endif",
            "event",
            "payload",
            ".",
            "[",
            "]",
            "(",
            ")",
            "'",
            "\"",
            "|",
            "upper",
            "range(",
            "99999",
            "*",
            "~",
            "==",
            "and",
            "not",
            " ",
            "x",
            "set",
            "=",
            "loop",
            "recursive",
            "-",
            "\n",
        ]);
        prop_oneof![
            prop::collection::vec(pieces, 0..24).prop_map(|p| p.concat()),
            ".{0,40}",
        ]
    }

    /// Templates made of pieces that are valid alone (their concatenation may not be).
    fn template_text() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "x",
            " ",
            "\n",
            "\r\n",
            "{",
            "}",
            "%}",
            "{{ 'a' }}",
            "{{- ' s ' -}}",
            "{% set x = 'b' %}",
            "{% set event = {'title': 'forged'} %}",
            "{{ x }}",
            "{{ x is defined }}",
            "{{ event.title }}",
            "{{ payload.env }}",
            "{{ nope }}",
            "{% if true %}y{% endif %}",
            "{% for i in range(3) %}{{ i }}{% endfor %}",
            "{% raw %}{{{% endraw %}",
            "{# c #}",
            "{% autoescape 'html' %}{{ '<b>' }}{% endautoescape %}",
        ]);
        prop::collection::vec(pieces, 0..5).prop_map(|p| p.concat())
    }

    /// What a delivery's rules added as data, and whether any failed.
    fn data_and_failed(rules: serde_json::Value) -> Option<(Vec<(String, String)>, bool)> {
        let handled = instance(json!({"rules": rules})).ok()?;
        let req = http::Request::post("/")
            .body(Bytes::from_static(
                br#"{"env": "prod", "events": [{"key": "a", "title": "t"}]}"#,
            ))
            .unwrap();
        let handled = handled.handle_with_report(&req).unwrap();
        let data = handled.events[0]
            .additional_data
            .iter()
            .map(|d| (d.label.to_string(), d.value.clone()))
            .collect();
        Some((data, !handled.rule_failures.is_empty()))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]
        #[test]
        fn a_rules_values_render_in_one_pass_as_each_would_alone(
            texts in prop::collection::vec(template_text(), 1..4),
        ) {
            let labels = ["a", "b", "c"];
            let together = json!([{"set": {"additional_data":
                labels.iter().zip(&texts).map(|(l, t)| (l.to_string(), json!(t))).collect::<serde_json::Map<_, _>>()
            }}]);
            let alone: Vec<_> = labels
                .iter()
                .zip(&texts)
                .map(|(l, t)| json!({"set": {"additional_data": {*l: t}}}))
                .collect();
            let together = data_and_failed(together);
            let alone = data_and_failed(json!(alone));
            prop_assert_eq!(together.is_some(), alone.is_some(), "compiles together iff alone");
            if let (Some((data, failed)), Some((data_alone, failed_alone))) = (together, alone) {
                if failed_alone {
                    // The rule fails as a whole: none of its values apply.
                    prop_assert!(failed);
                    prop_assert!(data.is_empty(), "{:?}", data);
                } else {
                    prop_assert!(!failed);
                    prop_assert_eq!(data, data_alone);
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
        #[test]
        fn arbitrary_rule_text_is_a_typed_error_or_runs(text in arbitrary_rule_text(), as_if in any::<bool>()) {
            let rule = if as_if {
                json!({"if": text, "set": {"tags": ["t"]}})
            } else {
                json!({"set": {"title": text, "dedup_key": text}})
            };
            match instance(json!({"rules": [rule]})) {
                Err(ConfigError::Invalid { path, .. }) => prop_assert!(path.starts_with("rules[0]")),
                Err(other) => prop_assert!(false, "unexpected error {other}"),
                Ok(instance) => {
                    let req = http::Request::post("/")
                        .body(Bytes::from_static(br#"{"events": [{"key": "a"}]}"#))
                        .unwrap();
                    let handled = instance.handle_with_report(&req).unwrap();
                    // The event is kept, whatever the rule did.
                    prop_assert_eq!(handled.events.len(), 1);
                }
            }
        }
    }
}
