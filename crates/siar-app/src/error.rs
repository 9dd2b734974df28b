use siar_domain::validate::Problems;
use siar_store::StoreError;

/// Every way a use case can fail. The web layer maps each to a page, a partial or
/// JSON with the request id.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input is wrong; nothing was changed. Carries per-field message keys.
    #[error("invalid input")]
    Invalid(Problems),
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// Sign-in refused; the key says why (e.g. `login-invalid`).
    #[error("sign-in refused: {key}")]
    Unauthenticated {
        key: &'static str,
        minutes: Option<i64>,
    },
    /// A post broke a platform's rules; the report says which, per channel.
    #[error("the post does not meet the channels' rules")]
    PostRefused(Box<crate::publishing::Report>),
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    pub fn field(field: &'static str, key: &'static str) -> Self {
        let mut p = Problems::default();
        p.push(field, key);
        AppError::Invalid(p)
    }
}
