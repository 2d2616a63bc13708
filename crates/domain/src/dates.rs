//! Dates and times: Japan Standard Time (UTC+9, no DST), fiscal year (年度, April–March),
//! 和暦 (Japanese era dates), ages and age bands.
//!
//! Nothing here reads the clock: pass `today` / `now` in.

use crate::error::FieldLabel;
use crate::{FieldError, Lang};
use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
};
use unicode_normalization::UnicodeNormalization;

const JST_OFFSET: FixedOffset = match FixedOffset::east_opt(9 * 3600) {
    Some(o) => o,
    None => panic!("UTC+9 is a valid offset"),
};

/// Japan Standard Time (日本標準時), UTC+09:00.
pub fn jst() -> FixedOffset {
    JST_OFFSET
}

/// `NaiveDate` from parts, saturating to `NaiveDate::MIN`/`MAX` outside chrono's range.
fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(if y < 0 {
        NaiveDate::MIN
    } else {
        NaiveDate::MAX
    })
}

/// Full-width → ASCII (NFKC), trimmed.
fn normalize_input(raw: &str) -> String {
    raw.trim().nfkc().collect::<String>().trim().to_string()
}

fn date_format_error(field: &str) -> FieldError {
    let l = FieldLabel::of(field);
    FieldError::new(
        field,
        "date_format",
        format!(
            "{}は「2021-08-01」の形式で入力してください",
            l.ja_or("日付")
        ),
        format!("{} must be a date like 2021-08-01.", l.en_or("The date")),
    )
}

/// Parses `Y-M-D`, `Y/M/D`, `Y.M.D` or `Y年M月D日` (1–2 digit month and day allowed).
fn parse_date_str(s: &str) -> Option<Result<NaiveDate, ()>> {
    let s = s.strip_suffix('日').unwrap_or(s);
    let parts: Vec<&str> = s.split(['-', '/', '.', '年', '月']).collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    let digits = |p: &str, lo: usize, hi: usize| {
        (lo..=hi).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(y, 4, 4) || !digits(m, 1, 2) || !digits(d, 1, 2) {
        return None;
    }
    let (y, m, d) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    Some(NaiveDate::from_ymd_opt(y, m, d).ok_or(()))
}

/// Parses a date: `YYYY-MM-DD`, also `YYYY/MM/DD`, `YYYY.MM.DD`, `YYYY年MM月DD日` and
/// full-width digits. Errors: empty → `"required"`; anything else wrong (including a
/// non-existent date such as 2021-02-30) → `"date_format"`.
pub fn parse_date(field: &str, raw: &str) -> Result<NaiveDate, FieldError> {
    let s = normalize_input(raw);
    if s.is_empty() {
        return Err(FieldError::required(field));
    }
    match parse_date_str(&s) {
        Some(Ok(d)) => Ok(d),
        Some(Err(())) => {
            let l = FieldLabel::of(field);
            Err(FieldError::new(
                field,
                "date_format",
                format!("{}に存在しない日付が入力されています", l.ja_or("日付")),
                format!("{} is not a real calendar date.", l.en_or("The date")),
            ))
        }
        None => Err(date_format_error(field)),
    }
}

/// Parses the date something already happened (a hand-out, a drill, a return): as
/// [`parse_date`], and not after `today` → `"future_date"`.
pub fn parse_past_date(field: &str, raw: &str, today: NaiveDate) -> Result<NaiveDate, FieldError> {
    let d = parse_date(field, raw)?;
    if d > today {
        return Err(FieldError::new(
            field,
            "future_date",
            "未来の日付は入力できません",
            "The date cannot be in the future.",
        ));
    }
    Ok(d)
}

/// Earliest accepted birth date.
pub const MIN_BIRTH_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => panic!("valid date"),
};

