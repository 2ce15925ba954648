//! Snapshot tests of an adapter over its fixtures: the [`snapshots!`](crate::snapshots) macro
//! and the functions it calls.

use std::path::{Path, PathBuf};

use pager_core::{Adapter, Instance, Integration, Registry};

use crate::load_request;

/// Builds adapter `A` the way hosts do: registered (`Registry::new().with::<A>()`) and built
/// by its slug from `options` in the flat form (adapter options plus optional `auth` and
/// `limits`; `null` = defaults), so what it answers passes through [`Instance`].
///
/// # Errors
/// When the options are invalid, or the built instance's `id()` is not the slug `A::ID`.
pub fn instance<A: Adapter>(options: &serde_json::Value) -> Result<Instance, String> {
    let instance = Registry::new()
        .with::<A>()
        .build(A::ID, options)
        .map_err(|e| format!("{}: {options}: {e}", A::ID))?;
    if instance.id() != A::ID {
        return Err(format!("{}: id() is {:?}", A::ID, instance.id()));
    }
    Ok(instance)
}

/// The fixtures folder of `slug` in this workspace, `fixtures/<slug>/`.
pub fn fixtures_dir(slug: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(slug)
}

/// For snapshot tests: the events `integration` makes of the fixture at `path`, as the CLI's
/// JSON (a list of events). A [`pager_core::auth::ReceivedAt`] of now is attached to the request.
///
/// # Errors
/// When the fixture cannot be read or the integration rejects it, saying which and why.
pub fn events_json(
    integration: &dyn Integration,
    path: &Path,
) -> Result<serde_json::Value, String> {
    let mut req = load_request(path).map_err(|e| format!("{}: {e}", path.display()))?;
    req.extensions_mut()
        .insert(pager_core::auth::ReceivedAt::now());
    let events = integration
        .handle(&req)
        .map_err(|e| format!("{}: rejected: {e}", path.display()))?;
    serde_json::to_value(&events).map_err(|e| format!("{}: {e}", path.display()))
}

/// For snapshot tests of invalid fixtures: the error `integration` answers the fixture at
/// `path` with. A [`pager_core::auth::ReceivedAt`] of now is attached to the request.
///
/// # Errors
/// When the fixture cannot be read, or is accepted.
pub fn rejection(integration: &dyn Integration, path: &Path) -> Result<pager_core::Error, String> {
    let mut req = load_request(path).map_err(|e| format!("{}: {e}", path.display()))?;
    req.extensions_mut()
        .insert(pager_core::auth::ReceivedAt::now());
    match integration.handle(&req) {
        Ok(events) => Err(format!(
            "{}: an invalid fixture was accepted ({} events)",
            path.display(),
            events.len()
        )),
        Err(error) => Ok(error),
    }
}

