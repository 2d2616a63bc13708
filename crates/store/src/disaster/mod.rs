//! Disaster preparedness (災害への備え): each child's power-dependent devices and other
//! sources, portable power units handed out by the center, and power-outage incidents — the
//! triage list ordered by the time until each child's power runs out (`domain::power`), safety
//! check-ins (安否確認) and the closing report.
//!
//! Check-ins are append-only: the latest per child is its state, so several staff can work
//! the same list at once and nobody's entry overwrites another's; each row shows who checked
//! last and when. Municipal users see their area's list only while an incident is open (each
//! look audited); otherwise they get the figures only.

pub mod devices;
pub(crate) mod estimates;
pub mod plans;
mod sheets;
pub(crate) mod triage_counts;

mod incidents;
mod power;
mod triage;

use domain::power::{DeviceKind, Estimate};
use domain::{messages, Lang, Role, ValidationErrors};
use serde::Serialize;

use crate::devices::DeviceRecord;
use crate::{Actor, Result, StoreError};

pub use power::MissingPowerData;

/// Who opens incidents and checks children in (besides coordinators for their own children).
pub const RESPONDER_ROLES: &[Role] = domain::Action::RespondToOutage.roles();

/// A portable power unit handed out by the center.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct PowerUnitRecord {
    /// power_units.id
    pub id: String,
    /// 貸与日.
    pub handed_on: String,
    /// 機種.
    pub model: String,
    /// Wh.
    pub capacity_wh: i64,
    /// 製造番号.
    pub serial: Option<String>,
    /// 返却日 (None: still with the family, counted in the estimate).
    pub returned_on: Option<String>,
}

/// A child's power picture.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct ChildPower {
    /// The child's equipment list (the same list as on the child record).
    pub devices: Vec<DeviceRecord>,
    /// The household's power details were saved at least once (a child whose care needs
    /// electricity and who has neither devices nor details is 電源情報未登録).
    pub has_power_details: bool,
    /// Household portable capacity (Wh, own units; handed-out units are added).
    pub portable_wh: i64,
    /// Car inverter.
    pub car_inverter: bool,
    /// Generator.
    pub generator: bool,
    /// Oxygen cylinder hours.
    pub oxygen_cylinder_hours: i64,
    /// Notes.
    pub notes: Option<String>,
    /// Units handed out by the center: those still with the family first, then returned ones.
    pub units: Vec<PowerUnitRecord>,
    /// The estimate with everything above.
    pub estimate: Estimate,
}

/// Safety check-in states (安否確認).
#[derive(
    utoipa::ToSchema, Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum CheckinStatus {
    /// 未確認.
    Unreached,
    /// 在宅で無事.
    SafeAtHome,
    /// 支援が必要.
    NeedsHelp,
    /// 避難済み.
    Evacuated,
    /// 入院.
    Hospitalized,
}

impl CheckinStatus {
    /// Every state in display order.
    pub fn all() -> [CheckinStatus; 5] {
        use CheckinStatus::*;
        [Unreached, SafeAtHome, NeedsHelp, Evacuated, Hospitalized]
    }
    /// Code.
    pub fn code(self) -> &'static str {
        use CheckinStatus::*;
        match self {
            Unreached => "unreached",
            SafeAtHome => "safe_at_home",
            NeedsHelp => "needs_help",
            Evacuated => "evacuated",
            Hospitalized => "hospitalized",
        }
    }
    /// Parses a code.
    pub fn parse(s: &str) -> Option<Self> {
        Self::all().into_iter().find(|x| x.code() == s.trim())
    }
    /// Label.
    pub fn label(self, lang: Lang) -> &'static str {
        use CheckinStatus::*;
        match self {
            Unreached => lang.pick("未確認（連絡つかず）", "Unreached"),
            SafeAtHome => lang.pick("在宅で無事", "Safe at home"),
            NeedsHelp => lang.pick("支援が必要", "Needs help"),
            Evacuated => lang.pick("避難済み", "Evacuated"),
            Hospitalized => lang.pick("入院", "Hospitalized"),
        }
    }
    /// Reached: the family answered (every state but unreached).
    pub fn reached(self) -> bool {
        self != CheckinStatus::Unreached
    }
}

/// An incident in lists.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
#[schema(as = Incident)]
pub struct IncidentSummary {
    /// incidents.id
    pub id: String,
    /// 名称.
    pub title: String,
    /// Affected areas.
    pub municipality_codes: Vec<String>,
    /// UTC.
    pub started_at: String,
    /// UTC.
    pub expected_restoration_at: Option<String>,
    /// `open` or `closed`.
    pub status: String,
    /// UTC.
    pub closed_at: Option<String>,
}

/// One guardian's phone on the triage list.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct Contact {
    /// 続柄.
    pub relation: String,
    /// Name.
    pub name: String,
    /// Phone.
    pub phone: Option<String>,
    /// Second phone.
    pub phone2: Option<String>,
}

/// The latest check-in of a child.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct LatestCheckin {
    /// State.
    pub status: CheckinStatus,
    /// UTC.
    pub at: String,
    /// Who (display name).
    pub by: String,
    /// Note.
    pub note: Option<String>,
    /// How many check-ins this child has in the incident.
    pub count: i64,
}