/// Parses a birth date (生年月日): as [`parse_date`], and not after `today`, not before 1900.
/// Errors: `"future_date"` (「生年月日に未来の日付は入力できません」), `"too_old"`.
pub fn parse_birth_date(field: &str, raw: &str, today: NaiveDate) -> Result<NaiveDate, FieldError> {
    let d = parse_date(field, raw)?;
    let l = FieldLabel::of(field);
    if d > today {
        return Err(FieldError::new(
            field,
            "future_date",
            format!("{}に未来の日付は入力できません", l.ja_or("生年月日")),
            format!("{} cannot be in the future.", l.en_or("Date of birth")),
        ));
    }
    if d < MIN_BIRTH_DATE {
        return Err(FieldError::new(
            field,
            "too_old",
            format!(
                "{}は1900年1月1日以降の日付を入力してください",
                l.ja_or("生年月日")
            ),
            format!(
                "{} must be on or after 1900-01-01.",
                l.en_or("Date of birth")
            ),
        ));
    }
    Ok(d)
}

/// How far in the future an occurred-at time may be (clock skew between browser and server).
pub const FUTURE_TOLERANCE_MINUTES: i64 = 5;

fn parse_datetime_str(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.with_timezone(&Utc));
    }
    let s = s.replacen(' ', "T", 1);
    if let Ok(dt) = DateTime::parse_from_rfc3339(&s) {
        return Some(dt.with_timezone(&Utc));
    }
    let s = s.replace('/', "-");
    [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%.f",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(&s, f).ok())
    .and_then(|n| jst().from_local_datetime(&n).single())
    .map(|dt| dt.with_timezone(&Utc))
}

/// Parses a `datetime-local` input `YYYY-MM-DDTHH:MM` (or with `:SS`, a space instead of `T`,
/// `/` as date separator, full-width digits) interpreted in JST, or an RFC 3339 timestamp with
/// an offset. Must not be later than `now` + 5 minutes.
///
/// Errors: empty → `"required"`; `"datetime_format"`; `"future_datetime"`
/// (「相談日時に未来の日時は入力できません」).
pub fn parse_occurred_at(
    field: &str,
    raw: &str,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, FieldError> {
    let s = normalize_input(raw);
    if s.is_empty() {
        return Err(FieldError::required(field));
    }
    let l = FieldLabel::of(field);
    let Some(t) = parse_datetime_str(&s) else {
        return Err(FieldError::new(
            field,
            "datetime_format",
            format!(
                "{}は「2021-08-01 14:30」の形式で入力してください",
                l.ja_or("日時")
            ),
            format!(
                "{} must be a date and time like 2021-08-01 14:30.",
                l.en_or("The date and time")
            ),
        ));
    };
    if t > now + Duration::minutes(FUTURE_TOLERANCE_MINUTES) {
        return Err(FieldError::new(
            field,
            "future_datetime",
            format!("{}に未来の日時は入力できません", l.ja_or("日時")),
            format!("{} cannot be in the future.", l.en_or("The date and time")),
        ));
    }
    Ok(t)
}

/// The JST calendar date of an instant.
pub fn jst_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&jst()).date_naive()
}

/// The UTC instant at which JST day `date` starts (00:00 JST).
pub fn jst_midnight_utc(date: NaiveDate) -> DateTime<Utc> {
    (date.and_time(NaiveTime::MIN) - Duration::hours(9)).and_utc()
}

/// UTC instant range `[start, end)` covering the JST calendar days `from..=to_inclusive`.
/// An inverted range gives an empty range `(start, start)`.
pub fn jst_day_range_utc(
    from: NaiveDate,
    to_inclusive: NaiveDate,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = jst_midnight_utc(from);
    let end = match to_inclusive.succ_opt() {
        Some(next) => jst_midnight_utc(next),
        None => jst_midnight_utc(to_inclusive) + Duration::days(1),
    };
    (start, end.max(start))
}

/// 年度 (fiscal year, April to March), named by the calendar year in which it starts:
/// `FiscalYear(2021)` is 2021-04-01..=2022-03-31 (令和3年度).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FiscalYear(pub i32);

impl FiscalYear {
    /// The fiscal year containing `date`.
    pub fn of(date: NaiveDate) -> Self {
        if date.month() >= 4 {
            FiscalYear(date.year())
        } else {
            FiscalYear(date.year() - 1)
        }
    }

    /// April 1 (first day).
    pub fn start(self) -> NaiveDate {
        ymd(self.0, 4, 1)
    }