/// An adapter's snapshot tests, one line in `integrations/<slug>/tests/snapshots.rs`.
///
/// `snapshots!(Adapter)` generates two tests:
///
/// - `fixtures`: every `fixtures/<slug>/*.json` and `*.form` (a form-encoded body) (with its `.headers`, see
///   [`load_request`](crate::load_request)) through [`instance`] built with default options;
///   the events are an `insta::assert_json_snapshot!`, named `snapshots__fixtures@<file>.snap`;
/// - `invalid_fixtures_are_typed_errors`: every `fixtures/<slug>/invalid/*.json` and `*.form` must be
///   rejected with a 4xx error whose `integration()` is the slug; `"<status> <message>"` is
///   snapshotted as `snapshots__invalid_fixtures_are_typed_errors@<file>.snap`.
///
/// An adapter with modes (grouping, say) names the first test and lists its configurations:
/// `snapshots!(Adapter, fn <test> { <name> => <options>, … })`, each `<options>` JSON in
/// `serde_json::json!` syntax (one token: `null` or `{…}`), each `<name>` a string (a snapshot
/// `snapshots__<name>@<file>.snap`) or `_` (unnamed: `snapshots__<test>@<file>.snap`). Every
/// mode must reject an invalid fixture with the same error; the first mode's is snapshotted.
///
/// The macro expands `insta::glob!` and the assertions in the calling file, so insta derives
/// snapshot names from that file's module and the test's name as if they were written there;
/// the caller needs `insta` (features `glob`, `json`) in its `[dev-dependencies]`.
///
/// ```
/// # use pager_core::{Adapter, ConfigError, Error, Event, Integration};
/// # #[derive(Debug)]
/// # pub struct Datadog;
/// # impl Integration for Datadog {
/// #     fn id(&self) -> &'static str { Self::ID }
/// #     fn handle(&self, _: &http::Request<bytes::Bytes>) -> Result<Vec<Event>, Error> {
/// #         Ok(vec![])
/// #     }
/// # }
/// # impl Adapter for Datadog {
/// #     const ID: &'static str = "datadog";
/// #     const NAME: &'static str = "Datadog";
/// #     const VERSION: &'static str = "0.1.0";
/// #     type Config = ();
/// #     fn from_config((): ()) -> Result<Self, ConfigError> { Ok(Self) }
/// # }
/// // integrations/datadog/tests/snapshots.rs
/// pager_testkit::snapshots!(Datadog);
/// # fn main() {}
/// ```
///
/// Two named modes, as prometheus-v3 has (`snapshots__group@<file>.snap` and
/// `snapshots__alert@<file>.snap`, from a test `fixtures_in_both_modes`):
///
/// ```
/// # use pager_core::{Adapter, ConfigError, Error, Event, Integration};
/// # #[derive(Debug)]
/// # pub struct PrometheusV3;
/// # impl Integration for PrometheusV3 {
/// #     fn id(&self) -> &'static str { Self::ID }
/// #     fn handle(&self, _: &http::Request<bytes::Bytes>) -> Result<Vec<Event>, Error> {
/// #         Ok(vec![])
/// #     }
/// # }
/// # impl Adapter for PrometheusV3 {
/// #     const ID: &'static str = "prometheus-v3";
/// #     const NAME: &'static str = "Prometheus Alertmanager";
/// #     const VERSION: &'static str = "0.1.0";
/// #     type Config = ();
/// #     fn from_config((): ()) -> Result<Self, ConfigError> { Ok(Self) }
/// # }
/// pager_testkit::snapshots!(PrometheusV3, fn fixtures_in_both_modes {
///     "group" => {"grouping": "group"},
///     "alert" => {"grouping": "alert"},
/// });
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! snapshots {
    (@name _) => {
        ::core::option::Option::<&'static str>::None
    };
    (@name $name:literal) => {
        ::core::option::Option::<&'static str>::Some($name)
    };
    ($adapter:ty $(,)?) => {
        $crate::snapshots!($adapter, fn fixtures { _ => null });
    };
    ($adapter:ty, fn $test:ident { $($mode:tt => $options:tt),+ $(,)? } $(,)?) => {
        /// The snapshot name and instance of every mode.
        fn snapshot_modes() -> ::std::vec::Vec<(
            ::core::option::Option<&'static str>,
            $crate::__private::Instance,
        )> {
            ::std::vec![$((
                $crate::snapshots!(@name $mode),
                $crate::instance::<$adapter>(&$crate::__private::serde_json::json!($options))
                    .unwrap(),
            )),+]
        }

        #[test]
        fn $test() {
            let modes = snapshot_modes();
            let slug = <$adapter as $crate::__private::Adapter>::ID;
            ::insta::glob!($crate::fixtures_dir(slug), "*.{json,form}", |path| {
                for (name, instance) in &modes {
                    ::insta::assert_json_snapshot!(
                        *name,
                        $crate::events_json(instance, path).unwrap(),
                        "pager_testkit::events_json(instance, path)"
                    );
                }
            });
        }

        #[test]
        fn invalid_fixtures_are_typed_errors() {
            let modes = snapshot_modes();
            let slug = <$adapter as $crate::__private::Adapter>::ID;
            ::insta::glob!($crate::fixtures_dir(slug).join("invalid"), "*.{json,form}", |path| {
                let mut errors = modes
                    .iter()
                    .map(|(_, instance)| $crate::rejection(instance, path).unwrap());
                let err = errors.next().unwrap();
                assert!(err.status().is_client_error(), "{}: {err}", path.display());
                assert_eq!(err.integration(), slug, "{}", path.display());
                for other in errors {
                    assert_eq!(other, err, "{}: the modes reject it differently", path.display());
                }
                ::insta::assert_snapshot!(
                    ::core::option::Option::<&str>::None, // named after the test
                    format!("{} {err}", err.status().as_u16()),
                    "format!(\"{} {err}\", err.status().as_u16())"
                );
            });
        }
    };
}
