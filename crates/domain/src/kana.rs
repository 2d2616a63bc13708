//! Kana and search-key normalisation (検索用の正規化). Normalise once, here.

use crate::FieldError;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// Old/variant kanji common in Japanese names, folded to the everyday form for search keys
/// (異体字の同一視). Targets are never sources, so folding is idempotent.
const KANJI_FOLDS: &[(char, char)] = &[
    ('髙', '高'),
    ('﨑', '崎'),
    ('嵜', '崎'),
    ('碕', '崎'),
    ('邊', '辺'),
    ('邉', '辺'),
    ('濵', '浜'),
    ('濱', '浜'),
    ('齋', '斎'),
    ('齊', '斎'),
    ('斉', '斎'),
    ('澤', '沢'),
    ('廣', '広'),
    ('槇', '槙'),
    ('嶋', '島'),
    ('嶌', '島'),
    ('櫻', '桜'),
    ('眞', '真'),
    ('國', '国'),
    ('德', '徳'),
    ('惠', '恵'),
    ('榮', '栄'),
    ('藏', '蔵'),
    ('冨', '富'),
    ('峯', '峰'),
    ('淵', '渕'),
    ('瀨', '瀬'),
    ('淺', '浅'),
    ('條', '条'),
    ('壽', '寿'),
    ('萬', '万'),
    ('實', '実'),
    ('圓', '円'),
    ('關', '関'),
    ('曾', '曽'),
    ('增', '増'),
    ('𠮷', '吉'),
    ('桒', '桑'),
    ('舘', '館'),
    ('龍', '竜'),
    ('晉', '晋'),
    ('兒', '児'),
    ('來', '来'),
    ('黑', '黒'),
    ('與', '与'),
    ('會', '会'),
    ('學', '学'),
    ('亞', '亜'),
    ('驛', '駅'),
    ('縣', '県'),
    ('莊', '荘'),
    ('靜', '静'),
    ('靑', '青'),
    ('戶', '戸'),
    ('溪', '渓'),
    ('巖', '巌'),
    ('檜', '桧'),
    ('籠', '篭'),
];

fn fold_kanji(c: char) -> char {
    KANJI_FOLDS
        .iter()
        .find(|(from, _)| *from == c)
        .map_or(c, |(_, to)| *to)
}

/// Hiragana → katakana for one char (ぁ–ゖ, ゝ, ゞ); other chars unchanged.
pub fn hiragana_to_katakana(c: char) -> char {
    match c {
        'ぁ'..='ゖ' | 'ゝ' | 'ゞ' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
        _ => c,
    }
}

fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
}

fn search_step(s: &str) -> String {
    s.nfkc()
        .filter(|c| !c.is_whitespace() && !is_variation_selector(*c))
        .map(|c| hiragana_to_katakana(fold_kanji(c)).to_ascii_lowercase())
        .collect()
}

/// Version of [`normalize_for_search`]'s rules. Stored search keys made under another version
/// are recomputed at start-up (store: `ensure_search_keys`); bump it with any change of the
/// rules (e.g. a new variant kanji fold), so old keys cannot silently stop matching.
pub const SEARCH_KEY_VERSION: u32 = 1;

/// Normalises text into a search key (検索キー): NFKC (half-width katakana → full-width,
/// full-width ASCII → ASCII), hiragana → katakana, ASCII lowercased, all whitespace (incl.
/// U+3000 全角スペース) and variation selectors removed, and common variant kanji folded
/// (髙→高, 﨑→崎, 邊/邉→辺, 濵→浜, 齋/齊→斎, 澤→沢 …).
///
/// Idempotent: `normalize_for_search(&normalize_for_search(s)) == normalize_for_search(s)`.
/// Store the key next to the original and compare keys (e.g. with `contains`).
pub fn normalize_for_search(s: &str) -> String {
    // Removing whitespace can join a base char and a combining mark that NFKC then composes;
    // repeat until stable (one or two rounds in practice).
    let mut cur = search_step(s);
    for _ in 0..4 {
        let next = search_step(&cur);
        if next == cur {
            break;
        }
        cur = next;
    }
    cur
}

/// Maximum length of a [`KanaName`] in characters.
pub const MAX_KANA: usize = 50;

/// フリガナ (reading of a name) stored as full-width katakana.
///
/// Accepts hiragana and katakana (full or half width), spaces (incl. 全角スペース), ー and ・.
/// Hyphen-like characters (`-`, `－`, `‐`, `―`, `−`) are taken as ー. Internal whitespace is
/// collapsed to one ASCII space and the value trimmed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct KanaName(String);

fn is_stored_kana(c: char) -> bool {
    // ァ..ヺ, ・, ー, ヽ, ヾ
    matches!(c, 'ァ'..='ヺ' | '・' | 'ー' | 'ヽ' | 'ヾ')
}

