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

// ---------------------------------------------------------------------------------------------
// Yen
// ---------------------------------------------------------------------------------------------

/// An amount of money in whole yen (円). Negative for a reduction (an [`Amendment`] that takes
/// money back).
///
/// `Display` writes the plain integer (`1234`, `-1234`) for CSV files; use
/// [`Yen::format_ja`] / [`Yen::format`] for people. Arithmetic saturates at the `i64` limits
/// instead of overflowing (amounts built from validated [`Rates`] stay far below them).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Yen(pub i64);

impl Yen {
    /// Zero yen.
    pub const ZERO: Yen = Yen(0);

    /// Largest amount [`Yen::parse`] accepts (999,999,999,999 円).
    pub const MAX_INPUT: Yen = Yen(999_999_999_999);

    /// The amount as an integer.
    pub fn value(self) -> i64 {
        self.0
    }

    /// Japanese form with thousands separators: `1,234円`, `-1,234円`.
    pub fn format_ja(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        format!("{sign}{}円", group_thousands(self.0.unsigned_abs()))
    }

    /// English form with thousands separators: `¥1,234`, `-¥1,234`.
    pub fn format_en(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        format!("{sign}¥{}", group_thousands(self.0.unsigned_abs()))
    }

    /// [`Yen::format_ja`] or [`Yen::format_en`].
    pub fn format(self, lang: Lang) -> String {
        match lang {
            Lang::Ja => self.format_ja(),
            Lang::En => self.format_en(),
        }
    }

    /// Parses a non-negative amount as typed into a form: digits with optional thousands
    /// commas, an optional `円` suffix or `¥` prefix, full-width characters allowed
    /// (`"５，０００円"` → 5000). Errors: empty → `"required"`; a minus sign → `"negative"`;
    /// anything else that is not a whole number of yen → `"invalid_number"`; above
    /// [`Yen::MAX_INPUT`] → `"too_large"`.
    pub fn parse(field: &str, raw: &str) -> Result<Yen, FieldError> {
        let s = normalize(raw);
        if s.is_empty() {
            return Err(FieldError::required(field));
        }
        let s = s.strip_suffix('円').unwrap_or(&s).trim_end();
        let s = s.strip_prefix('¥').unwrap_or(s).trim_start();
        let (negative, s) = strip_minus(s);
        let plain: String = s.chars().filter(|c| *c != ',').collect();
        let commas_ok = !s.contains(',')
            || s.split(',')
                .enumerate()
                .all(|(i, g)| all_digits(g) && if i == 0 { g.len() <= 3 } else { g.len() == 3 });
        if !all_digits(&plain) || !commas_ok {
            return Err(invalid_number(field));
        }
        if negative {
            return Err(negative_error(field));
        }
        let digits = plain.trim_start_matches('0');
        match digits.parse::<i64>() {
            _ if digits.is_empty() => Ok(Yen::ZERO),
            Ok(n) if n <= Yen::MAX_INPUT.0 => Ok(Yen(n)),
            _ => Err(FieldError::new(
                field,
                "too_large",
                format!("金額は{}以下で入力してください", Yen::MAX_INPUT.format_ja()),
                format!("The amount must be at most {}.", Yen::MAX_INPUT.format_en()),
            )),
        }
    }
}

impl std::fmt::Display for Yen {
    /// The plain integer (`1234`, `-1234`), as written to CSV.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::ops::Add for Yen {
    type Output = Yen;
    fn add(self, rhs: Yen) -> Yen {
        Yen(self.0.saturating_add(rhs.0))
    }
}

impl std::ops::AddAssign for Yen {
    fn add_assign(&mut self, rhs: Yen) {
        *self = *self + rhs;
    }
}

impl std::ops::Sub for Yen {
    type Output = Yen;
    fn sub(self, rhs: Yen) -> Yen {
        Yen(self.0.saturating_sub(rhs.0))
    }
}

impl std::ops::Neg for Yen {
    type Output = Yen;
    fn neg(self) -> Yen {
        Yen(self.0.saturating_neg())
    }
}

