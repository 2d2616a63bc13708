//! Field schemas of the web layer's own request types (`#[schema(schema_with = …)]`), where a
//! field's rule is more than its Rust type. Those of domain and store types are in
//! [`domain::openapi`].

use domain::openapi::one_of;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};

/// `YYYY-MM` (a one-digit month too, years 1900-9999), as `YearMonth::parse` reads it.
pub const MONTH_PATTERN: &str = "^(19[0-9]{2}|[2-9][0-9]{3})-(0?[1-9]|1[0-2])$";

/// An admin's action on a user.
pub fn user_action() -> ObjectBuilder {
    one_of(["disable", "enable", "end_sessions", "unlock", "reset_mfa"])
}

/// A safety check-in status.
pub fn checkin_status() -> ObjectBuilder {
    one_of(
        store::disaster::CheckinStatus::all()
            .into_iter()
            .map(|s| s.code()),
    )
}

/// A month, or empty for the default (the previous month).
pub fn month_or_blank() -> OneOfBuilder {
    OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(MONTH_PATTERN)),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(0)),
        )
        .description(Some(
            "YYYY-MM (default: the previous month, also when empty)",
        ))
}

/// A whole number in `min..=max`, or empty for the default (the incident page's form shares the
/// parser, and empty fields are the form's default).
fn whole_or_empty(min: i64, max: i64, desc: &str) -> OneOfBuilder {
    OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(min))
                .maximum(Some(max)),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(0)),
        )
        .description(Some(desc))
}

/// Triage rows to skip.
pub fn triage_offset() -> OneOfBuilder {
    whole_or_empty(0, 100_000_000, "Rows to skip (default 0, also when empty)")
}

/// Triage rows to return.
pub fn triage_limit() -> OneOfBuilder {
    whole_or_empty(1, 1000, "Rows to return (default 100, also when empty)")
}
