#![no_main]
//! libFuzzer entry for `samat_fuzz_targets::text`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    samat_fuzz_targets::text(data);
});
