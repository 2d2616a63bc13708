//! Validation errors (入力エラー) with messages in Japanese and English.

use crate::Lang;
use serde::Serialize;

/// One field's validation failure, with the message in both languages.
///
/// `field` is the form/API field name (e.g. `"family_name"`), `code` a stable machine-readable
/// reason (e.g. `"required"`, `"too_long"`, `"check_digit"`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
// The private `sealed` field is deliberate (see its doc); clippy's suggestion is another way.
#[allow(clippy::manual_non_exhaustive)]
pub struct FieldError {
    /// Field name as used in the form or API.
    pub field: String,
    /// Stable reason code.
    pub code: &'static str,
    /// Japanese message (日本語のメッセージ).
    pub ja: String,
    /// English message.
    pub en: String,
    /// Keeps other crates from writing an error as a literal: messages come from
    /// [`crate::messages`].
    #[serde(skip)]
    sealed: (),
}

impl FieldError {
    /// Creates an error for `field` with the given reason code and messages. Private to this
    /// crate: other crates take their messages from [`crate::messages`], the one catalogue.
    pub(crate) fn new(
        field: &str,
        code: &'static str,
        ja: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        FieldError {
            field: field.to_string(),
            code,
            ja: ja.into(),
            en: en.into(),
            sealed: (),
        }
    }

    /// The message in the given language.
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        }
    }

    /// "This field is required" (… を入力してください) for `field`.
    pub fn required(field: &str) -> Self {
        let l = FieldLabel::of(field);
        FieldError::new(
            field,
            "required",
            format!("{}を入力してください", l.ja_or("この項目")),
            format!("{} is required.", l.en_or("This field")),
        )
    }

    /// "Too long" (… 文字以内で入力してください) for `field`.
    pub fn too_long(field: &str, max_chars: usize) -> Self {
        let l = FieldLabel::of(field);
        FieldError::new(
            field,
            "too_long",
            format!(
                "{}は{}文字以内で入力してください",
                l.ja_or("この項目"),
                max_chars
            ),
            format!(
                "{} must be at most {} characters.",
                l.en_or("This field"),
                max_chars
            ),
        )
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

impl std::error::Error for FieldError {}

/// Human labels (項目名) for well-known field names, used to phrase messages such as
/// 「姓を入力してください」. Unknown fields get field-independent phrasing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldLabel {
    /// Japanese label, e.g. 「生年月日」.
    pub ja: Option<&'static str>,
    /// English label, e.g. "Date of birth".
    pub en: Option<&'static str>,
}

impl FieldLabel {
    /// Looks up the label of a field name. Only the part after the last `.` or `[...]` is
    /// considered (`"child.birth_date"` → 生年月日).
    pub fn of(field: &str) -> FieldLabel {
        let key = field
            .rsplit(['.', ']', '['])
            .find(|s| !s.is_empty() && !s.chars().all(|c| c.is_ascii_digit()))
            .unwrap_or(field);
        let found = FIELD_LABELS.iter().find(|(k, _, _)| *k == key);
        FieldLabel {
            ja: found.map(|(_, ja, _)| *ja),
            en: found.map(|(_, _, en)| *en),
        }
    }

