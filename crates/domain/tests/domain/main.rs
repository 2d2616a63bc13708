//! Integration tests of the public API of the domain crate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{NaiveDate, TimeZone, Utc};
use domain::dates::{self, AgeBand, FiscalYear};
use domain::kana::{normalize_for_search, KanaName};
use domain::municipality::{self, check_digit_ok, compute_check_digit, MunicipalityCode};
use domain::vocab::{self, VocabCode, VocabKind};
use domain::{Lang, ValidationErrors};
use proptest::prelude::*;

mod care_score;
mod dispatch;
mod hostile;
mod payment;
mod power;

/// Hiragana with their half-width katakana spelling.
const KANA: &[(char, &str)] = &[
    ('ぁ', "ｧ"),
    ('あ', "ｱ"),
    ('ぃ', "ｨ"),
    ('い', "ｲ"),
    ('ぅ', "ｩ"),
    ('う', "ｳ"),
    ('ぇ', "ｪ"),
    ('え', "ｴ"),
    ('ぉ', "ｫ"),
    ('お', "ｵ"),
    ('か', "ｶ"),
    ('が', "ｶﾞ"),
    ('き', "ｷ"),
    ('ぎ', "ｷﾞ"),
    ('く', "ｸ"),
    ('ぐ', "ｸﾞ"),
    ('け', "ｹ"),
    ('げ', "ｹﾞ"),
    ('こ', "ｺ"),
    ('ご', "ｺﾞ"),
    ('さ', "ｻ"),
    ('ざ', "ｻﾞ"),
    ('し', "ｼ"),
    ('じ', "ｼﾞ"),
    ('す', "ｽ"),
    ('ず', "ｽﾞ"),
    ('せ', "ｾ"),
    ('ぜ', "ｾﾞ"),
    ('そ', "ｿ"),
    ('ぞ', "ｿﾞ"),
    ('た', "ﾀ"),
    ('だ', "ﾀﾞ"),
    ('ち', "ﾁ"),
    ('ぢ', "ﾁﾞ"),
    ('っ', "ｯ"),
    ('つ', "ﾂ"),
    ('づ', "ﾂﾞ"),
    ('て', "ﾃ"),
    ('で', "ﾃﾞ"),
    ('と', "ﾄ"),
    ('ど', "ﾄﾞ"),
    ('な', "ﾅ"),
    ('に', "ﾆ"),
    ('ぬ', "ﾇ"),
    ('ね', "ﾈ"),
    ('の', "ﾉ"),
    ('は', "ﾊ"),
    ('ば', "ﾊﾞ"),
    ('ぱ', "ﾊﾟ"),
    ('ひ', "ﾋ"),
    ('び', "ﾋﾞ"),
    ('ぴ', "ﾋﾟ"),
    ('ふ', "ﾌ"),
    ('ぶ', "ﾌﾞ"),
    ('ぷ', "ﾌﾟ"),
    ('へ', "ﾍ"),
    ('べ', "ﾍﾞ"),
    ('ぺ', "ﾍﾟ"),
    ('ほ', "ﾎ"),
    ('ぼ', "ﾎﾞ"),
    ('ぽ', "ﾎﾟ"),
    ('ま', "ﾏ"),
    ('み', "ﾐ"),
    ('む', "ﾑ"),
    ('め', "ﾒ"),
    ('も', "ﾓ"),
    ('ゃ', "ｬ"),
    ('や', "ﾔ"),
    ('ゅ', "ｭ"),
    ('ゆ', "ﾕ"),
    ('ょ', "ｮ"),
    ('よ', "ﾖ"),
    ('ら', "ﾗ"),
    ('り', "ﾘ"),
    ('る', "ﾙ"),
    ('れ', "ﾚ"),
    ('ろ', "ﾛ"),
    ('わ', "ﾜ"),
    ('を', "ｦ"),
    ('ん', "ﾝ"),
    ('ゔ', "ｳﾞ"),
];

fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, dd).unwrap()
}

