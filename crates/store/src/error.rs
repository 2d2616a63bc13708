//! The store layer's single error type; the web layer maps it to HTTP once.

use domain::{FieldError, ValidationErrors};

/// A possible duplicate found before registering a child (same normalised kana and birth date).
#[derive(Clone, Debug, serde::Serialize)]
pub struct DuplicateCandidate {
    /// Existing child's id.
    pub id: String,
    /// Existing child's name as registered.
    pub name: String,
    /// Existing child's フリガナ.
    pub kana: String,
    /// Birth date (YYYY-MM-DD).
    pub birth_date: String,
}

/// Everything a store use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The caller's input is invalid; nothing was written.
    #[error("invalid input: {0}")]
    Validation(ValidationErrors),
    /// A child with the same kana and birth date exists; the caller must confirm.
    #[error("possible duplicate child")]
    PossibleDuplicate(Vec<DuplicateCandidate>),
    /// No such record (or not visible to the actor — we do not reveal which).
    #[error("not found")]
    NotFound,
    /// The record exists in the actor's center but outside their scope; audited by the caller.
    #[error("forbidden")]
    Forbidden,
    /// The record changed since the caller read it.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Bad configuration (e.g. an unsupported database URL).
    #[error("configuration: {0}")]
    Config(String),
    /// Database failure.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// Migration failure.
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<ValidationErrors> for StoreError {
    fn from(e: ValidationErrors) -> Self {
        StoreError::Validation(e)
    }
}

impl From<FieldError> for StoreError {
    fn from(e: FieldError) -> Self {
        StoreError::Validation(ValidationErrors(vec![e]))
    }
}
