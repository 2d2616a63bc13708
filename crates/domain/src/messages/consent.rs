//! Messages for consent to share information (情報提供の同意) and referrals to other centers.

use crate::FieldError;

/// 紹介先のセンターが見つかりません（自センターは選べません）: a consent naming an unknown
/// center or the actor's own (field `recipient_code`).
pub fn unknown_recipient_center() -> FieldError {
    FieldError::new(
        "recipient_code",
        "unknown_center",
        "紹介先のセンターが見つかりません（自センターは選べません）",
        "No such receiving center (your own center cannot be chosen)",
    )
}

/// 紹介先のセンターを選んでください: a referral without a valid receiving center
/// (field `to_center`).
pub fn choose_receiving_center() -> FieldError {
    FieldError::new(
        "to_center",
        "unknown_center",
        "紹介先のセンターを選んでください",
        "Choose the receiving center",
    )
}

/// このセンターには既に紹介しています (field `to_center`).
pub fn already_referred() -> FieldError {
    FieldError::new(
        "to_center",
        "already_referred",
        "このセンターには既に紹介しています",
        "This child is already referred to that center",
    )
}

/// 同意なしで紹介する理由を10文字以上で具体的に書いてください (field `override_reason`).
pub fn override_reason_too_short() -> FieldError {
    FieldError::new(
        "override_reason",
        "reason_too_short",
        "同意なしで紹介する理由を10文字以上で具体的に書いてください",
        "Give a specific reason of at least 10 characters for referring without consent",
    )
}

/// この紹介先への情報提供の同意が記録されていません: no consent in force names the receiving
/// center (field `to_center`).
pub fn no_consent() -> FieldError {
    FieldError::new(
        "to_center",
        "no_consent",
        "この紹介先への情報提供の同意が記録されていません。先に同意を記録してください",
        "No consent in force names this center; record the family's consent first",
    )
}

/// One output of every function above, for the catalogue's tests.
#[cfg(test)]
pub(super) fn all() -> Vec<FieldError> {
    vec![
        unknown_recipient_center(),
        choose_receiving_center(),
        already_referred(),
        override_reason_too_short(),
        no_consent(),
    ]
}
