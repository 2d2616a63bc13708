//! Display language (表示言語).

use serde::{Deserialize, Serialize};

/// User interface language. Japanese (日本語) is the default.
///
/// Serialized as its code: `"ja"` or `"en"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// 日本語
    #[default]
    Ja,
    /// English
    En,
}

impl Lang {
    /// All languages, Japanese first.
    pub fn all() -> [Lang; 2] {
        [Lang::Ja, Lang::En]
    }

    /// Parses a language code: `"ja"` or `"en"` (surrounding whitespace and case are ignored).
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("ja") {
            Some(Lang::Ja)
        } else if s.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The language code, `"ja"` or `"en"` (also usable as an HTML `lang` attribute).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    /// Picks the Japanese or English variant.
    pub fn pick<T>(self, ja: T, en: T) -> T {
        match self {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_code_round_trip() {
        for l in Lang::all() {
            assert_eq!(Lang::parse(l.code()), Some(l));
        }
        assert_eq!(Lang::parse(" EN "), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::default(), Lang::Ja);
    }
}
