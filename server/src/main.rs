//! `samat-server`: the 124 complaint server. See `samat-server --help`.

#[tokio::main]
async fn main() {
    samat_server::cli::main().await;
}
