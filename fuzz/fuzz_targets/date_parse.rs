//! Dates: every date/time parser on arbitrary text (never panics; a success is in range and
//! reads back from its ISO form), and 和暦 formatting of an arbitrary date (never panics; the
//! date field never misreads it as a different date).
#![no_main]

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use domain::dates::{self, AgeBand, FiscalYear, MIN_BIRTH_DATE};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap_or(NaiveDate::MIN);
    let now = Utc
        .with_ymd_and_hms(2026, 11, 20, 1, 0, 0)
        .single()
        .unwrap_or_default();
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(d) = dates::parse_date("date", s) {
            assert_eq!(dates::parse_date("date", &d.to_string()), Ok(d), "{s:?}");
        }
        if let Ok(d) = dates::parse_birth_date("birth_date", s, today) {
            assert!(MIN_BIRTH_DATE <= d && d <= today, "{s:?}");
        }
        if let Ok(t) = dates::parse_occurred_at("occurred_at", s, now) {
            assert!(t <= now + Duration::minutes(dates::FUTURE_TOLERANCE_MINUTES));
        }
        let _ = FiscalYear::parse(s);
        let _ = AgeBand::parse(s);
    }
    if let Some(b) = data.get(..4) {
        let n = i32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let span = (NaiveDate::MAX - NaiveDate::MIN).num_days();
        let d = NaiveDate::MIN + Duration::days(i64::from(n).rem_euclid(span));
        let w = dates::wareki(d);
        if let Ok(p) = dates::parse_date("date", &w) {
            assert_eq!(p, d, "{w}");
        }
        let _ = FiscalYear::of(d).label(domain::Lang::Ja);
    }
});
