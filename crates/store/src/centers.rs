//! The center's own details as its admin edits them (センター情報): name, contact, opening
//! hours, and which work it runs — coordinator dispatch (コーディネーター派遣) and the
//! prefecture's payment statements (県の支払明細), the Kochi model. Centers that do not run
//! that work do not see its menus, pages or terms.

use chrono::{DateTime, Utc};
use domain::center::CenterDraft;
use domain::messages;

use crate::audit::{append, AuditEntry};
use crate::{Actor, Result, Store, StoreError};

/// A center as its admin sees and edits it.
#[derive(utoipa::ToSchema, Clone, Debug, serde::Serialize)]
#[schema(as = Center)]
pub struct CenterProfile {
    /// centers.id
    pub id: String,
    /// Short slug (set by the operator, not editable here).
    pub code: String,
    /// Display name, e.g. 〇〇医療的ケア児支援センター.
    pub name: String,
    /// Contact phone ("" when not given).
    pub contact_phone: String,
    /// Contact email ("" when not given).
    pub contact_email: String,
    /// Postal address ("" when not given).
    pub address: String,
    /// Opening hours, free text ("" when not given).
    pub opening_hours: String,
    /// Runs coordinator dispatch (コーディネーター派遣).
    pub runs_dispatch: bool,
    /// Produces the prefecture's payment statements (県の支払明細).
    pub runs_payments: bool,
}

/// What every page of a logged-in user needs about them beyond the actor: the center's name
/// for the header, which work the center runs, and whether the password must change first.
#[derive(Clone, Debug, Default)]
pub struct UserContext {
    /// The center's display name.
    pub center_name: String,
    /// The center runs coordinator dispatch.
    pub runs_dispatch: bool,
    /// The center produces the prefecture's payment statements.
    pub runs_payments: bool,
    /// The user holds a temporary password set by an admin.
    pub must_change_password: bool,
}

/// The columns [`UserContext::from_columns`] takes, in order, for a query that joins the user
/// as `u` and their center as `c` (the session and the API token lookups).
pub(crate) const USER_CONTEXT_COLS: &str =
    "c.name AS center_name, c.runs_dispatch, c.runs_payments, u.must_change_password";

impl UserContext {
    /// From the values of [`USER_CONTEXT_COLS`] (flags stored as 0/1).
    pub(crate) fn from_columns(
        center_name: String,
        runs_dispatch: i64,
        runs_payments: i64,
        must_change_password: i64,
    ) -> UserContext {
        UserContext {
            center_name,
            runs_dispatch: runs_dispatch != 0,
            runs_payments: runs_payments != 0,
            must_change_password: must_change_password != 0,
        }
    }
}

pub use domain::center::MAX_HOURS;

type ProfileRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
);

fn profile(row: ProfileRow) -> CenterProfile {
    let (id, code, name, contact_phone, contact_email, address, opening_hours, d, p) = row;
    CenterProfile {
        id,
        code,
        name,
        contact_phone,
        contact_email,
        address,
        opening_hours,
        runs_dispatch: d != 0,
        runs_payments: p != 0,
    }
}

const PROFILE_COLS: &str = "id, code, name, contact_phone, contact_email, address, opening_hours, runs_dispatch, runs_payments";

fn require_admin(actor: &Actor) -> Result<()> {
    if actor.may(domain::Action::Administer) {
        Ok(())
    } else {
        Err(StoreError::Forbidden)
    }
}

impl Store {
    /// The caller's center with its details and work (admin).
    pub async fn center_profile(&self, actor: &Actor) -> Result<CenterProfile> {
        require_admin(actor)?;
        let row: Option<ProfileRow> =
            crate::db::query_as(&format!("SELECT {PROFILE_COLS} FROM centers WHERE id = $1"))
                .bind(&actor.center_id)
                .fetch_optional(self.pool())
                .await?;
        row.map(profile).ok_or(StoreError::NotFound)
    }

    /// Refuses as [`Store::update_center`] would before it looks at the form (Forbidden unless
    /// an admin): asked by a handler whose form failed.
    pub async fn check_center_editable(&self, actor: &Actor) -> Result<()> {
        require_admin(actor)
    }

