// The Android side of Samat: `samat` (the library module apps embed) and `sample` (a small
// Jetpack Compose app). Build the Rust library and the Kotlin bindings first:
//     cargo xtask android
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "samat-android"
include(":samat", ":sample")
