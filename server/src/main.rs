//! `samat-server`: the 124 complaint server. See `samat-server --help`.

fn main() {
    samat_server::cli::run_main();
}
