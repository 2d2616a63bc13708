//! Consent records (情報提供への同意) and referrals to another center (他センターへの紹介).
//!
//! A referral shares a child's record with another center, which may then read it (never edit
//! it). It is refused unless a consent in force names that center — or an advisor or admin
//! overrides with a stated reason. Refusals and overrides are audited like everything else.

use chrono::{DateTime, NaiveDate, Utc};
use domain::consent::{ConsentDraft, ConsentMethod, RecipientKind, ReferralDraft, SharedItem};
use domain::{messages, Role};

use crate::audit::{append, AuditEntry};
use crate::{new_id, ts, Actor, Result, Store, StoreError};

/// Roles that may refer without a matching consent, stating why (e.g. a life-threatening
/// emergency while the family cannot be reached).
pub const OVERRIDE_ROLES: &[Role] = domain::Action::LeadCenter.roles();

/// One consent as pages and the API show it.
#[derive(utoipa::ToSchema, Clone, Debug, serde::Serialize)]
#[schema(as = Consent)]
pub struct ConsentRecord {
    /// consents.id
    pub id: String,
    /// Who receives.
    #[schema(value_type = String)]
    pub recipient_kind: RecipientKind,
    /// Center or municipality code.
    pub recipient_code: Option<String>,
    /// Receiving body.
    pub recipient_name: String,
    /// What may be shared.
    #[schema(value_type = Vec<String>)]
    pub items: Vec<SharedItem>,
    /// YYYY-MM-DD.
    pub given_on: String,
    /// Who gave it.
    pub given_by: String,
    /// How.
    #[schema(value_type = String)]
    pub method: ConsentMethod,
    /// Last day, if limited.
    pub expires_on: Option<String>,
    /// Withdrawn on (撤回日).
    pub withdrawn_on: Option<String>,
    /// Recorded by (display name).
    pub recorded_by: String,
    /// In force today (given, not expired, not withdrawn).
    pub in_force: bool,
}

/// One referral of the child to another center.
#[derive(utoipa::ToSchema, Clone, Debug, serde::Serialize)]
pub struct Referral {
    /// child_shares.id
    pub id: String,
    /// Receiving center's code.
    pub to_center_code: String,
    /// Receiving center's name.
    pub to_center_name: String,
    /// The consent it rests on, if any.
    pub consent_id: Option<String>,
    /// The override's reason, when made without consent.
    pub override_reason: Option<String>,
    /// By whom (display name).
    pub created_by: String,
    /// UTC.
    pub created_at: String,
    /// Ended (consent withdrawn), UTC.
    pub ended_at: Option<String>,
}

/// Consents and referrals of one child.
#[derive(utoipa::ToSchema, Clone, Debug, serde::Serialize)]
pub struct ConsentOverview {
    /// Newest first.
    pub consents: Vec<ConsentRecord>,
    /// Newest first.
    pub referrals: Vec<Referral>,
}

/// A child another center has referred to the actor's center.
#[derive(Clone, Debug, serde::Serialize)]
pub struct IncomingReferral {
    /// The child.
    pub child_id: String,
    /// Name.
    pub child_name: String,
    /// Referring center's name.
    pub from_center: String,
    /// UTC.
    pub created_at: String,
}

fn in_force(given: &str, expires: Option<&str>, withdrawn: Option<&str>, today: &str) -> bool {
    given <= today && expires.is_none_or(|e| e >= today) && withdrawn.is_none()
}

fn deny_unless_writer(actor: &Actor) -> Result<()> {
    if actor.writes_records() {
        Ok(())
    } else {
        Err(StoreError::Forbidden)
    }
}

impl Store {
    /// All centers but the actor's, for the referral form: (code, name).
    pub async fn other_centers(&self, actor: &Actor) -> Result<Vec<(String, String)>> {
        Ok(
            crate::db::query_as("SELECT code, name FROM centers WHERE id <> $1 ORDER BY code")
                .bind(&actor.center_id)
                .fetch_all(self.pool())
                .await?,
        )
    }

