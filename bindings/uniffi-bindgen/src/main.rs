//! `cargo run -p samat-uniffi-bindgen -- generate --library target/debug/libsamat_ffi.so --language kotlin --out-dir OUT`
//!
//! The bindings generator, built from the same uniffi version as `samat-ffi` (a globally
//! installed one would silently produce bindings that disagree with the library's checksums).

fn main() {
    uniffi::uniffi_bindgen_main()
}
