//! Break-the-glass (緊急アクセス): a user whose role limits them to some children of their center
//! (coordinators: the children assigned to them) may open another child of the same center by
//! stating a reason — e.g. the assigned coordinator is away and the family calls in a crisis.
//! The grant lasts [`BREAK_GLASS_DURATION`], is audited with its reason, every view under it is
//! audited as such, and the center's advisors see it on their home page.
//!
//! It never crosses centers: another center's child stays "not found" (DESIGN.md: nobody sees
//! another center's records except through a consented referral).

use chrono::{DateTime, Duration, Utc};
use domain::messages;

use crate::audit::{append, AuditEntry};
use crate::{new_id, ts, Actor, Result, Store, StoreError};

/// How long a grant lasts.
pub const BREAK_GLASS_DURATION: Duration = Duration::hours(3);
/// Shortest reason accepted: a word or two is not a reason.
pub const MIN_REASON_CHARS: usize = 10;
/// How far back the advisor's list reaches.
pub const RECENT_DAYS: i64 = 7;

/// One grant, as the advisor's home page and the API show it.
#[derive(utoipa::ToSchema, Clone, Debug, serde::Serialize)]
pub struct BreakGlass {
    /// Grant id.
    pub id: String,
    /// Who opened it.
    pub user_login: String,
    /// Their display name.
    pub user_name: String,
    /// The child.
    pub child_id: String,
    /// The child's name (for the advisor; the child is in their scope).
    pub child_name: String,
    /// The stated reason.
    pub reason: String,
    /// UTC start.
    pub started_at: String,
    /// UTC end.
    pub expires_at: String,
    /// Still running at the time of the query.
    pub active: bool,
}

fn not_needed() -> StoreError {
    messages::access::break_glass_not_needed().into()
}

impl Store {
    /// Open a grant for `child_id`. Refused (validation error) without a reason of at least
    /// [`MIN_REASON_CHARS`] characters, or when the child is already in the actor's scope;
    /// "not found" for another center's child or an unknown id.
    pub async fn open_break_glass(
        &self,
        actor: &Actor,
        child_id: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<BreakGlass> {
        if !actor.reads_children() {
            return Err(StoreError::Forbidden);
        }
        let reason = domain::text::required_line("reason", reason, 500)?;
        if reason.chars().count() < MIN_REASON_CHARS {
            return Err(messages::access::break_glass_reason_too_short().into());
        }
        if !actor.assigned_only() {
            return Err(not_needed());
        }
        let mut w = self.begin_write().await?;
        let child: Option<(String, String, String)> = crate::db::query_as(
            "SELECT center_id, family_name, given_name FROM children WHERE id = $1",
        )
        .bind(child_id)
        .fetch_optional(&mut w.tx)
        .await?;
        let Some((center, family, given)) = child else {
            return Err(StoreError::NotFound);
        };
        if center != actor.center_id {
            return Err(StoreError::NotFound);
        }
        let assigned: Option<String> = crate::db::query_scalar(
            "SELECT child_id FROM child_coordinators WHERE child_id = $1 AND user_id = $2",
        )
        .bind(child_id)
        .bind(&actor.user_id)
        .fetch_optional(&mut w.tx)
        .await?;
        if assigned.is_some() {
            return Err(not_needed());
        }
        let id = new_id();
        let expires = now + BREAK_GLASS_DURATION;
        crate::db::query(
            "INSERT INTO break_glass (id, center_id, user_id, child_id, reason, started_at, expires_at) VALUES ($1,$2,$3,$4,$5,$6,$7)",
        )
        .bind(&id)
        .bind(&actor.center_id)
        .bind(&actor.user_id)
        .bind(child_id)
        .bind(&reason)
        .bind(ts(now))
        .bind(ts(expires))
        .execute(&mut w.tx)
        .await?;
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: "child.break_glass",
                entity: "child",
                entity_id: Some(child_id),
                detail: format!("grant={id} until={} reason={reason}", ts(expires)),
            },
        )
        .await?;
        w.commit().await?;
        Ok(BreakGlass {
            id,
            user_login: actor.login.clone(),
            user_name: actor.display_name.clone(),
            child_id: child_id.to_string(),
            child_name: format!("{family} {given}"),
            reason,
            started_at: ts(now),
            expires_at: ts(expires),
            active: true,
        })
    }

    /// The actor's running grant for a child: (grant id, UTC expiry).
    pub async fn active_break_glass(
        &self,
        actor: &Actor,
        child_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(String, String)>> {
        let mut conn = self.pool().acquire().await?;
        running_grant(&mut conn, actor, child_id, now).await
    }

    /// Grants of the actor's center started in the last [`RECENT_DAYS`] days, newest first
    /// (advisors and admins: the people who answer for access in the center). The list names
    /// children and the reasons given, so the read is audited (`child.break_glass.list`).
    pub async fn recent_break_glass(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
        via: crate::Via,
    ) -> Result<Vec<BreakGlass>> {
        let grants = self.find_recent_break_glass(actor, now).await?;
        self.audit_list_read(
            actor,
            now,
            "child.break_glass.list",
            via,
            format!("results={}", grants.len()),
        )
        .await?;
        Ok(grants)
    }

    /// [`Store::recent_break_glass`] without its audit row, for the home page, which audits
    /// its lists as one `home.view` row.
    pub(crate) async fn find_recent_break_glass(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<BreakGlass>> {
        if !actor.may(domain::Action::LeadCenter) {
            return Err(StoreError::Forbidden);
        }
        let rows: Vec<(String, String, String, String, String, String, String, String, String)> =
            crate::db::query_as(
                "SELECT b.id, u.login, u.display_name, b.child_id, c.family_name, c.given_name, b.reason, b.started_at, b.expires_at \
                 FROM break_glass b JOIN users u ON u.id = b.user_id JOIN children c ON c.id = b.child_id \
                 WHERE b.center_id = $1 AND b.started_at >= $2 ORDER BY b.started_at DESC LIMIT 200",
            )
            .bind(&actor.center_id)
            .bind(ts(now - Duration::days(RECENT_DAYS)))
            .fetch_all(self.pool())
            .await?;
        let now_ts = ts(now);
        Ok(rows
            .into_iter()
            .map(
                |(id, login, name, child_id, family, given, reason, started, expires)| BreakGlass {
                    active: expires > now_ts,
                    id,
                    user_login: login,
                    user_name: name,
                    child_id,
                    child_name: format!("{family} {given}"),
                    reason,
                    started_at: started,
                    expires_at: expires,
                },
            )
            .collect())
    }
}

/// The actor's running grant for a child on `conn`: (grant id, UTC expiry).
pub(crate) async fn running_grant(
    conn: &mut crate::db::Conn,
    actor: &Actor,
    child_id: &str,
    now: DateTime<Utc>,
) -> Result<Option<(String, String)>> {
    Ok(crate::db::query_as(
        "SELECT id, expires_at FROM break_glass WHERE user_id = $1 AND child_id = $2 AND center_id = $3 AND expires_at > $4 \
         ORDER BY expires_at DESC LIMIT 1",
    )
    .bind(&actor.user_id)
    .bind(child_id)
    .bind(&actor.center_id)
    .bind(ts(now))
    .fetch_optional(&mut *conn)
    .await?)
}
