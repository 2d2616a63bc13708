//! Messages for emergency access to a child's record outside one's scope (緊急閲覧, break-glass).

use crate::FieldError;

/// この児童は通常の権限で閲覧できます: break-glass asked for a child already in scope
/// (field `reason`).
pub fn break_glass_not_needed() -> FieldError {
    FieldError::new(
        "reason",
        "not_needed",
        "この児童は通常の権限で閲覧できます",
        "You can already open this child's record",
    )
}

/// 理由は10文字以上で具体的に書いてください: a break-glass reason that is too short
/// (field `reason`).
pub fn break_glass_reason_too_short() -> FieldError {
    FieldError::new(
        "reason",
        "reason_too_short",
        "理由は10文字以上で具体的に書いてください（例: 担当コーディネーター不在中に家族から緊急の相談）",
        "Give a specific reason of at least 10 characters",
    )
}

/// One output of every function above, for the catalogue's tests.
#[cfg(test)]
pub(super) fn all() -> Vec<FieldError> {
    vec![break_glass_not_needed(), break_glass_reason_too_short()]
}