impl std::iter::Sum for Yen {
    fn sum<I: Iterator<Item = Yen>>(iter: I) -> Yen {
        iter.fold(Yen::ZERO, |a, b| a + b)
    }
}

impl<'a> std::iter::Sum<&'a Yen> for Yen {
    fn sum<I: Iterator<Item = &'a Yen>>(iter: I) -> Yen {
        iter.copied().sum()
    }
}

/// Splits a leading minus sign (ASCII `-`, or U+2212 `−` which NFKC keeps) off `s`.
fn strip_minus(s: &str) -> (bool, &str) {
    match s.strip_prefix('-').or_else(|| s.strip_prefix('−')) {
        Some(rest) => (true, rest.trim_start()),
        None => (false, s),
    }
}

fn invalid_number(field: &str) -> FieldError {
    FieldError::new(
        field,
        "invalid_number",
        "数値を半角数字で入力してください（例: 12.5）",
        "Enter a number (e.g. 12.5).",
    )
}

fn negative_error(field: &str) -> FieldError {
    FieldError::new(
        field,
        "negative",
        "0以上の数値を入力してください",
        "The number must not be negative.",
    )
}

// ---------------------------------------------------------------------------------------------
// Rates
// ---------------------------------------------------------------------------------------------

/// A center's unit prices as entered by an admin (before validation). See [`Rates::parse`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawRates {
    /// Yen per visit (訪問1回あたり).
    pub per_visit: i64,
    /// Yen per hour of activity (活動1時間あたり).
    pub per_hour: i64,
    /// Yen per km travelled (移動1kmあたり).
    pub per_km: i64,
    /// Yen per hour of travel (移動1時間あたり).
    pub per_travel_hour: i64,
}

/// Validated unit prices (単価) of a center: each from 0 to [`Rates::MAX`] yen, not all zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Rates {
    per_visit: Yen,
    per_hour: Yen,
    per_km: Yen,
    per_travel_hour: Yen,
}

impl Rates {
    /// Largest accepted unit price (1,000,000 円).
    pub const MAX: Yen = Yen(1_000_000);

    /// Validates rates. Errors (all collected): a rate below 0 or above [`Rates::MAX`] →
    /// `"rate_range"` on `rates.per_visit`, `rates.per_hour`, `rates.per_km` or
    /// `rates.per_travel_hour`; when every rate is in range but all are 0 → `"rates_all_zero"`
    /// on `rates`.
    pub fn parse(raw: RawRates) -> Result<Rates, ValidationErrors> {
        let mut errs = ValidationErrors::new();
        let named = [
            ("per_visit", "訪問1回あたり", "per visit", raw.per_visit),
            (
                "per_hour",
                "活動1時間あたり",
                "per hour of activity",
                raw.per_hour,
            ),
            ("per_km", "移動1kmあたり", "per km travelled", raw.per_km),
            (
                "per_travel_hour",
                "移動1時間あたり",
                "per hour of travel",
                raw.per_travel_hour,
            ),
        ];
        for (name, ja, en, v) in named {
            if !(0..=Rates::MAX.0).contains(&v) {
                errs.push(FieldError::new(
                    &format!("rates.{name}"),
                    "rate_range",
                    format!(
                        "「{ja}」の単価は0円以上{}以下の整数で入力してください",
                        Rates::MAX.format_ja()
                    ),
                    format!(
                        "The rate \"{en}\" must be a whole number of yen from 0 to {}.",
                        Rates::MAX.format_en()
                    ),
                ));
            }
        }
        if errs.is_empty() && named.iter().all(|(_, _, _, v)| *v == 0) {
            errs.push(FieldError::new(
                "rates",
                "rates_all_zero",
                "単価のうち少なくとも1つは0円より大きくしてください",
                "At least one rate must be above 0 yen.",
            ));
        }
        errs.into_result()?;
        Ok(Rates {
            per_visit: Yen(raw.per_visit),
            per_hour: Yen(raw.per_hour),
            per_km: Yen(raw.per_km),
            per_travel_hour: Yen(raw.per_travel_hour),
        })
    }

