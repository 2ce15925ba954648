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
