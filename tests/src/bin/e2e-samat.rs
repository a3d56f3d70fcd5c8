//! The `samat` command line under test: exactly the CLI's code, built in this package so the
//! tests can find it (`CARGO_BIN_EXE_e2e-samat`) and kill it mid-sync.

fn main() -> std::process::ExitCode {
    samat_cli::run()
}
