//! Messages shared by several contexts: the whole form, records that are gone, list limits.

use super::Label;
use crate::FieldError;

/// 入力内容を確認してください: a form that could not be read at all (field `form`).
pub fn check_the_form() -> FieldError {
    FieldError::new(
        "form",
        "invalid",
        "入力内容を確認してください",
        "Please check the form",
    )
}

/// 「選択してください」: a required choice left empty.
pub fn choose_value(field: &str) -> FieldError {
    FieldError::new(
        field,
        "required",
        "選択してください",
        "Please choose a value",
    )
}

/// 「「…」は選択肢にありません」: a value that is none of the choices.
pub fn not_a_choice(field: &str, raw: &str) -> FieldError {
    FieldError::new(
        field,
        "unknown_code",
        format!("「{raw}」は選択肢にありません"),
        format!("\"{raw}\" is not one of the choices"),
    )
}

/// 「登録できる件数を超えています」: a list longer than the form allows.
pub fn too_many_entries(field: &str) -> FieldError {
    FieldError::new(
        field,
        "too_many",
        "登録できる件数を超えています",
        "Too many entries",
    )
}

/// 対象の児童が見つかりません: the chosen child is not in the actor's center (field `child_id`).
pub fn child_not_found() -> FieldError {
    FieldError::new(
        "child_id",
        "not_found",
        "対象の児童が見つかりません",
        "The child was not found.",
    )
}

/// 元の相談記録が見つかりません: the consultation a record refers to is not in the actor's center
/// (field `consultation_id`).
pub fn consultation_not_found() -> FieldError {
    FieldError::new(
        "consultation_id",
        "not_found",
        "元の相談記録が見つかりません",
        "The consultation was not found.",
    )
}

/// 終了日は開始日以降にしてください: a report period whose end is before its start (field `to`).
pub fn period_reversed() -> FieldError {
    FieldError::new(
        "to",
        "range_reversed",
        "終了日は開始日以降にしてください",
        "The end date must not be before the start date",
    )
}

/// 件数は1〜1000で指定してください: a page size of zero (field `limit`).
pub fn limit_out_of_range() -> FieldError {
    FieldError::new(
        "limit",
        "out_of_range",
        "件数は1〜1000で指定してください",
        "The limit must be between 1 and 1000.",
    )
}

/// 開始位置: the offset of a page of a list.
pub const OFFSET: Label = Label {
    ja: "開始位置",
    en: "Offset",
};

/// 件数: the number of rows on a page of a list.
pub const LIMIT: Label = Label {
    ja: "件数",
    en: "Limit",
};

/// One output of every function above, for the catalogue's tests.
#[cfg(test)]
pub(super) fn all() -> Vec<FieldError> {
    vec![
        check_the_form(),
        choose_value("sex"),
        not_a_choice("sex", "x"),
        too_many_entries("guardians"),
        child_not_found(),
        consultation_not_found(),
        period_reversed(),
        limit_out_of_range(),
    ]
}

/// Every label above, for the catalogue's tests.
#[cfg(test)]
pub(super) fn labels() -> Vec<Label> {
    vec![OFFSET, LIMIT]
}
