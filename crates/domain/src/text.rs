//! Free-text fields: names, single lines, multi-line notes, phone numbers and email addresses.

use crate::error::FieldLabel;
use crate::FieldError;
use std::num::IntErrorKind;
use unicode_normalization::UnicodeNormalization;

/// Maximum length of a name part (姓, 名) in characters.
pub const MAX_NAME: usize = 50;
/// Maximum length of a single-line text in characters.
pub const MAX_LINE: usize = 200;
/// Maximum length of a multi-line text in characters.
pub const MAX_TEXT: usize = 4000;

/// Characters never accepted in text: control characters (except the newline and tab allowed
/// by [`optional_text`]) and bidirectional-override/isolate controls.
fn is_forbidden(c: char, multiline: bool) -> bool {
    if multiline && (c == '\n' || c == '\t') {
        return false;
    }
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn invalid_chars(field: &str) -> FieldError {
    let l = FieldLabel::of(field);
    FieldError::new(
        field,
        "invalid_chars",
        format!(
            "{}に使用できない文字（制御文字など）が含まれています",
            l.ja_or("入力内容")
        ),
        format!(
            "{} contains characters that are not allowed (control characters).",
            l.en_or("The value")
        ),
    )
}

fn check_line(field: &str, raw: &str, max_chars: usize) -> Result<Option<String>, FieldError> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if s.chars().any(|c| is_forbidden(c, false)) {
        return Err(invalid_chars(field));
    }
    if s.chars().count() > max_chars {
        return Err(FieldError::too_long(field, max_chars));
    }
    Ok(Some(s.to_string()))
}

/// A required single-line text (e.g. family name 姓): trimmed (incl. 全角スペース), non-empty,
/// at most `max_chars` characters, no control characters.
///
/// Errors: `"required"` (「姓を入力してください」), `"too_long"`, `"invalid_chars"`.
pub fn required_line(field: &str, raw: &str, max_chars: usize) -> Result<String, FieldError> {
    check_line(field, raw, max_chars)?.ok_or_else(|| FieldError::required(field))
}

/// Optional single line: empty or blank → `Ok(None)`; otherwise as [`required_line`].
pub fn optional_line(
    field: &str,
    raw: &str,
    max_chars: usize,
) -> Result<Option<String>, FieldError> {
    check_line(field, raw, max_chars)
}

/// Optional multi-line text (notes, 相談内容). Newlines (`\r\n` and `\r` become `\n`) and tabs
/// are allowed, other control characters rejected; leading/trailing whitespace trimmed, blank →
/// `Ok(None)`.
///
/// Errors: `"too_long"`, `"invalid_chars"`.
pub fn optional_text(
    field: &str,
    raw: &str,
    max_chars: usize,
) -> Result<Option<String>, FieldError> {
    let normalized = raw.replace("\r\n", "\n").replace('\r', "\n");
    let s = normalized.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if s.chars().any(|c| is_forbidden(c, true)) {
        return Err(invalid_chars(field));
    }
    if s.chars().count() > max_chars {
        return Err(FieldError::too_long(field, max_chars));
    }
    Ok(Some(s.to_string()))
}

/// Optional phone number (電話番号). Accepts digits, hyphens, parentheses, spaces and a leading
/// `+`; full-width characters are normalised (０９０－１２３４－５６７８ → 090-1234-5678), and
/// dash-like characters (ー, ‐, −) become `-`. Spaces are removed. Must contain 10–13 digits.
///
/// Errors: `"phone_format"`.
pub fn optional_phone(field: &str, raw: &str) -> Result<Option<String>, FieldError> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let l = FieldLabel::of(field);
    let err = || {
        FieldError::new(
            field,
            "phone_format",
            format!(
                "{}は数字とハイフンで入力してください（10〜13桁）",
                l.ja_or("電話番号")
            ),
            format!(
                "{} must be digits and hyphens (10 to 13 digits).",
                l.en_or("Phone number")
            ),
        )
    };
    let mut out = String::with_capacity(s.len());
    for c in s.nfkc() {
        match c {
            '0'..='9' | '(' | ')' => out.push(c),
            '+' if out.is_empty() => out.push(c),
            '-' | 'ー' | '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' => out.push('-'),
            c if c.is_whitespace() => {}
            _ => return Err(err()),
        }
    }
    let digits = out.chars().filter(char::is_ascii_digit).count();
    if !(10..=13).contains(&digits) {
        return Err(err());
    }
    Ok(Some(out))
}

