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
//! The language is sandboxed: no file system, no includes, no macros. Each expression and
//! each template runs on [`FUEL`] steps of minijinja's VM at most, and a rendered value may be
//! at most [`MAX_RENDERED_BYTES`] bytes. Undefined values are strict: `payload.commonLabel.env`
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
use minijinja::{
    AutoEscape, Environment, ErrorKind, Expression, Template, UndefinedBehavior, Value,
};
use serde::Deserialize;

use crate::{Action, AdditionalData, ConfigError, Event, Meta, Urgency};

mod lazy;

/// The most VM steps one expression or template may take (minijinja's fuel). A typical rule
/// takes tens; 50,000 is a few milliseconds at worst, and bounds loops a rule could write.
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

/// One compiled rule: its condition's place among the [`Engine`]'s expressions, and each
/// value's among its templates.
#[derive(Debug)]
struct Compiled {
    id: RuleId,
    condition: Option<usize>,
    dedup_key: Option<usize>,
    title: Option<usize>,
    description: Option<usize>,
    urgency: Option<usize>,
    action: Option<usize>,
    tags: Vec<usize>,
    additional_data: Vec<(String, usize)>,
    drop: bool,
    stop: bool,
}

/// The compiled templates and expressions, each in the order it was added.
#[derive(Debug)]
struct Programs<'env> {
    /// Each named after its rule part (`rules[0].set.title`).
    templates: Vec<Template<'env, 'env>>,
    /// Conditions, each with its rule part's name (`rules[0].if`).
    expressions: Vec<(String, Expression<'env, 'static>)>,
}

self_cell::self_cell!(
    /// The environment and what was compiled in it, kept compiled: a template or expression
    /// borrows its environment, and looking a template up by name for each render allocated
    /// (issue 16).
    struct Engine {
        owner: Environment<'static>,
        #[covariant]
        dependent: Programs,
    }
    impl {Debug}
);

