use super::*;
use proptest::prelude::*;

fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
    ymd(y, m, dd)
}

#[test]
fn report_age_bands_change_on_the_birthday() {
    let birth = d(2020, 6, 15);
    for (age, band) in [
        (0, "0"),
        (1, "1-2"),
        (3, "3-5"),
        (6, "6-11"),
        (12, "12-14"),
        (15, "15-17"),
        (18, "18+"),
    ] {
        let birthday = d(2020 + age, 6, 15);
        assert_eq!(ReportAgeBand::of(birth, birthday).code(), band, "age {age}");
        if age > 0 {
            let eve = d(2020 + age, 6, 14);
            assert_ne!(ReportAgeBand::of(birth, eve).code(), band, "eve of {age}");
        }
    }
    // A consultation recorded before the birth date (a prenatal one) is age 0.
    assert_eq!(ReportAgeBand::of(birth, d(2020, 1, 1)), ReportAgeBand::Age0);
    for b in ReportAgeBand::all() {
        assert_eq!(ReportAgeBand::parse(b.code()), Some(b));
        assert_eq!(ReportAgeBand::of_age(b.min_age()), b);
    }
}

#[test]
fn past_dates_stop_at_today() {
    let today = d(2026, 11, 20);
    assert_eq!(parse_past_date("x", "2026-11-20", today), Ok(today));
    let e = parse_past_date("x", "2026-11-21", today).err();
    assert_eq!(e.map(|e| e.code), Some("future_date"));
    let e = parse_past_date("x", "", today).err();
    assert_eq!(e.map(|e| e.code), Some("required"));
}

#[test]
fn parse_dates() {
    let p = |s: &str| parse_date("date", s).map_err(|e| e.code);
    assert_eq!(p("2021-08-01"), Ok(d(2021, 8, 1)));
    assert_eq!(p("2021/8/1"), Ok(d(2021, 8, 1)));
    assert_eq!(p("２０２１－０８－０１"), Ok(d(2021, 8, 1)));
    assert_eq!(p("２０２１／０８／０１"), Ok(d(2021, 8, 1)));
    assert_eq!(p("2021年8月1日"), Ok(d(2021, 8, 1)));
    assert_eq!(p(""), Err("required"));
    assert_eq!(p("2021-02-30"), Err("date_format"));
    assert_eq!(p("21-08-01"), Err("date_format"));
    assert_eq!(p("2021-08-01x"), Err("date_format"));
    assert_eq!(p("令和3年8月1日"), Err("date_format"));
}

#[test]
fn birth_dates() {
    let today = d(2024, 6, 1);
    assert_eq!(
        parse_birth_date("birth_date", "2024-06-01", today),
        Ok(today)
    );
    let e = parse_birth_date("birth_date", "2024-06-02", today).err();
    assert_eq!(e.as_ref().map(|e| e.code), Some("future_date"));
    assert_eq!(
        e.map(|e| e.ja),
        Some("生年月日に未来の日付は入力できません".to_string())
    );
    assert_eq!(
        parse_birth_date("birth_date", "1899-12-31", today)
            .err()
            .map(|e| e.code),
        Some("too_old")
    );
    assert!(parse_birth_date("birth_date", "1900-01-01", today).is_ok());
}

#[test]
fn occurred_at() {
    let now = Utc
        .with_ymd_and_hms(2021, 8, 1, 5, 0, 0)
        .single()
        .unwrap_or_default();
    let p = |s: &str| parse_occurred_at("occurred_at", s, now);
    let expect = Utc.with_ymd_and_hms(2021, 8, 1, 4, 30, 0).single();
    assert_eq!(p("2021-08-01T13:30").ok(), expect);
    assert_eq!(p("2021-08-01T13:30:00").ok(), expect);
    assert_eq!(p("2021-08-01 13:30").ok(), expect);
    assert_eq!(p("２０２１－０８－０１Ｔ１３：３０").ok(), expect);
    assert_eq!(p("2021-08-01T04:30:00Z").ok(), expect);
    assert_eq!(p("2021-08-01T13:30:00+09:00").ok(), expect);
    // now is 14:00 JST; +5 minutes tolerance
    assert!(p("2021-08-01T14:05").is_ok());
    let e = p("2021-08-01T14:06").err();
    assert_eq!(e.as_ref().map(|e| e.code), Some("future_datetime"));
    assert_eq!(
        e.map(|e| e.ja),
        Some("相談日時に未来の日時は入力できません".to_string())
    );
    assert_eq!(
        p("yesterday").err().map(|e| e.code),
        Some("datetime_format")
    );
    assert_eq!(p("").err().map(|e| e.code), Some("required"));
}