    /// Edit the caller's center (admin), as parsed by [`domain::center::CenterForm::parse`].
    /// Audited with what changed.
    pub async fn update_center(
        &self,
        actor: &Actor,
        f: &CenterDraft,
        now: DateTime<Utc>,
    ) -> Result<CenterProfile> {
        require_admin(actor)?;
        let mut w = self.begin_write().await?;
        let before: Option<ProfileRow> =
            crate::db::query_as(&format!("SELECT {PROFILE_COLS} FROM centers WHERE id = $1"))
                .bind(&actor.center_id)
                .fetch_optional(&mut w.tx)
                .await?;
        let Some(before) = before.map(profile) else {
            return Err(StoreError::NotFound);
        };
        let after = CenterProfile {
            id: before.id.clone(),
            code: before.code.clone(),
            name: f.name.clone(),
            contact_phone: f.contact_phone.clone(),
            contact_email: f.contact_email.clone(),
            address: f.address.clone(),
            opening_hours: f.opening_hours.clone(),
            runs_dispatch: f.runs_dispatch,
            runs_payments: f.runs_payments,
        };
        // A coordinator's scope is the children dispatched to them: switching dispatch off
        // while coordinator accounts are active would leave logins that see nothing.
        if before.runs_dispatch && !after.runs_dispatch {
            let coordinators: i64 = crate::db::query_scalar(
                "SELECT COUNT(*) FROM users WHERE center_id = $1 AND role = 'coordinator' AND disabled = 0",
            )
            .bind(&actor.center_id)
            .fetch_one(&mut w.tx)
            .await?;
            if coordinators > 0 {
                return Err(messages::accounts::coordinators_still_active(coordinators).into());
            }
        }
        crate::db::query(
            "UPDATE centers SET name = $1, contact_phone = $2, contact_email = $3, address = $4, \
             opening_hours = $5, runs_dispatch = $6, runs_payments = $7 WHERE id = $8",
        )
        .bind(&after.name)
        .bind(&after.contact_phone)
        .bind(&after.contact_email)
        .bind(&after.address)
        .bind(&after.opening_hours)
        .bind(i64::from(after.runs_dispatch))
        .bind(i64::from(after.runs_payments))
        .bind(&actor.center_id)
        .execute(&mut w.tx)
        .await?;
        let mut changed = Vec::new();
        let pairs: [(&str, &str, &str); 5] = [
            ("name", &before.name, &after.name),
            ("contact_phone", &before.contact_phone, &after.contact_phone),
            ("contact_email", &before.contact_email, &after.contact_email),
            ("address", &before.address, &after.address),
            ("opening_hours", &before.opening_hours, &after.opening_hours),
        ];
        for (field, old, new) in pairs {
            if old != new {
                changed.push(field.to_string());
            }
        }
        if before.runs_dispatch != after.runs_dispatch {
            changed.push(format!("runs_dispatch={}", after.runs_dispatch));
        }
        if before.runs_payments != after.runs_payments {
            changed.push(format!("runs_payments={}", after.runs_payments));
        }
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: "center.update",
                entity: "center",
                entity_id: Some(&actor.center_id),
                detail: changed.join(" "),
            },
        )
        .await?;
        w.commit().await?;
        Ok(after)
    }

    /// Switch a center's work on or off by slug (the demo loader and the operator's tools;
    /// audited without an actor, like `add_center`).
    pub async fn set_center_work(
        &self,
        code: &str,
        runs_dispatch: bool,
        runs_payments: bool,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut w = self.begin_write().await?;
        let id: Option<String> = crate::db::query_scalar("SELECT id FROM centers WHERE code = $1")
            .bind(code)
            .fetch_optional(&mut w.tx)
            .await?;
        let Some(id) = id else {
            return Err(StoreError::NotFound);
        };
        crate::db::query("UPDATE centers SET runs_dispatch = $1, runs_payments = $2 WHERE id = $3")
            .bind(i64::from(runs_dispatch))
            .bind(i64::from(runs_payments))
            .bind(&id)
            .execute(&mut w.tx)
            .await?;
        append(
            &mut w.tx,
            None,
            now,
            AuditEntry {
                action: "center.work",
                entity: "center",
                entity_id: Some(&id),
                detail: format!("runs_dispatch={runs_dispatch} runs_payments={runs_payments}"),
            },
        )
        .await?;
        w.commit().await
    }
}