    /// March 31 of the next year (last day, inclusive).
    pub fn end(self) -> NaiveDate {
        ymd(self.0 + 1, 3, 31)
    }

    /// True when `date` is in this fiscal year.
    pub fn contains(self, date: NaiveDate) -> bool {
        FiscalYear::of(date) == self
    }

    /// The previous fiscal year.
    pub fn prev(self) -> Self {
        FiscalYear(self.0 - 1)
    }

    /// The next fiscal year.
    pub fn next(self) -> Self {
        FiscalYear(self.0 + 1)
    }

    /// Label: ja 「令和3年度」 (「令和元年度」 for 2019), en "FY2021".
    pub fn label(self, lang: Lang) -> String {
        match lang {
            Lang::Ja => {
                // A fiscal year is named by the era in force for most of it: FY2019 is 令和元年度,
                // FY1989 is 平成元年度.
                let (era, y) = era_year(ymd(self.0, 5, 1));
                match era {
                    Some(e) => format!("{e}{}年度", year_text(y)),
                    None => format!("{}年度", self.0),
                }
            }
            Lang::En => format!("FY{}", self.0),
        }
    }

    /// Parses `"2021"` or `"FY2021"`.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let s = s
            .strip_prefix("FY")
            .or_else(|| s.strip_prefix("fy"))
            .unwrap_or(s);
        if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse().ok().map(FiscalYear)
        } else {
            None
        }
    }
}

impl std::fmt::Display for FiscalYear {
    /// English label, e.g. "FY2021".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FY{}", self.0)
    }
}

/// Eras (元号) since Meiji's adoption of the Gregorian calendar: name and first day.
const ERAS: [(&str, i32, u32, u32); 5] = [
    ("令和", 2019, 5, 1),
    ("平成", 1989, 1, 8),
    ("昭和", 1926, 12, 25),
    ("大正", 1912, 7, 30),
    ("明治", 1873, 1, 1),
];

/// Era name and year within the era for a date; `None` era before 1873 (pre-Gregorian).
fn era_year(date: NaiveDate) -> (Option<&'static str>, i32) {
    for (name, y, m, d) in ERAS {
        if date >= ymd(y, m, d) {
            return (Some(name), date.year() - y + 1);
        }
    }
    (None, date.year())
}

fn year_text(y: i32) -> String {
    if y == 1 {
        "元".to_string()
    } else {
        y.to_string()
    }
}

/// 和暦 date, e.g. 「令和3年12月1日」 (平成 before 2019-05-01, 昭和 before 1989-01-08, 大正, 明治;
/// 元年 for the first year). Dates before 1873 are written 「1850年1月1日」.
pub fn wareki(date: NaiveDate) -> String {
    format!("{}{}日", wareki_year_month(date), date.day())
}

/// 和暦 year and month, e.g. 「令和3年12月」.
pub fn wareki_year_month(date: NaiveDate) -> String {
    let (era, y) = era_year(date);
    format!(
        "{}{}年{}月",
        era.unwrap_or(""),
        if era.is_some() {
            year_text(y)
        } else {
            y.to_string()
        },
        date.month()
    )
}

/// Age in completed years (満年齢) on `on`; 0 when `on` is before `birth`. A 29 February
/// birthday counts on 1 March in common years.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    if on <= birth {
        return 0;
    }
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

/// Age bands used in statistics (年齢区分), by completed years.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AgeBand {
    /// 0〜2歳
    Under3,
    /// 3〜5歳 (未就学)
    Age3To5,
    /// 6〜11歳 (小学生の年齢)
    Age6To11,
    /// 12〜14歳 (中学生の年齢)
    Age12To14,
    /// 15〜17歳 (高校生の年齢)
    Age15To17,
    /// 18歳以上
    Age18Plus,
}

impl AgeBand {
    /// All bands, youngest first.
    pub fn all() -> [AgeBand; 6] {
        [
            AgeBand::Under3,
            AgeBand::Age3To5,
            AgeBand::Age6To11,
            AgeBand::Age12To14,
            AgeBand::Age15To17,
            AgeBand::Age18Plus,
        ]
    }