    /// Consents and referrals of a child in the actor's scope (audited as a view).
    pub async fn child_consents(
        &self,
        actor: &Actor,
        child_id: &str,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<ConsentOverview> {
        if !actor.reads_children() {
            return Err(StoreError::Forbidden);
        }
        let mut conn = self.pool().acquire().await?;
        self.scoped_child_version(&mut conn, actor, child_id)
            .await?;
        let rows: Vec<(
            String,
            String,
            Option<String>,
            String,
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            String,
        )> = crate::db::query_as(
            "SELECT c.id, c.recipient_kind, c.recipient_code, c.recipient_name, c.items, c.given_on, c.given_by, c.method, \
             c.expires_on, c.withdrawn_on, u.display_name FROM consents c JOIN users u ON u.id = c.recorded_by \
             WHERE c.child_id = $1 ORDER BY c.created_at DESC, c.id DESC",
        )
        .bind(child_id)
        .fetch_all(&mut conn)
        .await?;
        let today_s = today.to_string();
        let consents = rows
            .into_iter()
            .filter_map(
                |(id, kind, code, name, items, given, by, method, expires, withdrawn, recorder)| {
                    Some(ConsentRecord {
                        in_force: in_force(
                            &given,
                            expires.as_deref(),
                            withdrawn.as_deref(),
                            &today_s,
                        ),
                        id,
                        recipient_kind: RecipientKind::parse(&kind)?,
                        recipient_code: code,
                        recipient_name: name,
                        items: items.split(',').filter_map(SharedItem::parse).collect(),
                        given_on: given,
                        given_by: by,
                        method: ConsentMethod::parse(&method)?,
                        expires_on: expires,
                        withdrawn_on: withdrawn,
                        recorded_by: recorder,
                    })
                },
            )
            .collect();
        let referrals: Vec<(String, String, String, Option<String>, Option<String>, String, String, Option<String>)> =
            crate::db::query_as(
                "SELECT s.id, c.code, c.name, s.consent_id, s.override_reason, u.display_name, s.created_at, s.ended_at \
                 FROM child_shares s JOIN centers c ON c.id = s.to_center_id JOIN users u ON u.id = s.created_by \
                 WHERE s.child_id = $1 AND s.from_center_id = $2 ORDER BY s.created_at DESC, s.id DESC",
            )
            .bind(child_id)
            .bind(&actor.center_id)
            .fetch_all(&mut conn)
            .await?;
        drop(conn);
        self.audit_event(
            Some(actor),
            now,
            AuditEntry {
                action: "consent.view",
                entity: "child",
                entity_id: Some(child_id),
                detail: String::new(),
            },
        )
        .await?;
        Ok(ConsentOverview {
            consents,
            referrals: referrals
                .into_iter()
                .map(
                    |(id, code, name, consent, reason, by, at, ended)| Referral {
                        id,
                        to_center_code: code,
                        to_center_name: name,
                        consent_id: consent,
                        override_reason: reason,
                        created_by: by,
                        created_at: at,
                        ended_at: ended,
                    },
                )
                .collect(),
        })
    }

    /// Record a consent for a child in the actor's scope. The handler parsed it
    /// ([`ConsentDraft::parse`]); a referral consent must name another, existing center.
    pub async fn record_consent(
        &self,
        actor: &Actor,
        child_id: &str,
        draft: &ConsentDraft,
        now: DateTime<Utc>,
    ) -> Result<String> {
        deny_unless_writer(actor)?;
        let mut w = self.begin_write().await?;
        self.scoped_child_version(&mut w.tx, actor, child_id)
            .await?;
        if draft.recipient_kind == RecipientKind::OtherCenter {
            let code = draft.recipient_code.as_deref().unwrap_or("");
            let center: Option<String> =
                crate::db::query_scalar("SELECT id FROM centers WHERE code = $1")
                    .bind(code)
                    .fetch_optional(&mut w.tx)
                    .await?;
            if center.is_none_or(|c| c == actor.center_id) {
                return Err(messages::consent::unknown_recipient_center().into());
            }
        }
        let id = new_id();
        let items: Vec<&str> = draft.items.iter().map(|i| i.code()).collect();
        crate::db::query(
            "INSERT INTO consents (id, center_id, child_id, recipient_kind, recipient_code, recipient_name, items, given_on, given_by, method, expires_on, recorded_by, created_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)",
        )
        .bind(&id)
        .bind(&actor.center_id)
        .bind(child_id)
        .bind(draft.recipient_kind.code())
        .bind(draft.recipient_code.as_deref())
        .bind(&draft.recipient_name)
        .bind(items.join(","))
        .bind(draft.given_on.to_string())
        .bind(&draft.given_by)
        .bind(draft.method.code())
        .bind(draft.expires_on.map(|d| d.to_string()))
        .bind(&actor.user_id)
        .bind(ts(now))
        .execute(&mut w.tx)
        .await?;
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: "consent.create",
                entity: "child",
                entity_id: Some(child_id),
                detail: format!(
                    "consent={id} recipient={}:{} items={}",
                    draft.recipient_kind.code(),
                    draft.recipient_code.as_deref().unwrap_or(""),
                    items.join(",")
                ),
            },
        )
        .await?;
        w.commit().await?;
        Ok(id)
    }

    /// Withdraw a consent (撤回) as of `today`; referrals resting on it end at once.
    pub async fn withdraw_consent(
        &self,
        actor: &Actor,
        child_id: &str,
        consent_id: &str,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<()> {
        deny_unless_writer(actor)?;
        let mut w = self.begin_write().await?;
        self.scoped_child_version(&mut w.tx, actor, child_id)
            .await?;
        let n = crate::db::query(
            "UPDATE consents SET withdrawn_on = $1 WHERE id = $2 AND child_id = $3 AND center_id = $4 AND withdrawn_on IS NULL",
        )
        .bind(today.to_string())
        .bind(consent_id)
        .bind(child_id)
        .bind(&actor.center_id)
        .execute(&mut w.tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        let ended = crate::db::query(
            "UPDATE child_shares SET ended_at = $1 WHERE consent_id = $2 AND ended_at IS NULL",
        )
        .bind(ts(now))
        .bind(consent_id)
        .execute(&mut w.tx)
        .await?
        .rows_affected();
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: "consent.withdraw",
                entity: "child",
                entity_id: Some(child_id),
                detail: format!("consent={consent_id} referrals_ended={ended}"),
            },
        )
        .await?;
        w.commit().await
    }

    /// Refer a child to another center. Needs a consent in force naming that center; without
    /// one, an advisor or admin may override by stating a reason (10+ characters). A refusal
    /// is audited and changes nothing else.
    pub async fn refer_child(
        &self,
        actor: &Actor,
        child_id: &str,
        draft: &ReferralDraft,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<String> {
        deny_unless_writer(actor)?;
        let to_center_code = draft.to_center.as_str();
        let override_reason = draft.override_reason.as_str();
        let mut w = self.begin_write().await?;
        self.scoped_child_version(&mut w.tx, actor, child_id)
            .await?;
        let to: Option<String> = crate::db::query_scalar("SELECT id FROM centers WHERE code = $1")
            .bind(to_center_code)
            .fetch_optional(&mut w.tx)
            .await?;
        let Some(to) = to.filter(|c| *c != actor.center_id) else {
            return Err(messages::consent::choose_receiving_center().into());
        };
        let open: Option<String> = crate::db::query_scalar(
            "SELECT id FROM child_shares WHERE child_id = $1 AND to_center_id = $2 AND ended_at IS NULL",
        )
        .bind(child_id)
        .bind(&to)
        .fetch_optional(&mut w.tx)
        .await?;
        if open.is_some() {
            return Err(messages::consent::already_referred().into());
        }
        let today_s = today.to_string();
        let consent: Option<String> = crate::db::query_scalar(
            "SELECT id FROM consents WHERE child_id = $1 AND center_id = $2 AND recipient_kind = 'other_center' \
             AND recipient_code = $3 AND withdrawn_on IS NULL AND given_on <= $4 AND (expires_on IS NULL OR expires_on >= $4) \
             ORDER BY given_on DESC LIMIT 1",
        )
        .bind(child_id)
        .bind(&actor.center_id)
        .bind(to_center_code)
        .bind(&today_s)
        .fetch_optional(&mut w.tx)
        .await?;
        let may_override = OVERRIDE_ROLES.contains(&actor.role);
        let refusal = match (&consent, override_reason.is_empty(), may_override) {
            (Some(_), _, _) => None,
            (None, false, true) if override_reason.chars().count() >= 10 => None,
            (None, false, true) => Some(messages::consent::override_reason_too_short()),
            (None, _, _) => Some(messages::consent::no_consent()),
        };
        if let Some(e) = refusal {
            append(
                &mut w.tx,
                Some(actor),
                now,
                AuditEntry {
                    action: "child.refer.refused",
                    entity: "child",
                    entity_id: Some(child_id),
                    detail: format!("to={} reason={}", to_center_code, e.code),
                },
            )
            .await?;
            w.commit().await?;
            return Err(e.into());
        }
        let id = new_id();
        crate::db::query(
            "INSERT INTO child_shares (id, child_id, from_center_id, to_center_id, consent_id, override_reason, created_by, created_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
        )
        .bind(&id)
        .bind(child_id)
        .bind(&actor.center_id)
        .bind(&to)
        .bind(consent.as_deref())
        .bind(consent.is_none().then_some(override_reason))
        .bind(&actor.user_id)
        .bind(ts(now))
        .execute(&mut w.tx)
        .await?;
        let (action, detail) = match &consent {
            Some(c) => (
                "child.refer",
                format!("referral={id} to={} consent={c}", to_center_code),
            ),
            None => (
                "child.refer.override",
                format!(
                    "referral={id} to={} reason={override_reason}",
                    to_center_code
                ),
            ),
        };
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action,
                entity: "child",
                entity_id: Some(child_id),
                detail,
            },
        )
        .await?;
        w.commit().await?;
        Ok(id)
    }

    /// Children referred to the actor's center and still shared.
    pub(crate) async fn incoming_referrals(&self, actor: &Actor) -> Result<Vec<IncomingReferral>> {
        if !actor.reads_children() || actor.assigned_only() {
            return Ok(Vec::new());
        }
        let rows: Vec<(String, String, String, String, String)> = crate::db::query_as(
            "SELECT s.child_id, ch.family_name, ch.given_name, c.name, s.created_at FROM child_shares s \
             JOIN children ch ON ch.id = s.child_id JOIN centers c ON c.id = s.from_center_id \
             WHERE s.to_center_id = $1 AND s.ended_at IS NULL ORDER BY s.created_at DESC LIMIT 200",
        )
        .bind(&actor.center_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(child_id, f, g, from, at)| IncomingReferral {
                child_id,
                child_name: format!("{f} {g}"),
                from_center: from,
                created_at: at,
            })
            .collect())
    }
}

/// The running referral that lets `actor`'s center read `child_id`: (share id, referring
/// center's name).
pub(crate) async fn share_for(
    conn: &mut crate::db::Conn,
    actor: &Actor,
    child_id: &str,
) -> Result<Option<(String, String)>> {
    if !actor.reads_children() || actor.assigned_only() {
        return Ok(None);
    }
    Ok(crate::db::query_as(
        "SELECT s.id, c.name FROM child_shares s JOIN centers c ON c.id = s.from_center_id \
         WHERE s.child_id = $1 AND s.to_center_id = $2 AND s.ended_at IS NULL LIMIT 1",
    )
    .bind(child_id)
    .bind(&actor.center_id)
    .fetch_optional(&mut *conn)
    .await?)
}
