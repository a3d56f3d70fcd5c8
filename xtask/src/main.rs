//! Packaging tasks, one command per platform (`cargo xtask <task>`, aliased in `.cargo/config.toml`):
//!
//! - `bindings [--no-build]`: builds `samat-ffi` and `samat-server` for this machine (debug) and
//!   the workspace's own `uniffi-bindgen`, and generates Kotlin, Python and Swift into
//!   `target/bindings/` — what the JVM and Python tests use.
//! - `android`: the library for arm64-v8a, armeabi-v7a and x86_64 with cargo-ndk into
//!   `android/samat/src/main/jniLibs/`, stripped, and the Kotlin into `android/samat/src/generated/kotlin/`.
//! - `ios`: the static library for devices and simulators, an XCFramework at
//!   `ios/SamatFFI.xcframework`, and the Swift into `ios/Sources/Samat/Generated/`.
//! - `size`: the shipped library for this machine, stripped, and its size (`bench/ffi-size.sh`).
//!
//! Shipped libraries are built with `cargo rustc --crate-type cdylib` (or `staticlib`) and the
//! `release-ffi` profile: building one crate type at a time is what lets the fat LTO of the
//! profile happen (with `lib` in the same build, rustc skips it and the library is ~25% larger).
//!
//! Bindings are always generated from an unstripped library (stripping removes the uniffi
//! metadata the generator reads); what ships is stripped afterwards. No dependencies: this
//! crate only runs other programs.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{exit, Command};

/// The profile that ships (see the workspace Cargo.toml: size-tuned, unwinding).
const SHIP_PROFILE: &str = "release-ffi";
const ANDROID_ABIS: [(&str, &str); 3] =
    [("arm64-v8a", "aarch64-linux-android"), ("armeabi-v7a", "armv7-linux-androideabi"), ("x86_64", "x86_64-linux-android")];
const IOS_DEVICE: &str = "aarch64-apple-ios";
const IOS_SIMULATORS: [&str; 2] = ["aarch64-apple-ios-sim", "x86_64-apple-ios"];

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("bindings") => bindings(args.iter().any(|a| a == "--no-build")),
        Some("android") => android(),
        Some("ios") => ios(),
        Some("size") => size(),
        _ => Err(USAGE.to_owned()),
    };
    if let Err(message) = result {
        eprintln!("xtask: {message}");
        exit(1);
    }
}

const USAGE: &str = "usage: cargo xtask <bindings [--no-build] | android | ios | size>
  bindings  host library and server (debug) + Kotlin/Python/Swift into target/bindings/ (for the tests)
  android   .so for arm64-v8a, armeabi-v7a, x86_64 into android/samat/src/main/jniLibs + Kotlin
  ios       XCFramework ios/SamatFFI.xcframework + Swift into ios/Sources/Samat/Generated
  size      the shipped library for this machine, stripped, and its size (target: <= 6 MB)";

/// Largest stripped library we accept (x86_64 Linux, a proxy for one Android ABI).
const SIZE_TARGET: u64 = 6_000_000;

/// `cargo rustc` arguments that build the shipped library of `crate_type` for `target`.
fn ship_args(crate_type: &str, target: Option<&str>) -> Vec<String> {
    let mut args: Vec<String> = ["rustc", "--locked", "-p", "samat-ffi", "--profile", SHIP_PROFILE, "--crate-type", crate_type].map(String::from).to_vec();
    if let Some(t) = target {
        args.extend(["--target".to_owned(), t.to_owned()]);
    }
    args
}

type Result<T = ()> = std::result::Result<T, String>;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_owned()
}

/// Where cargo puts its output (honours `CARGO_TARGET_DIR` and `.cargo/config.toml`).
fn target_dir() -> Result<PathBuf> {
    let out = Command::new(cargo())
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(workspace())
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let key = "\"target_directory\":\"";
    let start = text.find(key).ok_or("cargo metadata printed no target_directory")? + key.len();
    let end = text[start..].find('"').ok_or("malformed cargo metadata")? + start;
    Ok(PathBuf::from(text[start..end].replace("\\\\", "\\")))
}