    /// Yen per visit (訪問1回あたり).
    pub fn per_visit(&self) -> Yen {
        self.per_visit
    }

    /// Yen per hour of activity (活動1時間あたり).
    pub fn per_hour(&self) -> Yen {
        self.per_hour
    }

    /// Yen per km travelled (移動1kmあたり).
    pub fn per_km(&self) -> Yen {
        self.per_km
    }

    /// Yen per hour of travel (移動1時間あたり).
    pub fn per_travel_hour(&self) -> Yen {
        self.per_travel_hour
    }

    /// The rates as raw values (to fill an edit form).
    pub fn raw(&self) -> RawRates {
        RawRates {
            per_visit: self.per_visit.0,
            per_hour: self.per_hour.0,
            per_km: self.per_km.0,
            per_travel_hour: self.per_travel_hour.0,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Activity kind and distance
// ---------------------------------------------------------------------------------------------

/// What the coordinator did (活動の種別). Only a visit earns the per-visit rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    /// 訪問 — a visit to the family (home, hospital, school).
    Visit,
    /// 電話 — a phone call.
    Call,
    /// 会議出席 — attending a meeting (e.g. a case conference).
    Meeting,
}

impl ActivityKind {
    /// All kinds, in display order.
    pub fn all() -> [ActivityKind; 3] {
        [
            ActivityKind::Visit,
            ActivityKind::Call,
            ActivityKind::Meeting,
        ]
    }

    /// Stable code (same as the serde form): `visit`, `call`, `meeting`.
    pub fn code(self) -> &'static str {
        match self {
            ActivityKind::Visit => "visit",
            ActivityKind::Call => "call",
            ActivityKind::Meeting => "meeting",
        }
    }

    /// Parses a code (surrounding whitespace and ASCII case ignored).
    pub fn parse(s: &str) -> Option<ActivityKind> {
        let s = s.trim();
        ActivityKind::all()
            .into_iter()
            .find(|k| k.code().eq_ignore_ascii_case(s))
    }

    /// Label: 訪問 / Visit, 電話 / Phone call, 会議出席 / Meeting.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            ActivityKind::Visit => lang.pick("訪問", "Visit"),
            ActivityKind::Call => lang.pick("電話", "Phone call"),
            ActivityKind::Meeting => lang.pick("会議出席", "Meeting"),
        }
    }
}

impl std::fmt::Display for ActivityKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// A travel distance in tenths of a kilometre (移動距離, 0.1 km steps), at most
/// [`Distance::MAX_TENTHS`] (1000 km).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Distance(u32);

impl Distance {
    /// Largest distance: 1000.0 km.
    pub const MAX_TENTHS: u32 = 10_000;

    /// A distance of `tenths` × 0.1 km; `None` above [`Distance::MAX_TENTHS`].
    pub fn from_tenths(tenths: u32) -> Option<Distance> {
        (tenths <= Distance::MAX_TENTHS).then_some(Distance(tenths))
    }

    /// The distance in tenths of a km.
    pub fn tenths(self) -> u32 {
        self.0
    }

    /// Parses a distance in km as typed: `"12.3"`, `"12"`, `"12.30"`, full-width
    /// (`"１２．３"`), optionally followed by `km`. Errors: empty → `"required"`; a minus
    /// sign → `"negative"`; a non-zero second decimal (`"12.35"`) → `"too_many_decimals"`;
    /// above 1000 km → `"too_large"`; anything else → `"invalid_number"`.
    pub fn parse(field: &str, raw: &str) -> Result<Distance, FieldError> {
        let s = normalize(raw);
        let s = match s.len().checked_sub(2) {
            Some(cut) if s.is_char_boundary(cut) && s[cut..].eq_ignore_ascii_case("km") => {
                s[..cut].trim_end()
            }
            _ => s.as_str(),
        };
        if s.is_empty() {
            return Err(FieldError::required(field));
        }
        let (negative, s) = strip_minus(s);
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (s, None),
        };
        if !all_digits(int) || frac.is_some_and(|f| !all_digits(f)) {
            return Err(invalid_number(field));
        }
        if negative {
            return Err(negative_error(field));
        }
        let frac = frac.unwrap_or("0");
        if frac.bytes().skip(1).any(|b| b != b'0') {
            return Err(FieldError::new(
                field,
                "too_many_decimals",
                "距離は小数点以下1桁まで（0.1km単位）で入力してください",
                "Enter the distance to one decimal place (0.1 km).",
            ));
        }
        let int = int.trim_start_matches('0');
        let tenths = if int.len() > 5 {
            None
        } else {
            let whole: u32 = int.parse().unwrap_or(0);
            let tenth = frac.bytes().next().map_or(0, |b| u32::from(b - b'0'));
            Distance::from_tenths(whole * 10 + tenth)
        };
        tenths.ok_or_else(|| {
            FieldError::new(
                field,
                "too_large",
                "距離は1000km以下で入力してください",
                "The distance must be at most 1000 km.",
            )
        })
    }
}

