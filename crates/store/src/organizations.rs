//! Organizations: hospitals, providers, schools, municipalities the center works with.

use chrono::{DateTime, Utc};
use domain::organization::OrganizationDraft;
use serde::Serialize;

use crate::audit::{append, AuditEntry};
use crate::{new_id, ts, Actor, Result, Store, StoreError};

/// A stored organization.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct Organization {
    /// organizations.id
    pub id: String,
    /// Kind code.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Municipality code.
    pub municipality_code: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Email.
    pub email: Option<String>,
}

impl Store {
    /// Refuses as [`Store::add_organization`] would before it looks at the form (Forbidden
    /// unless the actor writes records): asked by a handler whose form failed.
    pub async fn check_organization_writable(&self, actor: &Actor) -> Result<()> {
        if actor.writes_records() {
            Ok(())
        } else {
            Err(StoreError::Forbidden)
        }
    }

    /// Register an organization (parsed by [`domain::organization::OrganizationForm::parse`])
    /// in the actor's center.
    pub async fn add_organization(
        &self,
        actor: &Actor,
        draft: &OrganizationDraft,
        now: DateTime<Utc>,
    ) -> Result<String> {
        if !actor.writes_records() {
            return Err(StoreError::Forbidden);
        }
        let id = new_id();
        let mut w = self.begin_write().await?;
        crate::db::query(
            "INSERT INTO organizations (id, center_id, kind, name, municipality_code, address, phone, email, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
        )
        .bind(&id)
        .bind(&actor.center_id)
        .bind(draft.kind.as_str())
        .bind(&draft.name)
        .bind(draft.municipality.as_ref().map(|m| m.as_str().to_string()))
        .bind(&draft.address)
        .bind(&draft.phone)
        .bind(&draft.email)
        .bind(ts(now))
        .execute(&mut w.tx)
        .await?;
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: "organization.create",
                entity: "organization",
                entity_id: Some(&id),
                detail: String::new(),
            },
        )
        .await?;
        w.commit().await?;
        Ok(id)
    }

    /// Organizations of the actor's center, optionally of one kind, by name.
    pub async fn list_organizations(
        &self,
        actor: &Actor,
        kind: Option<&str>,
    ) -> Result<Vec<Organization>> {
        if !actor.reads_children() {
            return Err(StoreError::Forbidden);
        }
        let rows: Vec<(
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        )> = match kind {
            // Separate statements so each uses its own index (center, kind, name) or (center, name).
            Some(kind) => crate::db::query_as(
                "SELECT id, kind, name, municipality_code, address, phone, email FROM organizations \
                 WHERE center_id = $1 AND kind = $2 ORDER BY name, id LIMIT 1000",
            )
            .bind(&actor.center_id)
            .bind(kind),
            None => crate::db::query_as(
                "SELECT id, kind, name, municipality_code, address, phone, email FROM organizations \
                 WHERE center_id = $1 ORDER BY name, id LIMIT 1000",
            )
            .bind(&actor.center_id),
        }
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, kind, name, municipality_code, address, phone, email)| Organization {
                    id,
                    kind,
                    name,
                    municipality_code,
                    address,
                    phone,
                    email,
                },
            )
            .collect())
    }
}