/// An instance's compiled rules (see the [module docs](self)).
#[derive(Debug)]
pub struct Rules {
    engine: Engine,
    /// For each template without any `{` (plain text, which no context changes): what
    /// rendering it gives, rendered once when compiled. Eight constant tags cost 4.3 µs more
    /// than one when each was rendered, 0.85 µs now (BENCHMARKS.md, issue 16).
    constants: Vec<Option<Result<String, String>>>,
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
        let mut compiler = Compiler {
            integration,
            env,
            used: BTreeSet::new(),
            names: Vec::new(),
            conditions: Vec::new(),
        };
        let mut list = Vec::with_capacity(rules.len() + 1);
        if let Some(template) = dedup_key {
            list.push(Compiled {
                dedup_key: Some(compiler.template("dedup_key".to_owned(), template)?),
                ..Compiled::empty(RuleId::DedupKey)
            });
        }
        for (i, rule) in rules.iter().enumerate() {
            list.push(compiler.rule(i, rule)?);
        }
        let Compiler {
            env,
            used,
            names,
            conditions,
            ..
        } = compiler;
        // Each was compiled once already, to check it and name its errors: these fail only
        // should minijinja change its mind.
        let invalid = |path: &str, e: &minijinja::Error| ConfigError::Invalid {
            integration,
            path: path.to_owned(),
            message: describe(e),
        };
        let engine = Engine::try_new(env, |env| {
            let templates = names
                .iter()
                .map(|name| env.get_template(name).map_err(|e| invalid(name, &e)))
                .collect::<Result<_, _>>()?;
            let expressions = conditions
                .into_iter()
                .map(
                    |(name, source)| match env.compile_expression_owned(source) {
                        Ok(expression) => Ok((name, expression)),
                        Err(e) => Err(invalid(&name, &e)),
                    },
                )
                .collect::<Result<_, _>>()?;
            Ok::<_, ConfigError>(Programs {
                templates,
                expressions,
            })
        })?;
        let constants = engine
            .borrow_dependent()
            .templates
            .iter()
            .map(|template| {
                (!template.source().contains('{'))
                    .then(|| render_template(template, &Value::from(())))
            })
            .collect();
        Ok(Some(Self {
            engine,
            constants,
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
        for rule in &self.list {
            match self.run(rule, &ctx) {
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

    /// `Ok(None)` when the rule's condition is false; its changes when it applies.
    fn run(&self, rule: &Compiled, ctx: &Value) -> Result<Option<Changes>, String> {
        if let Some(condition) = rule.condition {
            if !self.test(condition, ctx)? {
                return Ok(None);
            }
        }
        let mut changes = Changes::default();
        let render = |part: &Option<usize>| -> Result<Option<String>, String> {
            part.map(|at| self.render(at, ctx)).transpose()
        };
        if let Some(key) = render(&rule.dedup_key)? {
            let key = key.trim();
            if key.is_empty() {
                return Err(format!("{}.set.dedup_key: rendered empty", rule.id));
            }
            changes.dedup_key = Some(key.to_owned());
        }
        if let Some(title) = render(&rule.title)? {
            let title = title.trim();
            if title.is_empty() {
                return Err(format!("{}.set.title: rendered empty", rule.id));
            }
            changes.title = Some(title.to_owned());
        }
        if let Some(description) = render(&rule.description)? {
            changes.description = Some(Some(description).filter(|d| !d.trim().is_empty()));
        }
        if let Some(urgency) = render(&rule.urgency)? {
            let name = urgency.trim().to_lowercase();
            changes.urgency = Some(if name.is_empty() {
                None
            } else {
                Some(crate::severity::built_in(&name).ok_or_else(|| {
                    format!(
                        "{}.set.urgency: {urgency:?} is not a severity name (critical, high, \
                         medium, low, silent or a synonym)",
                        rule.id
                    )
                })?)
            });
        }
        if let Some(action) = render(&rule.action)? {
            changes.action = Some(parse_action(&action).ok_or_else(|| {
                format!(
                    "{}.set.action: {action:?} is not create, acknowledge, resolve or other",
                    rule.id
                )
            })?);
        }
        for &tag in &rule.tags {
            let tag = self.render(tag, ctx)?;
            if !tag.trim().is_empty() {
                changes.tags.push(tag.trim().to_owned());
            }
        }
        for (label, at) in &rule.additional_data {
            let value = self.render(*at, ctx)?;
            if !value.is_empty() {
                changes.additional_data.push((label.clone(), value));
            }
        }
        Ok(Some(changes))
    }

    /// Renders the template at `at`; the error names it and says what failed.
    fn render(&self, at: usize, ctx: &Value) -> Result<String, String> {
        if let Some(Some(constant)) = self.constants.get(at) {
            return constant.clone();
        }
        let template = self
            .engine
            .borrow_dependent()
            .templates
            .get(at)
            .ok_or_else(|| format!("template {at} is missing"))?;
        render_template(template, ctx)
    }

    /// Whether the condition at `at` holds; the error names it and says what failed.
    fn test(&self, at: usize, ctx: &Value) -> Result<bool, String> {
        let (name, expression) = self
            .engine
            .borrow_dependent()
            .expressions
            .get(at)
            .ok_or_else(|| format!("condition {at} is missing"))?;
        match expression.eval(ctx) {
            Ok(value) => Ok(value.is_true()),
            Err(e) => Err(failure(name, &e)),
        }
    }
}

/// A run-time failure of the template or expression `name`, as the delivery log notes it.
fn failure(name: &str, e: &minijinja::Error) -> String {
    if e.kind() == ErrorKind::OutOfFuel {
        format!("{name}: fuel exhausted (more than {FUEL} steps)")
    } else {
        format!("{name}: {}", describe(e))
    }
}

/// Renders `template` (at most [`MAX_RENDERED_BYTES`], on [`FUEL`]); the error names it and
/// says what failed.
fn render_template(template: &Template<'_, '_>, ctx: &Value) -> Result<String, String> {
    let name = template.name();
    let mut out = Capped::default();
    match template.render_captured_to(ctx, &mut out) {
        Ok(_) => String::from_utf8(out.buf).map_err(|_| format!("{name}: not UTF-8")),
        Err(_) if out.over => Err(format!(
            "{name}: the rendered value is longer than {MAX_RENDERED_BYTES} bytes"
        )),
        Err(e) => Err(failure(name, &e)),
    }
}

impl Compiled {
    fn empty(id: RuleId) -> Self {
        Self {
            id,
            condition: None,
            dedup_key: None,
            title: None,
            description: None,
            urgency: None,
            action: None,
            tags: Vec::new(),
            additional_data: Vec::new(),
            drop: false,
            stop: false,
        }
    }
}

impl Changes {
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
    /// The templates' names, in the order added (a part refers to its template by place).
    names: Vec<String>,
    /// The conditions' names and the source each is compiled from, in the order added.
    conditions: Vec<(String, String)>,
}

impl Compiler {
    fn rule(&mut self, i: usize, rule: &RuleConfig) -> Result<Compiled, ConfigError> {
        let id = RuleId::Rule(i);
        let set = rule.set.clone().unwrap_or_default();
        let sets_something = set != SetConfig::default();
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
        let condition = rule
            .condition
            .as_deref()
            .map(|expr| self.expression(format!("{id}.if"), expr))
            .transpose()?;
        let mut one = |part: &str, source: Option<&String>| {
            source
                .map(|s| self.template(format!("{id}.set.{part}"), s))
                .transpose()
        };
        let dedup_key = one("dedup_key", set.dedup_key.as_ref())?;
        let title = one("title", set.title.as_ref())?;
        let description = one("description", set.description.as_ref())?;
        let urgency = one("urgency", set.urgency.as_ref())?;
        let action = one("action", set.action.as_ref())?;
        let tags = set
            .tags
            .iter()
            .enumerate()
            .map(|(t, source)| self.template(format!("{id}.set.tags[{t}]"), source))
            .collect::<Result<_, _>>()?;
        let additional_data = set
            .additional_data
            .iter()
            .map(|(label, source)| {
                if label.trim().is_empty() {
                    return Err(self.invalid(
                        format!("{id}.set.additional_data"),
                        "a label must not be empty".to_owned(),
                    ));
                }
                let name = self.template(format!("{id}.set.additional_data.{label}"), source)?;
                Ok((label.clone(), name))
            })
            .collect::<Result<_, _>>()?;
        Ok(Compiled {
            condition,
            dedup_key,
            title,
            description,
            urgency,
            action,
            tags,
            additional_data,
            drop: rule.drop,
            stop: rule.stop,
            ..Compiled::empty(id)
        })
    }

    /// Checks `expr` as an expression (so errors point into it) and keeps it to be compiled
    /// into the [`Engine`] as `(expr) and true`: the `and` tests `expr` as an `if` does, so a
    /// strictly undefined value fails the rule rather than reading as false. An expression is
    /// evaluated without the template machinery (no output to capture): cheaper than the
    /// `{% if %}` template it was before (issue 16).
    fn expression(&mut self, name: String, expr: &str) -> Result<usize, ConfigError> {
        // minijinja 2.24's expression lexer panics ("empty lexer stack") on a `}}` or `%}`
        // followed by more text; an expression has no use for them outside a string, where
        // `'}' ~ '}'` writes them. Refusing them also keeps the wrapped template whole.
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
        match self.env.compile_expression(expr) {
            Ok(expression) => self.used.extend(expression.undeclared_variables(false)),
            Err(e) => return Err(self.invalid(name, located(&e, expr))),
        }
        self.conditions.push((name, format!("({expr}) and true")));
        Ok(self.conditions.len() - 1)
    }

    fn template(&mut self, name: String, source: &str) -> Result<usize, ConfigError> {
        if let Err(e) = self.env.add_template_owned(name.clone(), source.to_owned()) {
            return Err(self.invalid(name, located(&e, source)));
        }
        match self.env.get_template(&name) {
            Ok(template) => self.used.extend(template.undeclared_variables(false)),
            Err(e) => return Err(self.invalid(name, describe(&e))),
        }
        self.names.push(name);
        Ok(self.names.len() - 1)
    }

    fn invalid(&self, path: String, message: String) -> ConfigError {
        ConfigError::Invalid {
            integration: self.integration,
            path,
            message,
        }
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

/// A writer that refuses to grow past [`MAX_RENDERED_BYTES`].
#[derive(Default)]
struct Capped {
    buf: Vec<u8>,
    over: bool,
}

impl io::Write for Capped {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self.buf.len().saturating_add(bytes.len()) > MAX_RENDERED_BYTES {
            self.over = true;
            return Err(io::Error::other("rendered value too long"));
        }
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
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
        let messages: Vec<_> = handled
            .rule_failures
            .iter()
            .map(|f| f.message.as_str())
            .collect();
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
        let messages: Vec<_> = handled
            .rule_failures
            .iter()
            .map(|f| f.message.as_str())
            .collect();
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
        let messages: Vec<_> = handled
            .rule_failures
            .iter()
            .map(|f| f.message.as_str())
            .collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert_eq!(
            messages[0],
            format!("rules[0].set.title: fuel exhausted (more than {FUEL} steps)")
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