impl std::fmt::Display for Distance {
    /// Kilometres with one decimal: `12.5`, `0.0`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.0 / 10, self.0 % 10)
    }
}

// ---------------------------------------------------------------------------------------------
// Service history and eligibility
// ---------------------------------------------------------------------------------------------

/// One period in which a child used a service of `data/vocab/welfare_services.csv`
/// (福祉サービスの利用歴). Both ends are inclusive.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ServicePeriod {
    /// Service code of [`VocabKind::WelfareService`], e.g. `plan_consultation`,
    /// `after_school_day`, `visiting_nursing`.
    pub code: String,
    /// First day of use; `None` = since before the records begin.
    pub started_on: Option<NaiveDate>,
    /// Last day of use; `None` = still in use.
    pub ended_on: Option<NaiveDate>,
}

impl ServicePeriod {
    /// True when `on` lies in the period (both ends inclusive; an open end is unbounded). A
    /// period that ends before it starts contains no day.
    pub fn contains(&self, on: NaiveDate) -> bool {
        self.started_on.is_none_or(|s| s <= on) && self.ended_on.is_none_or(|e| on <= e)
    }

    /// True when the service is a disability welfare service ([`counts_as_welfare_service`]).
    pub fn counts(&self) -> bool {
        counts_as_welfare_service(&self.code)
    }
}

/// Whether using the service `code` makes the coordinator's work with the family unpayable:
/// true for every code except `visiting_nursing` (訪問看護) and `visiting_rehabilitation`
/// (訪問リハビリテーション).
///
/// Those two are paid by medical insurance (医療保険) or long-term-care insurance (介護保険),
/// not by the disability welfare system (障害者総合支援法・児童福祉法の障害福祉サービス等):
/// using them does not give the family a 相談支援事業所 paid to coordinate for it, which is
/// what the prefecture's payment makes up for. Most children needing daily medical care use
/// 訪問看護, so counting it would leave almost no family payable. Every other code, including
/// `other` (その他) and codes missing from the list, counts — when unsure, the prefecture does
/// not pay twice.
pub fn counts_as_welfare_service(code: &str) -> bool {
    !matches!(code, "visiting_nursing" | "visiting_rehabilitation")
}

/// Whether work with a child on a given day can be paid.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Eligibility {
    /// The child uses no disability welfare service that day.
    Payable,
    /// The child uses a disability welfare service that day.
    NotPayable {
        /// Code of the service in use (the smallest code when several are).
        service: String,
    },
}

impl Eligibility {
    /// True for [`Eligibility::Payable`].
    pub fn payable(&self) -> bool {
        matches!(self, Eligibility::Payable)
    }
}

/// Whether work with a child on `on` can be paid, given the child's service history: not
/// payable when a period of a service that [counts](counts_as_welfare_service) contains `on`.
/// A child who starts 計画相談支援 (`plan_consultation`) is not payable from its start date
/// on, inclusive. The result does not depend on the order of `periods`.
pub fn is_payable(on: NaiveDate, periods: &[ServicePeriod]) -> Eligibility {
    periods
        .iter()
        .filter(|p| p.counts() && p.contains(on))
        .map(|p| p.code.as_str())
        .min()
        .map_or(Eligibility::Payable, |code| Eligibility::NotPayable {
            service: code.to_string(),
        })
}