    /// Code: `"0-2"`, `"3-5"`, `"6-11"`, `"12-14"`, `"15-17"`, `"18+"`.
    pub fn code(self) -> &'static str {
        match self {
            AgeBand::Under3 => "0-2",
            AgeBand::Age3To5 => "3-5",
            AgeBand::Age6To11 => "6-11",
            AgeBand::Age12To14 => "12-14",
            AgeBand::Age15To17 => "15-17",
            AgeBand::Age18Plus => "18+",
        }
    }

    /// Parses [`AgeBand::code`].
    pub fn parse(s: &str) -> Option<Self> {
        AgeBand::all().into_iter().find(|b| b.code() == s.trim())
    }

    /// Label, e.g. 「0〜2歳」 / "Age 0–2".
    pub fn label(self, lang: Lang) -> &'static str {
        let (ja, en) = match self {
            AgeBand::Under3 => ("0〜2歳", "Age 0–2"),
            AgeBand::Age3To5 => ("3〜5歳", "Age 3–5"),
            AgeBand::Age6To11 => ("6〜11歳", "Age 6–11"),
            AgeBand::Age12To14 => ("12〜14歳", "Age 12–14"),
            AgeBand::Age15To17 => ("15〜17歳", "Age 15–17"),
            AgeBand::Age18Plus => ("18歳以上", "Age 18 and over"),
        };
        lang.pick(ja, en)
    }

    /// Inclusive age range in completed years; `None` upper bound for 18+.
    pub fn age_range(self) -> (u32, Option<u32>) {
        match self {
            AgeBand::Under3 => (0, Some(2)),
            AgeBand::Age3To5 => (3, Some(5)),
            AgeBand::Age6To11 => (6, Some(11)),
            AgeBand::Age12To14 => (12, Some(14)),
            AgeBand::Age15To17 => (15, Some(17)),
            AgeBand::Age18Plus => (18, None),
        }
    }

    /// The band for an age in completed years.
    pub fn of_age(age: u32) -> Self {
        match age {
            0..=2 => AgeBand::Under3,
            3..=5 => AgeBand::Age3To5,
            6..=11 => AgeBand::Age6To11,
            12..=14 => AgeBand::Age12To14,
            15..=17 => AgeBand::Age15To17,
            _ => AgeBand::Age18Plus,
        }
    }

    /// The band of a child born on `birth`, on `today`.
    pub fn of(birth: NaiveDate, today: NaiveDate) -> Self {
        AgeBand::of_age(age_on(birth, today))
    }

    /// Inclusive birth-date bounds `(earliest, latest)` of children in this band on `today`
    /// (consistent with [`age_on`]); `earliest` is `None` for 18+. Use as
    /// `birth_date >= earliest AND birth_date <= latest`.
    pub fn birth_date_bounds(self, today: NaiveDate) -> (Option<NaiveDate>, NaiveDate) {
        let (lo, hi) = self.age_range();
        (
            hi.map(|hi| earliest_birth_for_max_age(today, hi)),
            latest_birth_for_min_age(today, lo),
        )
    }
}

/// Age bands of the consultation figures (相談統計の年齢区分), by completed years on the
/// consultation date. Finer than [`AgeBand`] below school age, where the support a family
/// needs changes fastest (NICU discharge in the first year, then 1–2, then 保育・幼稚園); the
/// child search keeps [`AgeBand`] so its `age_band` codes stay stable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReportAgeBand {
    /// 0歳
    Age0,
    /// 1〜2歳
    Age1To2,
    /// 3〜5歳
    Age3To5,
    /// 6〜11歳
    Age6To11,
    /// 12〜14歳
    Age12To14,
    /// 15〜17歳
    Age15To17,
    /// 18歳以上
    Age18Plus,
}

impl ReportAgeBand {
    /// All bands, youngest first (the order figures list them in).
    pub fn all() -> [ReportAgeBand; 7] {
        [
            ReportAgeBand::Age0,
            ReportAgeBand::Age1To2,
            ReportAgeBand::Age3To5,
            ReportAgeBand::Age6To11,
            ReportAgeBand::Age12To14,
            ReportAgeBand::Age15To17,
            ReportAgeBand::Age18Plus,
        ]
    }

