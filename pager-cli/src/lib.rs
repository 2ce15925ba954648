//! `pagerhook`: normalize webhook payloads from the command line, list integrations.
//!
//! The binary is `main.rs` calling [`run`]; the library exists so benchmarks can run exactly the
//! CLI's code path.
//!
//! Exit codes: 0 success, 1 the input was rejected (or could not be read), 2 usage errors
//! (bad flags, unknown integration, invalid `--config`).

use std::io::{self, Read, Write};
use std::process::ExitCode;

use bytes::Bytes;
use clap::{Parser, Subcommand};
use pager_core::Event;
use pager_core::auth::{ReceivedAt, Secret};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

#[derive(Parser)]
#[command(
    name = "pagerhook",
    version,
    about = "Normalize incident webhooks into events"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Normalize one webhook body and print `{"events": [...]}` as JSON.
    Normalize {
        /// The integration's slug, e.g. prometheus-v3 (see `pagerhook integrations`).
        slug: String,
        /// The body: a file, or `-` (the default) for standard input.
        #[arg(default_value = "-")]
        file: String,
        /// The adapter's options as JSON, or @FILE to read them from a file. Four keys are the
        /// instance's rather than the adapter's: `auth` (the auth guard), `limits`, `rules`
        /// and `dedup_key` (see the README's Rules). A rule that fails on an event is a
        /// warning on stderr (`warning: rule failed: …`); what the rules dropped too.
        #[arg(long, value_name = "JSON|@FILE")]
        config: Option<String>,
        /// A request header, `Name: value` (repeatable).
        #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
        headers: Vec<String>,
        /// A query parameter, `key=value` (repeatable).
        #[arg(long = "query", short = 'q', value_name = "KEY=VALUE")]
        query: Vec<String>,
        /// The path below the instance's URL the body was posted to, as `pagerhook serve` gives
        /// it to the adapter (e.g. `/v2/enqueue` for a PagerDuty-compatible instance). Default
        /// `/`, or with --replay the path of the captured request line.
        #[arg(long, value_name = "PATH")]
        path: Option<String>,
        /// Pretty-print the JSON.
        #[arg(long)]
        pretty: bool,
        /// Replay a captured delivery: take the method, path, query and headers from FILE's
        /// sibling `.headers` file (as in `fixtures/`); --header and --query add to them.
        #[arg(long)]
        replay: bool,
    },
    /// Run the receiver: POST /integrations/{name}, GET /alerts, /healthz, /metrics.
    ///
    /// Prints `pagerhook: listening on http://ADDR` on stderr once it accepts connections;
    /// stops gracefully on SIGTERM or SIGINT. Log level from `RUST_LOG` (default info).
    Serve {
        /// The TOML configuration file (see the README).
        #[arg(long, value_name = "FILE")]
        config: std::path::PathBuf,
        /// Listen here instead of the file's `listen` (e.g. 127.0.0.1:0 for any free port).
        #[arg(long, value_name = "ADDR")]
        listen: Option<std::net::SocketAddr>,
    },
    /// Copy an SQLite store (stopped) into an empty PostgreSQL database, ids and all, to move
    /// a receiver to replicas. Prints what it copied, by table, as JSON.
    ImportSqlite {
        /// The SQLite file (the `store = "sqlite:PATH"` of the old configuration).
        #[arg(long, value_name = "PATH")]
        from: std::path::PathBuf,
        /// The database, `postgres://…`; default: `PAGERHOOK_STORE`, which keeps a password
        /// off the command line.
        #[arg(long, value_name = "URL")]
        to: Option<String>,
    },
    /// List the available integrations: slug, name, version.
    Integrations {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// What went wrong, and which exit code says so.
enum Failure {
    Usage(String),
    Rejected(String),
}

/// Runs the CLI with `args` (the program name first, as in `std::env::args_os()`).
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let result = match cli.command {
        Command::Normalize {
            slug,
            file,
            config,
            headers,
            query,
            path,
            pretty,
            replay,
        } => normalize(
            &slug,
            &file,
            config.as_deref(),
            &Extras {
                headers: &headers,
                query: &query,
                path: path.as_deref(),
                replay,
            },
            pretty,
        ),
        Command::Integrations { json } => integrations(json),
        Command::Serve { config, listen } => serve(&config, listen),
        Command::ImportSqlite { from, to } => import_sqlite(&from, to),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Rejected(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

/// An API token for the read routes, added to the configuration's `[api] tokens`.
const API_TOKEN_VAR: &str = "PAGERHOOK_API_TOKEN";
/// Overrides the configuration's `store` (so that a database password stays out of the file).
const STORE_VAR: &str = "PAGERHOOK_STORE";

fn serve(config: &std::path::Path, listen: Option<std::net::SocketAddr>) -> Result<(), Failure> {
    use pager_server::Receiver;
    use pager_server::config::{ServeConfig, StoreLocation};
    use std::io::IsTerminal;

    let mut config = ServeConfig::from_file(config).map_err(|e| Failure::Usage(e.to_string()))?;
    if let Some(token) = std::env::var_os(API_TOKEN_VAR) {
        let token = token
            .into_string()
            .ok()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| Failure::Usage(format!("{API_TOKEN_VAR} must be non-empty UTF-8")))?;
        config.api.tokens.push(Secret::new(token));
    }
    if let Some(store) = std::env::var_os(STORE_VAR) {
        let store = store
            .into_string()
            .ok()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Failure::Usage(format!("{STORE_VAR} must be non-empty UTF-8")))?;
        config.store = StoreLocation::try_from(store)
            .map_err(|e| Failure::Usage(format!("{STORE_VAR}: {e}")))?;
    }
    let _ = tracing_subscriber::fmt()
        .with_writer(io::stderr)
        // Colour codes only for a person at a terminal, not in files or a journal.
        .with_ansi(io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .try_init();
    let runtime = runtime()?;
    let store = runtime
        .block_on(pager_server::open_store(&config.store))
        .map_err(|e| {
            Failure::Usage(format!(
                "cannot open the store {}: {}",
                config.store.describe(),
                pager_server::open_failure_reason(&e)
            ))
        })?;
    let receiver = Receiver::from_config(&pager_integrations::registry(), &config.instances, store)
        .map_err(|e| Failure::Usage(e.to_string()))?
        .with_api(config.api.clone())
        .with_retention(config.retention)
        .with_heartbeats(config.heartbeats.clone())
        .map_err(|e| Failure::Usage(e.to_string()))?
        .with_outputs(config.outputs.clone())
        .map_err(|e| Failure::Usage(e.to_string()))?
        .with_maintenance(&config.maintenance)
        .map_err(|e| Failure::Usage(e.to_string()))?;
    let address = listen.unwrap_or(config.listen);
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|e| Failure::Rejected(format!("cannot listen on {address}: {e}")))?;
        let local = listener
            .local_addr()
            .map_err(|e| Failure::Rejected(format!("cannot listen on {address}: {e}")))?;
        let names: Vec<_> = receiver.instance_names().collect();
        let outputs: Vec<_> = config.outputs.iter().map(|o| o.name.as_str()).collect();
        let outputs = if outputs.is_empty() {
            String::new()
        } else {
            format!("; outputs: {}", outputs.join(", "))
        };
        eprintln!(
            "pagerhook: listening on http://{local} (instances: {}{outputs})",
            names.join(", ")
        );
        pager_server::serve(
            listener,
            receiver,
            config.server.clone(),
            pager_server::shutdown_signal(),
        )
        .await
        .map_err(|e| Failure::Rejected(format!("server failed: {e}")))?;
        eprintln!("pagerhook: stopped");
        Ok(())
    })
}

