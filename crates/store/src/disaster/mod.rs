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
pub(crate) mod triage_counts;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use domain::municipality::{area_contains, MunicipalityCode};
use domain::power::{
    assess, parse_devices, DeviceInput, DeviceKind, Estimate, PowerSources, MAX_PORTABLE_WH,
};
use domain::{FieldError, Lang, Role, ValidationErrors};
use serde::Serialize;

use crate::audit::{append, AuditEntry};
use crate::devices::DeviceRecord;
use crate::{new_id, ts, Actor, Result, Store, StoreError};

/// Who opens incidents and checks children in (besides coordinators for their own children).
pub const RESPONDER_ROLES: &[Role] = &[Role::Admin, Role::Advisor, Role::Consultant];

/// A portable power unit handed out by the center.
#[derive(Clone, Debug, Serialize)]
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

/// A unit's return as typed.
#[derive(Clone, Debug, Default, serde::Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct UnitReturnInput {
    /// 返却日, YYYY-MM-DD.
    pub returned_on: String,
}

/// A child's power picture.
#[derive(Clone, Debug, Serialize)]
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

/// The power form / API body.
#[derive(Clone, Debug, Default, serde::Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PowerInput {
    /// Devices (empty rows are ignored).
    pub devices: Vec<DeviceInput>,
    /// Own portable power stations, Wh.
    pub portable_wh: String,
    /// Car inverter.
    pub car_inverter: bool,
    /// Generator.
    pub generator: bool,
    /// Oxygen cylinders, hours in total.
    pub oxygen_cylinder_hours: String,
    /// Notes.
    pub notes: String,
}

/// A handed-out unit as typed.
#[derive(Clone, Debug, Default, serde::Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PowerUnitInput {
    /// YYYY-MM-DD.
    pub handed_on: String,
    /// 機種.
    pub model: String,
    /// Wh.
    pub capacity_wh: String,
    /// 製造番号.
    pub serial: String,
}

/// Safety check-in states (安否確認).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
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
#[derive(Clone, Debug, Serialize)]
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
#[derive(Clone, Debug, Serialize)]
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
#[derive(Clone, Debug, Serialize)]
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
#[derive(Clone, Debug, Serialize)]
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
#[derive(Clone, Debug, Default, Serialize)]
pub struct TriageCounts {
    /// Children on the list.
    pub total: i64,
    /// Not called yet.
    pub not_called: i64,
    /// Per state: (code, count).
    pub by_status: Vec<(String, i64)>,
    /// Estimate unknown.
    pub unknown: i64,
}

/// The triage list of an incident.
#[derive(Clone, Debug, Serialize)]
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
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct IncidentReport {
    /// Children on the list at closing.
    pub children: i64,
    /// Reached at least once.
    pub reached: i64,
    /// Never reached.
    pub never_reached: i64,
    /// Latest state counts: (code, count).
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
    pub reach: Vec<(String, String, Option<i64>)>,
}

/// An incident as typed.
#[derive(Clone, Debug, Default, serde::Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct IncidentInput {
    /// 名称 (e.g. 「台風10号による停電」).
    pub title: String,
    /// Affected municipality codes (or a prefecture code).
    pub municipality_codes: Vec<String>,
    /// Start, `YYYY-MM-DDTHH:MM` in JST (empty = now).
    pub started_at: String,
    /// Expected restoration, same format (optional).
    pub expected_restoration_at: String,
}

fn deny_unless(actor: &Actor, roles: &[Role]) -> Result<()> {
    if roles.contains(&actor.role) {
        Ok(())
    } else {
        Err(StoreError::Forbidden)
    }
}

/// A whole number in `0..=max`; empty is 0 (see `domain::text::whole_number`).
fn small(
    field: &str,
    raw: &str,
    max: u32,
    ja: &str,
    en: &str,
) -> std::result::Result<u32, FieldError> {
    domain::text::whole_number(field, raw, max, ja, en).map(|n| n.unwrap_or(0))
}

/// `YYYY-MM-DDTHH:MM` (JST, as `<input type=datetime-local>` sends it) → UTC.
fn jst_datetime(field: &str, raw: &str) -> std::result::Result<Option<DateTime<Utc>>, FieldError> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let parsed = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M"));
    match parsed {
        Ok(t) => Ok(t
            .and_local_timezone(domain::dates::jst())
            .single()
            .map(|t| t.with_timezone(&Utc))),
        Err(_) => Err(FieldError::new(
            field,
            "datetime_format",
            "日時は「2026-09-01T14:30」の形で入力してください",
            "Enter the date and time as 2026-09-01T14:30.",
        )),
    }
}

const INCIDENT_COLS: &str =
    "id, title, municipality_codes, started_at, expected_restoration_at, status, closed_at";

type IncidentRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
);

fn incident_of(r: IncidentRow) -> IncidentSummary {
    IncidentSummary {
        id: r.0,
        title: r.1,
        municipality_codes: r
            .2
            .split(',')
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect(),
        started_at: r.3,
        expected_restoration_at: r.4,
        status: r.5,
        closed_at: r.6,
    }
}

