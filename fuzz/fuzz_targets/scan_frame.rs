#![no_main]
//! libFuzzer entry for `samat_fuzz_targets::scan_frame`; decoder panics that the code under test
//! catches are let through (see `contain_dependency_panics`).

use libfuzzer_sys::fuzz_target;

fuzz_target!(init: samat_fuzz_targets::contain_dependency_panics(), |data: &[u8]| {
    samat_fuzz_targets::scan_frame(data);
});
