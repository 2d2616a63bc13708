//! Search keys and フリガナ: arbitrary UTF-8 never panics, the key is idempotent and folds
//! hiragana to katakana, and a parsed reading parses back to itself.
#![no_main]

use domain::kana::{hiragana_to_katakana, normalize_for_search, KanaName, MAX_KANA};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    let key = normalize_for_search(s);
    assert_eq!(normalize_for_search(&key), key, "not idempotent on {s:?}");
    let folded: String = s.chars().map(hiragana_to_katakana).collect();
    assert_eq!(
        normalize_for_search(&folded),
        key,
        "hiragana/katakana differ on {s:?}"
    );
    if let Ok(k) = KanaName::parse("kana", s) {
        assert!(k.as_str().chars().count() <= MAX_KANA);
        assert_eq!(
            KanaName::parse("kana", k.as_str()).as_ref(),
            Ok(&k),
            "{s:?}"
        );
    }
});