fn import_sqlite(from: &std::path::Path, to: Option<String>) -> Result<(), Failure> {
    use pager_server::store::{PostgresLocation, PostgresStore};
    let url = match to {
        Some(url) => url,
        None => std::env::var(STORE_VAR)
            .map_err(|_| Failure::Usage(format!("give --to postgres://… or set {STORE_VAR}")))?,
    };
    let location = PostgresLocation::parse(&url).map_err(Failure::Usage)?;
    if !from.is_file() {
        return Err(Failure::Usage(format!("{}: no such file", from.display())));
    }
    let runtime = runtime()?;
    let imported = runtime
        .block_on(PostgresStore::import_sqlite(&location, from))
        .map_err(|e| {
            Failure::Rejected(format!(
                "cannot import {} into {}: {}",
                from.display(),
                location.redacted(),
                pager_server::open_failure_reason(&e)
            ))
        })?;
    let json = serde_json::to_string_pretty(&imported.rows)
        .map_err(|e| Failure::Rejected(e.to_string()))?;
    let mut out = io::stdout().lock();
    writeln!(out, "{json}").map_err(|e| Failure::Rejected(e.to_string()))?;
    Ok(())
}

/// What the request carries besides the body.
struct Extras<'a> {
    headers: &'a [String],
    query: &'a [String],
    path: Option<&'a str>,
    replay: bool,
}

fn normalize(
    slug: &str,
    file: &str,
    config: Option<&str>,
    extras: &Extras<'_>,
    pretty: bool,
) -> Result<(), Failure> {
    let options = match config {
        None => serde_json::Value::Null,
        Some(text) => {
            let text = match text.strip_prefix('@') {
                Some(path) => std::fs::read_to_string(path).map_err(|e| {
                    Failure::Usage(format!("cannot read --config file {path}: {e}"))
                })?,
                None => text.to_owned(),
            };
            serde_json::from_str(&text)
                .map_err(|e| Failure::Usage(format!("--config is not valid JSON: {e}")))?
        }
    };
    let instance = pager_integrations::registry()
        .build(slug, &options)
        .map_err(|e| Failure::Usage(e.to_string()))?;
    let req = if extras.replay {
        if file == "-" {
            return Err(Failure::Usage(
                "--replay needs a FILE with a .headers file beside it".to_owned(),
            ));
        }
        let captured = pager_testkit::load_request(std::path::Path::new(file))
            .map_err(|e| Failure::Rejected(format!("cannot replay {file}: {e}")))?;
        let (parts, body) = captured.into_parts();
        let uri = match extras.path {
            Some(path) => with_query(path, parts.uri.query()),
            None => parts.uri.to_string(),
        };
        build_request(parts.method, uri, Some(parts.headers), body, extras)?
    } else {
        build_request(
            http::Method::POST,
            extras.path.unwrap_or("/").to_owned(),
            None,
            read_body(file)?,
            extras,
        )?
    };
    let handled = instance
        .handle_with_report(&req)
        .map_err(|e| Failure::Rejected(e.to_string()))?;
    for failure in &handled.rule_failures {
        eprintln!("warning: rule failed: {failure}");
    }
    if handled.dropped > 0 {
        eprintln!("warning: rules dropped {} event(s)", handled.dropped);
    }
    write_json(
        &EventsOut {
            events: &handled.events,
        },
        pretty,
    )
}

