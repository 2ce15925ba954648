//! A throwaway PostgreSQL cluster for tests: `initdb` in a temporary folder, `pg_ctl` on
//! 127.0.0.1 (and a Unix socket in that folder), a fresh database per test, stopped when the
//! test process ends — or a loud skip when the binaries are missing.
//!
//! `initdb` refuses to run as root (CI runs as root): then the cluster is made and run as the
//! unprivileged user `nobody` (through `runuser`), in a folder that user owns.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The superuser every cluster made here has (trust authentication, loopback only).
pub const POSTGRES_USER: &str = "pagerhook";

/// A running cluster this process started.
#[derive(Debug)]
pub struct PgCluster {
    bin: PathBuf,
    /// The temporary folder: `data/` (the cluster), the socket, `log`.
    dir: PathBuf,
    port: u16,
    /// `runuser -u nobody --` when running as root.
    as_user: Option<String>,
    /// Whether commits wait for the disk (off for tests: `-F`).
    fsync: bool,
}

/// The folder of `initdb`, `pg_ctl` and `createdb`: `PAGERHOOK_PG_BIN` (if it holds them:
/// pointing it elsewhere makes them missing), else `PATH`, else the
/// newest `/usr/lib/postgresql/*/bin` (where Debian's `postgresql` package puts them, off
/// `PATH`).
pub fn postgres_bin() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("PAGERHOOK_PG_BIN") {
        let dir = PathBuf::from(dir);
        return dir.join("initdb").is_file().then_some(dir);
    }
    let on_path = |name: &str| crate::find_on_path(&[name]);
    if let (Some(initdb), Some(_)) = (on_path("initdb"), on_path("pg_ctl")) {
        // Follow the symlink (/usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb) to
        // the folder that also holds createdb.
        let real = std::fs::canonicalize(&initdb).unwrap_or(initdb);
        return real.parent().map(Path::to_path_buf);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// For tests that need a real PostgreSQL: the process-wide cluster (started by the first
/// caller, stopped when the process ends).
///
/// When the binaries are missing it writes a loud `*** SKIPPED <test>` to stderr and returns
/// `Ok(None)`.
///
/// # Errors
/// When the binaries are missing and `PAGERHOOK_REQUIRE_POSTGRES=1` (set by `.ci/run`), or
/// when the cluster cannot be started.
pub fn postgres_for_test(test: &str) -> Result<Option<&'static PgCluster>, String> {
    static CLUSTER: OnceLock<Result<Option<PgCluster>, String>> = OnceLock::new();
    let cluster = CLUSTER.get_or_init(|| match postgres_bin() {
        None => Ok(None),
        Some(bin) => PgCluster::start_new(&bin).map(Some),
    });
    match cluster {
        Ok(Some(cluster)) => Ok(Some(cluster)),
        Err(error) => Err(format!("{test}: cannot start PostgreSQL: {error}")),
        Ok(None) => {
            if std::env::var("PAGERHOOK_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
                return Err(format!(
                    "{test}: PAGERHOOK_REQUIRE_POSTGRES=1 but initdb/pg_ctl not found"
                ));
            }
            let message = format!(
                "\n*** SKIPPED {test}: PostgreSQL's initdb/pg_ctl not found.\n\
                 *** Install it with `apt-get install -y postgresql` to run this test.\n\n"
            );
            let _ = std::io::Write::write_all(&mut std::io::stderr(), message.as_bytes());
            Ok(None)
        }
    }
}

/// Runs `command`, returning its stderr as the error when it fails.
fn run(command: &mut Command, what: &str) -> Result<(), String> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// The effective uid of this process (the owner of `/proc/self`).
fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn id_of(user: &str, flag: &str) -> Result<u32, String> {
    let output = Command::new("id")
        .args([flag, user])
        .output()
        .map_err(|e| format!("id {flag} {user}: {e}"))?;
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .map_err(|_| format!("no user {user}"))
}

impl PgCluster {
    /// Makes and starts a new cluster of its own (for a test that stops and restarts it);
    /// stopped when the process ends, or by [`PgCluster::stop`].
    ///
    /// # Errors
    /// When `initdb` or `pg_ctl` fail (their output is in the message).
    pub fn start_new(bin: &Path) -> Result<Self, String> {
        Self::start_with(bin, false)
    }

    /// As [`PgCluster::start_new`], with fsync on: commits wait for the disk (for benchmarks).
    ///
    /// # Errors
    /// As [`PgCluster::start_new`].
    pub fn start_durable(bin: &Path) -> Result<Self, String> {
        Self::start_with(bin, true)
    }