fn cargo() -> String {
    env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

fn run(cmd: &mut Command) -> Result {
    eprintln!("+ {cmd:?}");
    let status = cmd.status().map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{:?} failed ({status})", cmd.get_program()))
    }
}

fn have(program: &str, arg: &str) -> bool {
    Command::new(program).arg(arg).output().is_ok_and(|o| o.status.success())
}

fn dylib_name() -> &'static str {
    if cfg!(target_os = "macos") {
        "libsamat_ffi.dylib"
    } else if cfg!(windows) {
        "samat_ffi.dll"
    } else {
        "libsamat_ffi.so"
    }
}

/// Runs the workspace's own uniffi-bindgen on `library` for `language` into `out`.
fn generate(target: &Path, library: &Path, language: &str, out: &Path) -> Result {
    let bindgen = target.join("debug").join(if cfg!(windows) { "uniffi-bindgen.exe" } else { "uniffi-bindgen" });
    if !bindgen.exists() {
        return Err(format!("{} is missing: build it with `cargo build -p samat-uniffi-bindgen`", bindgen.display()));
    }
    let _ = fs::remove_dir_all(out);
    fs::create_dir_all(out).map_err(|e| e.to_string())?;
    run(Command::new(bindgen)
        .current_dir(workspace())
        .args(["generate", "--library"])
        .arg(library)
        .args(["--language", language, "--no-format", "--out-dir"])
        .arg(out))
}

fn build_bindgen() -> Result {
    run(Command::new(cargo()).current_dir(workspace()).args(["build", "--locked", "-p", "samat-uniffi-bindgen"]))
}

fn bindings(no_build: bool) -> Result {
    let target = target_dir()?;
    if !no_build {
        // The server too: the JVM tests drive a real one. Built together, so the core is
        // compiled once for both; the bindgen on its own, so its `cli` feature never reaches
        // the library.
        run(Command::new(cargo()).current_dir(workspace()).args(["build", "--locked", "-p", "samat-ffi", "-p", "samat-server"]))?;
        build_bindgen()?;
    }
    let library = target.join("debug").join(dylib_name());
    if !library.exists() {
        return Err(format!("{} is missing: build it with `cargo build -p samat-ffi`", library.display()));
    }
    for language in ["kotlin", "python", "swift"] {
        generate(&target, &library, language, &target.join("bindings").join(language))?;
    }
    eprintln!("bindings for {} in {}", library.display(), target.join("bindings").display());
    Ok(())
}

fn installed_targets() -> Vec<String> {
    Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).lines().map(str::to_owned).collect())
        .unwrap_or_default()
}

fn require_targets(targets: &[&str]) -> Result {
    let installed = installed_targets();
    let missing: Vec<&str> = targets.iter().copied().filter(|t| !installed.iter().any(|i| i == t)).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("missing Rust targets; install them with:\n    rustup target add {}", missing.join(" ")))
    }
}

fn android_ndk() -> Result<PathBuf> {
    for var in ["ANDROID_NDK_HOME", "ANDROID_NDK_ROOT", "NDK_HOME"] {
        if let Some(dir) = env::var_os(var).map(PathBuf::from).filter(|d| d.is_dir()) {
            return Ok(dir);
        }
    }
    for var in ["ANDROID_HOME", "ANDROID_SDK_ROOT"] {
        if let Some(sdk) = env::var_os(var).map(PathBuf::from) {
            let mut versions: Vec<PathBuf> = fs::read_dir(sdk.join("ndk")).into_iter().flatten().flatten().map(|e| e.path()).collect();
            versions.sort();
            if let Some(newest) = versions.pop() {
                return Ok(newest);
            }
        }
    }
    Err("no Android NDK found: install it with the SDK manager (`sdkmanager \"ndk;27.2.12479018\"`) and set \
         ANDROID_NDK_HOME (or ANDROID_HOME with an ndk/ folder)"
        .into())
}

