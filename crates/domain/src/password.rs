//! Password rules (パスワードの条件), NIST SP 800-63B style: long enough, not a known common
//! password, no composition rules (no "one digit and one symbol"), no forced periodic change.

use std::collections::HashSet;
use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;

use crate::FieldError;

/// Shortest accepted password, in characters.
pub const MIN_CHARS: usize = 12;
/// Longest accepted password, in characters (bounds the work of hashing it).
pub const MAX_CHARS: usize = 128;

/// The 30,000 most common passwords of zxcvbn's list (data/common-passwords.txt, MIT).
const COMMON_LIST: &str = include_str!("../../../data/common-passwords.txt");

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON_LIST
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    })
}

/// A password that satisfies the rules. The raw text is kept only long enough to hash it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

impl Password {
    /// Check `raw` against the rules. `context` holds words the password must not be built on
    /// (the login, the person's name): a password containing one of them is refused.
    pub fn parse(raw: &str, context: &[&str]) -> Result<Password, FieldError> {
        let err = |code, ja: &str, en: &str| Err(FieldError::new("password", code, ja, en));
        let chars = raw.chars().count();
        if chars < MIN_CHARS {
            return err(
                "password_too_short",
                "パスワードは12文字以上にしてください",
                "Passwords must be at least 12 characters",
            );
        }
        if chars > MAX_CHARS {
            return err(
                "password_too_long",
                "パスワードは128文字以内にしてください",
                "Passwords must be at most 128 characters",
            );
        }
        let folded: String = raw.nfkc().collect::<String>().to_lowercase();
        if is_common(&folded) {
            return err(
                "password_common",
                "よく使われているパスワード（またはそれに数字や記号を付けただけのもの）は使えません",
                "This password (or one built from it by adding digits or symbols) is too common",
            );
        }
        if is_repetition(&folded) {
            return err(
                "password_repetitive",
                "同じ文字や短い並びの繰り返しは使えません",
                "A password made of one short pattern repeated is too easy to guess",
            );
        }
        let contains_context = context
            .iter()
            .map(|w| w.nfkc().collect::<String>().to_lowercase())
            .filter(|w| w.chars().count() >= 3)
            .any(|w| folded.contains(&w))
            || folded.contains("tsunagu");
        if contains_context {
            return err(
                "password_contextual",
                "ログイン名・氏名・サービス名を含むパスワードは使えません",
                "Passwords must not contain your login, your name or the service's name",
            );
        }
        Ok(Password(raw.to_string()))
    }

    /// The password text, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// In the list, or in the list once trailing digits and symbols are taken off
/// ("password2026!" is "password" with decoration).
fn is_common(folded: &str) -> bool {
    let list = common();
    if list.contains(folded) {
        return true;
    }
    let stem = folded.trim_end_matches(|c: char| !c.is_alphabetic());
    let lead = stem.trim_start_matches(|c: char| !c.is_alphabetic());
    [stem, lead]
        .iter()
        .any(|s| s.chars().count() >= 4 && list.contains(s))
}

/// The whole text is one unit of up to four characters repeated ("aaaaaaaaaaaa", "abcabcabcabc").
fn is_repetition(folded: &str) -> bool {
    let chars: Vec<char> = folded.chars().collect();
    (1..=4).any(|unit| {
        chars.len().is_multiple_of(unit) && chars.chunks(unit).all(|c| c == &chars[..unit])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_rules() {
        assert_eq!(
            Password::parse("short", &[]).unwrap_err().code,
            "password_too_short"
        );
        assert_eq!(
            Password::parse(&"あ".repeat(129), &[]).unwrap_err().code,
            "password_too_long"
        );
        // 12 characters of Japanese text are 12 characters, not 36 bytes.
        assert!(Password::parse("こうちのみなみかぜあおいそら", &[]).is_ok());
    }

    #[test]
    fn common_passwords_and_decorated_ones_are_refused() {
        for p in [
            "qwerty123456",
            "1qaz2wsx3edc",
            "Password2026!",
            "password12345678",
            "dragon!!!!!!2026",
            "ＰＡＳＳＷＯＲＤ１２３４５",
        ] {
            assert_eq!(
                Password::parse(p, &[]).unwrap_err().code,
                "password_common",
                "{p}"
            );
        }
        assert!(Password::parse("sunflower-harbour-lantern", &[]).is_ok());
    }

    #[test]
    fn repetition_and_context() {
        assert_eq!(
            Password::parse("zzzzzzzzzzzz", &[]).unwrap_err().code,
            "password_repetitive"
        );
        assert_eq!(
            Password::parse("xyzwxyzwxyzw", &[]).unwrap_err().code,
            "password_repetitive"
        );
        assert_eq!(
            Password::parse("kochi.advisor-2026", &["kochi.advisor"])
                .unwrap_err()
                .code,
            "password_contextual"
        );
        assert_eq!(
            Password::parse("my-Tsunagu-login!", &[]).unwrap_err().code,
            "password_contextual"
        );
    }

    #[test]
    fn debug_never_shows_the_text() {
        let p = Password::parse("sunflower-harbour-lantern", &[]).unwrap();
        assert!(!format!("{p:?}").contains("sunflower"));
    }
}
