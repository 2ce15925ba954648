//! A webhook sink for the outputs' process tests: an HTTP/1.1 server on 127.0.0.1 (std only,
//! a thread per connection, keep-alive) that records every request it reads and answers 200.

// Each test file that includes it uses its own part.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as the sink read it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    /// The request target: path and query, as sent.
    pub target: String,
    /// Names lowercased; a repeated header keeps its last value.
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{} sent a body that is not JSON: {e}", self.target))
    }
}

#[derive(Default)]
struct Log {
    received: Vec<Received>,
    /// Requests the sink could not read as HTTP/1.1 with a Content-Length.
    malformed: Vec<String>,
}

/// Stops accepting when dropped (connections end at their next read timeout).
pub struct Sink {
    pub port: u16,
    log: Arc<Mutex<Log>>,
    stop: Arc<AtomicBool>,
}

impl Sink {
    /// A sink on a port of its own.
    pub fn start() -> Self {
        Self::start_on(0)
    }

    /// A sink on `port` (0: any free one).
    pub fn start_on(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Log::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (accept_log, accept_stop) = (Arc::clone(&log), Arc::clone(&stop));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if accept_stop.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                let (log, stop) = (Arc::clone(&accept_log), Arc::clone(&accept_stop));
                std::thread::spawn(move || serve_connection(stream, &log, &stop));
            }
        });
        Self { port, log, stop }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Every request read so far, in the order they were read (each is recorded before it is
    /// answered, so a request sent only after another was answered comes after it).
    pub fn received(&self) -> Vec<Received> {
        let log = self.log.lock().unwrap();
        assert!(
            log.malformed.is_empty(),
            "the sink could not read: {:?}",
            log.malformed
        );
        log.received.clone()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accepting thread so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve_connection(stream: TcpStream, log: &Mutex<Log>, stop: &AtomicBool) {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        match read_request(&mut reader, stop) {
            Ok(Some(request)) => {
                let close = request
                    .header("connection")
                    .is_some_and(|c| c.eq_ignore_ascii_case("close"));
                log.lock().unwrap().received.push(request);
                let answer = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
                if writer.write_all(answer).is_err() || close {
                    return;
                }
            }
            Ok(None) => return,
            Err(problem) => {
                log.lock().unwrap().malformed.push(problem);
                return;
            }
        }
    }
}

/// The next request on the connection; `None` when the peer closed it (or the sink stopped)
/// between requests.
fn read_request(
    reader: &mut BufReader<TcpStream>,
    stop: &AtomicBool,
) -> Result<Option<Received>, String> {
    let Some(request_line) = read_line(reader, stop, true)? else {
        return Ok(None);
    };
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some("HTTP/1.1")) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(format!("not an HTTP/1.1 request line: {request_line:?}"));
    };
    let mut headers = BTreeMap::new();
    loop {
        let line = read_line(reader, stop, false)?.ok_or("the headers were cut short")?;
        if line.is_empty() {
            break;
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("not a header: {line:?}"))?;
        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
    if headers.contains_key("transfer-encoding") {
        return Err(format!("{target}: a body without Content-Length"));
    }
    let length: usize = headers
        .get("content-length")
        .map_or(Ok(0), |v| v.parse())
        .map_err(|_| format!("{target}: a bad Content-Length"))?;
    let mut body = vec![0; length];
    let mut read = 0;
    while read < length {
        match reader.read(&mut body[read..]) {
            Ok(0) => return Err(format!("{target}: the body was cut short")),
            Ok(n) => read += n,
            Err(e) if is_timeout(&e) && !stop.load(Ordering::SeqCst) => {}
            Err(e) => return Err(format!("{target}: {e}")),
        }
    }
    Ok(Some(Received {
        method: method.to_owned(),
        target: target.to_owned(),
        headers,
        body,
    }))
}

/// One CRLF-terminated line, without its end. At the start of a request (`first`), an end of
/// the connection is `None`; elsewhere it is an error.
fn read_line(
    reader: &mut BufReader<TcpStream>,
    stop: &AtomicBool,
    first: bool,
) -> Result<Option<String>, String> {
    let mut line = Vec::new();
    loop {
        match reader.read_until(b'\n', &mut line) {
            Ok(0) if line.is_empty() && first => return Ok(None),
            Err(e) if line.is_empty() && first && is_reset(&e) => return Ok(None),
            Ok(0) => return Err("the connection closed inside a request".to_owned()),
            Ok(_) if line.ends_with(b"\n") => break,
            Ok(_) => {}
            Err(e) if is_timeout(&e) => {
                if stop.load(Ordering::SeqCst) && line.is_empty() && first {
                    return Ok(None);
                }
                if stop.load(Ordering::SeqCst) {
                    return Err("the sink stopped inside a request".to_owned());
                }
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    let text = String::from_utf8(line).map_err(|_| "a line that is not UTF-8".to_owned())?;
    Ok(Some(text.trim_end_matches(['\r', '\n']).to_owned()))
}

fn is_reset(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
    )
}

fn is_timeout(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}