/// `SELECT {json_rows(…)} FROM …` answers one row holding every matching row as a JSON array of
/// arrays. The drivers hand each result row from the database thread to the async task on its
/// own (on SQLite a thread switch per row), which dominated the triage of a large center: one
/// row per query instead of one per child, device or guardian made the 20,000-children list
/// about ten times faster. The order of the array is not relied on.
pub(crate) fn json_rows(backend: crate::Backend, columns: &str) -> String {
    match backend {
        crate::Backend::Sqlite => format!("json_group_array(json_array({columns}))"),
        crate::Backend::Postgres => {
            format!("COALESCE(json_agg(json_build_array({columns}))::text, '[]')")
        }
    }
}

/// Decodes the single row of a [`json_rows`] query.
pub(crate) fn decode_rows<T: serde::de::DeserializeOwned>(raw: &str) -> Result<Vec<T>> {
    serde_json::from_str(raw).map_err(|e| StoreError::Config(format!("triage rows: {e}")))
}

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
            "開始位置",
            "Offset",
        ));
        let limit = errs.check(domain::text::whole_number(
            "limit",
            limit,
            u32::try_from(Self::MAX_LIMIT).unwrap_or(1000),
            "件数",
            "Limit",
        ));
        if limit == Some(Some(0)) {
            errs.push(FieldError::new(
                "limit",
                "out_of_range",
                "件数は1〜1000で指定してください",
                "The limit must be between 1 and 1000.",
            ));
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

/// A guardian as read: child, primary, position, relation, name, phones.
type GuardianRow = (
    String,
    i64,
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
);

/// A triage row as read (a JSON array in this order): the kept estimate with the child's
/// name and address, then the latest check-in, then the sort key.
#[derive(serde::Deserialize)]
struct TriageDbRow {
    child_id: String,
    family_name: String,
    given_name: String,
    kana: String,
    municipality_code: String,
    address: Option<String>,
    estimate: String,
    device_kinds: String,
    car_inverter: i64,
    generator: i64,
    status: Option<String>,
    at: Option<String>,
    note: Option<String>,
    by: Option<String>,
    count: Option<i64>,
    sort_class: i64,
    minutes: i64,
}

fn triage_row(r: TriageDbRow) -> Result<TriageRow> {
    let TriageDbRow {
        child_id: id,
        family_name: family,
        given_name: given,
        kana,
        municipality_code: m,
        address,
        estimate: est,
        device_kinds: kinds,
        car_inverter: car,
        generator: gen,
        status,
        at,
        note,
        by,
        count,
        ..
    } = r;
    let estimate: Estimate = serde_json::from_str(&est)
        .map_err(|e| StoreError::Config(format!("stored estimate of {id}: {e}")))?;
    let checkin = match (status.as_deref().and_then(CheckinStatus::parse), at) {
        (Some(status), Some(at)) => Some(LatestCheckin {
            status,
            at,
            by: by.unwrap_or_default(),
            note,
            count: count.unwrap_or(1),
        }),
        _ => None,
    };
    Ok(TriageRow {
        child_id: id,
        name: format!("{family} {given}"),
        kana,
        municipality_code: m,
        address,
        estimate,
        devices: kinds.split(',').filter_map(DeviceKind::parse).collect(),
        car_inverter: car != 0,
        generator: gen != 0,
        contacts: Vec::new(),
        checkin,
    })
}

/// A child whose power data is missing (電源情報未登録 or a device's figure not recorded):
/// the triage list would put them first with "unknown". Shown on a lead's home page so the
/// data is filled in before an outage, not during one.
#[derive(Clone, Debug, Serialize)]
pub struct MissingPowerData {
    /// Child id.
    pub child_id: String,
    /// 氏名.
    pub name: String,
    /// What is missing, in [`domain::power::Missing`] order.
    pub missing: Vec<domain::power::Missing>,
}

/// Rows the home page shows; the count covers them all.
const MISSING_POWER_ROWS: i64 = 20;

impl Store {
    /// The center's active children whose kept estimate is unknown, first
    /// [`MISSING_POWER_ROWS`] by kana, and how many there are in all. Leads (advisor, admin)
    /// only; other roles get an empty list. Audited as one read before the names are released.
    pub async fn missing_power_data(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(Vec<MissingPowerData>, i64)> {
        if !crate::dispatch::LEAD_ROLES.contains(&actor.role) {
            return Ok((Vec::new(), 0));
        }
        let mut conn = self.pool().acquire().await?;
        let total: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM child_power_estimates WHERE center_id = $1 AND sort_class = 0",
        )
        .bind(&actor.center_id)
        .fetch_one(&mut *conn)
        .await?;
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT e.child_id, c.family_name || ' ' || c.given_name, e.estimate \
             FROM child_power_estimates e JOIN children c ON c.id = e.child_id \
             WHERE e.center_id = $1 AND e.sort_class = 0 ORDER BY e.kana, e.child_id LIMIT $2",
        )
        .bind(&actor.center_id)
        .bind(MISSING_POWER_ROWS)
        .fetch_all(&mut *conn)
        .await?;
        drop(conn);
        let list: Vec<MissingPowerData> = rows
            .into_iter()
            .map(|(child_id, name, est)| MissingPowerData {
                child_id,
                name,
                missing: match serde_json::from_str::<Estimate>(&est) {
                    Ok(Estimate::Unknown { missing }) => missing,
                    _ => Vec::new(),
                },
            })
            .collect();
        if !list.is_empty() {
            self.audit_event(
                Some(actor),
                now,
                AuditEntry {
                    action: "child.power.missing.list",
                    entity: "list",
                    entity_id: None,
                    detail: format!("rows={} total={total}", list.len()),
                },
            )
            .await?;
        }
        Ok((list, total))
    }

    /// A child's power picture (scope checked, audited).
    pub async fn child_power(
        &self,
        actor: &Actor,
        child_id: &str,
        now: DateTime<Utc>,
    ) -> Result<ChildPower> {
        let mut conn = self.pool().acquire().await?;
        self.scoped_child_version(&mut conn, actor, child_id)
            .await?;
        let devices = crate::devices::load(&mut conn, child_id).await?;
        let src: Option<(i64, i64, i64, i64, Option<String>)> = sqlx::query_as(
            "SELECT portable_wh, car_inverter, generator, oxygen_cylinder_hours, notes FROM child_power WHERE child_id = $1",
        )
        .bind(child_id)
        .fetch_optional(&mut *conn)
        .await?;
        let (portable_wh, car, gen, oxygen, notes) = src.clone().unwrap_or((0, 0, 0, 0, None));
        type UnitRow = (String, String, String, i64, Option<String>, Option<String>);
        let units: Vec<UnitRow> = sqlx::query_as(
            "SELECT id, handed_on, model, capacity_wh, serial, returned_on FROM power_units WHERE child_id = $1 \
             ORDER BY CASE WHEN returned_on IS NULL THEN 0 ELSE 1 END, handed_on, id",
        )
        .bind(child_id)
        .fetch_all(&mut *conn)
        .await?;
        let care: Vec<String> =
            sqlx::query_scalar("SELECT code FROM child_medical_care WHERE child_id = $1")
                .bind(child_id)
                .fetch_all(&mut *conn)
                .await?;
        drop(conn);
        let units_wh: i64 = units.iter().filter(|u| u.5.is_none()).map(|u| u.3).sum();
        let sources = PowerSources {
            portable_wh: u32::try_from(portable_wh + units_wh).unwrap_or(u32::MAX),
            car_inverter: car != 0,
            generator: gen != 0,
            oxygen_cylinder_hours: u32::try_from(oxygen).unwrap_or(0),
        };
        // The same inputs and rule as the triage list's kept estimate (power_estimates).
        let drafts: Vec<_> = devices.iter().map(DeviceRecord::draft).collect();
        let care: Vec<&str> = care.iter().map(String::as_str).collect();
        let est = assess(&drafts, &sources, src.is_some(), &care);
        self.audit_event(
            Some(actor),
            now,
            AuditEntry {
                action: "child.power.view",
                entity: "child",
                entity_id: Some(child_id),
                detail: String::new(),
            },
        )
        .await?;
        Ok(ChildPower {
            devices,
            portable_wh,
            car_inverter: car != 0,
            generator: gen != 0,
            oxygen_cylinder_hours: oxygen,
            notes,
            units: units
                .into_iter()
                .map(
                    |(id, handed_on, model, capacity_wh, serial, returned_on)| PowerUnitRecord {
                        id,
                        handed_on,
                        model,
                        capacity_wh,
                        serial,
                        returned_on,
                    },
                )
                .collect(),
            estimate: est,
            has_power_details: src.is_some(),
        })
    }

    /// Replaces a child's devices and sources (writers in scope). Every row is validated
    /// first; errors name `devices.N.field`.
    pub async fn save_child_power(
        &self,
        actor: &Actor,
        child_id: &str,
        input: &PowerInput,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut w = self.begin_child_write(actor, child_id).await?;
        let mut errs = ValidationErrors::new();
        let drafts = parse_devices(&input.devices, &mut errs);
        let portable = errs.check(small(
            "portable_wh",
            &input.portable_wh,
            MAX_PORTABLE_WH,
            "ポータブル電源の容量(Wh)",
            "Portable capacity (Wh)",
        ));
        let oxygen = errs.check(small(
            "oxygen_cylinder_hours",
            &input.oxygen_cylinder_hours,
            720,
            "酸素ボンベの時間",
            "Oxygen cylinder hours",
        ));
        let notes = errs.check(domain::text::optional_text("notes", &input.notes, 2000));
        errs.into_result()?;
        let (Some(portable), Some(oxygen), Some(notes)) = (portable, oxygen, notes) else {
            return Err(FieldError::required("portable_wh").into());
        };
        crate::devices::replace(&mut w.tx, child_id, &drafts).await?;
        sqlx::query("DELETE FROM child_power WHERE child_id = $1")
            .bind(child_id)
            .execute(&mut *w.tx)
            .await?;
        sqlx::query(
            "INSERT INTO child_power (child_id, portable_wh, car_inverter, generator, oxygen_cylinder_hours, notes, updated_by, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
        )
        .bind(child_id)
        .bind(i64::from(portable))
        .bind(i64::from(input.car_inverter))
        .bind(i64::from(input.generator))
        .bind(i64::from(oxygen))
        .bind(notes.as_deref())
        .bind(&actor.user_id)
        .bind(ts(now))
        .execute(&mut *w.tx)
        .await?;
        self.power_changed(
            &mut w.tx,
            actor,
            child_id,
            "child.power.update",
            format!("devices={} portable_wh={portable}", drafts.len()),
            now,
        )
        .await?;
        w.commit().await
    }

    /// Ends a write that changed a child's power inputs, inside its transaction: the kept
    /// estimate the triage list reads is recomputed, and the change audited.
    async fn power_changed(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        actor: &Actor,
        child_id: &str,
        action: &'static str,
        detail: String,
        now: DateTime<Utc>,
    ) -> Result<()> {
        crate::power_estimates::refresh(tx, self.backend(), &[child_id.to_string()]).await?;
        append(
            tx,
            self.backend(),
            Some(actor),
            now,
            AuditEntry {
                action,
                entity: "child",
                entity_id: Some(child_id),
                detail,
            },
        )
        .await
    }

    /// Records a portable power unit handed out by the center (writers in scope).
    pub async fn add_power_unit(
        &self,
        actor: &Actor,
        child_id: &str,
        input: &PowerUnitInput,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let mut w = self.begin_child_write(actor, child_id).await?;
        let mut errs = ValidationErrors::new();
        let handed_on = errs.check(domain::dates::parse_past_date(
            "handed_on",
            &input.handed_on,
            today,
        ));
        let model = errs.check(domain::text::required_line("model", &input.model, 100));
        let wh = errs.check(small(
            "capacity_wh",
            &input.capacity_wh,
            10_000,
            "容量(Wh)",
            "Capacity (Wh)",
        ));
        if wh == Some(0) {
            errs.push(FieldError::required("capacity_wh"));
        }
        let serial = errs.check(domain::text::optional_line("serial", &input.serial, 100));
        errs.into_result()?;
        let (Some(handed_on), Some(model), Some(wh), Some(serial)) = (handed_on, model, wh, serial)
        else {
            return Err(FieldError::required("model").into());
        };
        let id = new_id();
        sqlx::query(
            "INSERT INTO power_units (id, center_id, child_id, handed_on, model, capacity_wh, serial, created_by, created_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
        )
        .bind(&id)
        .bind(&actor.center_id)
        .bind(child_id)
        .bind(handed_on.to_string())
        .bind(&model)
        .bind(i64::from(wh))
        .bind(serial.as_deref())
        .bind(&actor.user_id)
        .bind(ts(now))
        .execute(&mut *w.tx)
        .await?;
        self.power_changed(
            &mut w.tx,
            actor,
            child_id,
            "child.power_unit",
            format!("unit={id} wh={wh}"),
            now,
        )
        .await?;
        w.commit().await?;
        Ok(id)
    }

    /// Records that a handed-out unit came back (writers in scope): from that day it no
    /// longer counts in the child's estimate or on the triage list.
    pub async fn return_power_unit(
        &self,
        actor: &Actor,
        child_id: &str,
        unit_id: &str,
        input: &UnitReturnInput,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut w = self.begin_child_write(actor, child_id).await?;
        let unit: Option<(String, Option<String>)> = sqlx::query_as(
            "SELECT handed_on, returned_on FROM power_units WHERE id = $1 AND child_id = $2 AND center_id = $3",
        )
        .bind(unit_id)
        .bind(child_id)
        .bind(&actor.center_id)
        .fetch_optional(&mut *w.tx)
        .await?;
        let (handed_on, returned) = unit.ok_or(StoreError::NotFound)?;
        if returned.is_some() {
            return Err(FieldError::new(
                "returned_on",
                "already_returned",
                "この蓄電池は返却済みです",
                "This unit has already been returned.",
            )
            .into());
        }
        let returned_on = domain::dates::parse_past_date("returned_on", &input.returned_on, today)?;
        if returned_on.to_string() < handed_on {
            return Err(FieldError::new(
                "returned_on",
                "before_handed_on",
                "返却日は貸与日より前にできません",
                "The return cannot be before the unit was handed out.",
            )
            .into());
        }
        sqlx::query(
            "UPDATE power_units SET returned_on = $1 WHERE id = $2 AND returned_on IS NULL",
        )
        .bind(returned_on.to_string())
        .bind(unit_id)
        .execute(&mut *w.tx)
        .await?;
        self.power_changed(
            &mut w.tx,
            actor,
            child_id,
            "child.power_unit.return",
            format!("unit={unit_id} returned_on={returned_on}"),
            now,
        )
        .await?;
        w.commit().await
    }

    // ------------------------------------------------------------------ incidents

    /// Opens a power-outage incident for areas of the center (advisors, admins, consultants).
    pub async fn open_incident(
        &self,
        actor: &Actor,
        input: &IncidentInput,
        now: DateTime<Utc>,
    ) -> Result<String> {
        deny_unless(actor, RESPONDER_ROLES)?;
        let mut errs = ValidationErrors::new();
        let title = errs.check(domain::text::required_line("title", &input.title, 200));
        let mut codes: Vec<String> = Vec::new();
        for c in domain::dispatch::roster::split_list(&input.municipality_codes) {
            if let Some(code) = errs.check(MunicipalityCode::parse("municipality_codes", &c)) {
                if !codes.iter().any(|x| x == code.as_str()) {
                    codes.push(code.as_str().to_string());
                }
            }
        }
        if codes.is_empty() && errs.for_field("municipality_codes").is_none() {
            errs.push(FieldError::new(
                "municipality_codes",
                "required",
                "停電している市町村を1つ以上入力してください",
                "Enter at least one affected municipality.",
            ));
        }
        let started = errs.check(jst_datetime("started_at", &input.started_at));
        let restore = errs.check(jst_datetime(
            "expected_restoration_at",
            &input.expected_restoration_at,
        ));
        if let (Some(Some(s)), Some(Some(r))) = (started, restore) {
            if r < s {
                errs.push(FieldError::new(
                    "expected_restoration_at",
                    "before_start",
                    "復旧見込みは発生より後にしてください",
                    "Expected restoration must be after the start.",
                ));
            }
        }
        if let Some(Some(s)) = started {
            if s > now {
                errs.push(FieldError::new(
                    "started_at",
                    "future_date",
                    "発生日時に未来は入力できません",
                    "The start cannot be in the future.",
                ));
            }
        }
        errs.into_result()?;
        let (Some(title), Some(started), Some(restore)) = (title, started, restore) else {
            return Err(FieldError::required("title").into());
        };
        let id = new_id();
        let mut w = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO incidents (id, center_id, kind, title, municipality_codes, started_at, expected_restoration_at, status, opened_by) \
             VALUES ($1,$2,'power_outage',$3,$4,$5,$6,'open',$7)",
        )
        .bind(&id)
        .bind(&actor.center_id)
        .bind(&title)
        .bind(codes.join(","))
        .bind(ts(started.unwrap_or(now)))
        .bind(restore.map(ts))
        .bind(&actor.user_id)
        .execute(&mut *w.tx)
        .await?;
        crate::triage_counts::init(&mut w.tx, self.backend(), &id).await?;
        append(
            &mut w.tx,
            self.backend(),
            Some(actor),
            now,
            AuditEntry {
                action: "incident.open",
                entity: "incident",
                entity_id: Some(&id),
                detail: format!("areas={}", codes.join(",")),
            },
        )
        .await?;
        w.commit().await?;
        Ok(id)
    }

    /// Incidents of the actor's center, open first then newest.
    pub async fn list_incidents(&self, actor: &Actor) -> Result<Vec<IncidentSummary>> {
        let rows: Vec<IncidentRow> = sqlx::query_as(&format!(
            "SELECT {INCIDENT_COLS} FROM incidents WHERE center_id = $1 ORDER BY CASE status WHEN 'open' THEN 0 ELSE 1 END, started_at DESC LIMIT 200"
        ))
        .bind(&actor.center_id)
        .fetch_all(self.pool())
        .await?;
        let mut out: Vec<IncidentSummary> = rows.into_iter().map(incident_of).collect();
        if actor.role == Role::Municipal {
            out.retain(|i| {
                i.municipality_codes.iter().any(|a| {
                    actor
                        .municipalities
                        .iter()
                        .any(|m| area_contains(a, m) || area_contains(m, a))
                })
            });
        }
        Ok(out)
    }

    async fn incident(&self, actor: &Actor, id: &str) -> Result<IncidentSummary> {
        let row: Option<IncidentRow> = sqlx::query_as(&format!(
            "SELECT {INCIDENT_COLS} FROM incidents WHERE id = $1 AND center_id = $2"
        ))
        .bind(id)
        .bind(&actor.center_id)
        .fetch_optional(self.pool())
        .await?;
        row.map(incident_of).ok_or(StoreError::NotFound)
    }

    /// The triage list of an incident: every power-dependent child of the affected areas,
    /// unknown estimates first, then by fewest minutes; with phones and the latest check-in.
    /// Staff see all; a coordinator their assigned children; a municipal user their area while
    /// the incident is open (audited), figures only afterwards.
    ///
    /// The counts cover the whole list; `rows` holds the requested page of it. Estimates come
    /// precomputed from `child_power_estimates` (see `power_estimates`), so the cost follows
    /// the page, not the number of children in the area.
    pub async fn triage(
        &self,
        actor: &Actor,
        incident_id: &str,
        page: TriagePage,
        now: DateTime<Utc>,
    ) -> Result<Triage> {
        let incident = self.incident(actor, incident_id).await?;
        let municipal = actor.role == Role::Municipal;
        if !(actor.reads_children() || municipal) {
            return Err(StoreError::Forbidden);
        }
        // The list's condition on `e` (child_power_estimates), with its text binds from $1.
        let mut binds = vec![actor.center_id.clone()];
        let mut filter = format!(
            "e.center_id = $1 AND {}",
            area_condition(&incident.municipality_codes, &mut binds)
        );
        if municipal {
            filter.push_str(" AND ");
            filter.push_str(&area_condition(&actor.municipalities, &mut binds));
        }
        if actor.assigned_only() {
            binds.push(actor.user_id.clone());
            filter.push_str(&format!(
                " AND e.child_id IN (SELECT child_id FROM child_coordinators WHERE user_id = ${})",
                binds.len()
            ));
        }
        let incident_bind = binds.len() + 1;

        // Staff see the whole list: its counts are kept per open incident (triage_counts).
        // A municipal or coordinator view is a subset and counts its rows.
        let kept = if municipal || actor.assigned_only() {
            None
        } else {
            let mut conn = self.pool().acquire().await?;
            crate::triage_counts::kept(&mut conn, incident_id).await?
        };
        let counts = match kept {
            Some(c) => c,
            None => self.count_triage(&filter, &binds, incident_id).await?,
        };

        let rows_visible = !(municipal && incident.status != "open");
        let mut rows = Vec::new();
        if rows_visible {
            // The page is cut from the estimates alone (index order, no joins for the rows
            // skipped), then joined; one JSON-aggregated row answers it (see json_rows).
            let sql = format!(
                "SELECT {} FROM (SELECT e.* FROM child_power_estimates e WHERE {filter} \
                   ORDER BY e.sort_class, e.minutes, e.kana, e.child_id LIMIT ${} OFFSET ${}) e \
                 JOIN children c ON c.id = e.child_id \
                 LEFT JOIN checkin_latest l ON l.incident_id = ${incident_bind} AND l.child_id = e.child_id \
                 LEFT JOIN users u ON u.id = l.by_user",
                json_rows(
                    self.backend(),
                    "e.child_id, c.family_name, c.given_name, e.kana, e.municipality_code, \
                     c.address, e.estimate, e.device_kinds, e.car_inverter, e.generator, \
                     l.status, l.at, l.note, u.display_name, l.checkin_count, e.sort_class, e.minutes"
                ),
                incident_bind + 1,
                incident_bind + 2
            );
            let mut q = sqlx::query_scalar::<_, String>(&sql);
            for b in &binds {
                q = q.bind(b);
            }
            let raw = q
                .bind(incident_id)
                .bind(page.limit)
                .bind(page.offset)
                .fetch_one(self.pool())
                .await?;
            let mut found = decode_rows::<TriageDbRow>(&raw)?;
            found.sort_unstable_by(|a, b| {
                (a.sort_class, a.minutes, &a.kana, &a.child_id).cmp(&(
                    b.sort_class,
                    b.minutes,
                    &b.kana,
                    &b.child_id,
                ))
            });
            rows = found
                .into_iter()
                .map(triage_row)
                .collect::<Result<Vec<_>>>()?;
            self.attach_contacts(&mut rows).await?;
        }
        self.audit_event(
            Some(actor),
            now,
            AuditEntry {
                action: if municipal {
                    "incident.triage.municipal"
                } else {
                    "incident.triage"
                },
                entity: "incident",
                entity_id: Some(incident_id),
                detail: format!("rows={} offset={}", rows.len(), page.offset),
            },
        )
        .await?;
        Ok(Triage {
            incident,
            rows,
            counts,
            rows_visible,
            offset: page.offset,
            limit: page.limit,
        })
    }

    /// Counts the triage list given by `filter` (over `e`, binds from $1) from the records.
    async fn count_triage(
        &self,
        filter: &str,
        binds: &[String],
        incident_id: &str,
    ) -> Result<TriageCounts> {
        let incident_bind = binds.len() + 1;
        let sql = format!(
            "SELECT e.sort_class, COUNT(*) FROM child_power_estimates e WHERE {filter} GROUP BY e.sort_class"
        );
        let mut q = sqlx::query_as::<_, (i64, i64)>(&sql);
        for b in binds {
            q = q.bind(b);
        }
        let mut counts = TriageCounts::default();
        for (class, n) in q.fetch_all(self.pool()).await? {
            counts.total += n;
            if class == 0 {
                counts.unknown += n;
            }
        }
        let sql = format!(
            "SELECT l.status, COUNT(*) FROM checkin_latest l \
             JOIN child_power_estimates e ON e.child_id = l.child_id \
             WHERE l.incident_id = ${incident_bind} AND {filter} GROUP BY l.status"
        );
        let mut q = sqlx::query_as::<_, (String, i64)>(&sql);
        for b in binds {
            q = q.bind(b);
        }
        let by: HashMap<String, i64> = q
            .bind(incident_id)
            .fetch_all(self.pool())
            .await?
            .into_iter()
            .collect();
        counts.by_status = CheckinStatus::all()
            .into_iter()
            .map(|s| (s.code().to_string(), by.get(s.code()).copied().unwrap_or(0)))
            .collect();
        counts.not_called = counts.total - counts.by_status.iter().map(|(_, n)| n).sum::<i64>();
        Ok(counts)
    }

    /// The triage counts of an incident as counted from the records (staff scope), whatever
    /// is kept: for checking the kept counts (`triage_counts`).
    pub async fn recount_triage(&self, actor: &Actor, incident_id: &str) -> Result<TriageCounts> {
        let incident = self.incident(actor, incident_id).await?;
        if !actor.reads_children() || actor.assigned_only() {
            return Err(StoreError::Forbidden);
        }
        let mut binds = vec![actor.center_id.clone()];
        let filter = format!(
            "e.center_id = $1 AND {}",
            area_condition(&incident.municipality_codes, &mut binds)
        );
        self.count_triage(&filter, &binds, incident_id).await
    }

    /// Guardians' phones on the listed rows, primary first then in the record's order.
    async fn attach_contacts(&self, rows: &mut [TriageRow]) -> Result<()> {
        let mut contacts: HashMap<String, Vec<Contact>> = HashMap::new();
        for chunk in rows.chunks(500) {
            let sql = format!(
                "SELECT {} FROM guardians g WHERE g.child_id IN ({})",
                json_rows(
                    self.backend(),
                    "g.child_id, g.is_primary, g.position, g.relation, g.name, g.phone, g.phone2"
                ),
                crate::placeholders(1, chunk.len())
            );
            let mut q = sqlx::query_scalar::<_, String>(&sql);
            for r in chunk {
                q = q.bind(&r.child_id);
            }
            let raw = q.fetch_one(self.pool()).await?;
            let mut found = decode_rows::<GuardianRow>(&raw)?;
            // Primary first, then in the record's order.
            found.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
            for (child, _, _, relation, name, phone, phone2) in found {
                contacts.entry(child).or_default().push(Contact {
                    relation,
                    name,
                    phone,
                    phone2,
                });
            }
        }
        for r in rows {
            r.contacts = contacts.remove(&r.child_id).unwrap_or_default();
        }
        Ok(())
    }

    /// Records a check-in for a child on an open incident's list (append-only). Responders for
    /// any listed child; coordinators for their assigned children.
    pub async fn check_in(
        &self,
        actor: &Actor,
        incident_id: &str,
        child_id: &str,
        status: &str,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if !(RESPONDER_ROLES.contains(&actor.role) || actor.role == Role::Coordinator) {
            return Err(StoreError::Forbidden);
        }
        let incident = self.incident(actor, incident_id).await?;
        if incident.status != "open" {
            return Err(FieldError::new(
                "incident",
                "closed",
                "この停電対応は終了しています。安否確認は記録できません",
                "This incident is closed; check-ins cannot be recorded.",
            )
            .into());
        }
        let mut w = self.begin_write().await?;
        self.scoped_child_version(&mut w.tx, actor, child_id)
            .await?;
        let m: String = sqlx::query_scalar("SELECT municipality_code FROM children WHERE id = $1")
            .bind(child_id)
            .fetch_one(&mut *w.tx)
            .await?;
        if !incident
            .municipality_codes
            .iter()
            .any(|a| area_contains(a, &m))
        {
            return Err(FieldError::new(
                "child_id",
                "not_in_area",
                "この児童は停電地域の一覧にありません",
                "This child is not on the incident's list.",
            )
            .into());
        }
        let Some(status) = CheckinStatus::parse(status) else {
            return Err(FieldError::new(
                "status",
                "required",
                "確認結果を選んでください",
                "Choose the result.",
            )
            .into());
        };
        let note = domain::text::optional_text("note", note, 1000)?;
        let checkin_id = new_id();
        let counts = crate::triage_counts::Snapshot::take(
            &mut w.tx,
            self.backend(),
            &[child_id.to_string()],
        )
        .await?;
        sqlx::query("INSERT INTO checkins (id, incident_id, child_id, status, note, at, by_user) VALUES ($1,$2,$3,$4,$5,$6,$7)")
            .bind(&checkin_id)
            .bind(incident_id)
            .bind(child_id)
            .bind(status.code())
            .bind(note.as_deref())
            .bind(ts(now))
            .bind(&actor.user_id)
            .execute(&mut *w.tx)
            .await?;
        // The triage list reads each child's state from here. A check-in stamped earlier than
        // the kept one (a clock set back) is counted but does not replace it.
        sqlx::query(
            "INSERT INTO checkin_latest (incident_id, child_id, checkin_id, status, note, at, by_user, checkin_count) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,1) \
             ON CONFLICT (incident_id, child_id) DO UPDATE SET \
               checkin_id = CASE WHEN excluded.at >= checkin_latest.at THEN excluded.checkin_id ELSE checkin_latest.checkin_id END, \
               status = CASE WHEN excluded.at >= checkin_latest.at THEN excluded.status ELSE checkin_latest.status END, \
               note = CASE WHEN excluded.at >= checkin_latest.at THEN excluded.note ELSE checkin_latest.note END, \
               by_user = CASE WHEN excluded.at >= checkin_latest.at THEN excluded.by_user ELSE checkin_latest.by_user END, \
               at = CASE WHEN excluded.at >= checkin_latest.at THEN excluded.at ELSE checkin_latest.at END, \
               checkin_count = checkin_latest.checkin_count + 1",
        )
        .bind(incident_id)
        .bind(child_id)
        .bind(&checkin_id)
        .bind(status.code())
        .bind(note.as_deref())
        .bind(ts(now))
        .bind(&actor.user_id)
        .execute(&mut *w.tx)
        .await?;
        counts.apply(&mut w.tx).await?;
        append(
            &mut w.tx,
            self.backend(),
            Some(actor),
            now,
            AuditEntry {
                action: "incident.checkin",
                entity: "child",
                entity_id: Some(child_id),
                detail: format!("incident={incident_id} status={}", status.code()),
            },
        )
        .await?;
        w.commit().await
    }

    /// Closes an incident (advisors, admins) and stores its report: counts by state, who was
    /// never reached, minutes from the start to the first contact with each child.
    pub async fn close_incident(
        &self,
        actor: &Actor,
        incident_id: &str,
        now: DateTime<Utc>,
    ) -> Result<IncidentReport> {
        crate::dispatch::deny_unless_lead(actor)?;
        let triage = self
            .triage(actor, incident_id, TriagePage::everything(), now)
            .await?;
        if triage.incident.status != "open" {
            return Err(FieldError::new(
                "incident",
                "closed",
                "既に終了しています",
                "Already closed.",
            )
            .into());
        }
        let started = crate::parse_ts(&triage.incident.started_at).unwrap_or(now);
        let firsts: Vec<(String, String)> = sqlx::query_as(
            "SELECT child_id, MIN(at) FROM checkins WHERE incident_id = $1 AND status <> 'unreached' GROUP BY child_id",
        )
        .bind(incident_id)
        .fetch_all(self.pool())
        .await?;
        let first_at: HashMap<&str, i64> = firsts
            .iter()
            .filter_map(|(c, at)| {
                crate::parse_ts(at).map(|t| (c.as_str(), (t - started).num_minutes().max(0)))
            })
            .collect();
        let reach: Vec<(String, String, Option<i64>)> = triage
            .rows
            .iter()
            .map(|r| {
                (
                    r.child_id.clone(),
                    r.name.clone(),
                    first_at.get(r.child_id.as_str()).copied(),
                )
            })
            .collect();
        let listed: std::collections::HashSet<&str> =
            triage.rows.iter().map(|r| r.child_id.as_str()).collect();
        let mut minutes: Vec<i64> = firsts
            .iter()
            .filter(|(c, _)| listed.contains(c.as_str()))
            .filter_map(|(_, at)| crate::parse_ts(at))
            .map(|t| (t - started).num_minutes().max(0))
            .collect();
        minutes.sort_unstable();
        let median = match minutes.len() {
            0 => None,
            n if n % 2 == 1 => Some(minutes[n / 2] as f64),
            n => Some((minutes[n / 2 - 1] + minutes[n / 2]) as f64 / 2.0),
        };
        let reached = i64::try_from(minutes.len()).unwrap_or(0);
        let report = IncidentReport {
            children: triage.counts.total,
            reached,
            never_reached: triage.counts.total - reached,
            by_status: triage.counts.by_status.clone(),
            max_minutes_to_reach: minutes.last().copied(),
            median_minutes_to_reach: median,
            minutes_to_reach: minutes,
            reach,
        };
        let json = serde_json::to_string(&report)
            .map_err(|e| StoreError::Config(format!("report: {e}")))?;
        let mut w = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE incidents SET status = 'closed', closed_at = $1, closed_by = $2, report = $3 WHERE id = $4 AND status = 'open'",
        )
        .bind(ts(now))
        .bind(&actor.user_id)
        .bind(&json)
        .bind(incident_id)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict(
                "the incident was closed meanwhile".into(),
            ));
        }
        crate::triage_counts::drop_kept(&mut w.tx, self.backend(), incident_id).await?;
        append(
            &mut w.tx,
            self.backend(),
            Some(actor),
            now,
            AuditEntry {
                action: "incident.close",
                entity: "incident",
                entity_id: Some(incident_id),
                detail: format!("children={} reached={}", report.children, report.reached),
            },
        )
        .await?;
        w.commit().await?;
        Ok(report)
    }

    /// The stored report of a closed incident.
    pub async fn incident_report(
        &self,
        actor: &Actor,
        incident_id: &str,
    ) -> Result<Option<IncidentReport>> {
        let raw: Option<Option<String>> =
            sqlx::query_scalar("SELECT report FROM incidents WHERE id = $1 AND center_id = $2")
                .bind(incident_id)
                .bind(&actor.center_id)
                .fetch_optional(self.pool())
                .await?;
        let raw = raw.ok_or(StoreError::NotFound)?;
        Ok(raw.and_then(|j| serde_json::from_str(&j).ok()))
    }
}