    fn start_with(bin: &Path, fsync: bool) -> Result<Self, String> {
        static COUNT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "pagerhook-pg-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let as_user = if running_as_root() {
            let user = "nobody";
            let (uid, gid) = (id_of(user, "-u")?, id_of(user, "-g")?);
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid))
                .map_err(|e| format!("chown {}: {e}", dir.display()))?;
            Some(user.to_owned())
        } else {
            None
        };
        let cluster = Self {
            bin: bin.to_path_buf(),
            dir,
            port: crate::free_port(),
            as_user,
            fsync,
        };
        let started = run(
            cluster
                .command("initdb")
                .arg("-D")
                .arg(cluster.dir.join("data"))
                .args([
                    "-U",
                    POSTGRES_USER,
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--no-locale",
                ])
                .arg("--no-sync"),
            "initdb",
        )
        .and_then(|()| cluster.start());
        if let Err(error) = started {
            let _ = std::fs::remove_dir_all(&cluster.dir);
            return Err(error);
        }
        cluster.watch();
        Ok(cluster)
    }

    /// A command for the cluster's binary `name`, as the cluster's owner.
    fn command(&self, name: &str) -> Command {
        let binary = self.bin.join(name);
        match &self.as_user {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--"]).arg(binary);
                command
            }
            None => Command::new(binary),
        }
    }

    /// Starts the cluster (again, after [`PgCluster::stop`]) and waits until it accepts
    /// connections.
    ///
    /// # Errors
    /// When `pg_ctl start` fails.
    pub fn start(&self) -> Result<(), String> {
        let options = format!(
            "-h 127.0.0.1 -p {} -k {}{} -c max_connections=200",
            self.port,
            self.dir.display(),
            if self.fsync { "" } else { " -F" }
        );
        run(
            self.command("pg_ctl")
                .arg("-D")
                .arg(self.dir.join("data"))
                .arg("-l")
                .arg(self.dir.join("log"))
                .args(["-w", "-t", "60", "-o", &options, "start"]),
            "pg_ctl start",
        )
    }

    /// Stops the cluster at once (`-m immediate`: as if the machine went away).
    ///
    /// # Errors
    /// When `pg_ctl stop` fails.
    pub fn stop(&self) -> Result<(), String> {
        run(
            self.command("pg_ctl")
                .arg("-D")
                .arg(self.dir.join("data"))
                .args(["-w", "-t", "60", "-m", "immediate", "stop"]),
            "pg_ctl stop",
        )
    }

    /// A watchdog that stops the cluster and removes its folder once this process has ended
    /// (however it ends: a static is never dropped, and a test may panic or be killed).
    fn watch(&self) {
        let script = format!(
            "while [ -d /proc/{pid} ]; do sleep 1; done; \
             '{pg_ctl}' -D '{data}' -m immediate stop >/dev/null 2>&1; rm -rf '{dir}'",
            pid = std::process::id(),
            pg_ctl = self.bin.join("pg_ctl").display(),
            data = self.dir.join("data").display(),
            dir = self.dir.display(),
        );
        let mut command = if let Some(user) = &self.as_user {
            let mut command = Command::new("runuser");
            command.args(["-u", user, "--", "sh", "-c", &script]);
            command
        } else {
            let mut command = Command::new("sh");
            command.args(["-c", &script]);
            command
        };
        let _ = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of database `name` (no password: trust authentication on loopback).
    pub fn url(&self, name: &str) -> String {
        format!(
            "postgres://{POSTGRES_USER}@127.0.0.1:{}/{name}?sslmode=disable",
            self.port
        )
    }

    /// Creates a fresh, empty database named after `prefix` (made unique) and returns its
    /// URL.
    ///
    /// # Errors
    /// When `createdb` fails.
    pub fn create_database(&self, prefix: &str) -> Result<String, String> {
        static COUNT: AtomicU32 = AtomicU32::new(0);
        let clean: String = prefix
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .take(40)
            .collect();
        let name = format!("{clean}_{}", COUNT.fetch_add(1, Ordering::Relaxed));
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            // createdb is a client: it runs as whoever we are, over TCP.
            let created = run(
                Command::new(self.bin.join("createdb"))
                    .args(["-h", "127.0.0.1", "-U", POSTGRES_USER, "-p"])
                    .arg(self.port.to_string())
                    .arg(&name),
                "createdb",
            );
            match created {
                Ok(()) => return Ok(self.url(&name)),
                // Two createdb at once may find template1 busy: try again, for a while.
                Err(error) if Instant::now() < deadline && error.contains("template1") => {
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(error) => return Err(error),
            }
        }
    }
}