/// A name as (hiragana, katakana, half-width katakana), with optional spaces between parts.
fn kana_name() -> impl Strategy<Value = (String, String, String)> {
    prop::collection::vec((0..KANA.len(), prop::bool::weighted(0.15)), 1..12).prop_map(|v| {
        let (mut h, mut k, mut w) = (String::new(), String::new(), String::new());
        for (i, space) in v {
            let (hc, hw) = KANA[i];
            h.push(hc);
            k.push(char::from_u32(hc as u32 + 0x60).unwrap());
            w.push_str(hw);
            if space {
                h.push('　');
                k.push(' ');
                w.push(' ');
            }
        }
        (h, k, w)
    })
}

/// Weighted residue `s mod 11` used by the check digit.
fn residue(code: &str) -> u32 {
    code.bytes()
        .take(5)
        .zip([6u32, 5, 4, 3, 2])
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum::<u32>()
        % 11
}

#[test]
fn embedded_data_counts() {
    assert_eq!(municipality::all().len(), 1969);
    assert!(municipality::all().iter().all(|g| check_digit_ok(&g.code)));
    let counts: Vec<usize> = VocabKind::all()
        .iter()
        .map(|k| vocab::entries(*k).len())
        .collect();
    assert_eq!(counts, vec![8, 11, 16, 18, 12, 9, 14, 7, 21]);
}

#[test]
fn every_reading_in_the_code_list_is_a_valid_kana_name() {
    for g in municipality::all() {
        let k = KanaName::parse("name_kana", &g.name_kana).unwrap();
        assert_eq!(k.search_key(), normalize_for_search(&g.name_kana));
    }
}

#[test]
fn kana_rejects_kanji_and_latin() {
    for bad in ["山田", "yamada", "ヤマダ太郎", "やまだ2"] {
        let e = KanaName::parse("family_name_kana", bad).unwrap_err();
        assert_eq!(e.code, "not_kana", "{bad}");
        assert_eq!(
            e.message(Lang::Ja),
            "フリガナはカタカナまたはひらがなで入力してください"
        );
    }
}

#[test]
fn date_boundaries() {
    assert_eq!(dates::wareki(d(2019, 4, 30)), "平成31年4月30日");
    assert_eq!(dates::wareki(d(2019, 5, 1)), "令和元年5月1日");
    assert_eq!(FiscalYear::of(d(2022, 3, 31)), FiscalYear(2021));
    assert_eq!(FiscalYear::of(d(2022, 4, 1)), FiscalYear(2022));
    let (start, end) = dates::jst_day_range_utc(d(2021, 8, 1), d(2021, 8, 1));
    assert_eq!(start, Utc.with_ymd_and_hms(2021, 7, 31, 15, 0, 0).unwrap());
    assert_eq!(end, Utc.with_ymd_and_hms(2021, 8, 1, 15, 0, 0).unwrap());
    let today = d(2024, 4, 1);
    assert_eq!(
        AgeBand::Age6To11.birth_date_bounds(today),
        (Some(d(2012, 4, 2)), d(2018, 4, 1))
    );
    assert_eq!(
        AgeBand::Age18Plus.birth_date_bounds(today),
        (None, d(2006, 4, 1))
    );
}

#[test]
fn validation_errors_collect_a_form() {
    let today = d(2024, 6, 1);
    let mut errs = ValidationErrors::new();
    let name = errs.check(domain::text::required_line(
        "family_name",
        "",
        domain::text::MAX_NAME,
    ));
    let birth = errs.check(dates::parse_birth_date("birth_date", "2030-01-01", today));
    let muni = errs.check(MunicipalityCode::parse("municipality_code", "392014"));
    let channel = errs.check(VocabCode::parse(
        VocabKind::ConsultationChannel,
        "channel",
        "phone",
    ));
    assert!(name.is_none() && birth.is_none());
    assert_eq!(
        muni.and_then(|m| m.full_name()).as_deref(),
        Some("高知県高知市")
    );
    assert_eq!(
        channel.map(|c| c.as_str().to_string()).as_deref(),
        Some("phone")
    );
    let msgs: Vec<&str> = errs.iter().map(|e| e.message(Lang::Ja)).collect();
    assert_eq!(
        msgs,
        vec![
            "姓を入力してください",
            "生年月日に未来の日付は入力できません"
        ]
    );
    assert!(errs.into_result().is_err());
}

