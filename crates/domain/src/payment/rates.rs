//! A center's unit prices, the kinds of activity and distances.

use super::*;

// ---------------------------------------------------------------------------------------------
// Rates
// ---------------------------------------------------------------------------------------------

/// A center's unit prices as entered by an admin (before validation). See [`Rates::parse`].
#[derive(utoipa::ToSchema, Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
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

/// Rates as typed in the admin's form: yen, full-width digits, commas and 円 accepted.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RatesForm {
    /// 訪問1回あたり.
    pub per_visit: String,
    /// 活動1時間あたり.
    pub per_hour: String,
    /// 移動1kmあたり.
    pub per_km: String,
    /// 移動1時間あたり.
    pub per_travel_hour: String,
}

impl RatesForm {
    /// The form showing stored rates.
    pub fn of(r: &RawRates) -> RatesForm {
        RatesForm {
            per_visit: r.per_visit.to_string(),
            per_hour: r.per_hour.to_string(),
            per_km: r.per_km.to_string(),
            per_travel_hour: r.per_travel_hour.to_string(),
        }
    }

    /// Parses each box as yen, collecting every error; then [`Rates::parse`].
    pub fn parse(&self) -> Result<Rates, ValidationErrors> {
        let mut errs = ValidationErrors::new();
        let mut get = |field: &str, raw: &str| {
            errs.check(Yen::parse(&format!("rates.{field}"), raw))
                .map(|y| y.value())
        };
        let r = (
            get("per_visit", &self.per_visit),
            get("per_hour", &self.per_hour),
            get("per_km", &self.per_km),
            get("per_travel_hour", &self.per_travel_hour),
        );
        match r {
            (Some(per_visit), Some(per_hour), Some(per_km), Some(per_travel_hour))
                if errs.is_empty() =>
            {
                Rates::parse(RawRates {
                    per_visit,
                    per_hour,
                    per_km,
                    per_travel_hour,
                })
            }
            _ => Err(errs),
        }
    }
}

/// Validated unit prices (単価) of a center: each from 0 to [`Rates::MAX`] yen, not all zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Rates {
    pub(super) per_visit: Yen,
    pub(super) per_hour: Yen,
    pub(super) per_km: Yen,
    pub(super) per_travel_hour: Yen,
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
#[derive(
    utoipa::ToSchema,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
)]
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

/// The kind of a coordinator's activity.
pub fn activity_kind_schema() -> utoipa::openapi::schema::ObjectBuilder {
    crate::openapi::one_of(
        crate::payment::ActivityKind::all()
            .into_iter()
            .map(|s| s.code()),
    )
}
