//! Coordinator payment statements (コーディネーター派遣の支払明細).
//!
//! In the 高知県 model the prefecture pays a dispatched 医療的ケア児等コーディネーター for
//! work with families whose child uses **no disability welfare service** (障害福祉サービス等):
//! once a child has a service plan (計画相談支援・障害児相談支援) or uses a service, a
//! consultation support office (相談支援事業所) is paid through the benefit system for that
//! work, so the prefecture does not pay for it a second time.
//!
//! Everything here is pure and integer-only (whole yen, no floating point):
//!
//! * [`Rates`] — a center's unit prices, parsed from [`RawRates`] as entered by an admin;
//! * [`is_payable`] — whether a child's [`ServicePeriod`] history allows payment on a date;
//! * [`line_for`] — one [`PayLine`] (amount and breakdown) for one [`ActivityForPay`];
//! * [`statement`] — a coordinator's [`Statement`] for one [`YearMonth`];
//! * [`amendments`] — after a month was approved (承認) its lines are frozen; later changes
//!   (an activity added or voided, a service history corrected) become [`Amendment`]s, so
//!   `approved total + Σ differences == current total`;
//! * [`summarize_by_municipality`] — counts and totals per municipality (市町村別集計).
//!
//! ## Amount of one activity
//! ```text
//! amount = per_visit                        (visits only)
//!        + ⌊per_hour        × minutes        / 60⌋
//!        + ⌊per_km          × tenths of a km / 10⌋
//!        + ⌊per_travel_hour × travel minutes / 60⌋
//! ```
//! Each term is rounded down on its own. A voided activity, or one on a date when the child
//! uses a welfare service, is still listed with its reason, but every term is 0.

use crate::error::FieldError;
use crate::vocab::{self, VocabKind};
use crate::{Lang, ValidationErrors};
use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use unicode_normalization::UnicodeNormalization;

mod amendments;
mod lines;
mod month;
mod rates;
mod yen;

pub use amendments::*;
pub use lines::*;
pub use month::*;
pub use rates::*;
pub use yen::*;

/// Trims, applies NFKC (full-width digits and punctuation become ASCII) and trims again.
fn normalize(raw: &str) -> String {
    raw.trim().nfkc().collect::<String>().trim().to_string()
}

/// True when `s` is one or more ASCII digits.
fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Groups the digits of a non-negative number by thousands: `1234567` → `"1,234,567"`.
fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && i % 3 == digits.len() % 3 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yen_formats() {
        assert_eq!(Yen(0).format_ja(), "0円");
        assert_eq!(Yen(999).format_ja(), "999円");
        assert_eq!(Yen(1234).format_ja(), "1,234円");
        assert_eq!(Yen(-1_234_567).format_ja(), "-1,234,567円");
        assert_eq!(Yen(1234).format_en(), "¥1,234");
        assert_eq!(Yen(-100_000).format(Lang::En), "-¥100,000");
        assert_eq!(Yen(i64::MIN).format_ja(), "-9,223,372,036,854,775,808円");
        assert_eq!(Yen(-1234).to_string(), "-1234");
    }

    #[test]
    fn yen_parse() {
        let p = |s: &str| Yen::parse("amount", s).map_err(|e| e.code);
        assert_eq!(p("5000"), Ok(Yen(5000)));
        assert_eq!(p("５，０００円"), Ok(Yen(5000)));
        assert_eq!(p("￥1,234,567"), Ok(Yen(1_234_567)));
        assert_eq!(p("000"), Ok(Yen(0)));
        assert_eq!(p(""), Err("required"));
        assert_eq!(p("-5"), Err("negative"));
        assert_eq!(p("12,34"), Err("invalid_number"));
        assert_eq!(p("1.5"), Err("invalid_number"));
        assert_eq!(p("1000000000000"), Err("too_large"));
        assert_eq!(p("99999999999999999999999"), Err("too_large"));
    }

    #[test]
    fn saturating_arithmetic() {
        assert_eq!(Yen(i64::MAX) + Yen(1), Yen(i64::MAX));
        assert_eq!(-Yen(i64::MIN), Yen(i64::MAX));
        assert_eq!(prorate(Rates::MAX, u32::MAX, 60).0, 71_582_788_250_000);
    }
}
