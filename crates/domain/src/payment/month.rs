//! The month a statement covers and the statement itself.

use super::*;

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
