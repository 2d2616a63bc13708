//! The access model: which role may do what (権限表), in one table.
//!
//! Route policies (`web::policy`), the store's checks and the pages' `can_*` flags all ask
//! this table, so a role's reach is changed here and nowhere else. Record scope (own center,
//! assigned children, municipal area) is a second, separate check made by the store on each
//! record; this table only answers "may this role ever do this kind of thing".

use crate::Role;

/// A kind of thing a user does, independent of which record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read child and consultation records (scope applied by the store).
    ReadRecords,
    /// Create and edit child and consultation records.
    WriteRecords,
    /// See consultation figures (municipal users: their area only).
    ReadFigures,
    /// See the center's dispatch work: roster, requests, dispatch figures.
    SeeDispatchWork,
    /// Ask for a coordinator to be dispatched (派遣依頼).
    RequestDispatch,
    /// Act on a dispatch: leads, and coordinators on their own dispatches.
    ActOnDispatch,
    /// Answer for the center: approve break-the-glass, override a consent, lead dispatch,
    /// close an outage incident.
    LeadCenter,
    /// See power-outage incidents (coordinators: their children; municipal: their area).
    ReadIncidents,
    /// Record a safety check-in during an outage.
    CheckIn,
    /// Open an outage incident and work its call list.
    RespondToOutage,
    /// Work as a coordinator: offers awaiting an answer, running cases, break-the-glass.
    WorkAsCoordinator,
    /// Manage the center's users, details, rates and payments (利用者管理).
    Administer,
    /// Read the audit log (監査担当 only: separation of duties).
    ReadAuditLog,
}

use Role::{Admin, Advisor, Auditor, Consultant, Coordinator, Municipal, Viewer};

impl Action {
    /// Every action, in the order of the table (for documentation and tests).
    pub const ALL: [Action; 13] = [
        Action::ReadRecords,
        Action::WriteRecords,
        Action::ReadFigures,
        Action::SeeDispatchWork,
        Action::RequestDispatch,
        Action::ActOnDispatch,
        Action::LeadCenter,
        Action::ReadIncidents,
        Action::CheckIn,
        Action::RespondToOutage,
        Action::WorkAsCoordinator,
        Action::Administer,
        Action::ReadAuditLog,
    ];

    /// The roles that may take this action: the table itself.
    pub const fn roles(self) -> &'static [Role] {
        match self {
            Action::ReadRecords => &[Admin, Advisor, Consultant, Coordinator, Viewer],
            Action::WriteRecords => &[Admin, Advisor, Consultant, Coordinator],
            Action::ReadFigures => &[Admin, Advisor, Consultant, Viewer, Municipal],
            Action::SeeDispatchWork => &[Admin, Advisor, Consultant, Viewer],
            Action::RequestDispatch => &[Admin, Advisor, Consultant],
            Action::ActOnDispatch => &[Admin, Advisor, Coordinator],
            Action::LeadCenter => &[Admin, Advisor],
            Action::ReadIncidents => &[Admin, Advisor, Consultant, Coordinator, Viewer, Municipal],
            Action::CheckIn => &[Admin, Advisor, Consultant, Coordinator],
            Action::RespondToOutage => &[Admin, Advisor, Consultant],
            Action::WorkAsCoordinator => &[Coordinator],
            Action::Administer => &[Admin],
            Action::ReadAuditLog => &[Auditor],
        }
    }
}

impl Role {
    /// May a user with this role take `action` (on records within their scope)?
    pub fn may(self, action: Action) -> bool {
        action.roles().contains(&self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_auditor_reads_the_log_and_nothing_else() {
        for a in Action::ALL {
            assert_eq!(Auditor.may(a), a == Action::ReadAuditLog, "{a:?}");
        }
        assert_eq!(Action::ReadAuditLog.roles(), &[Auditor]);
    }

    #[test]
    fn writers_and_leads_are_readers_and_municipal_users_see_figures_only() {
        for r in Role::all() {
            if r.may(Action::WriteRecords) || r.may(Action::LeadCenter) {
                assert!(r.may(Action::ReadRecords), "{r:?}");
            }
        }
        let municipal: Vec<Action> = Action::ALL
            .into_iter()
            .filter(|a| Municipal.may(*a))
            .collect();
        assert_eq!(municipal, [Action::ReadFigures, Action::ReadIncidents]);
        assert!(!Viewer.may(Action::WriteRecords));
    }
}
