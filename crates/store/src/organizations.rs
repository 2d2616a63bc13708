//! Organizations: hospitals, providers, schools, municipalities the center works with.

use chrono::{DateTime, Utc};
use domain::municipality::MunicipalityCode;
use domain::text::{optional_email, optional_line, optional_phone, required_line};
use domain::vocab::{VocabCode, VocabKind};
use domain::ValidationErrors;
use serde::{Deserialize, Serialize};

use crate::audit::{append, AuditEntry};
use crate::{new_id, ts, Actor, Result, Store, StoreError};

/// An organization as typed (unparsed).
#[derive(utoipa::ToSchema, Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
#[schema(as = OrganizationInput)]
pub struct OrganizationForm {
    /// Organization kind code.
    #[schema(schema_with = domain::openapi::organization_kind_code, required = true)]
    pub kind: String,
    /// 名称.
    #[schema(
        min_length = 1,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*$",
        required = true
    )]
    pub name: String,
    /// Municipality code (optional).
    #[schema(schema_with = domain::openapi::municipality_code_or_empty)]
    pub municipality_code: String,
    /// 所在地.
    pub address: String,
    /// 電話.
    pub phone: String,
    /// Email.
    pub email: String,
}

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
    /// Register an organization in the actor's center.
    pub async fn add_organization(
        &self,
        actor: &Actor,
        f: &OrganizationForm,
        now: DateTime<Utc>,
    ) -> Result<String> {
        if !actor.writes_records() {
            return Err(StoreError::Forbidden);
        }
        let mut e = ValidationErrors::new();
        let kind = e.check(VocabCode::parse(
            VocabKind::OrganizationKind,
            "kind",
            &f.kind,
        ));
        let name = e.check(required_line("name", &f.name, domain::text::MAX_LINE));
        let muni = if f.municipality_code.trim().is_empty() {
            Some(None)
        } else {
            e.check(MunicipalityCode::parse(
                "municipality_code",
                &f.municipality_code,
            ))
            .map(Some)
        };
        let address = e.check(optional_line("address", &f.address, domain::text::MAX_LINE));
        let phone = e.check(optional_phone("phone", &f.phone));
        let email = e.check(optional_email("email", &f.email));
        e.into_result()?;
        let (Some(kind), Some(name), Some(muni), Some(address), Some(phone), Some(email)) =
            (kind, name, muni, address, phone, email)
        else {
            return Err(StoreError::Config("unreachable validation state".into()));
        };
        let id = new_id();
        let mut w = self.begin_write().await?;
        crate::db::query(
            "INSERT INTO organizations (id, center_id, kind, name, municipality_code, address, phone, email, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
        )
        .bind(&id)
        .bind(&actor.center_id)
        .bind(kind.as_str())
        .bind(&name)
        .bind(muni.as_ref().map(|m| m.as_str().to_string()))
        .bind(&address)
        .bind(&phone)
        .bind(&email)
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
