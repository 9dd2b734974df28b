//! One error type for handlers; the error-page middleware renders it in the
//! person's language with the request id.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use siar_app::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    Forbidden,
    Csrf,
    TooLarge,
    Internal,
}

impl ErrorKind {
    pub fn status(self) -> StatusCode {
        match self {
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Forbidden | ErrorKind::Csrf => StatusCode::FORBIDDEN,
            ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// A handler's failure. Its response carries an [`ErrorKind`] marker that
/// `middleware::error_pages` turns into a full page.
#[derive(Debug)]
pub struct WebError(pub ErrorKind);

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let mut r = self.0.status().into_response();
        r.extensions_mut().insert(self.0);
        r
    }
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound => WebError(ErrorKind::NotFound),
            AppError::Forbidden => WebError(ErrorKind::Forbidden),
            other => {
                tracing::error!("request failed: {other}");
                WebError(ErrorKind::Internal)
            }
        }
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        tracing::error!("template failed: {e}");
        WebError(ErrorKind::Internal)
    }
}

pub type WebResult<T = Response> = Result<T, WebError>;
