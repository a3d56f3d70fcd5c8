// A small Jetpack Compose app over the `samat` library, the citizen's whole journey in Persian:
// login with the SMS code (and logout); a new complaint with the business scanned, typed by guild
// ID or searched by name and city, the day on a Jalali picker, amount, address, and photos from
// the camera or the gallery; the tracking code after submitting; queued and refused work with
// what to do; an offline banner; each complaint with the business's answer to accept or reject,
// the verdict, withdrawing and the complaint about the handling; push notifications. Right to
// left, in the bundled Vazirmatn font (res/font, SIL Open Font Licence: licenses/).
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
    id("org.jetbrains.kotlin.plugin.compose")
    id("com.google.gms.google-services") version "4.4.4" apply false
}

// FCM is optional. It needs the Firebase project's google-services.json in this folder
// (android/sample/google-services.json, for application id ir.samat.sample); the plugin that reads
// it is applied only when the file is there. Without it the app builds and runs the same: push
// comes through UnifiedPush when a distributor is installed, else the long-poll keeps an open app
// current (Push.fcmAvailable is false when Firebase was not configured).
if (file("google-services.json").exists()) {
    apply(plugin = "com.google.gms.google-services")
}

android {
    namespace = "ir.samat.sample"
    compileSdk = 35

    defaultConfig {
        applicationId = "ir.samat.sample"
        minSdk = 24
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
        // The demo server on the development machine, as the emulator sees it
        // (`cargo run --release -p samat-server -- --demo --listen 0.0.0.0:8124`).
        buildConfigField("String", "SERVER_URL", "\"http://10.0.2.2:8124\"")
    }

    buildFeatures {
        compose = true
        buildConfig = true
    }

    buildTypes {
        release {
            isMinifyEnabled = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "proguard-rules.pro")
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
    implementation(project(":samat"))
    implementation(platform("androidx.compose:compose-bom:2024.12.01"))
    implementation("androidx.compose.ui:ui")
    implementation("androidx.compose.material3:material3")
    implementation("androidx.activity:activity-compose:1.9.3")
    implementation("androidx.lifecycle:lifecycle-viewmodel-compose:2.8.7")
    implementation("androidx.lifecycle:lifecycle-runtime-compose:2.8.7")
    implementation("androidx.camera:camera-camera2:1.4.1")
    implementation("androidx.camera:camera-lifecycle:1.4.1")
    implementation("androidx.camera:camera-view:1.4.1")
    implementation("androidx.lifecycle:lifecycle-runtime-ktx:2.8.7")
    implementation("androidx.core:core:1.15.0") // NotificationCompat, notification channels
    // Push: UnifiedPush (no Google services needed; connector 3.x: PushService, Web Push keys and
    // decryption built in) and FCM (Google Play services; see google-services.json above).
    implementation("org.unifiedpush.android:connector:3.1.2")
    implementation("com.google.firebase:firebase-messaging:25.1.3")
    implementation("com.google.android.gms:play-services-base:18.9.0") // GoogleApiAvailability
}