// ---------------------------------------------------------------------------------------------
// Pay lines
// ---------------------------------------------------------------------------------------------

/// One recorded activity of a coordinator, with what the payment needs to know.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ActivityForPay {
    /// Activity id (unique; the key of a line across statements).
    pub activity_id: String,
    /// The dispatch (派遣) the activity belongs to.
    pub dispatch_id: String,
    /// The child; selects the service history.
    pub child_id: String,
    /// Municipality code of the family (for the per-municipality summary).
    pub municipality: String,
    /// Day of the activity.
    pub on: NaiveDate,
    /// Visit, call or meeting.
    pub kind: ActivityKind,
    /// Minutes of activity.
    pub minutes: u32,
    /// Distance travelled, in tenths of a km (see [`Distance`]).
    pub travel_tenths_km: u32,
    /// Minutes of travel.
    pub travel_minutes: u32,
    /// The record was voided (取消): listed, never paid.
    pub voided: bool,
}

/// [`PayLine::not_payable_reason`] of a voided activity.
pub const REASON_VOIDED: &str = "voided";

/// One line of a statement (支払明細の1行).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PayLine {
    /// The activity.
    pub activity_id: String,
    /// Day of the activity.
    pub on: NaiveDate,
    /// Visit, call or meeting.
    pub kind: ActivityKind,
    /// Municipality code of the family.
    pub municipality: String,
    /// True when the line is paid (not voided, child payable that day).
    pub payable: bool,
    /// Why the line is not paid: [`REASON_VOIDED`], or the code of the welfare service the
    /// child used that day (e.g. `plan_consultation`). `None` when payable.
    pub not_payable_reason: Option<String>,
    /// Per-visit part.
    pub visit_yen: Yen,
    /// Activity-time part.
    pub time_yen: Yen,
    /// Travel part (distance plus travel time).
    pub travel_yen: Yen,
    /// `visit_yen + time_yen + travel_yen`; 0 when not payable.
    pub amount: Yen,
}

impl PayLine {
    /// The reason as a sentence: 「取消済み」 / "Voided", or
    /// 「計画相談支援・障害児相談支援を利用中」 / "Uses Service-plan consultation support".
    pub fn reason_label(&self, lang: Lang) -> Option<String> {
        let reason = self.not_payable_reason.as_deref()?;
        if reason == REASON_VOIDED {
            return Some(lang.pick("取消済み", "Voided").to_string());
        }
        let name = vocab::label(VocabKind::WelfareService, reason, lang).unwrap_or(reason);
        Some(match lang {
            Lang::Ja => format!("{name}を利用中"),
            Lang::En => format!("Uses {name}"),
        })
    }
}

/// `⌊rate × quantity / per⌋` in integer yen (rates are non-negative, so this rounds down).
fn prorate(rate: Yen, quantity: u32, per: i64) -> Yen {
    let product = i128::from(rate.0) * i128::from(quantity) / i128::from(per);
    Yen(i64::try_from(product).unwrap_or(i64::MAX))
}

/// The pay line of one activity (see the module docs for the formula). A voided activity gets
/// reason [`REASON_VOIDED`]; an activity on a day the child uses a welfare service
/// ([`is_payable`]) gets the service's code; both have every amount 0.
pub fn line_for(activity: &ActivityForPay, periods: &[ServicePeriod], rates: &Rates) -> PayLine {
    let reason = if activity.voided {
        Some(REASON_VOIDED.to_string())
    } else {
        match is_payable(activity.on, periods) {
            Eligibility::Payable => None,
            Eligibility::NotPayable { service } => Some(service),
        }
    };
    let payable = reason.is_none();
    let (visit_yen, time_yen, travel_yen) = if payable {
        let visit = match activity.kind {
            ActivityKind::Visit => rates.per_visit,
            ActivityKind::Call | ActivityKind::Meeting => Yen::ZERO,
        };
        let time = prorate(rates.per_hour, activity.minutes, 60);
        let travel = prorate(rates.per_km, activity.travel_tenths_km, 10)
            + prorate(rates.per_travel_hour, activity.travel_minutes, 60);
        (visit, time, travel)
    } else {
        (Yen::ZERO, Yen::ZERO, Yen::ZERO)
    };
    PayLine {
        activity_id: activity.activity_id.clone(),
        on: activity.on,
        kind: activity.kind,
        municipality: activity.municipality.clone(),
        payable,
        not_payable_reason: reason,
        visit_yen,
        time_yen,
        travel_yen,
        amount: visit_yen + time_yen + travel_yen,
    }
}

