//! Replaying captured deliveries: a fixture is a body file plus an optional `.headers` file
//! beside it (same stem) holding the request line and the headers as they arrived:
//!
//! ```text
//! POST /spot?x-api-key=capture-api-key HTTP/1.1
//! Host: 127.0.0.1:33819
//! User-Agent: Alertmanager/0.25.0
//! Content-Type: application/json
//! ```

use std::path::{Path, PathBuf};

use bytes::Bytes;

/// The `.headers` file that belongs to a body file: same folder and stem.
pub fn headers_path(body: &Path) -> PathBuf {
    body.with_extension("headers")
}

/// Builds the request a fixture records: its body byte for byte, and the method, URI (path and
/// query) and headers from its `.headers` file when there is one (otherwise `POST /`).
///
/// # Errors
/// When a file cannot be read, or the `.headers` file is not a request line followed by
/// `Name: value` lines.
pub fn load_request(body: &Path) -> std::io::Result<http::Request<Bytes>> {
    let bytes = Bytes::from(std::fs::read(body)?);
    let headers = headers_path(body);
    let text = match std::fs::read_to_string(&headers) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e),
    };
    parse_request(&text, bytes).map_err(|message| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{}: {message}", headers.display()),
        )
    })
}

fn parse_request(head: &str, body: Bytes) -> Result<http::Request<Bytes>, String> {
    let mut lines = head.lines().filter(|l| !l.trim().is_empty());
    let mut builder = match lines.next() {
        None => http::Request::post("/"),
        Some(request_line) => {
            let mut parts = request_line.split_whitespace();
            let (Some(method), Some(uri)) = (parts.next(), parts.next()) else {
                return Err(format!("line 1 is not a request line: {request_line:?}"));
            };
            http::Request::builder().method(method).uri(uri)
        }
    };
    for (i, line) in lines.enumerate() {
        let (name, value) = parse_header_line(line).map_err(|e| format!("line {}: {e}", i + 2))?;
        builder = builder.header(name, value);
    }
    builder.body(body).map_err(|e| e.to_string())
}

/// One `Name: value` header line, as in a `.headers` file or a CLI `--header`; surrounding
/// whitespace is trimmed.
///
/// # Errors
/// When there is no `:`, or the name or value is not valid in HTTP; the message says which.
pub fn parse_header_line(line: &str) -> Result<(http::HeaderName, http::HeaderValue), String> {
    let (name, value) = line
        .split_once(':')
        .ok_or_else(|| format!("{line:?} is not `Name: value`"))?;
    let name = http::HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|e| format!("{line:?}: {e}"))?;
    let value = http::HeaderValue::from_str(value.trim()).map_err(|e| format!("{line:?}: {e}"))?;
    Ok((name, value))
}

/// The fixture bodies in `dir`: every file but `.headers` and `.md` files, sorted; none when
/// `dir` does not exist. Subfolders (such as `invalid/`) are not entered.
pub fn body_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_none_or(|e| e != "headers" && e != "md"))
        .collect();
    files.sort();
    files
}

/// For snapshot tests: the events `integration` makes of the fixture at `path`, as the CLI's
/// JSON (a list of events). A [`crate::auth::ReceivedAt`] of now is attached to the request.
///
/// # Errors
/// When the fixture cannot be read or the integration rejects it, saying which and why.
pub fn events_json(
    integration: &dyn crate::Integration,
    path: &Path,
) -> Result<serde_json::Value, String> {
    let mut req = load_request(path).map_err(|e| format!("{}: {e}", path.display()))?;
    req.extensions_mut().insert(crate::auth::ReceivedAt::now());
    let events = integration
        .handle(&req)
        .map_err(|e| format!("{}: rejected: {e}", path.display()))?;
    serde_json::to_value(&events).map_err(|e| format!("{}: {e}", path.display()))
}

/// For snapshot tests of invalid fixtures: `"<status> <message>"` of the error `integration`
/// answers the fixture at `path` with.
///
/// # Errors
/// When the fixture cannot be read, or is accepted.
pub fn rejection(integration: &dyn crate::Integration, path: &Path) -> Result<String, String> {
    let mut req = load_request(path).map_err(|e| format!("{}: {e}", path.display()))?;
    req.extensions_mut().insert(crate::auth::ReceivedAt::now());
    match integration.handle(&req) {
        Ok(events) => Err(format!(
            "{}: an invalid fixture was accepted ({} events)",
            path.display(),
            events.len()
        )),
        Err(error) => Ok(format!("{} {error}", error.status().as_u16())),
    }
}

/// The first of `names` found as a file in a `PATH` folder.
pub fn find_on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// For tests that need a real Alertmanager (and any other `tools` on `PATH`, such as
/// `python3`): the binary to run, from `PAGERHOOK_ALERTMANAGER` or else
/// `prometheus-alertmanager` / `alertmanager` on `PATH`.
///
/// When something is missing it writes a loud `*** SKIPPED <test>` to stderr (straight to the
/// handle: libtest captures `eprintln!`, and a skip must be seen) and returns `Ok(None)`, so the
/// test can pass on a fresh machine.
///
/// # Errors
/// When something is missing and `PAGERHOOK_REQUIRE_ALERTMANAGER=1` (set by `.ci/run`): the
/// test must fail, not skip.
pub fn alertmanager_for_test(test: &str, tools: &[&str]) -> Result<Option<PathBuf>, String> {
    let binary = match std::env::var_os("PAGERHOOK_ALERTMANAGER") {
        Some(path) => Some(PathBuf::from(path)),
        None => find_on_path(&["prometheus-alertmanager", "alertmanager"]),
    };
    let missing: Vec<&str> = binary
        .is_none()
        .then_some("prometheus-alertmanager/alertmanager")
        .into_iter()
        .chain(
            tools
                .iter()
                .copied()
                .filter(|t| find_on_path(&[t]).is_none()),
        )
        .collect();
    if missing.is_empty() {
        return Ok(binary);
    }
    if std::env::var("PAGERHOOK_REQUIRE_ALERTMANAGER").is_ok_and(|v| v == "1") {
        return Err(format!(
            "{test}: PAGERHOOK_REQUIRE_ALERTMANAGER=1 but not found: {}",
            missing.join(", ")
        ));
    }
    let message = format!(
        "\n*** SKIPPED {test}: not found: {}.\n\
         *** Install it with `apt-get install -y prometheus-alertmanager` to run this test.\n\n",
        missing.join(", ")
    );
    let _ = std::io::Write::write_all(&mut std::io::stderr(), message.as_bytes());
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_request_line_and_headers() {
        let req = parse_request(
            "POST /spot?x-api-key=k HTTP/1.1\nContent-Type: application/json\nAuthorization: Bearer a:b\n",
            Bytes::from_static(b"{}"),
        )
        .unwrap();
        assert_eq!(req.uri().query(), Some("x-api-key=k"));
        assert_eq!(req.headers()["authorization"], "Bearer a:b");
        assert_eq!(req.body().as_ref(), b"{}");
        assert_eq!(parse_request("", Bytes::new()).unwrap().uri(), "/");
        assert!(parse_request("POST / HTTP/1.1\nno colon here", Bytes::new()).is_err());
    }
}
