//! Service history, eligibility and one pay line per activity.

use super::*;

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
#[derive(utoipa::ToSchema, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
pub(super) fn prorate(rate: Yen, quantity: u32, per: i64) -> Yen {
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