/// One child on the triage list.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct TriageRow {
    /// Child id.
    pub child_id: String,
    /// Name.
    pub name: String,
    /// フリガナ.
    pub kana: String,
    /// Municipality code.
    pub municipality_code: String,
    /// Address.
    pub address: Option<String>,
    /// Time until power runs out.
    pub estimate: Estimate,
    /// Devices (kinds).
    pub devices: Vec<DeviceKind>,
    /// Car inverter / generator available.
    pub car_inverter: bool,
    /// Generator.
    pub generator: bool,
    /// Guardians' phones, primary first.
    pub contacts: Vec<Contact>,
    /// Latest check-in (None: nobody has called yet).
    pub checkin: Option<LatestCheckin>,
}

/// Counts per check-in state.
#[derive(utoipa::ToSchema, Clone, Debug, Default, Serialize)]
pub struct TriageCounts {
    /// Children on the list.
    pub total: i64,
    /// Not called yet.
    pub not_called: i64,
    /// Per state: (code, count).
    #[schema(value_type = Vec<Vec<serde_json::Value>>)]
    pub by_status: Vec<(String, i64)>,
    /// Estimate unknown.
    pub unknown: i64,
}

/// The triage list of an incident.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct Triage {
    /// The incident.
    pub incident: IncidentSummary,
    /// One page of the list, ordered: unknown first, then fewest minutes first.
    pub rows: Vec<TriageRow>,
    /// Figures.
    pub counts: TriageCounts,
    /// False when the caller sees figures only (municipal users after the incident closed).
    pub rows_visible: bool,
    /// Position of the first row in the whole list.
    pub offset: i64,
    /// Page size asked for.
    pub limit: i64,
}

/// The closing report.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize, serde::Deserialize)]
pub struct IncidentReport {
    /// Children on the list at closing.
    pub children: i64,
    /// Reached at least once.
    pub reached: i64,
    /// Never reached.
    pub never_reached: i64,
    /// Latest state counts: (code, count).
    #[schema(value_type = Vec<Vec<serde_json::Value>>)]
    pub by_status: Vec<(String, i64)>,
    /// Minutes from the start to the first contact, per reached child (sorted).
    pub minutes_to_reach: Vec<i64>,
    /// Median of `minutes_to_reach`.
    pub median_minutes_to_reach: Option<f64>,
    /// Longest.
    pub max_minutes_to_reach: Option<i64>,
    /// Per child in triage order: (child id, name, minutes to the first contact, or `None`
    /// when never reached).
    #[serde(default)]
    #[schema(value_type = Vec<Vec<serde_json::Value>>)]
    pub reach: Vec<(String, String, Option<i64>)>,
}

fn deny_unless(actor: &Actor, roles: &[Role]) -> Result<()> {
    if roles.contains(&actor.role) {
        Ok(())
    } else {
        Err(StoreError::Forbidden)
    }
}

pub(crate) use crate::db::dialect::json_rows;

pub(crate) use crate::db::decode_rows;

/// Which part of the triage list to return: staff work it from the top, and a page keeps the
/// self-refreshing view light however many children the outage covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TriagePage {
    /// Rows skipped.
    pub offset: i64,
    /// Rows returned at most.
    pub limit: i64,
}

impl TriagePage {
    /// Rows per page unless asked otherwise.
    pub const DEFAULT_LIMIT: i64 = 100;
    /// The largest page the API returns.
    pub const MAX_LIMIT: i64 = 1000;

    /// The first page.
    pub fn first() -> Self {
        TriagePage {
            offset: 0,
            limit: Self::DEFAULT_LIMIT,
        }
    }

    /// The page a request asks for: `offset` (empty: 0) and `limit` (empty: 100) as typed,
    /// `limit` in 1..=1000.
    pub fn parse(offset: &str, limit: &str) -> std::result::Result<Self, ValidationErrors> {
        let mut errs = ValidationErrors::new();
        let offset = errs.check(domain::text::whole_number(
            "offset",
            offset,
            100_000_000,
            messages::common::OFFSET.ja,
            messages::common::OFFSET.en,
        ));
        let limit = errs.check(domain::text::whole_number(
            "limit",
            limit,
            u32::try_from(Self::MAX_LIMIT).unwrap_or(1000),
            messages::common::LIMIT.ja,
            messages::common::LIMIT.en,
        ));
        if limit == Some(Some(0)) {
            errs.push(messages::common::limit_out_of_range());
        }
        errs.into_result()?;
        Ok(TriagePage {
            offset: offset.flatten().map_or(0, i64::from),
            limit: limit.flatten().map_or(Self::DEFAULT_LIMIT, i64::from),
        })
    }

    /// The whole list (the closing report).
    fn everything() -> Self {
        TriagePage {
            offset: 0,
            limit: i64::MAX,
        }
    }
}

/// SQL condition on `e` (`child_power_estimates`) that holds for children in any of `areas`,
/// the same places `area_contains` accepts: a prefecture code matches on the code's first two
/// digits, a municipality code itself or the wards of a designated city. Appends its binds.
pub(crate) fn area_condition(areas: &[String], binds: &mut Vec<String>) -> String {
    let mut terms = Vec::new();
    for a in areas {
        if a.get(2..5) == Some("000") {
            binds.push(a.get(..2).unwrap_or_default().to_string());
            terms.push(format!("e.prefecture_code = ${}", binds.len()));
        } else {
            binds.push(a.clone());
            binds.push(a.clone());
            terms.push(format!(
                "e.municipality_code = ${} OR e.parent_code = ${}",
                binds.len() - 1,
                binds.len()
            ));
        }
    }
    if terms.is_empty() {
        "1 = 0".to_string()
    } else {
        format!("({})", terms.join(" OR "))
    }
}
