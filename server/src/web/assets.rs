//! The files the pages load — style sheet, scripts, the Vazirmatn font (SIL OFL, with its
//! licence), icons, the web app manifest and the service worker — built into the binary and
//! served by it: nothing is ever loaded from another host. Each URL carries a hash of the
//! content (`?v=…`), so browsers keep a file for a year and fetch it again when it changes.

use std::sync::LazyLock;

use axum::extract::{Path, Query};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::state::AppState;

/// One built-in file.
pub struct Asset {
    /// Its name under `/assets/`.
    pub name: &'static str,
    /// MIME type.
    pub content_type: &'static str,
    pub bytes: &'static [u8],
    /// Short content hash, the version in its URL and its ETag.
    pub hash: String,
}

impl Asset {
    /// The URL pages link to: `/assets/NAME?v=HASH`.
    pub fn url(&self) -> String {
        format!("/assets/{}?v={}", self.name, self.hash)
    }
}

macro_rules! asset {
    ($name:literal, $type:literal, $path:literal) => {
        ($name, $type, include_bytes!($path) as &'static [u8])
    };
}

const FILES: &[(&str, &str, &[u8])] = &[
    asset!("app.css", "text/css; charset=utf-8", "../../assets/app.css"),
    asset!("app.js", "text/javascript; charset=utf-8", "../../assets/app.js"),
    asset!("staff.js", "text/javascript; charset=utf-8", "../../assets/staff.js"),
    asset!("portal.js", "text/javascript; charset=utf-8", "../../assets/portal.js"),
    asset!("fonts/vazirmatn.woff2", "font/woff2", "../../assets/fonts/vazirmatn.woff2"),
    asset!("fonts/OFL.txt", "text/plain; charset=utf-8", "../../assets/fonts/OFL.txt"),
    asset!("icons/icon.svg", "image/svg+xml", "../../assets/icons/icon.svg"),
    asset!("icons/icon-192.png", "image/png", "../../assets/icons/icon-192.png"),
    asset!("icons/icon-512.png", "image/png", "../../assets/icons/icon-512.png"),
];

/// The service worker: served from the site's root so its scope is the whole portal.
const SERVICE_WORKER: &[u8] = include_bytes!("../../assets/sw.js");

/// Every built-in file.
pub static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|(name, content_type, bytes)| {
            let digest = Sha256::digest(bytes);
            let hash = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
            Asset { name, content_type, bytes, hash }
        })
        .collect()
});

/// The versioned URL of asset `name` (its plain path when there is none).
pub fn url(name: &str) -> String {
    ASSETS.iter().find(|a| a.name == name).map_or_else(|| format!("/assets/{name}"), Asset::url)
}

/// Routes of the assets, the manifest and the service worker.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/assets/{*name}", get(serve))
        .route("/sw.js", get(service_worker))
        .route("/manifest.webmanifest", get(manifest))
        .route("/favicon.ico", get(|| async { ([(header::LOCATION, url("icons/icon.svg"))], StatusCode::MOVED_PERMANENTLY) }))
}

#[derive(Deserialize)]
struct Version {
    v: Option<String>,
}

async fn serve(Path(name): Path<String>, Query(version): Query<Version>, headers: HeaderMap) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.name == name) else {
        return (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "not found").into_response();
    };
    let etag = format!("\"{}\"", asset.hash);
    // A URL with the current version never changes; any other may.
    let cache = if version.v.as_deref() == Some(asset.hash.as_str()) { "public, max-age=31536000, immutable" } else { "public, max-age=300" };
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.split(',').any(|t| t.trim() == etag)) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag), (header::CACHE_CONTROL, cache.to_owned())]).into_response();
    }
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            (header::ETAG, HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\""))),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        ],
        asset.bytes,
    )
        .into_response()
}

async fn service_worker() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            // Browsers check for a new worker at every visit when it is not cached long.
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        SERVICE_WORKER,
    )
        .into_response()
}

/// The web app manifest: the portal installs as «سامانه ۱۲۴» with its icons.
async fn manifest() -> Response {
    let body = serde_json::json!({
        "name": "سامانه ۱۲۴ — ثبت و پیگیری شکایات",
        "short_name": "سامانه ۱۲۴",
        "description": "ثبت و پیگیری شکایت از تخلفات صنفی، وزارت صنعت، معدن و تجارت",
        "lang": "fa",
        "dir": "rtl",
        "start_url": "/?source=app",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f4f6f8",
        "theme_color": "#0b5cad",
        "icons": [
            { "src": url("icons/icon-192.png"), "sizes": "192x192", "type": "image/png" },
            { "src": url("icons/icon-512.png"), "sizes": "512x512", "type": "image/png" },
            { "src": url("icons/icon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any" }
        ]
    });
    ([(header::CONTENT_TYPE, "application/manifest+json"), (header::CACHE_CONTROL, "public, max-age=3600")], body.to_string()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_has_a_versioned_url_and_nothing_points_elsewhere() {
        for a in ASSETS.iter() {
            assert!(!a.bytes.is_empty(), "{}", a.name);
            assert_eq!(url(a.name), format!("/assets/{}?v={}", a.name, a.hash));
            if a.content_type.starts_with("text/") {
                let text = std::str::from_utf8(a.bytes).unwrap();
                assert!(!text.contains("http://") && !text.contains("https://") || a.name.ends_with("OFL.txt"), "{} loads from another host", a.name);
            }
        }
    }
}
