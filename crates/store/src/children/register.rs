//! Registering and editing a child: duplicate check, references and the child's dependent rows.

use chrono::{DateTime, Utc};
use domain::care_score::WatchLevel;
use domain::child::ChildDraft;
use domain::messages::child as msg;
use domain::ValidationErrors;

use crate::audit::{append, AuditEntry};
use crate::error::DuplicateCandidate;
use crate::{new_id, ts, Actor, Result, Store, StoreError};

/// Binds a child's editable columns in the order the INSERT and UPDATE statements list them
/// (family_name … notes, the search keys after the names), so the two statements cannot
/// drift apart.
trait BindChild<'q> {
    fn bind_child(self, d: &'q ChildDraft) -> Self;
}

impl<'q> BindChild<'q> for crate::db::Query<'q> {
    fn bind_child(self, d: &'q ChildDraft) -> Self {
        self.bind(&d.family_name)
            .bind(&d.given_name)
            .bind(d.family_name_kana.as_str())
            .bind(d.given_name_kana.as_str())
            .bind(d.search_kana())
            .bind(d.search_name())
            .bind(d.search_given_kana())
            .bind(d.search_given_name())
            .bind(d.birth_date.to_string())
            .bind(d.sex.code())
            .bind(d.municipality.as_str())
            .bind(&d.address)
            .bind(&d.phone)
            .bind(d.care_setting.code())
            .bind(d.discharged_on.map(|x| x.to_string()))
            .bind(d.primary_hospital_id.map(|o| o.to_string()))
            .bind(&d.primary_doctor)
            .bind(d.school_id.map(|o| o.to_string()))
            .bind(d.status.code())
            .bind(d.status_since.to_string())
            .bind(i64::from(d.welfare_services.is_empty()))
            .bind(&d.notes)
    }
}