impl KanaName {
    /// Validates and normalises フリガナ.
    ///
    /// Errors: empty → `"required"`; kanji, latin letters, digits or symbols → `"not_kana"`
    /// (「フリガナはカタカナまたはひらがなで入力してください」); more than 50 characters →
    /// `"too_long"`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(FieldError::required(field));
        }
        let mut out = String::with_capacity(trimmed.len());
        let mut pending_space = false;
        for c in trimmed.nfkc() {
            let c = match c {
                '-' | '－' | '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' | 'ｰ' => 'ー',
                '･' => '・',
                _ => hiragana_to_katakana(c),
            };
            if c.is_whitespace() {
                pending_space = true;
                continue;
            }
            if !is_stored_kana(c) {
                return Err(FieldError::new(
                    field,
                    "not_kana",
                    "フリガナはカタカナまたはひらがなで入力してください",
                    "Please enter the reading (furigana) in katakana or hiragana.",
                ));
            }
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        }
        if out.chars().count() > MAX_KANA {
            return Err(FieldError::new(
                field,
                "too_long",
                format!("フリガナは{MAX_KANA}文字以内で入力してください"),
                format!("The reading (furigana) must be at most {MAX_KANA} characters."),
            ));
        }
        Ok(KanaName(out))
    }

    /// The stored katakana.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The search key ([`normalize_for_search`]) of this reading.
    pub fn search_key(&self) -> String {
        normalize_for_search(&self.0)
    }
}

impl TryFrom<String> for KanaName {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        KanaName::parse("kana", &s)
    }
}

impl From<KanaName> for String {
    fn from(k: KanaName) -> String {
        k.0
    }
}

impl std::fmt::Display for KanaName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for KanaName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_key_examples() {
        assert_eq!(normalize_for_search("やまだ　たろう"), "ヤマダタロウ");
        assert_eq!(normalize_for_search("ﾔﾏﾀﾞ ﾀﾛｳ"), "ヤマダタロウ");
        assert_eq!(normalize_for_search("ＡＢＣ １２"), "abc12");
        assert_eq!(normalize_for_search("髙﨑"), "高崎");
        assert_eq!(normalize_for_search("渡邊"), normalize_for_search("渡辺"));
        assert_eq!(normalize_for_search("渡邉"), normalize_for_search("渡辺"));
        assert_eq!(normalize_for_search("齋藤"), normalize_for_search("斎藤"));
        assert_eq!(normalize_for_search("齊藤"), normalize_for_search("斉藤"));
        assert_eq!(normalize_for_search("長濵"), "長浜");
        assert_eq!(normalize_for_search("葛\u{E0100}飾"), "葛飾");
        assert_eq!(normalize_for_search("ゞ"), "ヾ");
    }

    #[test]
    fn no_fold_target_is_a_source() {
        for (_, to) in KANJI_FOLDS {
            assert!(KANJI_FOLDS.iter().all(|(from, _)| from != to), "{to}");
            assert_eq!(to.to_string().nfkc().collect::<String>(), to.to_string());
        }
    }

    #[test]
    fn kana_name_parse() {
        let k = |r: &str| KanaName::parse("family_name_kana", r);
        assert_eq!(k("やまだ").map(|k| k.0), Ok("ヤマダ".to_string()));
        assert_eq!(
            k(" ﾔﾏﾀﾞ　 ﾀﾛｳ ").map(|k| k.0),
            Ok("ヤマダ タロウ".to_string())
        );
        assert_eq!(
            k("ジョン・スミス").map(|k| k.0),
            Ok("ジョン・スミス".to_string())
        );
        assert_eq!(k("ゆうこ-").map(|k| k.0), Ok("ユウコー".to_string()));
        assert_eq!(k("ｼｮｰﾀ").map(|k| k.0), Ok("ショータ".to_string()));
        let err = k("山田").err();
        assert_eq!(err.as_ref().map(|e| e.code), Some("not_kana"));
        assert_eq!(
            err.map(|e| e.ja),
            Some("フリガナはカタカナまたはひらがなで入力してください".to_string())
        );
        assert_eq!(k("yamada").err().map(|e| e.code), Some("not_kana"));
        assert_eq!(k("ヤマダ1").err().map(|e| e.code), Some("not_kana"));
        assert_eq!(k("ＹＡＭＡＤＡ").err().map(|e| e.code), Some("not_kana"));
        assert_eq!(k(" 　").err().map(|e| e.code), Some("required"));
        assert_eq!(k(&"ア".repeat(51)).err().map(|e| e.code), Some("too_long"));
        assert!(k(&"ア".repeat(50)).is_ok());
    }
}
