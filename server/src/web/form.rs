//! Forms posted by the pages: reading them (a malformed form is a page that says so, not a
//! plain-text error), and the Persian problems shown next to each field and in the summary at
//! the top, with links to the fields.

use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use samat_core::model::api::FieldError;
use samat_core::model::labels::error_message_fa;
use serde::de::DeserializeOwned;

use super::page::html_response;

/// An `application/x-www-form-urlencoded` body.
pub struct WebForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for WebForm<T> {
    type Rejection = Response;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Form::<T>::from_request(req, state).await {
            Ok(axum::extract::Form(v)) => Ok(WebForm(v)),
            Err(e) => {
                tracing::debug!(error = %e.body_text(), "unreadable form");
                let status = if e.status() == StatusCode::PAYLOAD_TOO_LARGE { StatusCode::PAYLOAD_TOO_LARGE } else { StatusCode::BAD_REQUEST };
                Err(html_response(
                    status,
                    "<!doctype html><html lang=\"fa\" dir=\"rtl\"><meta charset=\"utf-8\"><title>فرم نامعتبر</title>\
                     <p>فرم ارسال‌شده قابل خواندن نیست. لطفاً به صفحه قبل برگردید، آن را تازه کنید و دوباره بفرستید.</p></html>"
                        .to_owned(),
                )
                .into_response())
            }
        }
    }
}

/// An option of a `<select>`.
pub struct Opt {
    /// Its value.
    pub value: String,
    /// What it says.
    pub label: String,
    /// Whether it is chosen.
    pub selected: bool,
}

/// One field's problem, in Persian.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The field's name (its input's `id` too).
    pub field: String,
    /// What is wrong and what to do.
    pub message: String,
}

/// The problems of a refused form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    /// No problems.
    pub fn none() -> Problems {
        Problems(Vec::new())
    }

    /// The problems the core or the server found, in Persian; `rename` maps a wire field name
    /// to the form's own when they differ.
    pub fn from_fields(fields: &[FieldError], rename: &dyn Fn(&str) -> String) -> Problems {
        Problems(fields.iter().map(|f| Problem { field: rename(&f.field), message: error_message_fa(&f.code).to_owned() }).collect())
    }

    /// Adds a problem with `field`.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(Problem { field: field.to_owned(), message: message.into() });
    }

    /// The first problem with `field`, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|p| p.field == field).map(|p| p.message.as_str())
    }

    /// Whether `field` has a problem (for the `has-error` class).
    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    /// Whether there is any problem.
    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }

    /// Every problem, for the summary.
    pub fn all(&self) -> &[Problem] {
        &self.0
    }
}

pub use samat_core::model::text::{parse_rials, NotAnAmount};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_are_found_by_field() {
        let fields = vec![FieldError::new("description", "description_empty", "x"), FieldError::new("guild_id", "invalid_guild_id", "y")];
        let p = Problems::from_fields(&fields, &|f| f.to_owned());
        assert!(p.any() && p.has("description") && !p.has("phone"));
        assert_eq!(p.get("description"), Some(error_message_fa("description_empty")));
    }
}