    /// The Japanese label, or `fallback`.
    pub fn ja_or(self, fallback: &'static str) -> &'static str {
        self.ja.unwrap_or(fallback)
    }

    /// The English label, or `fallback`.
    pub fn en_or(self, fallback: &'static str) -> &'static str {
        self.en.unwrap_or(fallback)
    }
}

/// Known field names with Japanese and English labels.
const FIELD_LABELS: &[(&str, &str, &str)] = &[
    ("family_name", "姓", "Family name"),
    ("given_name", "名", "Given name"),
    ("name", "氏名", "Name"),
    ("full_name", "氏名", "Name"),
    ("display_name", "表示名", "Display name"),
    ("family_name_kana", "フリガナ（姓）", "Family name (kana)"),
    ("given_name_kana", "フリガナ（名）", "Given name (kana)"),
    ("name_kana", "フリガナ", "Name (kana)"),
    ("kana", "フリガナ", "Name (kana)"),
    ("birth_date", "生年月日", "Date of birth"),
    ("date_of_birth", "生年月日", "Date of birth"),
    ("occurred_at", "相談日時", "Date and time of consultation"),
    ("consulted_at", "相談日時", "Date and time of consultation"),
    ("held_at", "開催日時", "Date and time held"),
    ("held_on", "開催日", "Date held"),
    ("date", "日付", "Date"),
    ("from", "開始日", "Start date"),
    ("to", "終了日", "End date"),
    ("start_date", "開始日", "Start date"),
    ("end_date", "終了日", "End date"),
    ("municipality_code", "市町村コード", "Municipality code"),
    ("municipality", "市町村", "Municipality"),
    ("prefecture_code", "都道府県コード", "Prefecture code"),
    (
        "local_gov_code",
        "地方公共団体コード",
        "Local government code",
    ),
    ("phone", "電話番号", "Phone number"),
    ("tel", "電話番号", "Phone number"),
    ("mobile", "携帯電話番号", "Mobile phone number"),
    ("fax", "FAX番号", "Fax number"),
    ("email", "メールアドレス", "Email address"),
    ("address", "住所", "Address"),
    ("postal_code", "郵便番号", "Postal code"),
    ("note", "備考", "Note"),
    ("notes", "備考", "Notes"),
    ("summary", "概要", "Summary"),
    ("content", "内容", "Content"),
    ("body", "内容", "Content"),
    ("response", "対応内容", "Response"),
    ("title", "件名", "Title"),
    ("channel", "相談方法", "Channel"),
    ("requester_kind", "相談者の種別", "Requester"),
    ("topic", "相談内容の分類", "Topic"),
    ("topics", "相談内容の分類", "Topics"),
    ("organization_kind", "機関の種別", "Organization type"),
    ("organization_name", "機関名", "Organization name"),
    ("profession", "職種", "Profession"),
    ("meeting_kind", "会議の種別", "Meeting type"),
    ("welfare_service", "福祉サービス", "Welfare service"),
    ("hazard", "災害リスク", "Hazard"),
    ("medical_care_item", "医療的ケア", "Medical care"),
    ("medical_care_items", "医療的ケア", "Medical care"),
    ("medical_care_watch", "見守り", "Watch level"),
    ("relationship", "続柄", "Relationship"),
    ("sex", "性別", "Sex"),
    ("status", "状態", "Status"),
    ("care_setting", "療養の場", "Care setting"),
    ("role", "権限", "Role"),
    ("login_id", "ログインID", "Login ID"),
    ("username", "ユーザー名", "User name"),
    ("password", "パスワード", "Password"),
    ("diagnosis", "診断名", "Diagnosis"),
    ("hospital", "医療機関", "Hospital"),
    ("school", "所属（園・学校）", "School or nursery"),
];

/// A list of field errors collected while validating a whole form (入力エラーの一覧).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    /// An empty list.
    pub fn new() -> Self {
        ValidationErrors(Vec::new())
    }

    /// Adds an error.
    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }

    /// True when no error was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of errors.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Runs a parse result into the list: keeps the `Ok` value, records the `Err` and returns
    /// `None`.
    pub fn check<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.push(e);
                None
            }
        }
    }

    /// `Ok(())` when empty, otherwise `Err(self)`.
    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }

    /// Iterates over the errors in the order they were recorded.
    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }

    /// The first error recorded for `field`, if any (for showing next to a form input).
    pub fn for_field(&self, field: &str) -> Option<&FieldError> {
        self.0.iter().find(|e| e.field == field)
    }
}

impl From<FieldError> for ValidationErrors {
    fn from(e: FieldError) -> Self {
        ValidationErrors(vec![e])
    }
}

impl IntoIterator for ValidationErrors {
    type Item = FieldError;
    type IntoIter = std::vec::IntoIter<FieldError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a ValidationErrors {
    type Item = &'a FieldError;
    type IntoIter = std::slice::Iter<'a, FieldError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl std::fmt::Display for ValidationErrors {
    /// English messages as `field: message`, separated by `; `.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            return f.write_str("no validation errors");
        }
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", e.field, e.en)?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_collects_errors() {
        let mut errs = ValidationErrors::new();
        let ok: Option<u32> = errs.check(Ok(3));
        assert_eq!(ok, Some(3));
        let bad: Option<u32> = errs.check(Err(FieldError::required("family_name")));
        assert_eq!(bad, None);
        assert_eq!(errs.len(), 1);
        let e = errs.for_field("family_name").cloned();
        assert_eq!(
            e.as_ref().map(|e| e.ja.as_str()),
            Some("姓を入力してください")
        );
        assert_eq!(
            e.as_ref().map(|e| e.message(Lang::En)),
            Some("Family name is required.")
        );
        assert!(errs.to_string().contains("family_name"));
        assert!(errs.into_result().is_err());
        assert_eq!(ValidationErrors::new().into_result(), Ok(()));
    }

    #[test]
    fn labels_for_nested_fields_and_unknown() {
        assert_eq!(FieldLabel::of("child.birth_date").ja, Some("生年月日"));
        assert_eq!(FieldLabel::of("guardians[0].phone").ja, Some("電話番号"));
        let e = FieldError::required("zzz");
        assert_eq!(e.ja, "この項目を入力してください");
        assert_eq!(e.to_string(), "This field is required.");
        let e = FieldError::too_long("note", 10);
        assert_eq!(e.ja, "備考は10文字以内で入力してください");
    }
}