fn android() -> Result {
    let ndk = android_ndk()?;
    if !have("cargo-ndk", "--version") && !Command::new(cargo()).args(["ndk", "--version"]).output().is_ok_and(|o| o.status.success()) {
        return Err("cargo-ndk is not installed: `cargo install cargo-ndk`".into());
    }
    require_targets(&ANDROID_ABIS.map(|(_, t)| t))?;
    let root = workspace();
    let target = target_dir()?;
    let jni_libs = root.join("android/samat/src/main/jniLibs");
    for (abi, triple) in ANDROID_ABIS {
        // cargo-ndk sets the NDK's compiler and linker for the ABI; the library is built as a
        // cdylib only, so the profile's LTO applies.
        // 16 KB pages: required of apps targeting Android 15 (older NDKs align to 4 KB).
        let rustflags = format!("CARGO_TARGET_{}_RUSTFLAGS", triple.to_uppercase().replace('-', "_"));
        run(Command::new(cargo())
            .current_dir(&root)
            .env("ANDROID_NDK_HOME", &ndk)
            .env(rustflags, "-C link-arg=-Wl,-z,max-page-size=16384")
            .args(["ndk", "-t", abi])
            .args(ship_args("cdylib", None)))?;
        let built = target.join(triple).join(SHIP_PROFILE).join("libsamat_ffi.so");
        fs::create_dir_all(jni_libs.join(abi)).map_err(|e| e.to_string())?;
        copy(&built, &jni_libs.join(abi).join("libsamat_ffi.so"))?;
    }

    // Kotlin from the unstripped arm64 build in target/ (the copies in jniLibs get stripped).
    build_bindgen()?;
    let unstripped = target.join(ANDROID_ABIS[0].1).join(SHIP_PROFILE).join("libsamat_ffi.so");
    generate(&target, &unstripped, "kotlin", &root.join("android/samat/src/generated/kotlin"))?;

    let strip = llvm_strip(&ndk).ok_or_else(|| format!("no llvm-strip under {}", ndk.display()))?;
    for (abi, _) in ANDROID_ABIS {
        let so = jni_libs.join(abi).join("libsamat_ffi.so");
        run(Command::new(&strip).arg("--strip-all").arg(&so))?;
        let size = fs::metadata(&so).map(|m| m.len()).unwrap_or(0);
        eprintln!("{abi}: {} ({:.2} MB stripped)", so.display(), size as f64 / 1e6);
    }
    Ok(())
}

fn llvm_strip(ndk: &Path) -> Option<PathBuf> {
    let prebuilt = ndk.join("toolchains/llvm/prebuilt");
    fs::read_dir(prebuilt).ok()?.flatten().map(|host| host.path().join("bin/llvm-strip")).find(|p| p.exists())
}

