//! The server under test: exactly the `samat-server` command line, built in this package so
//! the tests can find it (`CARGO_BIN_EXE_e2e-server`), start it, and kill it.

fn main() {
    samat_server::cli::run_main();
}
