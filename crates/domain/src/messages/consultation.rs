//! Messages of consultations (相談の受付・編集・経過).

use crate::FieldError;

/// Both a registered child and an unregistered person given.
pub fn ambiguous_subject() -> FieldError {
    FieldError::new(
        "child_id",
        "ambiguous_subject",
        "相談の対象は児童か登録外の人のどちらか一方にしてください",
        "Choose either a registered child or an unregistered person, not both",
    )
}

/// No topic chosen.
pub fn topics_required() -> FieldError {
    FieldError::new(
        "topics",
        "required",
        "相談内容の分類を1つ以上選んでください",
        "Choose at least one topic",
    )
}

/// 所要時間 outside 0–1440 minutes.
pub fn duration_out_of_range() -> FieldError {
    FieldError::new(
        "duration_minutes",
        "out_of_range",
        "所要時間は0〜1440分で入力してください",
        "Duration must be between 0 and 1440 minutes",
    )
}

/// 所要時間 typed as something other than a number (the browser form's text field).
pub fn duration_not_a_number() -> FieldError {
    FieldError::new(
        "duration_minutes",
        "not_a_number",
        "所要時間は分単位の数字で入力してください",
        "Duration must be a number of minutes",
    )
}

/// The intake page: "a registered child" chosen but none picked.
pub fn child_not_picked() -> FieldError {
    FieldError::new(
        "child_id",
        "required",
        "児童を検索して選ぶか、「登録外の人」「匿名」を選んでください",
        "Search and pick a child, or choose \"unregistered person\" or \"anonymous\"",
    )
}

/// The intake page: "an earlier person" chosen but none picked.
pub fn person_not_picked() -> FieldError {
    FieldError::new(
        "child_id",
        "required",
        "相談の対象を選んでください",
        "Choose who the consultation is about",
    )
}

/// The intake page: no kind of subject chosen.
pub fn subject_required() -> FieldError {
    FieldError::new(
        "subject",
        "required",
        "児童・登録外の人・匿名のいずれかを選んでください",
        "Choose a registered child, an unregistered person or anonymous",
    )
}

/// A child id that names none of the children in the actor's reach.
pub fn unknown_child() -> FieldError {
    FieldError::new(
        "child_id",
        "unknown_child",
        "その児童は登録されていません",
        "No such child",
    )
}

/// A person id that names none of the center's unregistered persons.
pub fn unknown_person() -> FieldError {
    FieldError::new(
        "person_id",
        "unknown_person",
        "その相談対象者は登録されていません",
        "No such person",
    )
}

/// A staff or assignee id that names none of the center's users.
pub fn unknown_user(field: &str) -> FieldError {
    FieldError::new(
        field,
        "unknown_user",
        "その職員は登録されていません",
        "No such staff member",
    )
}

/// 経過の日付 left empty.
pub fn course_date_required() -> FieldError {
    FieldError::new(
        "entry_date",
        "required",
        "経過の日付を入力してください",
        "Enter the date of the course entry.",
    )
}

/// 経過の日付 in the future.
pub fn course_date_in_future() -> FieldError {
    FieldError::new(
        "entry_date",
        "future_date",
        "経過の日付に未来の日付は入力できません",
        "The date of the course entry cannot be in the future.",
    )
}

/// 経過の日付 not a real date; `code` is the date parser's reason.
pub fn course_date_invalid(code: &'static str) -> FieldError {
    FieldError::new(
        "entry_date",
        code,
        "経過の日付は「2026-11-20」の形式で、実在する日付を入力してください",
        "The date of the course entry must be a real date like 2026-11-20.",
    )
}

/// 経過の内容 left empty.
pub fn course_body_required() -> FieldError {
    FieldError::new(
        "body",
        "required",
        "経過の内容を入力してください",
        "Enter what happened (course entry).",
    )
}

/// 経過の内容 refused by the text parser: its message, named as the course entry's (the
/// page has other text fields).
pub fn course_body_invalid(inner: &FieldError) -> FieldError {
    FieldError::new(
        "body",
        inner.code,
        format!("経過の内容: {}", inner.ja),
        format!("Course entry: {}", inner.en),
    )
}

/// Completing a follow-up the consultation does not have.
pub fn no_followup() -> FieldError {
    FieldError::new(
        "followup",
        "no_followup",
        "この相談にはフォローアップがありません",
        "This consultation has no follow-up",
    )
}

/// The edit page's hidden version field is not a number (a tampered or broken page).
pub fn form_version_invalid() -> FieldError {
    FieldError::new(
        "version",
        "invalid",
        "フォームの版が正しくありません。画面を開き直してください",
        "The form's version is not valid; reload the page",
    )
}

#[cfg(test)]
pub(super) fn all() -> Vec<FieldError> {
    let inner = FieldError::too_long("body", 10);
    vec![
        ambiguous_subject(),
        topics_required(),
        duration_out_of_range(),
        duration_not_a_number(),
        child_not_picked(),
        person_not_picked(),
        subject_required(),
        unknown_child(),
        unknown_person(),
        unknown_user("staff_id"),
        course_date_required(),
        course_date_in_future(),
        course_date_invalid("date_format"),
        course_body_required(),
        course_body_invalid(&inner),
        no_followup(),
        form_version_invalid(),
    ]
}