fn ios() -> Result {
    if !cfg!(target_os = "macos") {
        return Err("the iOS build needs macOS with Xcode (xcodebuild, lipo); on this machine use `cargo xtask bindings` \
                    to generate the Swift sources only"
            .into());
    }
    if !have("xcodebuild", "-version") {
        return Err("xcodebuild not found: install Xcode and run `sudo xcode-select -s /Applications/Xcode.app`".into());
    }
    let mut all_targets = vec![IOS_DEVICE];
    all_targets.extend(IOS_SIMULATORS);
    require_targets(&all_targets)?;
    let root = workspace();
    let target = target_dir()?;
    for t in &all_targets {
        run(Command::new(cargo()).current_dir(&root).args(ship_args("staticlib", Some(t))))?;
    }
    let lib = |t: &str| target.join(t).join(SHIP_PROFILE).join("libsamat_ffi.a");

    // Swift, header and modulemap from the device library (static archives carry the metadata).
    build_bindgen()?;
    let generated = target.join("ios-bindings");
    generate(&target, &lib(IOS_DEVICE), "swift", &generated)?;
    let sources = root.join("ios/Sources/Samat/Generated");
    fs::create_dir_all(&sources).map_err(|e| e.to_string())?;
    // Two uniffi components share the library: the bindings and the core's own types.
    for swift in ["samat_ffi.swift", "samat_core.swift"] {
        copy(&generated.join(swift), &sources.join(swift))?;
    }
    let headers = target.join("ios-headers");
    let _ = fs::remove_dir_all(&headers);
    fs::create_dir_all(&headers).map_err(|e| e.to_string())?;
    for header in ["samat_ffiFFI.h", "samat_coreFFI.h"] {
        copy(&generated.join(header), &headers.join(header))?;
    }
    // An XCFramework's headers folder needs the modulemap under this exact name; one C module
    // holds both headers (both components' Swift import `samat_ffiFFI`).
    let modulemap = "module samat_ffiFFI {\n    header \"samat_ffiFFI.h\"\n    header \"samat_coreFFI.h\"\n    export *\n}\n";
    fs::write(headers.join("module.modulemap"), modulemap).map_err(|e| e.to_string())?;

    // One fat simulator library (arm64 + x86_64), then the XCFramework.
    let sim = target.join("ios-sim").join("libsamat_ffi.a");
    fs::create_dir_all(sim.parent().unwrap()).map_err(|e| e.to_string())?;
    let mut lipo = Command::new("lipo");
    lipo.arg("-create");
    for t in IOS_SIMULATORS {
        lipo.arg(lib(t));
    }
    run(lipo.arg("-output").arg(&sim))?;
    let xcframework = root.join("ios/SamatFFI.xcframework");
    let _ = fs::remove_dir_all(&xcframework);
    run(Command::new("xcodebuild")
        .arg("-create-xcframework")
        .arg("-library")
        .arg(lib(IOS_DEVICE))
        .arg("-headers")
        .arg(&headers)
        .arg("-library")
        .arg(&sim)
        .arg("-headers")
        .arg(&headers)
        .arg("-output")
        .arg(&xcframework))?;
    eprintln!("{} and {} are ready; open ios/Package.swift in Xcode", xcframework.display(), sources.display());
    Ok(())
}

fn size() -> Result {
    let root = workspace();
    let target = target_dir()?;
    run(Command::new(cargo()).current_dir(&root).args(ship_args("cdylib", None)))?;
    let built = target.join(SHIP_PROFILE).join(dylib_name());
    let stripped = target.join(SHIP_PROFILE).join("stripped").join(dylib_name());
    fs::create_dir_all(stripped.parent().unwrap()).map_err(|e| e.to_string())?;
    copy(&built, &stripped)?;
    let strip_args: &[&str] = if cfg!(target_os = "macos") { &["-x"] } else { &["--strip-all"] };
    run(Command::new("strip").args(strip_args).arg(&stripped))?;
    let len = |p: &Path| fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let (full, shipped) = (len(&built), len(&stripped));
    println!(
        "{} ({}-{}, {SHIP_PROFILE}): {:.2} MB unstripped (what uniffi-bindgen reads), {:.2} MB stripped (what ships; target <= {:.0} MB)",
        dylib_name(),
        env::consts::ARCH,
        env::consts::OS,
        full as f64 / 1e6,
        shipped as f64 / 1e6,
        SIZE_TARGET as f64 / 1e6
    );

    let tree = Command::new(cargo())
        .current_dir(&root)
        .args(["tree", "--locked", "-p", "samat-ffi", "-e", "features"])
        .output()
        .map_err(|e| format!("cargo tree: {e}"))?;
    if String::from_utf8_lossy(&tree.stdout).to_lowercase().contains("openssl") {
        return Err("OpenSSL is in samat-ffi's dependency tree: TLS must come from rustls (OpenSSL breaks on Android)".into());
    }
    println!("TLS: rustls only (no openssl in `cargo tree -p samat-ffi -e features`)");
    if shipped > SIZE_TARGET {
        return Err(format!("the stripped library is {:.2} MB, over the {:.0} MB target", shipped as f64 / 1e6, SIZE_TARGET as f64 / 1e6));
    }
    Ok(())
}

fn copy(from: &Path, to: &Path) -> Result {
    fs::copy(from, to).map(|_| ()).map_err(|e| format!("copy {} -> {}: {e}", from.display(), to.display()))
}