proptest! {
    #[test]
    fn normalize_is_idempotent(s in any::<String>()) {
        let once = normalize_for_search(&s);
        prop_assert_eq!(normalize_for_search(&once), once);
    }

    #[test]
    fn normalize_is_idempotent_on_japanese(
        s in "[ぁ-ゖァ-ヺｦ-ﾟ゛゜ﾞﾟ髙﨑邊邉濵齋齊澤廣槇嶋櫻眞國德高崎辺山田 　A-Zａ-ｚ０-９\u{3099}\u{309A}]{0,30}"
    ) {
        let once = normalize_for_search(&s);
        prop_assert_eq!(normalize_for_search(&once), once);
    }

    #[test]
    fn kana_forms_share_a_search_key((h, k, w) in kana_name()) {
        let key = normalize_for_search(&h);
        prop_assert_eq!(&normalize_for_search(&k), &key);
        prop_assert_eq!(&normalize_for_search(&w), &key);
        let kh = KanaName::parse("kana", &h).unwrap();
        prop_assert_eq!(&KanaName::parse("kana", &k).unwrap(), &kh);
        prop_assert_eq!(&KanaName::parse("kana", &w).unwrap(), &kh);
        prop_assert_eq!(kh.as_str(), k.trim());
    }

    #[test]
    fn municipality_parse_accepts_exactly_list_codes(n in 0u32..1_000_000) {
        let raw = format!("{:06}", n);
        let parsed = MunicipalityCode::parse("municipality_code", &raw);
        prop_assert_eq!(parsed.is_ok(), municipality::lookup(&raw).is_some());
        if let Err(e) = parsed {
            let expected = if !check_digit_ok(&raw) { "check_digit" } else { "unknown_municipality" };
            prop_assert_eq!(e.code, expected);
        }
    }

    #[test]
    fn list_codes_parse(i in 0usize..1969) {
        let g = &municipality::all()[i];
        let c = MunicipalityCode::parse("municipality_code", &g.code).unwrap();
        prop_assert_eq!(c.as_str(), g.code.as_str());
        prop_assert_eq!(c.name(), Some(g.name.as_str()));
    }

    /// A single-digit change is caught by the check digit, except for the one blind spot of
    /// the official formula: residues 0 and 10 both give check digit 1.
    #[test]
    fn single_digit_change_fails_check_digit(i in 0usize..1969, pos in 0usize..6, delta in 1u8..10) {
        let code = &municipality::all()[i].code;
        let mut bytes = code.clone().into_bytes();
        bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
        let changed = String::from_utf8(bytes).unwrap();
        if pos == 5 {
            prop_assert!(!check_digit_ok(&changed));
        } else {
            let blind_spot = matches!((residue(code), residue(&changed)), (0, 10) | (10, 0));
            prop_assert_eq!(check_digit_ok(&changed), blind_spot, "{} -> {}", code, changed);
        }
        if !check_digit_ok(&changed) {
            let e = MunicipalityCode::parse("municipality_code", &changed).unwrap_err();
            prop_assert_eq!(e.code, "check_digit");
        }
    }

    #[test]
    fn check_digit_is_a_digit(n in 0u32..100_000) {
        let first5 = format!("{:05}", n);
        let c = compute_check_digit(&first5).unwrap();
        prop_assert!(c <= 9);
        let full = format!("{first5}{c}");
        prop_assert!(check_digit_ok(&full));
    }

    #[test]
    fn age_band_bounds_match_age(birth_days in 0i64..30_000, offset in 0i64..30_000) {
        let birth = d(1940, 1, 1) + chrono::Duration::days(birth_days);
        let today = birth + chrono::Duration::days(offset);
        let band = AgeBand::of_age(dates::age_on(birth, today));
        let (earliest, latest) = band.birth_date_bounds(today);
        prop_assert!(birth <= latest);
        prop_assert!(earliest.is_none_or(|e| birth >= e));
    }
}