    /// Code: `"0"`, `"1-2"`, `"3-5"`, `"6-11"`, `"12-14"`, `"15-17"`, `"18+"`.
    pub fn code(self) -> &'static str {
        match self {
            ReportAgeBand::Age0 => "0",
            ReportAgeBand::Age1To2 => "1-2",
            ReportAgeBand::Age3To5 => "3-5",
            ReportAgeBand::Age6To11 => "6-11",
            ReportAgeBand::Age12To14 => "12-14",
            ReportAgeBand::Age15To17 => "15-17",
            ReportAgeBand::Age18Plus => "18+",
        }
    }

    /// Parses [`ReportAgeBand::code`].
    pub fn parse(s: &str) -> Option<Self> {
        ReportAgeBand::all()
            .into_iter()
            .find(|b| b.code() == s.trim())
    }

    /// Label, e.g. 「1〜2歳」 / "Age 1–2".
    pub fn label(self, lang: Lang) -> &'static str {
        let (ja, en) = match self {
            ReportAgeBand::Age0 => ("0歳", "Age 0"),
            ReportAgeBand::Age1To2 => ("1〜2歳", "Age 1–2"),
            ReportAgeBand::Age3To5 => ("3〜5歳", "Age 3–5"),
            ReportAgeBand::Age6To11 => ("6〜11歳", "Age 6–11"),
            ReportAgeBand::Age12To14 => ("12〜14歳", "Age 12–14"),
            ReportAgeBand::Age15To17 => ("15〜17歳", "Age 15–17"),
            ReportAgeBand::Age18Plus => ("18歳以上", "Age 18 and over"),
        };
        lang.pick(ja, en)
    }

    /// Youngest age (completed years) of the band; the bands are contiguous, so each ends
    /// where the next begins.
    pub fn min_age(self) -> u32 {
        match self {
            ReportAgeBand::Age0 => 0,
            ReportAgeBand::Age1To2 => 1,
            ReportAgeBand::Age3To5 => 3,
            ReportAgeBand::Age6To11 => 6,
            ReportAgeBand::Age12To14 => 12,
            ReportAgeBand::Age15To17 => 15,
            ReportAgeBand::Age18Plus => 18,
        }
    }

    /// The band for an age in completed years.
    pub fn of_age(age: u32) -> Self {
        ReportAgeBand::all()
            .into_iter()
            .rev()
            .find(|b| age >= b.min_age())
            .unwrap_or(ReportAgeBand::Age0)
    }

    /// The band of a child born on `birth`, on the day `on` (see [`age_on`]).
    pub fn of(birth: NaiveDate, on: NaiveDate) -> Self {
        ReportAgeBand::of_age(age_on(birth, on))
    }
}

fn years_back(today: NaiveDate, years: u32) -> i32 {
    today.year() - i32::try_from(years).unwrap_or(i32::MAX)
}

/// Latest birth date with `age_on(birth, today) >= age`: the last valid date on or before
/// (today.year − age, today.month, today.day).
fn latest_birth_for_min_age(today: NaiveDate, age: u32) -> NaiveDate {
    let y = years_back(today, age);
    NaiveDate::from_ymd_opt(y, today.month(), today.day())
        .or_else(|| NaiveDate::from_ymd_opt(y, today.month(), today.day() - 1))
        .unwrap_or(NaiveDate::MIN)
}

/// Earliest birth date with `age_on(birth, today) <= age`: the first valid date after
/// (today.year − age − 1, today.month, today.day).
fn earliest_birth_for_max_age(today: NaiveDate, age: u32) -> NaiveDate {
    let y = years_back(today, age).saturating_sub(1);
    match NaiveDate::from_ymd_opt(y, today.month(), today.day()) {
        Some(d) => d.succ_opt().unwrap_or(d),
        // 29 February in a common year: the first later date is 1 March.
        None => ymd(y, 3, 1),
    }
}

#[cfg(test)]
mod tests;