#[test]
fn wareki_boundaries() {
    assert_eq!(wareki(d(2019, 4, 30)), "平成31年4月30日");
    assert_eq!(wareki(d(2019, 5, 1)), "令和元年5月1日");
    assert_eq!(wareki(d(2020, 1, 1)), "令和2年1月1日");
    assert_eq!(wareki(d(2021, 12, 1)), "令和3年12月1日");
    assert_eq!(wareki(d(1989, 1, 7)), "昭和64年1月7日");
    assert_eq!(wareki(d(1989, 1, 8)), "平成元年1月8日");
    assert_eq!(wareki(d(1926, 12, 25)), "昭和元年12月25日");
    assert_eq!(wareki(d(1926, 12, 24)), "大正15年12月24日");
    assert_eq!(wareki(d(1850, 1, 1)), "1850年1月1日");
    assert_eq!(wareki_year_month(d(2021, 12, 1)), "令和3年12月");
}

#[test]
fn fiscal_years() {
    assert_eq!(FiscalYear::of(d(2022, 3, 31)), FiscalYear(2021));
    assert_eq!(FiscalYear::of(d(2022, 4, 1)), FiscalYear(2022));
    assert_eq!(FiscalYear(2021).start(), d(2021, 4, 1));
    assert_eq!(FiscalYear(2021).end(), d(2022, 3, 31));
    assert_eq!(FiscalYear(2021).label(Lang::Ja), "令和3年度");
    assert_eq!(FiscalYear(2021).label(Lang::En), "FY2021");
    assert_eq!(FiscalYear(2019).label(Lang::Ja), "令和元年度");
    assert_eq!(FiscalYear(2018).label(Lang::Ja), "平成30年度");
    assert_eq!(FiscalYear(1989).label(Lang::Ja), "平成元年度");
    assert_eq!(FiscalYear::parse("FY2021"), Some(FiscalYear(2021)));
    assert_eq!(FiscalYear::parse("2021"), Some(FiscalYear(2021)));
    assert_eq!(FiscalYear::parse("21"), None);
}

#[test]
fn day_range() {
    let (s, e) = jst_day_range_utc(d(2021, 8, 1), d(2021, 8, 1));
    assert_eq!(s.to_rfc3339(), "2021-07-31T15:00:00+00:00");
    assert_eq!(e.to_rfc3339(), "2021-08-01T15:00:00+00:00");
    let (s, e) = jst_day_range_utc(d(2021, 8, 1), d(2021, 8, 31));
    assert_eq!(e - s, Duration::days(31));
    let (s, e) = jst_day_range_utc(d(2021, 8, 2), d(2021, 8, 1));
    assert_eq!(s, e);
    assert_eq!(jst().local_minus_utc(), 9 * 3600);
    let t = Utc
        .with_ymd_and_hms(2021, 7, 31, 15, 0, 0)
        .single()
        .unwrap_or_default();
    assert_eq!(jst_date(t), d(2021, 8, 1));
    assert_eq!(jst_date(t - Duration::seconds(1)), d(2021, 7, 31));
}

#[test]
fn ages_and_bands() {
    assert_eq!(age_on(d(2018, 4, 2), d(2021, 4, 1)), 2);
    assert_eq!(age_on(d(2018, 4, 2), d(2021, 4, 2)), 3);
    assert_eq!(age_on(d(2020, 2, 29), d(2021, 2, 28)), 0);
    assert_eq!(age_on(d(2020, 2, 29), d(2021, 3, 1)), 1);
    assert_eq!(age_on(d(2020, 1, 1), d(2019, 1, 1)), 0);
    let today = d(2024, 6, 1);
    assert_eq!(
        AgeBand::Under3.birth_date_bounds(today),
        (Some(d(2021, 6, 2)), today)
    );
    assert_eq!(
        AgeBand::Age3To5.birth_date_bounds(today),
        (Some(d(2018, 6, 2)), d(2021, 6, 1))
    );
    assert_eq!(
        AgeBand::Age18Plus.birth_date_bounds(today),
        (None, d(2006, 6, 1))
    );
    // today 2024-02-29: leap-day edge
    let leap = d(2024, 2, 29);
    assert_eq!(
        AgeBand::Age3To5.birth_date_bounds(leap),
        (Some(d(2018, 3, 1)), d(2021, 2, 28))
    );
    for b in AgeBand::all() {
        assert_eq!(AgeBand::parse(b.code()), Some(b));
    }
    assert_eq!(AgeBand::Under3.label(Lang::Ja), "0〜2歳");
}

proptest! {
    #[test]
    fn band_bounds_agree_with_age_on(
        birth_days in 0i64..40_000,
        offset in 0i64..8_000,
    ) {
        let birth = d(1930, 1, 1) + Duration::days(birth_days);
        let today = birth + Duration::days(offset);
        let band = AgeBand::of(birth, today);
        for b in AgeBand::all() {
            let (earliest, latest) = b.birth_date_bounds(today);
            let inside = birth <= latest && earliest.is_none_or(|e| birth >= e);
            prop_assert_eq!(inside, b == band, "{:?} {} {}", b, birth, today);
        }
    }

    #[test]
    fn fiscal_year_contains_its_dates(days in 0i64..60_000) {
        let date = d(1950, 1, 1) + Duration::days(days);
        let fy = FiscalYear::of(date);
        prop_assert!(fy.start() <= date && date <= fy.end());
    }
}
