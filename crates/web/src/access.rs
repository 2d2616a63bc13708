//! Who may use what: the role lists the route table and the pages check, and the center work
//! only some centers run. Kept apart from the route table (`policy`, which names every
//! handler) so the pages can ask without importing it.

use domain::Role;

/// Roles that read child and consultation records (scope applied by the store).
pub const READERS: &[Role] = &[
    Role::Admin,
    Role::Advisor,
    Role::Consultant,
    Role::Coordinator,
    Role::Viewer,
];
/// Roles that create and edit child and consultation records.
pub const WRITERS: &[Role] = &[
    Role::Admin,
    Role::Advisor,
    Role::Consultant,
    Role::Coordinator,
];
/// Roles that see consultation figures (municipal users: their area only).
pub const REPORTERS: &[Role] = &[
    Role::Admin,
    Role::Advisor,
    Role::Consultant,
    Role::Viewer,
    Role::Municipal,
];

/// Center staff who see the roster, the requests and the dispatch figures (not coordinators,
/// who see their own inbox, nor municipal users).
pub const STAFF: &[Role] = &[Role::Admin, Role::Advisor, Role::Consultant, Role::Viewer];

/// Who may ask for a coordinator to be dispatched (派遣依頼).
pub const REQUESTERS: &[Role] = &[Role::Admin, Role::Advisor, Role::Consultant];

/// Who acts on a dispatch: leads, and coordinators on their own dispatches (the store checks
/// whose it is).
pub const DISPATCH_ACTORS: &[Role] = &[Role::Admin, Role::Advisor, Role::Coordinator];

/// Who sees power-outage incidents: staff and coordinators (their children), municipal users
/// (their area while an incident is open, figures afterwards).
pub const INCIDENT_READERS: &[Role] = &[
    Role::Admin,
    Role::Advisor,
    Role::Consultant,
    Role::Coordinator,
    Role::Viewer,
    Role::Municipal,
];

/// Who records safety check-ins (coordinators for their own children).
pub const CHECKERS: &[Role] = &[
    Role::Admin,
    Role::Advisor,
    Role::Consultant,
    Role::Coordinator,
];

/// Those who answer for access in a center (see break-the-glass grants).
pub const LEADS: &[Role] = &[Role::Admin, Role::Advisor];

/// Coordinators (their offers awaiting an answer and running cases).
pub const COORDINATORS: &[Role] = &[Role::Coordinator];

/// Center administrators (利用者管理).
pub const ADMINS: &[Role] = &[Role::Admin];

/// Readers of the audit log (監査担当 only: the log records what admins and staff did, so it
/// is read by a separate role — separation of duties).
pub const AUDITORS: &[Role] = &[Role::Auditor];

/// Work only some centers run (the Kochi model); its routes answer a page saying so elsewhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Work {
    /// コーディネーター派遣: the roster, requests, dispatches, activities and their figures.
    Dispatch,
    /// 県の支払明細: monthly payment statements and rates.
    Payments,
}