impl Store {
    /// Register a child from a parsed form ([`domain::child::ChildForm::parse`]). Returns
    /// [`StoreError::PossibleDuplicate`] when a child with the same normalised kana and birth
    /// date exists, unless `confirm_duplicate`; a validation error when a referenced hospital,
    /// school or coordinator is not the center's.
    pub async fn register_child(
        &self,
        actor: &Actor,
        draft: &ChildDraft,
        confirm_duplicate: bool,
        now: DateTime<Utc>,
    ) -> Result<String> {
        if !actor.writes_records() {
            return Err(StoreError::Forbidden);
        }
        let mut w = self.begin_write().await?;
        self.check_references(&mut w.tx, actor, draft).await?;
        if !confirm_duplicate {
            let dups = find_duplicates(&mut w.tx, actor, draft, None).await?;
            if !dups.is_empty() {
                return Err(StoreError::PossibleDuplicate(dups));
            }
        }
        let id = new_id();
        let now_s = ts(now);
        crate::db::query(
            "INSERT INTO children (id, center_id, family_name, given_name, family_name_kana, given_name_kana, search_kana, search_name, \
             search_given_kana, search_given_name, \
             birth_date, sex, municipality_code, address, phone, care_setting, discharged_on, primary_hospital_id, primary_doctor, school_id, \
             status, status_since, uses_no_welfare, notes, version, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,1,$25,$25)",
        )
        .bind(&id)
        .bind(&actor.center_id)
        .bind_child(draft)
        .bind(&now_s)
        .execute(&mut w.tx)
        .await?;
        write_children_parts(&mut w.tx, &id, &draft.coordinator_ids, draft, actor, now).await?;
        crate::power_estimates::refresh(&mut w.tx, self.backend(), std::slice::from_ref(&id))
            .await?;
        // A coordinator who registers a child keeps it in scope.
        if actor.assigned_only()
            && !draft
                .coordinator_ids
                .iter()
                .any(|c| c.to_string() == actor.user_id)
        {
            crate::db::query("INSERT INTO child_coordinators (child_id, user_id) VALUES ($1,$2)")
                .bind(&id)
                .bind(&actor.user_id)
                .execute(&mut w.tx)
                .await?;
        }
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: "child.create",
                entity: "child",
                entity_id: Some(&id),
                detail: if confirm_duplicate {
                    "duplicate confirmed".into()
                } else {
                    String::new()
                },
            },
        )
        .await?;
        w.commit().await?;
        Ok(id)
    }

    /// Replace a child's editable fields with a parsed form. `expected_version` guards
    /// against overwriting a change made by someone else since the form was opened.
    pub async fn update_child(
        &self,
        actor: &Actor,
        id: &str,
        draft: &ChildDraft,
        expected_version: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if !actor.writes_records() {
            return Err(StoreError::Forbidden);
        }
        let mut w = self.begin_write().await?;
        // Scope before the references: an out-of-scope caller learns nothing about the record.
        let version = self.scoped_child_version(&mut w.tx, actor, id).await?;
        if expected_version.is_some_and(|v| v != version) {
            return Err(StoreError::Conflict(
                "the record was changed by someone else".into(),
            ));
        }
        self.check_references(&mut w.tx, actor, draft).await?;
        crate::db::query(
            "UPDATE children SET family_name=$1, given_name=$2, family_name_kana=$3, given_name_kana=$4, search_kana=$5, search_name=$6, \
             search_given_kana=$7, search_given_name=$8, \
             birth_date=$9, sex=$10, municipality_code=$11, address=$12, phone=$13, care_setting=$14, discharged_on=$15, primary_hospital_id=$16, \
             primary_doctor=$17, school_id=$18, status=$19, status_since=$20, uses_no_welfare=$21, notes=$22, version=version+1, updated_at=$23 \
             WHERE id=$24",
        )
        .bind_child(draft)
        .bind(ts(now))
        .bind(id)
        .execute(&mut w.tx)
        .await?;
        for table in ["child_medical_care", "child_welfare_services", "guardians"] {
            crate::db::query(&format!("DELETE FROM {table} WHERE child_id = $1"))
                .bind(id)
                .execute(&mut w.tx)
                .await?;
        }
        if !actor.assigned_only() {
            // The form lists explicit assignments only; access through a dispatch stays.
            crate::db::query(
                "DELETE FROM child_coordinators WHERE child_id = $1 AND origin = 'assigned'",
            )
            .bind(id)
            .execute(&mut w.tx)
            .await?;
        }
        // Coordinators cannot change who is assigned.
        let assigned: &[domain::ids::UserId] = if actor.assigned_only() {
            &[]
        } else {
            &draft.coordinator_ids
        };
        write_children_parts(&mut w.tx, id, assigned, draft, actor, now).await?;
        crate::power_estimates::refresh(&mut w.tx, self.backend(), &[id.to_string()]).await?;
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: "child.update",
                entity: "child",
                entity_id: Some(id),
                detail: format!("version={}", version + 1),
            },
        )
        .await?;
        w.commit().await
    }

    async fn check_references(
        &self,
        tx: &mut crate::db::Conn,
        actor: &Actor,
        d: &ChildDraft,
    ) -> Result<()> {
        let mut errs = ValidationErrors::new();
        for (field, org) in [
            ("primary_hospital_id", &d.primary_hospital_id),
            ("school_id", &d.school_id),
        ] {
            if let Some(org) = org {
                let found: Option<String> = crate::db::query_scalar(
                    "SELECT id FROM organizations WHERE id = $1 AND center_id = $2",
                )
                .bind(org.to_string())
                .bind(&actor.center_id)
                .fetch_optional(&mut *tx)
                .await?;
                if found.is_none() {
                    errs.push(msg::unknown_organization(field));
                }
            }
        }
        for uid in &d.coordinator_ids {
            let found: Option<String> = crate::db::query_scalar(
                "SELECT id FROM users WHERE id = $1 AND center_id = $2 AND role = 'coordinator'",
            )
            .bind(uid.to_string())
            .bind(&actor.center_id)
            .fetch_optional(&mut *tx)
            .await?;
            if found.is_none() {
                errs.push(msg::unknown_coordinator());
            }
        }
        errs.into_result()?;
        Ok(())
    }
}

async fn find_duplicates(
    tx: &mut crate::db::Conn,
    actor: &Actor,
    d: &ChildDraft,
    exclude: Option<&str>,
) -> Result<Vec<DuplicateCandidate>> {
    let rows: Vec<(String, String, String, String, String, String)> = crate::db::query_as(
        "SELECT id, family_name, given_name, family_name_kana, given_name_kana, birth_date FROM children \
         WHERE center_id = $1 AND search_kana = $2 AND birth_date = $3 AND id <> $4",
    )
    .bind(&actor.center_id)
    .bind(d.search_kana())
    .bind(d.birth_date.to_string())
    .bind(exclude.unwrap_or(""))
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, f, g, fk, gk, b)| DuplicateCandidate {
            id,
            name: format!("{f} {g}"),
            kana: format!("{fk} {gk}"),
            birth_date: b,
        })
        .collect())
}

