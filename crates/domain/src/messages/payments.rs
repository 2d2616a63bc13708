//! Messages for coordinator payments (支払明細) and payment rates.

use crate::FieldError;

/// 支払単価が設定されていない: the center has no payment rates yet (field `rates`).
pub fn rates_missing() -> FieldError {
    FieldError::new(
        "rates",
        "rates_missing",
        "このセンターの支払単価が設定されていないため、明細を作れません。管理者が「支払単価」を設定してください",
        "This center has no payment rates, so no statement can be made. An administrator must set the rates first.",
    )
}

/// 終了日は開始日より後にしてください: a rate period that ends before it starts
/// (field `ended_on`).
pub fn ends_before_start() -> FieldError {
    FieldError::new(
        "ended_on",
        "before_start",
        "終了日は開始日より後にしてください",
        "The end must not be before the start.",
    )
}

/// 月が終わるまで承認できません (field `month`).
pub fn month_not_over() -> FieldError {
    FieldError::new(
        "month",
        "month_not_over",
        "月が終わるまで承認できません",
        "A month can be approved only after it has ended.",
    )
}

/// この月の活動記録がありません (field `month`).
pub fn no_activities() -> FieldError {
    FieldError::new(
        "month",
        "no_activities",
        "この月の活動記録がありません",
        "There are no activities in this month.",
    )
}

/// この月は承認済みで、その後の変更もありません (field `month`).
pub fn already_approved() -> FieldError {
    FieldError::new(
        "month",
        "already_approved",
        "この月は承認済みで、その後の変更もありません。承認済みの明細は編集できません",
        "This month is approved and nothing changed since; an approved statement cannot be edited.",
    )
}

/// One output of every function above, for the catalogue's tests.
#[cfg(test)]
pub(super) fn all() -> Vec<FieldError> {
    vec![
        rates_missing(),
        ends_before_start(),
        month_not_over(),
        no_activities(),
        already_approved(),
    ]
}
