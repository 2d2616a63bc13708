//! Messages for searching the audit log (監査ログの検索).

use crate::FieldError;

/// 終了日は開始日と同じ日か、それより後の日付にしてください (field `to`).
pub fn period_reversed() -> FieldError {
    FieldError::new(
        "to",
        "range",
        "終了日は開始日と同じ日か、それより後の日付にしてください",
        "The end date must be on or after the start date.",
    )
}

/// 操作の種類は英小文字・数字・「.」「_」で入力してください (field `action`).
pub fn invalid_action() -> FieldError {
    FieldError::new(
        "action",
        "invalid",
        "操作の種類は英小文字・数字・「.」「_」で入力してください（例: child.view）",
        "Actions use lower-case letters, digits, “.” and “_” (e.g. child.view).",
    )
}

/// 対象の種類は次のいずれかです: an entity outside `entities` (field `entity`).
pub fn unknown_entity(entities: &[&str]) -> FieldError {
    let list = entities.join(", ");
    FieldError::new(
        "entity",
        "invalid",
        format!("対象の種類は次のいずれかです: {list}"),
        format!("The entity must be one of: {list}"),
    )
}

/// ページの指定が正しくありません: a page cursor that is not a positive number (field `before`).
pub fn invalid_cursor() -> FieldError {
    FieldError::new(
        "before",
        "invalid",
        "ページの指定が正しくありません",
        "The page cursor is invalid.",
    )
}

/// One output of every function above, for the catalogue's tests.
#[cfg(test)]
pub(super) fn all() -> Vec<FieldError> {
    vec![
        period_reversed(),
        invalid_action(),
        unknown_entity(&["child", "user"]),
        invalid_cursor(),
    ]
}