/// Optional email address (メールアドレス): trimmed, full-width characters normalised, one `@`,
/// a non-empty local part (≤ 64) and a dotted domain; the domain is lowercased. At most 254
/// characters.
///
/// Errors: `"email_format"`.
pub fn optional_email(field: &str, raw: &str) -> Result<Option<String>, FieldError> {
    let s: String = raw.trim().nfkc().collect();
    if s.is_empty() {
        return Ok(None);
    }
    let l = FieldLabel::of(field);
    let err = || {
        FieldError::new(
            field,
            "email_format",
            format!("{}の形式が正しくありません", l.ja_or("メールアドレス")),
            format!("{} is not a valid email address.", l.en_or("The value")),
        )
    };
    if s.len() > 254 || !s.is_ascii() {
        return Err(err());
    }
    let Some((local, domain)) = s.split_once('@') else {
        return Err(err());
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|lb| {
            !lb.is_empty()
                && lb.len() <= 63
                && !lb.starts_with('-')
                && !lb.ends_with('-')
                && lb.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if !local_ok || !domain_ok {
        return Err(err());
    }
    Ok(Some(format!("{local}@{}", domain.to_ascii_lowercase())))
}

/// A number as typed, ready to parse: NFKC (full-width digits, signs and points become ASCII),
/// trimmed, and the dash-like characters people type for a minus (ー, −) made `-`.
pub fn number_input(raw: &str) -> String {
    raw.trim()
        .nfkc()
        .map(|c| match c {
            'ー' | '−' => '-',
            _ => c,
        })
        .collect::<String>()
        .trim()
        .to_string()
}

/// A whole number in `0..=max` ("" → `None`). Errors: `negative`, `too_large` (with what the
/// limit means), `invalid_number`.
pub fn whole_number(
    field: &str,
    raw: &str,
    max: u32,
    what_ja: &str,
    what_en: &str,
) -> Result<Option<u32>, FieldError> {
    let s = number_input(raw);
    if s.is_empty() {
        return Ok(None);
    }
    // Too many digits for i64 is still a whole number out of range, not a typing error.
    let parsed = s.parse::<i64>().or_else(|e| match e.kind() {
        IntErrorKind::PosOverflow => Ok(i64::MAX),
        IntErrorKind::NegOverflow => Ok(i64::MIN),
        _ => Err(e),
    });
    match parsed {
        Ok(n) if n < 0 => Err(FieldError::new(
            field,
            "negative",
            "マイナスの値は入力できません",
            "Cannot be negative.",
        )),
        Ok(n) if n > i64::from(max) => Err(FieldError::new(
            field,
            "too_large",
            format!("{what_ja}は{max}以下で入力してください（単位を確認してください）"),
            format!("{what_en} must be {max} or less (check the unit)."),
        )),
        Ok(n) => Ok(u32::try_from(n).ok()),
        Err(_) => Err(FieldError::new(
            field,
            "invalid_number",
            "整数で入力してください",
            "Enter a whole number.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        assert_eq!(
            required_line("family_name", "　山田 ", MAX_NAME),
            Ok("山田".to_string())
        );
        let e = required_line("family_name", "  ", MAX_NAME).err();
        assert_eq!(e.as_ref().map(|e| e.code), Some("required"));
        assert_eq!(e.map(|e| e.ja), Some("姓を入力してください".to_string()));
        assert_eq!(
            required_line("family_name", &"あ".repeat(51), MAX_NAME)
                .err()
                .map(|e| e.code),
            Some("too_long")
        );
        assert!(required_line("family_name", &"あ".repeat(50), MAX_NAME).is_ok());
        assert_eq!(
            required_line("x", "a\tb", MAX_LINE).err().map(|e| e.code),
            Some("invalid_chars")
        );
        assert_eq!(
            optional_line("x", "a\nb", MAX_LINE).err().map(|e| e.code),
            Some("invalid_chars")
        );
        assert_eq!(
            optional_line("x", "a\u{202E}b", MAX_LINE)
                .err()
                .map(|e| e.code),
            Some("invalid_chars")
        );
        assert_eq!(optional_line("x", " ", MAX_LINE), Ok(None));
    }

    #[test]
    fn texts() {
        assert_eq!(
            optional_text("note", " a\r\nb\r\n\n", MAX_TEXT),
            Ok(Some("a\nb".to_string()))
        );
        assert_eq!(optional_text("note", "\n\n", MAX_TEXT), Ok(None));
        assert_eq!(
            optional_text("note", "a\u{0}b", MAX_TEXT)
                .err()
                .map(|e| e.code),
            Some("invalid_chars")
        );
        assert_eq!(
            optional_text("note", "abcd", 3).err().map(|e| e.code),
            Some("too_long")
        );
    }

    #[test]
    fn phones() {
        assert_eq!(
            optional_phone("phone", "０８８－８２３－１２３４"),
            Ok(Some("088-823-1234".to_string()))
        );
        assert_eq!(
            optional_phone("phone", "(088) 823 1234"),
            Ok(Some("(088)8231234".to_string()))
        );
        assert_eq!(
            optional_phone("phone", "+81 90-1234-5678"),
            Ok(Some("+8190-1234-5678".to_string()))
        );
        assert_eq!(optional_phone("phone", ""), Ok(None));
        assert_eq!(
            optional_phone("phone", "123-4567").err().map(|e| e.code),
            Some("phone_format")
        );
        assert_eq!(
            optional_phone("phone", "090-1234-567x")
                .err()
                .map(|e| e.code),
            Some("phone_format")
        );
        assert_eq!(
            optional_phone("phone", "1+2345678901")
                .err()
                .map(|e| e.code),
            Some("phone_format")
        );
    }

    #[test]
    fn emails() {
        assert_eq!(
            optional_email("email", " Taro.Yamada@Example.JP "),
            Ok(Some("Taro.Yamada@example.jp".to_string()))
        );
        assert_eq!(
            optional_email("email", "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ"),
            Ok(Some("taro@example.jp".to_string()))
        );
        assert_eq!(optional_email("email", ""), Ok(None));
        for bad in [
            "taro",
            "taro@",
            "@example.jp",
            "taro@example",
            "a b@example.jp",
            "a@@b.jp",
            "a..b@x.jp",
            "太郎@example.jp",
        ] {
            assert_eq!(
                optional_email("email", bad).err().map(|e| e.code),
                Some("email_format"),
                "{bad}"
            );
        }
    }
}
