//! 入力エラーの文言: the message catalogue. Every text a user sees when a use case refuses
//! input is written here, Japanese beside English, one function per situation, so each
//! wording exists once and a Japanese reader can review them all in one place. Parsers in
//! this crate that own a value type (dates, kana, codes…) keep their messages beside the
//! parser; everything the store and the web layer report comes from these modules.
//! `FieldError::new` is private to this crate, so no other crate can write a message.

pub mod child;
pub mod consultation;

use crate::FieldError;

/// 「入力内容を確認してください」: the whole form, when a part failed without its own message.
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

#[cfg(test)]
pub(crate) mod tests {
    use crate::FieldError;

    /// Every message reads as a message: both languages present, Japanese in Japanese, the
    /// code a stable snake_case word.
    pub(crate) fn assert_well_formed(e: &FieldError) {
        assert!(!e.field.is_empty(), "{e:?}");
        assert!(
            e.code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit()),
            "{e:?}"
        );
        assert!(
            e.ja.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)
                || ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{e:?}"
        );
        assert!(e.en.is_ascii() && !e.en.is_empty(), "{e:?}");
    }

    #[test]
    fn shared_messages_are_well_formed() {
        for e in [
            super::check_the_form(),
            super::choose_value("sex"),
            super::not_a_choice("sex", "x"),
            super::too_many_entries("guardians"),
        ] {
            assert_well_formed(&e);
        }
    }
}
