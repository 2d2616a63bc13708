//! The home page's lists as one use case (ホーム): the reads that name children or people are
//! made on the pool and audited in one row, `home.view`, before any of them is released —
//! one commit for the page instead of one per list, and none of its lists left unaudited.
//! The dispatch lists (a coordinator's offers and cases, a lead's unassigned and urgent
//! requests) are part of it.

use chrono::{DateTime, NaiveDate, Utc};

use crate::audit::AuditEntry;
use crate::children::break_glass::BreakGlass;
use crate::consents::IncomingReferral;
use crate::consultations::{Consultation, ConsultationQuery};
use crate::disaster::MissingPowerData;
use crate::dispatch::home::{CoordinatorHome, LeadHome};
use crate::plans::OverduePlan;
use crate::{Actor, Result, Store};

/// Consultations in the home page's "recent" list.
pub const RECENT_CONSULTATIONS: i64 = 10;

/// What the home page lists for one user; lists the role may not see are empty.
#[derive(Clone, Debug, Default)]
pub struct Home {
    /// The user's follow-ups due by today.
    pub followups: Vec<Consultation>,
    /// The center's latest consultations in the user's scope.
    pub recent: Vec<Consultation>,
    /// Break-the-glass openings of the last days (leads).
    pub break_glass: Vec<BreakGlass>,
    /// Children referred to this center by another one.
    pub incoming: Vec<IncomingReferral>,
    /// Disaster plans past their review date.
    pub overdue_plans: Vec<OverduePlan>,
    /// Children whose power estimate lacks data (leads), first rows.
    pub missing_power: Vec<MissingPowerData>,
    /// How many children lack power data in all.
    pub missing_power_total: i64,
    /// A coordinator's dispatch offers and running cases (coordinators only).
    pub coordinator: Option<CoordinatorHome>,
    /// A lead's unassigned and urgent dispatch requests (advisors and admins only).
    pub lead: Option<LeadHome>,
}

impl Home {
    fn rows(&self) -> usize {
        self.followups.len()
            + self.recent.len()
            + self.break_glass.len()
            + self.incoming.len()
            + self.overdue_plans.len()
            + self.missing_power.len()
            + self.coordinator.as_ref().map_or(0, CoordinatorHome::rows)
            + self.lead.as_ref().map_or(0, LeadHome::rows)
    }
}

impl Store {
    /// The home page's lists for `actor`, audited as one `home.view` row (how many rows each
    /// list holds) when any list names someone.
    pub async fn home(&self, actor: &Actor, today: NaiveDate, now: DateTime<Utc>) -> Result<Home> {
        let mut home = Home::default();
        if actor.reads_children() {
            home.followups = self.my_due_followups(actor, today).await?;
            home.recent = self
                .find_consultations(
                    actor,
                    &ConsultationQuery {
                        limit: Some(RECENT_CONSULTATIONS),
                        ..Default::default()
                    },
                )
                .await?
                .items;
        }
        if actor.may(domain::Action::LeadCenter) {
            home.break_glass = self.find_recent_break_glass(actor, now).await?;
        }
        home.incoming = self.incoming_referrals(actor).await?;
        home.overdue_plans = self.overdue_plans(actor, today).await?;
        (home.missing_power, home.missing_power_total) =
            self.find_missing_power_data(actor).await?;
        if actor.assigned_only() {
            home.coordinator = Some(self.find_coordinator_home(actor).await?);
        } else if actor.may(domain::Action::LeadCenter) {
            home.lead = Some(self.find_lead_dispatch_home(actor).await?);
        }
        if home.rows() > 0 {
            let mut detail = format!(
                "followups={} recent={} break_glass={} referrals={} overdue_plans={} missing_power={}",
                home.followups.len(),
                home.recent.len(),
                home.break_glass.len(),
                home.incoming.len(),
                home.overdue_plans.len(),
                home.missing_power.len(),
            );
            for part in [
                home.coordinator.as_ref().map(CoordinatorHome::audit_detail),
                home.lead.as_ref().map(LeadHome::audit_detail),
            ]
            .into_iter()
            .flatten()
            {
                detail.push(' ');
                detail.push_str(&part);
            }
            self.audit_event(
                Some(actor),
                now,
                AuditEntry {
                    action: "home.view",
                    entity: "list",
                    entity_id: None,
                    detail,
                },
            )
            .await?;
        }
        Ok(home)
    }
}
