//! A child's power sources and devices (電源・医療機器) and the portable power units the center hands
//! out; the list of children whose power data is missing.

use chrono::{DateTime, NaiveDate, Utc};
use domain::power::{assess, parse_devices, Estimate, PowerSources, MAX_PORTABLE_WH};
use domain::{messages, FieldError, ValidationErrors};
use serde::Serialize;

use super::{ChildPower, PowerInput, PowerUnitInput, PowerUnitRecord, UnitReturnInput};
use crate::audit::{append, AuditEntry};
use crate::devices::DeviceRecord;
use crate::{new_id, ts, Actor, Result, Store, StoreError};

/// A whole number in `0..=max`; empty is 0 (see `domain::text::whole_number`).
fn small(
    field: &str,
    raw: &str,
    max: u32,
    what: messages::Label,
) -> std::result::Result<u32, FieldError> {
    domain::text::whole_number(field, raw, max, what.ja, what.en).map(|n| n.unwrap_or(0))
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
            messages::disaster::PORTABLE_WH,
        ));
        let oxygen = errs.check(small(
            "oxygen_cylinder_hours",
            &input.oxygen_cylinder_hours,
            720,
            messages::disaster::OXYGEN_CYLINDER_HOURS,
        ));
        let notes = errs.check(domain::text::optional_text("notes", &input.notes, 2000));
        errs.into_result()?;
        let (Some(portable), Some(oxygen), Some(notes)) = (portable, oxygen, notes) else {
            return Err(FieldError::required("portable_wh").into());
        };
        crate::devices::replace(&mut w.tx, child_id, &drafts).await?;
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
        .bind(i64::from(input.car_inverter))
        .bind(i64::from(input.generator))
        .bind(i64::from(oxygen))
        .bind(notes.as_deref())
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
            messages::disaster::CAPACITY_WH,
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
        crate::db::query(
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
        let unit: Option<(String, Option<String>)> = crate::db::query_as(
            "SELECT handed_on, returned_on FROM power_units WHERE id = $1 AND child_id = $2 AND center_id = $3",
        )
        .bind(unit_id)
        .bind(child_id)
        .bind(&actor.center_id)
        .fetch_optional(&mut w.tx)
        .await?;
        let (handed_on, returned) = unit.ok_or(StoreError::NotFound)?;
        if returned.is_some() {
            return Err(messages::disaster::unit_already_returned().into());
        }
        let returned_on = domain::dates::parse_past_date("returned_on", &input.returned_on, today)?;
        if returned_on.to_string() < handed_on {
            return Err(messages::disaster::returned_before_handed_on().into());
        }
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
}
