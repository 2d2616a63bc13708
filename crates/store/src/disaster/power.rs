//! A child's power sources and devices (電源・医療機器) and the portable power units the center hands
//! out; the list of children whose power data is missing.

use chrono::{DateTime, NaiveDate, Utc};
use domain::disaster::{PowerDraft, PowerUnitDraft, UnitReturnDraft};
use domain::messages;
use domain::power::{assess, Estimate, PowerSources};
use serde::Serialize;

use super::{ChildPower, PowerUnitRecord};
use crate::audit::{append, AuditEntry};
use crate::devices::DeviceRecord;
use crate::{new_id, ts, Actor, Result, Store, StoreError};

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
        let (list, total) = self.find_missing_power_data(actor).await?;
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

    /// [`Store::missing_power_data`] without its audit row, for a use case that audits the
    /// read under its own name (the home page).
    pub(crate) async fn find_missing_power_data(
        &self,
        actor: &Actor,
    ) -> Result<(Vec<MissingPowerData>, i64)> {
        if !crate::dispatch::LEAD_ROLES.contains(&actor.role) {
            return Ok((Vec::new(), 0));
        }
        let mut conn = self.pool().acquire().await?;
        let total: i64 = crate::db::query_scalar(
            "SELECT COUNT(*) FROM child_power_estimates WHERE center_id = $1 AND sort_class = 0",
        )
        .bind(&actor.center_id)
        .fetch_one(&mut conn)
        .await?;
        let rows: Vec<(String, String, String)> = crate::db::query_as(
            "SELECT e.child_id, c.family_name || ' ' || c.given_name, e.estimate \
             FROM child_power_estimates e JOIN children c ON c.id = e.child_id \
             WHERE e.center_id = $1 AND e.sort_class = 0 ORDER BY e.kana, e.child_id LIMIT $2",
        )
        .bind(&actor.center_id)
        .bind(MISSING_POWER_ROWS)
        .fetch_all(&mut conn)
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
        let src: Option<(i64, i64, i64, i64, Option<String>)> = crate::db::query_as(
            "SELECT portable_wh, car_inverter, generator, oxygen_cylinder_hours, notes FROM child_power WHERE child_id = $1",
        )
        .bind(child_id)
        .fetch_optional(&mut conn)
        .await?;
        let (portable_wh, car, gen, oxygen, notes) = src.clone().unwrap_or((0, 0, 0, 0, None));
        type UnitRow = (String, String, String, i64, Option<String>, Option<String>);
        let units: Vec<UnitRow> = crate::db::query_as(
            "SELECT id, handed_on, model, capacity_wh, serial, returned_on FROM power_units WHERE child_id = $1 \
             ORDER BY CASE WHEN returned_on IS NULL THEN 0 ELSE 1 END, handed_on, id",
        )
        .bind(child_id)
        .fetch_all(&mut conn)
        .await?;
        let care: Vec<String> =
            crate::db::query_scalar("SELECT code FROM child_medical_care WHERE child_id = $1")
                .bind(child_id)
                .fetch_all(&mut conn)
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

    /// Replaces a child's devices and sources (writers in scope) with a parsed
    /// [`PowerDraft`] (`PowerInput::parse`).
    pub async fn save_child_power(
        &self,
        actor: &Actor,
        child_id: &str,
        draft: &PowerDraft,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut w = self.begin_child_write(actor, child_id).await?;
        let drafts = &draft.devices;
        let (portable, oxygen) = (draft.portable_wh, draft.oxygen_cylinder_hours);
        crate::devices::replace(&mut w.tx, child_id, drafts).await?;
        crate::db::query("DELETE FROM child_power WHERE child_id = $1")
            .bind(child_id)
            .execute(&mut w.tx)
            .await?;
        crate::db::query(
            "INSERT INTO child_power (child_id, portable_wh, car_inverter, generator, oxygen_cylinder_hours, notes, updated_by, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
        )
        .bind(child_id)
        .bind(i64::from(portable))
        .bind(i64::from(draft.car_inverter))
        .bind(i64::from(draft.generator))
        .bind(i64::from(oxygen))
        .bind(draft.notes.as_deref())
        .bind(&actor.user_id)
        .bind(ts(now))
        .execute(&mut w.tx)
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
        tx: &mut crate::db::Conn,
        actor: &Actor,
        child_id: &str,
        action: &'static str,
        detail: String,
        now: DateTime<Utc>,
    ) -> Result<()> {
        crate::power_estimates::refresh(tx, self.backend(), &[child_id.to_string()]).await?;
        append(
            tx,
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

    /// Records a portable power unit handed out by the center (writers in scope), as parsed
    /// by `PowerUnitInput::parse`.
    pub async fn add_power_unit(
        &self,
        actor: &Actor,
        child_id: &str,
        unit: &PowerUnitDraft,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let mut w = self.begin_child_write(actor, child_id).await?;
        let wh = unit.capacity_wh;
        let id = new_id();
        crate::db::query(
            "INSERT INTO power_units (id, center_id, child_id, handed_on, model, capacity_wh, serial, created_by, created_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
        )
        .bind(&id)
        .bind(&actor.center_id)
        .bind(child_id)
        .bind(unit.handed_on.to_string())
        .bind(&unit.model)
        .bind(i64::from(wh))
        .bind(unit.serial.as_deref())
        .bind(&actor.user_id)
        .bind(ts(now))
        .execute(&mut w.tx)
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

    /// Records that a handed-out unit came back (writers in scope), on the date parsed by
    /// `UnitReturnInput::parse`: from that day it no longer counts in the child's estimate or
    /// on the triage list. The unit must be this child's and still out, and the date not
    /// before its hand-out ([`UnitReturnDraft::check_handed_on`]).
    pub async fn return_power_unit(
        &self,
        actor: &Actor,
        child_id: &str,
        unit_id: &str,
        draft: &UnitReturnDraft,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut w = self.begin_child_write(actor, child_id).await?;
        let handed_on = returnable_unit(&mut w.tx, actor, child_id, unit_id).await?;
        draft.check_handed_on(handed_on)?;
        let returned_on = draft.returned_on;
        crate::db::query(
            "UPDATE power_units SET returned_on = $1 WHERE id = $2 AND returned_on IS NULL",
        )
        .bind(returned_on.to_string())
        .bind(unit_id)
        .execute(&mut w.tx)
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

    /// Refuses as [`Store::return_power_unit`] would before it looks at the date: a reader,
    /// a child out of scope, a unit that is not this child's (NotFound) or already back. A
    /// handler asks only when the return date it is about to refuse has errors, so the answer
    /// is the same as before the date was parsed at the edge.
    pub async fn check_power_unit_returnable(
        &self,
        actor: &Actor,
        child_id: &str,
        unit_id: &str,
    ) -> Result<()> {
        self.check_child_writable(actor, child_id).await?;
        let mut conn = self.pool().acquire().await?;
        returnable_unit(&mut conn, actor, child_id, unit_id)
            .await
            .map(|_| ())
    }
}

/// A unit of this child and center that is still out, and its hand-out date; NotFound for
/// another's unit, the catalogue's error for one already returned.
async fn returnable_unit(
    conn: &mut crate::db::Conn,
    actor: &Actor,
    child_id: &str,
    unit_id: &str,
) -> Result<NaiveDate> {
    let unit: Option<(String, Option<String>)> = crate::db::query_as(
        "SELECT handed_on, returned_on FROM power_units WHERE id = $1 AND child_id = $2 AND center_id = $3",
    )
    .bind(unit_id)
    .bind(child_id)
    .bind(&actor.center_id)
    .fetch_optional(&mut *conn)
    .await?;
    let (handed_on, returned) = unit.ok_or(StoreError::NotFound)?;
    if returned.is_some() {
        return Err(messages::disaster::unit_already_returned().into());
    }
    handed_on
        .parse::<NaiveDate>()
        .map_err(|e| StoreError::Config(format!("power_units.handed_on {handed_on:?}: {e}")))
}
