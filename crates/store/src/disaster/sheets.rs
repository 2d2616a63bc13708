//! The emergency information sheet (緊急時情報シート): one A4 page per child for paramedics and
//! shelters, read singly or for a whole municipality (also the offline pack).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::plan::PlanInput;
use domain::FieldError;
use serde::Serialize;

use crate::audit::AuditEntry;
use crate::{Actor, Result, Store, StoreError};

/// Everything on one emergency information sheet.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct EmergencySheet {
    /// Child id.
    pub child_id: String,
    /// 氏名.
    pub name: String,
    /// フリガナ.
    pub kana: String,
    /// 生年月日.
    pub birth_date: String,
    /// Sex code.
    pub sex: String,
    /// Municipality code.
    pub municipality_code: String,
    /// 住所.
    pub address: Option<String>,
    /// 自宅電話.
    pub phone: Option<String>,
    /// 医療的ケア (code, detail).
    #[schema(value_type = Vec<Vec<serde_json::Value>>)]
    pub medical_care: Vec<(String, Option<String>)>,
    /// The child's equipment list.
    pub devices: Vec<crate::devices::DeviceRecord>,
    /// 主治医.
    pub doctor: Option<String>,
    /// かかりつけ病院.
    pub hospital: Option<String>,
    /// Guardians: (relation, name, phone).
    #[schema(value_type = Vec<Vec<serde_json::Value>>)]
    pub guardians: Vec<(String, String, Option<String>)>,
    /// The latest plan (diagnoses, medicines, allergies, destinations, contacts).
    pub plan: Option<PlanInput>,
    /// Plan version shown.
    pub plan_version: Option<i64>,
}