/// Keeps the dated service history (which decides payability) in step with the services the
/// form lists now: a service newly listed starts today, one no longer listed ends yesterday.
/// Back-dated corrections are made on the child's page (`Store::add_service_period`).
async fn sync_service_periods(
    tx: &mut crate::db::Conn,
    id: &str,
    d: &ChildDraft,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<()> {
    let today = domain::dates::jst_date(now);
    let open: Vec<String> = crate::db::query_scalar(
        "SELECT code FROM child_service_periods WHERE child_id = $1 AND (started_on IS NULL OR started_on <= $2) \
         AND (ended_on IS NULL OR ended_on >= $2)",
    )
    .bind(id)
    .bind(today.to_string())
    .fetch_all(&mut *tx)
    .await?;
    for code in &d.welfare_services {
        if !open.iter().any(|c| c == code.as_str()) {
            crate::db::query(
                "INSERT INTO child_service_periods (id, child_id, code, started_on, ended_on, created_by, created_at) \
                 VALUES ($1,$2,$3,$4,NULL,$5,$6)",
            )
            .bind(new_id())
            .bind(id)
            .bind(code.as_str())
            .bind(today.to_string())
            .bind(&actor.user_id)
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
        }
    }
    let yesterday = today.pred_opt().unwrap_or(today).to_string();
    for code in open {
        if !d.welfare_services.iter().any(|c| c.as_str() == code) {
            crate::db::query(
                "UPDATE child_service_periods SET ended_on = $1 WHERE child_id = $2 AND code = $3 \
                 AND (ended_on IS NULL OR ended_on >= $4)",
            )
            .bind(&yesterday)
            .bind(id)
            .bind(&code)
            .bind(today.to_string())
            .execute(&mut *tx)
            .await?;
        }
    }
    Ok(())
}

/// Writes the child's dependent rows; `assigned` are the coordinators to assign (the draft's,
/// or none when the actor may not change assignments).
async fn write_children_parts(
    tx: &mut crate::db::Conn,
    id: &str,
    assigned: &[domain::ids::UserId],
    d: &ChildDraft,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<()> {
    sync_service_periods(tx, id, d, actor, now).await?;
    for m in &d.medical_care {
        crate::db::query(
            "INSERT INTO child_medical_care (child_id, code, detail, watch) VALUES ($1,$2,$3,$4)",
        )
        .bind(id)
        .bind(m.code.as_str())
        .bind(&m.detail)
        .bind(m.watch.map(WatchLevel::code))
        .execute(&mut *tx)
        .await?;
    }
    for code in &d.welfare_services {
        crate::db::query("INSERT INTO child_welfare_services (child_id, code) VALUES ($1,$2)")
            .bind(id)
            .bind(code.as_str())
            .execute(&mut *tx)
            .await?;
    }
    for (i, g) in d.guardians.iter().enumerate() {
        crate::db::query(
            "INSERT INTO guardians (id, child_id, position, name, name_kana, relation, phone, phone2, email, is_primary) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
        )
        .bind(new_id())
        .bind(id)
        .bind(i as i64)
        .bind(&g.name)
        .bind(&g.name_kana)
        .bind(&g.relation)
        .bind(&g.phone)
        .bind(&g.phone2)
        .bind(&g.email)
        .bind(i64::from(g.is_primary))
        .execute(&mut *tx)
        .await?;
    }
    crate::devices::replace(tx, id, &d.devices).await?;
    for uid in assigned {
        // Ticking a coordinator who has the child through a dispatch makes it an assignment
        // (which never lapses).
        crate::db::query(
            "INSERT INTO child_coordinators (child_id, user_id, origin, access_until) VALUES ($1,$2,'assigned',NULL) \
             ON CONFLICT (child_id, user_id) DO UPDATE SET origin = 'assigned', access_until = NULL",
        )
        .bind(id)
        .bind(uid.to_string())
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