#[derive(serde::Serialize)]
struct EventsOut<'a> {
    events: &'a [Event],
}

/// `path` with `query` (if any) after it.
fn with_query(path: &str, query: Option<&str>) -> String {
    match query {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    }
}

fn read_body(file: &str) -> Result<Bytes, Failure> {
    let body = if file == "-" {
        let mut body = Vec::new();
        io::stdin().lock().read_to_end(&mut body).map(|_| body)
    } else {
        // Sized from the file's length: one allocation, no copies while growing.
        std::fs::read(file)
    };
    body.map(Bytes::from)
        .map_err(|e| Failure::Rejected(format!("cannot read {file}: {e}")))
}

/// Characters left alone in a query key or value (RFC 3986 unreserved).
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A `method` request with `body` to `uri` (which may already carry a query), with `base`
/// headers, then the `--header`s (replacing a base header of the same name) and `--query`
/// parameters added.
fn build_request(
    method: http::Method,
    mut uri: String,
    base: Option<http::HeaderMap>,
    body: Bytes,
    extras: &Extras<'_>,
) -> Result<http::Request<Bytes>, Failure> {
    for pair in extras.query {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| Failure::Usage(format!("--query {pair:?} is not KEY=VALUE")))?;
        uri.push(if uri.contains('?') { '&' } else { '?' });
        uri.extend(utf8_percent_encode(key, QUERY));
        uri.push('=');
        uri.extend(utf8_percent_encode(value, QUERY));
    }
    if !uri.starts_with('/') {
        return Err(Failure::Usage(format!(
            "--path {uri:?} must start with '/'"
        )));
    }
    let mut req = http::Request::builder()
        .method(method)
        .uri(uri)
        .body(body)
        .map_err(|e| Failure::Usage(format!("invalid --path or --query: {e}")))?;
    if let Some(base) = base {
        *req.headers_mut() = base;
    }
    for header in extras.headers {
        let (name, value) = pager_testkit::parse_header_line(header)
            .map_err(|e| Failure::Usage(format!("--header {e}")))?;
        req.headers_mut().insert(name, value);
    }
    // The CLI is the host: it says when the request was received, for HMAC timestamp checks.
    req.extensions_mut().insert(ReceivedAt::now());
    Ok(req)
}

fn integrations(json: bool) -> Result<(), Failure> {
    let registry = pager_integrations::registry();
    if json {
        let list: Vec<_> = registry.list().collect();
        return write_json(&serde_json::json!({ "integrations": list }), true);
    }
    let mut out = io::stdout().lock();
    let slug_width = registry
        .list()
        .map(|i| i.slug.len())
        .max()
        .unwrap_or(0)
        .max(4);
    let name_width = registry
        .list()
        .map(|i| i.name.len())
        .max()
        .unwrap_or(0)
        .max(4);
    let row = |slug: &str, name: &str, version: &str| {
        format!("{slug:<slug_width$}  {name:<name_width$}  {version}")
    };
    let rows = registry.list().map(|i| row(i.slug, i.name, i.version));
    let text = std::iter::once(row("SLUG", "NAME", "VERSION")).chain(rows);
    for line in text {
        writeln!(out, "{line}")
            .map_err(|e| Failure::Rejected(format!("cannot write output: {e}")))?;
    }
    Ok(())
}

fn write_json<T: serde::Serialize>(value: &T, pretty: bool) -> Result<(), Failure> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    let written = if pretty {
        // Written directly, never re-parsed: whatever the compact output can print, this can
        // (a re-parse would stop at serde_json's 128 levels). Parts of `meta` kept verbatim
        // are printed as the sender wrote them, not re-indented.
        serde_json::to_writer_pretty(&mut out, value)
    } else {
        serde_json::to_writer(&mut out, value)
    };
    written
        .map_err(io::Error::from)
        .and_then(|()| writeln!(out))
        .and_then(|()| out.flush())
        .map_err(|e| Failure::Rejected(format!("cannot write output: {e}")))
}

/// The multi-threaded tokio runtime `serve` and `import-sqlite` run on.
fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Rejected(format!("cannot start the runtime: {e}")))
}
