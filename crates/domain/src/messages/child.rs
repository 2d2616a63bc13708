//! Messages of the child registry (児童の登録・編集).

use crate::FieldError;

/// 退院日 outside birth date … today.
pub fn discharge_out_of_range() -> FieldError {
    FieldError::new(
        "discharged_on",
        "date_out_of_range",
        "退院日は生年月日以降、今日以前の日付にしてください",
        "Discharge date must be between the birth date and today",
    )
}

/// 状態の開始日 in the future.
pub fn status_since_in_future() -> FieldError {
    FieldError::new(
        "status_since",
        "future_date",
        "状態の開始日に未来の日付は入力できません",
        "The status date cannot be in the future",
    )
}

/// A watch level chosen for an item that is not ticked.
pub fn watch_without_item() -> FieldError {
    FieldError::new(
        "medical_care_watch",
        "watch_without_item",
        "見守りを選んだ医療的ケアにチェックを入れてください",
        "Tick the medical-care item whose watch level you chose",
    )
}

/// A detail written for an item that is not ticked.
pub fn detail_without_item() -> FieldError {
    FieldError::new(
        "medical_care_details",
        "detail_without_item",
        "詳細を書いた医療的ケアにチェックを入れてください",
        "Tick the medical-care item you described",
    )
}

/// A hospital or school that is not one of the center's organizations.
pub fn unknown_organization(field: &str) -> FieldError {
    FieldError::new(
        field,
        "unknown_organization",
        "その機関は登録されていません",
        "No such organization",
    )
}

/// An assigned coordinator who is not one of the center's coordinators.
pub fn unknown_coordinator() -> FieldError {
    FieldError::new(
        "coordinator_ids",
        "unknown_coordinator",
        "そのコーディネーターは登録されていません",
        "No such coordinator",
    )
}

#[cfg(test)]
pub(super) fn all() -> Vec<FieldError> {
    vec![
        discharge_out_of_range(),
        status_since_in_future(),
        watch_without_item(),
        detail_without_item(),
        unknown_organization("school_id"),
        unknown_coordinator(),
    ]
}