// ---------------------------------------------------------------------------------------------
// Month and statement
// ---------------------------------------------------------------------------------------------

/// A calendar month (支払月), e.g. 2026-11. Ordered chronologically; serialized as
/// `"2026-11"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct YearMonth(NaiveDate); // the first day of the month

impl YearMonth {
    /// Earliest accepted year.
    pub const MIN_YEAR: i32 = 1900;
    /// Latest accepted year.
    pub const MAX_YEAR: i32 = 9999;

    /// The month `month` (1‥12) of `year` ([`YearMonth::MIN_YEAR`]‥[`YearMonth::MAX_YEAR`]).
    pub fn new(year: i32, month: u32) -> Option<YearMonth> {
        if !(YearMonth::MIN_YEAR..=YearMonth::MAX_YEAR).contains(&year) {
            return None;
        }
        NaiveDate::from_ymd_opt(year, month, 1).map(YearMonth)
    }

    /// The month containing `date`. `None` when the year is outside the accepted range.
    pub fn of(date: NaiveDate) -> Option<YearMonth> {
        YearMonth::new(date.year(), date.month())
    }

    /// Parses `"2026-11"`, also `"2026/11"`, `"2026.11"`, `"2026-1"`, `"2026年11月"` and
    /// full-width digits. Errors: empty → `"required"`; a month outside 1‥12 →
    /// `"invalid_month"`; a year outside 1900‥9999 → `"year_range"`; anything else →
    /// `"month_format"`.
    pub fn parse(field: &str, raw: &str) -> Result<YearMonth, FieldError> {
        let s = normalize(raw);
        if s.is_empty() {
            return Err(FieldError::required(field));
        }
        let parts = s
            .strip_suffix('月')
            .and_then(|rest| rest.split_once('年'))
            .or_else(|| s.split_once(['-', '/', '.']));
        let Some((y, m)) = parts.map(|(y, m)| (y.trim(), m.trim())) else {
            return Err(month_format_error(field));
        };
        if !all_digits(y) || y.len() != 4 || !all_digits(m) || m.len() > 2 {
            return Err(month_format_error(field));
        }
        let year: i32 = y.parse().map_err(|_| month_format_error(field))?;
        let month: u32 = m.parse().map_err(|_| month_format_error(field))?;
        if !(1..=12).contains(&month) {
            return Err(FieldError::new(
                field,
                "invalid_month",
                "月は1から12までで入力してください",
                "The month must be from 1 to 12.",
            ));
        }
        YearMonth::new(year, month).ok_or_else(|| {
            FieldError::new(
                field,
                "year_range",
                format!(
                    "年は{}年から{}年までで入力してください",
                    YearMonth::MIN_YEAR,
                    YearMonth::MAX_YEAR
                ),
                format!(
                    "The year must be from {} to {}.",
                    YearMonth::MIN_YEAR,
                    YearMonth::MAX_YEAR
                ),
            )
        })
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.0.year()
    }

    /// The month, 1‥12.
    pub fn month(self) -> u32 {
        self.0.month()
    }

    /// The first day of the month.
    pub fn first_day(self) -> NaiveDate {
        self.0
    }

    /// The last day of the month (28th to 31st).
    pub fn last_day(self) -> NaiveDate {
        let days = match self.month() {
            4 | 6 | 9 | 11 => 30,
            2 if self.0.leap_year() => 29,
            2 => 28,
            _ => 31,
        };
        self.0 + Days::new(days - 1)
    }

    /// True when `date` is in the month.
    pub fn contains(self, date: NaiveDate) -> bool {
        date.year() == self.year() && date.month() == self.month()
    }