impl Store {
    /// Emergency sheets: one child (`child_id`), or every active child of the actor's center
    /// in a municipality (or a whole prefecture). Audited as one event per call.
    pub async fn emergency_sheets(
        &self,
        actor: &Actor,
        child_id: Option<&str>,
        municipality: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Vec<EmergencySheet>> {
        if !actor.reads_children() {
            return Err(StoreError::Forbidden);
        }
        let mut conn = self.pool().acquire().await?;
        let ids: Vec<String> = match (child_id, municipality) {
            (Some(id), _) => {
                self.scoped_child_version(&mut conn, actor, id).await?;
                vec![id.to_string()]
            }
            (None, Some(m)) => {
                let code = domain::municipality::MunicipalityCode::parse("municipality", m)?;
                let (scope, binds) = actor.child_scope_sql(1);
                let sql = format!(
                    "SELECT c.id, c.municipality_code FROM children c WHERE {scope} AND c.status = 'active' ORDER BY c.search_kana, c.id"
                );
                let mut q = crate::db::query_as::<(String, String)>(&sql);
                for b in &binds {
                    q = q.bind(b);
                }
                q.fetch_all(&mut conn)
                    .await?
                    .into_iter()
                    .filter(|(_, cm)| domain::municipality::area_contains(code.as_str(), cm))
                    .map(|(id, _)| id)
                    .collect()
            }
            (None, None) => return Err(FieldError::required("municipality").into()),
        };
        // A fixed number of queries per 500 children (not per child): an area print can hold
        // hundreds of sheets.
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let list = crate::placeholders(1, chunk.len());
            let children: Vec<(String, String, String, String, String, String, String, String, Option<String>, Option<String>, Option<String>, Option<String>)> =
                fetch_in(&mut conn, &format!(
                    "SELECT c.id, c.family_name, c.given_name, c.family_name_kana, c.given_name_kana, c.birth_date, c.sex, c.municipality_code, \
                     c.address, c.phone, c.primary_doctor, o.name FROM children c LEFT JOIN organizations o ON o.id = c.primary_hospital_id \
                     WHERE c.id IN ({list})"
                ), chunk).await?;
            let care: Vec<(String, String, Option<String>)> = fetch_in(&mut conn, &format!(
                "SELECT child_id, code, detail FROM child_medical_care WHERE child_id IN ({list}) ORDER BY child_id, code"
            ), chunk).await?;
            let devices: Vec<(String, String, Option<String>, i64, Option<i64>, Option<i64>, i64, Option<i64>, i64, Option<String>)> = fetch_in(&mut conn, &format!(
                "SELECT child_id, {} FROM child_devices WHERE child_id IN ({list}) ORDER BY child_id, position",
                crate::devices::COLUMNS
            ), chunk).await?;
            let guardians: Vec<(String, String, String, Option<String>)> = fetch_in(&mut conn, &format!(
                "SELECT child_id, relation, name, phone FROM guardians WHERE child_id IN ({list}) ORDER BY child_id, is_primary DESC, position"
            ), chunk).await?;
            let plans: Vec<(String, i64, String)> = fetch_in(&mut conn, &format!(
                "SELECT p.child_id, p.version, p.content FROM disaster_plans p WHERE p.child_id IN ({list}) \
                 AND p.version = (SELECT MAX(q.version) FROM disaster_plans q WHERE q.child_id = p.child_id)"
            ), chunk).await?;
            let mut care_by = group(care.into_iter().map(|(c, code, d)| (c, (code, d))));
            let mut devices_by = group(devices.into_iter().filter_map(
                |(c, kind, name, elec, watts, internal, spares, spare_min, mph, settings)| {
                    crate::devices::DeviceRecord::from_row((
                        kind, name, elec, watts, internal, spares, spare_min, mph, settings,
                    ))
                    .map(|d| (c, d))
                },
            ));
            let mut guardians_by = group(guardians.into_iter().map(|(c, r, n, p)| (c, (r, n, p))));
            let mut plan_by: HashMap<String, (i64, String)> = plans
                .into_iter()
                .map(|(c, v, content)| (c, (v, content)))
                .collect();
            let mut rows: HashMap<String, _> =
                children.into_iter().map(|r| (r.0.clone(), r)).collect();
            for id in chunk {
                let Some(row) = rows.remove(id) else { continue };
                let plan = plan_by.remove(id);
                out.push(EmergencySheet {
                    child_id: id.clone(),
                    name: format!("{} {}", row.1, row.2),
                    kana: format!("{} {}", row.3, row.4),
                    birth_date: row.5,
                    sex: row.6,
                    municipality_code: row.7,
                    address: row.8,
                    phone: row.9,
                    doctor: row.10,
                    hospital: row.11,
                    medical_care: care_by.remove(id).unwrap_or_default(),
                    devices: devices_by.remove(id).unwrap_or_default(),
                    guardians: guardians_by.remove(id).unwrap_or_default(),
                    plan_version: plan.as_ref().map(|p| p.0),
                    plan: plan.and_then(|(_, c)| serde_json::from_str(&c).ok()),
                });
            }
        }
        drop(conn);
        self.audit_event(
            Some(actor),
            now,
            AuditEntry {
                action: "child.sheet.view",
                entity: if child_id.is_some() {
                    "child"
                } else {
                    "center"
                },
                entity_id: Some(child_id.unwrap_or(&actor.center_id)),
                detail: format!(
                    "municipality={} sheets={}",
                    municipality.unwrap_or(""),
                    out.len()
                ),
            },
        )
        .await?;
        Ok(out)
    }
}

/// Runs `sql` with `ids` bound as `$1…$n` (an `IN` list) and returns every row.
async fn fetch_in<T>(conn: &mut crate::db::Conn, sql: &str, ids: &[String]) -> Result<Vec<T>>
where
    T: crate::db::FromRows,
{
    let mut q = crate::db::query_as::<T>(sql);
    for id in ids {
        q = q.bind(id);
    }
    Ok(q.fetch_all(&mut *conn).await?)
}

/// Rows keyed by child id, grouped in their query order.
fn group<V>(rows: impl Iterator<Item = (String, V)>) -> HashMap<String, Vec<V>> {
    let mut m: HashMap<String, Vec<V>> = HashMap::new();
    for (k, v) in rows {
        m.entry(k).or_default().push(v);
    }
    m
}
