//! Finding the tools the live tests need (a real Alertmanager, `python3`), or skipping loudly.

use std::path::PathBuf;

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
