//! The `pagerhook` binary: see the `pager_cli` library and the README.

fn main() -> std::process::ExitCode {
    pager_cli::run(std::env::args_os())
}