    /// The following month (`None` after 9999-12).
    pub fn next(self) -> Option<YearMonth> {
        match self.month() {
            12 => YearMonth::new(self.year() + 1, 1),
            m => YearMonth::new(self.year(), m + 1),
        }
    }

    /// The preceding month (`None` before 1900-01).
    pub fn prev(self) -> Option<YearMonth> {
        match self.month() {
            1 => YearMonth::new(self.year() - 1, 12),
            m => YearMonth::new(self.year(), m - 1),
        }
    }

    /// Label: ja 「2026年11月」, en "Nov 2026".
    pub fn label(self, lang: Lang) -> String {
        match lang {
            Lang::Ja => format!("{}年{}月", self.year(), self.month()),
            Lang::En => self.0.format("%b %Y").to_string(),
        }
    }
}

fn month_format_error(field: &str) -> FieldError {
    FieldError::new(
        field,
        "month_format",
        "年月は「2026-11」の形式で入力してください",
        "Enter the month as YYYY-MM (e.g. 2026-11).",
    )
}

impl std::fmt::Display for YearMonth {
    /// `2026-11`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

impl Serialize for YearMonth {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for YearMonth {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        YearMonth::parse("month", &s).map_err(|e| serde::de::Error::custom(e.en))
    }
}

/// A coordinator's payment statement for one month (月次支払明細).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Statement {
    /// The month.
    pub month: YearMonth,
    /// Every activity of the month, paid or not, sorted by (day, activity id).
    pub lines: Vec<PayLine>,
    /// Sum of the amounts.
    pub total: Yen,
    /// Lines paid.
    pub payable_count: usize,
    /// Lines not paid (voided, or the child used a welfare service).
    pub not_payable_count: usize,
}

/// The statement of `month` for one coordinator's `activities` (activities on other days are
/// ignored). `periods_by_child` gives a child's service history from its id (an empty slice
/// for a child without one).
pub fn statement<'p>(
    month: YearMonth,
    activities: &[ActivityForPay],
    periods_by_child: impl Fn(&str) -> &'p [ServicePeriod],
    rates: &Rates,
) -> Statement {
    let mut lines: Vec<PayLine> = activities
        .iter()
        .filter(|a| month.contains(a.on))
        .map(|a| line_for(a, periods_by_child(&a.child_id), rates))
        .collect();
    lines.sort_by(|a, b| (a.on, &a.activity_id).cmp(&(b.on, &b.activity_id)));
    let total = lines.iter().map(|l| l.amount).sum();
    let payable_count = lines.iter().filter(|l| l.payable).count();
    Statement {
        month,
        not_payable_count: lines.len() - payable_count,
        payable_count,
        lines,
        total,
    }
}

// ---------------------------------------------------------------------------------------------
// Amendments after approval
// ---------------------------------------------------------------------------------------------

/// Why an approved line changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AmendmentReason {
    /// 追加 — the activity was not in the approved statement.
    Added,
    /// 取消 — the activity is voided now, or no longer recorded for the month.
    Voided,
    /// 再計算 — the amount changed, e.g. because the service history was corrected.
    Recalculated,
}

impl AmendmentReason {
    /// All reasons.
    pub fn all() -> [AmendmentReason; 3] {
        [
            AmendmentReason::Added,
            AmendmentReason::Voided,
            AmendmentReason::Recalculated,
        ]
    }

    /// Stable code: `added`, `voided`, `recalculated`.
    pub fn code(self) -> &'static str {
        match self {
            AmendmentReason::Added => "added",
            AmendmentReason::Voided => "voided",
            AmendmentReason::Recalculated => "recalculated",
        }
    }

    /// Parses a code (surrounding whitespace and ASCII case ignored).
    pub fn parse(s: &str) -> Option<AmendmentReason> {
        let s = s.trim();
        AmendmentReason::all()
            .into_iter()
            .find(|r| r.code().eq_ignore_ascii_case(s))
    }

    /// Label: 追加 / Added, 取消 / Voided, 再計算 / Recalculated.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            AmendmentReason::Added => lang.pick("追加", "Added"),
            AmendmentReason::Voided => lang.pick("取消", "Voided"),
            AmendmentReason::Recalculated => lang.pick("再計算", "Recalculated"),
        }
    }
}

