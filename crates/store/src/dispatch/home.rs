//! Dispatch from anywhere: what the home page, the menu and the request form need.
//!
//! * the notifications with the child's name and the request's urgency joined at read time
//!   (a row stores codes, see `dispatch::Notice`), and the unread count for the menu;
//! * a coordinator's offers awaiting their answer and their running cases;
//! * a lead's requests without a coordinator (未派遣) and the urgent (至急) ones;
//! * the request form's child search (by kana or kanji, never an id) and the consultation a
//!   request is made from (child, topics, summary).
//!
//! Every read that releases personal data is audited here, through `Store::audit_event`,
//! before it returns.

use chrono::{DateTime, NaiveDate, Utc};
use domain::dispatch::DispatchStatus;
use serde::Serialize;

use crate::audit::AuditEntry;
use crate::children::{ChildQuery, ChildSummary};
use crate::dispatch::notifications::{InboxRow, INBOX_COLUMNS, INBOX_FROM};
use crate::dispatch::{InboxEntry, Msg, Notification, RequestSummary, LEAD_ROLES};
use crate::{Actor, Result, Store, StoreError};

/// A coordinator's home: offers awaiting their answer, and their running cases.
#[derive(utoipa::ToSchema, Clone, Debug, Default, Serialize)]
pub struct CoordinatorHome {
    /// 打診中: proposed to them, not yet answered (most urgent first).
    pub offers: Vec<InboxEntry>,
    /// 受諾・対応中.
    pub active: Vec<InboxEntry>,
}

/// A lead's home: requests that need them.
#[derive(utoipa::ToSchema, Clone, Debug, Default, Serialize)]
pub struct LeadHome {
    /// 未派遣: no coordinator proposed or working (most urgent first, then oldest).
    pub unassigned: Vec<RequestSummary>,
    /// 至急 requests still open, proposed or active.
    pub urgent: Vec<RequestSummary>,
}

impl CoordinatorHome {
    /// Rows that name a child.
    pub fn rows(&self) -> usize {
        self.offers.len() + self.active.len()
    }
    /// How many rows each list released, for the audit row.
    pub(crate) fn audit_detail(&self) -> String {
        format!("offers={} active={}", self.offers.len(), self.active.len())
    }
}

impl LeadHome {
    /// Rows that name a child.
    pub fn rows(&self) -> usize {
        self.unassigned.len() + self.urgent.len()
    }
    /// How many rows each list released, for the audit row.
    pub(crate) fn audit_detail(&self) -> String {
        format!(
            "unassigned={} urgent={}",
            self.unassigned.len(),
            self.urgent.len()
        )
    }
}

/// What a request made from a consultation starts with.
#[derive(Clone, Debug, Serialize)]
pub struct ConsultationForRequest {
    /// The child the consultation is about, if any.
    pub child_id: Option<String>,
    /// The consultation's topics.
    pub topics: Vec<String>,
    /// 相談内容 (becomes the editable 依頼内容).
    pub summary: String,
}

/// Rows a home list shows at most.
const HOME_ROWS: i64 = 20;

type RequestRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
);

fn summary_of(r: RequestRow) -> RequestSummary {
    let (id, child_id, f, g, m, topics, sides, urgency, status, on) = r;
    RequestSummary {
        id,
        child_id,
        child_name: format!("{f} {g}"),
        municipality_code: m,
        topics: topics
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
        sides,
        urgency,
        status,
        coordinators: String::new(),
        requested_on: on,
    }
}

type NotificationRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

impl Store {
    /// How many of the actor's notifications are unread (for the menu). One COUNT over the
    /// `notifications_user (user_id, read_at, at)` index; no personal data, so not audited.
    pub async fn unread_notifications(&self, actor: &Actor) -> Result<i64> {
        Ok(crate::db::query_scalar(
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
        )
        .bind(&actor.user_id)
        .fetch_one(self.pool())
        .await?)
    }

