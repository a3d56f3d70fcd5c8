//! `samat`: the command-line client of the 124 complaint service. See `samat --help`.

fn main() -> std::process::ExitCode {
    samat_cli::run()
}
