// The Android library apps embed: the Rust core (one libsamat_ffi.so per ABI, built by
// `cargo xtask android` into src/main/jniLibs), the Kotlin uniffi generated from it
// (src/generated/kotlin, package ir.samat.ffi), and the hand-written facade (src/main/kotlin,
// package ir.samat) — the facade is plain JVM Kotlin and is tested on the JVM in CI
// (android/jvm-tests).
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
}

android {
    namespace = "ir.samat"
    compileSdk = 35

    defaultConfig {
        minSdk = 24
        consumerProguardFiles("consumer-rules.pro")
        ndk {
            abiFilters += listOf("arm64-v8a", "armeabi-v7a", "x86_64")
        }
    }

    buildTypes {
        release {
            isMinifyEnabled = false
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "proguard-rules.pro")
        }
    }

    sourceSets {
        getByName("main") {
            java.srcDirs("src/main/kotlin", "src/generated/kotlin")
            jniLibs.srcDirs("src/main/jniLibs")
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
    }
}

dependencies {
    // JNA as an AAR: it carries libjnidispatch.so for every Android ABI (the plain jar does not).
    api("net.java.dev.jna:jna:5.19.1@aar")
    api("org.jetbrains.kotlinx:kotlinx-coroutines-core:1.11.0")
    api("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.11.0")
}

// A clear message instead of "unresolved reference: SamatClient" when the Rust side was not built.
val generatedBindings = file("src/generated/kotlin/ir/samat/ffi/samat_ffi.kt")
val arm64Library = file("src/main/jniLibs/arm64-v8a/libsamat_ffi.so")
val checkRustOutputs by tasks.registering {
    doLast {
        if (!generatedBindings.exists() || !arm64Library.exists()) {
            throw GradleException("The Rust library or its Kotlin bindings are missing: run `cargo xtask android` at the repository root.")
        }
    }
}
tasks.named("preBuild") { dependsOn(checkRustOutputs) }