impl std::fmt::Display for AmendmentReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// A change to an approved month (承認後の訂正): one activity whose amount differs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Amendment {
    /// The activity.
    pub activity_id: String,
    /// Day of the activity (the current one; the approved one when it was removed).
    pub on: NaiveDate,
    /// Amount approved (0 when the activity was not in the approved statement).
    pub before: Yen,
    /// Amount now (0 when voided or removed).
    pub after: Yen,
    /// `after − before`, never 0.
    pub difference: Yen,
    /// Why.
    pub reason: AmendmentReason,
}

/// The amendments that bring an approved month's lines (`approved`, frozen at approval) to
/// the lines computed now (`current`): one per activity id whose amount differs, sorted by
/// (day, activity id). So `Σ approved + Σ difference == Σ current` always holds, and there is
/// no amendment when nothing changed.
///
/// Reasons: not in `approved` → [`AmendmentReason::Added`]; absent from `current` or voided
/// there → [`AmendmentReason::Voided`]; otherwise [`AmendmentReason::Recalculated`] (also a
/// line that was voided at approval and is restored). Activity ids are expected to be unique
/// in each slice; repeated ones are added up.
pub fn amendments(approved: &[PayLine], current: &[PayLine]) -> Vec<Amendment> {
    struct Side {
        on: NaiveDate,
        amount: Yen,
        voided: bool,
    }
    fn collect(lines: &[PayLine]) -> BTreeMap<&str, Side> {
        let mut map: BTreeMap<&str, Side> = BTreeMap::new();
        for l in lines {
            let voided = l.not_payable_reason.as_deref() == Some(REASON_VOIDED);
            map.entry(l.activity_id.as_str())
                .and_modify(|s| {
                    s.amount += l.amount;
                    s.voided &= voided;
                })
                .or_insert(Side {
                    on: l.on,
                    amount: l.amount,
                    voided,
                });
        }
        map
    }
    let before = collect(approved);
    let after = collect(current);
    let mut ids: Vec<&str> = before.keys().chain(after.keys()).copied().collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out: Vec<Amendment> = ids
        .into_iter()
        .filter_map(|id| {
            let (b, a) = (before.get(id), after.get(id));
            let before_yen = b.map_or(Yen::ZERO, |s| s.amount);
            let after_yen = a.map_or(Yen::ZERO, |s| s.amount);
            if before_yen == after_yen {
                return None;
            }
            let reason = match (b, a) {
                (None, _) => AmendmentReason::Added,
                (Some(_), None) => AmendmentReason::Voided,
                (Some(_), Some(s)) if s.voided => AmendmentReason::Voided,
                (Some(_), Some(_)) => AmendmentReason::Recalculated,
            };
            let on = a.or(b).map(|s| s.on)?;
            Some(Amendment {
                activity_id: id.to_string(),
                on,
                before: before_yen,
                after: after_yen,
                difference: after_yen - before_yen,
                reason,
            })
        })
        .collect();
    out.sort_by(|a, b| (a.on, &a.activity_id).cmp(&(b.on, &b.activity_id)));
    out
}

// ---------------------------------------------------------------------------------------------
// Per-municipality summary
// ---------------------------------------------------------------------------------------------

/// Per municipality code (sorted by code): the number of paid lines and the total amount.
/// Every municipality of `lines` appears, also one with nothing paid; the totals add up to
/// the lines' total.
pub fn summarize_by_municipality(lines: &[PayLine]) -> Vec<(String, usize, Yen)> {
    let mut by: BTreeMap<&str, (usize, Yen)> = BTreeMap::new();
    for l in lines {
        let e = by.entry(l.municipality.as_str()).or_default();
        e.0 += usize::from(l.payable);
        e.1 += l.amount;
    }
    by.into_iter()
        .map(|(m, (count, total))| (m.to_string(), count, total))
        .collect()
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
