//! 入力エラーの文言: the one place for the texts users see when a use case refuses input.
//!
//! Every [`FieldError`](crate::FieldError) that the store or the web layer returns is built
//! here, by a small function named after the situation (`drill_not_found`,
//! `login_taken`, …). The field name and the stable `code` are fixed inside the function when
//! every caller uses the same ones; values that appear in the text are parameters.
//!
//! Why one catalogue:
//! - one wording per situation: two screens refusing the same thing say it the same way;
//! - both languages side by side, so a change to one is seen next to the other;
//! - a Japanese speaker can review every message users read in one place, without reading
//!   SQL or handlers.
//!
//! The messages for children and consultations live in their own files, `child` and
//! `consultation`, next to these.

pub mod access;
pub mod accounts;
pub mod api;
pub mod audit;
pub mod child;
pub mod common;
pub mod consent;
pub mod consultation;
pub mod disaster;
pub mod dispatch;
pub mod payments;

/// What a number means, in both languages, for messages phrased around it (e.g. the
/// `too_large` message of [`crate::text::whole_number`]: 「件数は1000以下で入力してください」).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Label {
    /// Japanese, e.g. 「件数」.
    pub ja: &'static str,
    /// English, e.g. "Limit".
    pub en: &'static str,
}

#[cfg(test)]
mod tests {
    use crate::FieldError;

    /// One output of every catalogue function (parameterised ones with sample values).
    fn every_message() -> Vec<FieldError> {
        [
            super::access::all(),
            super::accounts::all(),
            super::api::all(),
            super::audit::all(),
            super::child::all(),
            super::common::all(),
            super::consent::all(),
            super::consultation::all(),
            super::disaster::all(),
            super::dispatch::all(),
            super::payments::all(),
        ]
        .concat()
    }

    /// Every [`super::Label`] of the catalogue.
    fn every_label() -> Vec<super::Label> {
        [
            super::common::labels(),
            super::disaster::labels(),
            super::dispatch::labels(),
        ]
        .concat()
    }

    fn has_japanese(s: &str) -> bool {
        s.chars().any(|c| {
            matches!(c,
                '\u{3040}'..='\u{309f}' // hiragana
                | '\u{30a0}'..='\u{30ff}' // katakana
                | '\u{4e00}'..='\u{9fff}') // kanji
        })
    }

    #[test]
    fn every_message_is_complete_in_both_languages() {
        let all = every_message();
        assert!(all.len() >= 80, "catalogue lists {} messages", all.len());
        for e in &all {
            assert!(!e.field.trim().is_empty(), "{e:?}: empty field");
            assert!(!e.ja.trim().is_empty(), "{e:?}: empty ja");
            assert!(!e.en.trim().is_empty(), "{e:?}: empty en");
            assert!(has_japanese(&e.ja), "{e:?}: ja has no Japanese");
            assert!(!has_japanese(e.code), "{e:?}: Japanese in code");
        }
    }

    #[test]
    fn every_label_is_complete_in_both_languages() {
        for l in every_label() {
            assert!(has_japanese(l.ja), "{l:?}: ja has no Japanese");
            assert!(!l.en.trim().is_empty(), "{l:?}: empty en");
            assert!(!has_japanese(l.en), "{l:?}: Japanese in en");
        }
    }

    #[test]
    fn codes_are_snake_case_ascii() {
        for e in every_message() {
            let ok = !e.code.is_empty()
                && e.code.starts_with(|c: char| c.is_ascii_lowercase())
                && !e.code.ends_with('_')
                && !e.code.contains("__")
                && e.code
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            assert!(ok, "{e:?}: code is not snake_case ASCII");
        }
    }

    #[test]
    fn english_text_is_not_japanese() {
        // Sample values such as names may be Japanese; the fixed English wording is not.
        for e in every_message() {
            let fixed: String =
                e.en.split(['「', '」'])
                    .step_by(2)
                    .collect::<Vec<_>>()
                    .join("");
            let sample_free = fixed
                .replace("高知 花子", "")
                .replace("担当地域外です", "")
                .replace("休暇中です", "");
            assert!(!has_japanese(&sample_free), "{e:?}: Japanese in en");
        }
    }

    #[test]
    fn parameters_appear_in_both_languages() {
        let e = super::dispatch::over_capacity("山田", 3, 1);
        assert_eq!(e.ja, "山田さんに3件割り当てていますが、空きは1件です");
        assert_eq!(e.en, "山田 is given 3 requests but has room for 1.");
        let e = super::dispatch::void_reason_too_short("reason", 10);
        assert_eq!(e.ja, "取り消しの理由を10文字以上で具体的に書いてください");
        assert_eq!(
            e.en,
            "Give a specific reason of at least 10 characters for voiding."
        );
        let e = super::audit::unknown_entity(&["child", "user"]);
        assert_eq!(e.en, "The entity must be one of: child, user");
        let e = super::disaster::datetime_format("started_at");
        assert_eq!(
            (e.field.as_str(), e.code),
            ("started_at", "datetime_format")
        );
    }
}
