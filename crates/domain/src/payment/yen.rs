//! Whole yen: parsing as typed, formatting, saturating arithmetic.

use super::*;

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
    utoipa::ToSchema,
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
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
pub(super) fn strip_minus(s: &str) -> (bool, &str) {
    match s.strip_prefix('-').or_else(|| s.strip_prefix('−')) {
        Some(rest) => (true, rest.trim_start()),
        None => (false, s),
    }
}

pub(super) fn invalid_number(field: &str) -> FieldError {
    FieldError::new(
        field,
        "invalid_number",
        "数値を半角数字で入力してください（例: 12.5）",
        "Enter a number (e.g. 12.5).",
    )
}

pub(super) fn negative_error(field: &str) -> FieldError {
    FieldError::new(
        field,
        "negative",
        "0以上の数値を入力してください",
        "The number must not be negative.",
    )
}
