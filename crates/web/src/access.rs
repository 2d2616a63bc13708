//! Who may use what: the role lists the route table and the pages check, and the center work
//! only some centers run. Kept apart from the route table (`policy`, which names every
//! handler) so the pages can ask without importing it.

use domain::{Action, Role};

// The role lists below are views of the one access table, `domain::access` (権限表): a route's
// policy names the list of the action it serves, and the table says who may take it.

/// Roles that read child and consultation records (scope applied by the store).
pub const READERS: &[Role] = Action::ReadRecords.roles();
/// Roles that create and edit child and consultation records.
pub const WRITERS: &[Role] = Action::WriteRecords.roles();
/// Roles that see consultation figures (municipal users: their area only).
pub const REPORTERS: &[Role] = Action::ReadFigures.roles();
/// Center staff who see the roster, the requests and the dispatch figures (not coordinators,
/// who see their own inbox, nor municipal users).
pub const STAFF: &[Role] = Action::SeeDispatchWork.roles();
/// Who may ask for a coordinator to be dispatched (派遣依頼).
pub const REQUESTERS: &[Role] = Action::RequestDispatch.roles();
/// Who acts on a dispatch: leads, and coordinators on their own dispatches (the store checks
/// whose it is).
pub const DISPATCH_ACTORS: &[Role] = Action::ActOnDispatch.roles();
/// Who sees power-outage incidents: staff and coordinators (their children), municipal users
/// (their area while an incident is open, figures afterwards).
pub const INCIDENT_READERS: &[Role] = Action::ReadIncidents.roles();
/// Who records safety check-ins (coordinators for their own children).
pub const CHECKERS: &[Role] = Action::CheckIn.roles();
/// Those who answer for access in a center (see break-the-glass grants).
pub const LEADS: &[Role] = Action::LeadCenter.roles();
/// Coordinators (their offers awaiting an answer and running cases).
pub const COORDINATORS: &[Role] = Action::WorkAsCoordinator.roles();
/// Center administrators (利用者管理).
pub const ADMINS: &[Role] = Action::Administer.roles();
/// Readers of the audit log (監査担当 only: the log records what admins and staff did, so it
/// is read by a separate role — separation of duties).
pub const AUDITORS: &[Role] = Action::ReadAuditLog.roles();

/// Work only some centers run (the Kochi model); its routes answer a page saying so elsewhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Work {
    /// コーディネーター派遣: the roster, requests, dispatches, activities and their figures.
    Dispatch,
    /// 県の支払明細: monthly payment statements and rates.
    Payments,
}