    /// The actor's latest notifications (50), newest first, and how many are unread. The child's
    /// name and the urgency are joined from the request when the reader may see it: a lead or
    /// staff member of the request's center, or a coordinator with a dispatch on it (the same
    /// rule as the request page). Audited when a name is released.
    pub async fn notifications(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(Vec<Notification>, i64)> {
        // Who may see the request's child: the request page's rule (`visible_request`).
        let visible = if actor.assigned_only() {
            "EXISTS (SELECT 1 FROM dispatches d JOIN coordinators c ON c.id = d.coordinator_id \
             WHERE d.request_id = r.id AND c.user_id = $1)"
        } else if actor.reads_children() {
            "1 = 1"
        } else {
            "1 = 0"
        };
        let rows: Vec<NotificationRow> = crate::db::query_as(&format!(
            "SELECT n.id, n.at, n.text_ja, n.text_en, n.link, n.read_at, n.kind, n.detail, \
             CASE WHEN {visible} THEN r.urgency END, CASE WHEN {visible} THEN r.child_id END, \
             CASE WHEN {visible} THEN ch.family_name END, CASE WHEN {visible} THEN ch.given_name END \
             FROM notifications n \
             LEFT JOIN dispatch_requests r ON r.id = n.request_id AND r.center_id = $2 \
             LEFT JOIN children ch ON ch.id = r.child_id \
             WHERE n.user_id = $1 ORDER BY n.at DESC, n.id DESC LIMIT 50"
        ))
        .bind(&actor.user_id)
        .bind(&actor.center_id)
        .fetch_all(self.pool())
        .await?;
        let unread = self.unread_notifications(actor).await?;
        let items: Vec<Notification> = rows
            .into_iter()
            .map(
                |(id, at, ja, en, link, read, kind, detail, urgency, child_id, f, g)| {
                    let child_name = match (f, g) {
                        (Some(f), Some(g)) => Some(format!("{f} {g}")),
                        _ => None,
                    };
                    Notification {
                        id,
                        at,
                        text: Msg { ja, en },
                        link,
                        read: read.is_some(),
                        kind,
                        detail,
                        urgency,
                        child_id: child_name.as_ref().and(child_id),
                        child_name,
                    }
                },
            )
            .collect();
        let named = items.iter().filter(|n| n.child_name.is_some()).count();
        if named > 0 {
            self.audit_event(
                Some(actor),
                now,
                AuditEntry {
                    action: "dispatch.notifications",
                    entity: "list",
                    entity_id: None,
                    detail: format!("rows={} named={named}", items.len()),
                },
            )
            .await?;
        }
        Ok((items, unread))
    }

    /// A coordinator's home lists: offers awaiting their answer and running cases (audited).
    /// The home page reads them through [`Store::home`], in its one audit row.
    pub async fn coordinator_home(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<CoordinatorHome> {
        let home = self.find_coordinator_home(actor).await?;
        self.audit_dispatch_home(actor, now, home.rows(), home.audit_detail())
            .await?;
        Ok(home)
    }

    /// The API's dispatch home lists are audited as `dispatch.home` when they name anyone.
    async fn audit_dispatch_home(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
        rows: usize,
        detail: String,
    ) -> Result<()> {
        if rows == 0 {
            return Ok(());
        }
        self.audit_event(
            Some(actor),
            now,
            AuditEntry {
                action: "dispatch.home",
                entity: "dispatch_request",
                entity_id: None,
                detail,
            },
        )
        .await
    }

    /// [`Store::coordinator_home`] unaudited: the caller audits.
    pub(crate) async fn find_coordinator_home(&self, actor: &Actor) -> Result<CoordinatorHome> {
        if !actor.assigned_only() {
            return Err(StoreError::Forbidden);
        }
        let rows: Vec<InboxRow> = crate::db::query_as(&format!(
            "SELECT {INBOX_COLUMNS} {INBOX_FROM} \
             WHERE c.user_id = $1 AND d.center_id = $2 AND d.status IN ('proposed','accepted','active') \
             ORDER BY CASE r.urgency WHEN 'urgent' THEN 0 WHEN 'soon' THEN 1 ELSE 2 END, d.proposed_at DESC, d.id"
        ))
        .bind(&actor.user_id)
        .bind(&actor.center_id)
        .fetch_all(self.pool())
        .await?;
        let mut home = CoordinatorHome::default();
        for entry in rows.into_iter().filter_map(InboxRow::into_entry) {
            let status = entry.status;
            if status == DispatchStatus::Proposed {
                home.offers.push(entry);
            } else {
                home.active.push(entry);
            }
        }
        Ok(home)
    }

    /// A lead's home lists: requests without a coordinator (未派遣) and live urgent ones (至急),
    /// of the actor's center (audited). The home page reads them through [`Store::home`].
    pub async fn lead_dispatch_home(&self, actor: &Actor, now: DateTime<Utc>) -> Result<LeadHome> {
        let home = self.find_lead_dispatch_home(actor).await?;
        self.audit_dispatch_home(actor, now, home.rows(), home.audit_detail())
            .await?;
        Ok(home)
    }

    /// [`Store::lead_dispatch_home`] unaudited: the caller audits.
    pub(crate) async fn find_lead_dispatch_home(&self, actor: &Actor) -> Result<LeadHome> {
        if !LEAD_ROLES.contains(&actor.role) {
            return Err(StoreError::Forbidden);
        }
        let query = |cond: &str| {
            format!(
                "SELECT r.id, r.child_id, ch.family_name, ch.given_name, r.municipality_code, r.topics, r.sides, r.urgency, r.status, r.requested_on \
                 FROM dispatch_requests r JOIN children ch ON ch.id = r.child_id \
                 WHERE r.center_id = $1 AND {cond} \
                 ORDER BY CASE r.urgency WHEN 'urgent' THEN 0 WHEN 'soon' THEN 1 ELSE 2 END, r.created_at, r.id LIMIT {HOME_ROWS}"
            )
        };
        let unassigned: Vec<RequestRow> = crate::db::query_as(&query("r.status = 'open'"))
            .bind(&actor.center_id)
            .fetch_all(self.pool())
            .await?;
        let urgent: Vec<RequestRow> = crate::db::query_as(&query(
            "r.urgency = 'urgent' AND r.status IN ('open','proposed','active')",
        ))
        .bind(&actor.center_id)
        .fetch_all(self.pool())
        .await?;
        Ok(LeadHome {
            unassigned: unassigned.into_iter().map(summary_of).collect(),
            urgent: urgent.into_iter().map(summary_of).collect(),
        })
    }

    /// The request form's child search: children in the actor's scope whose name or kana
    /// starts with what was typed (any script or width), through the same search as the
    /// children list and the intake, audited as a search.
    pub async fn dispatch_child_search(
        &self,
        actor: &Actor,
        q: &str,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Vec<ChildSummary>> {
        if q.trim().is_empty() {
            return Ok(Vec::new());
        }
        let page = self
            .find_children(
                actor,
                &ChildQuery {
                    q: q.to_string(),
                    limit: Some(8),
                    ..Default::default()
                },
                today,
            )
            .await?;
        self.audit_event(
            Some(actor),
            now,
            AuditEntry {
                action: "child.search",
                entity: "list",
                entity_id: None,
                detail: format!("dispatch q={q} results={}", page.items.len())
                    .chars()
                    .take(200)
                    .collect(),
            },
        )
        .await?;
        Ok(page.items)
    }

    /// The consultation a request is made from, of the actor's center: its child, topics and
    /// summary (audited as a view of the consultation). `None` when there is no such
    /// consultation in the actor's center.
    pub async fn consultation_for_request(
        &self,
        actor: &Actor,
        consultation_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<ConsultationForRequest>> {
        if !actor.writes_records() {
            return Err(StoreError::Forbidden);
        }
        let row: Option<(Option<String>, String)> = crate::db::query_as(
            "SELECT child_id, summary FROM consultations WHERE id = $1 AND center_id = $2",
        )
        .bind(consultation_id)
        .bind(&actor.center_id)
        .fetch_optional(self.pool())
        .await?;
        let Some((child_id, summary)) = row else {
            return Ok(None);
        };
        let topics: Vec<String> = crate::db::query_scalar(
            "SELECT code FROM consultation_topics WHERE consultation_id = $1 ORDER BY code",
        )
        .bind(consultation_id)
        .fetch_all(self.pool())
        .await?;
        self.audit_event(
            Some(actor),
            now,
            AuditEntry {
                action: "consultation.view",
                entity: "consultation",
                entity_id: Some(consultation_id),
                detail: "dispatch request form".into(),
            },
        )
        .await?;
        Ok(Some(ConsultationForRequest {
            child_id,
            topics,
            summary,
        }))
    }
}
