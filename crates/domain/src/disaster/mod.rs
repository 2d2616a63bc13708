//! Disaster preparedness input as typed or sent to the API, and its one parse per form into a
//! draft the store takes: a child's power sources ([`PowerInput`] → [`PowerDraft`]), a
//! handed-out unit ([`PowerUnitInput`] → [`PowerUnitDraft`]) and its return
//! ([`UnitReturnInput`] → [`UnitReturnDraft`]), a power-outage incident ([`IncidentInput`] →
//! [`IncidentDraft`]) and a drill ([`DrillInput`] → [`DrillDraft`]). Page and API call the
//! same parse; the store keeps only the checks that need the database (scope, references,
//! state) and the rules in here that take a value only it knows (a unit's hand-out date).

mod drill;
mod incident;
mod power;

pub use drill::{DrillDraft, DrillInput};
pub use incident::{IncidentDraft, IncidentInput};
pub use power::{
    PowerDraft, PowerInput, PowerUnitDraft, PowerUnitInput, UnitReturnDraft, UnitReturnInput,
};

#[cfg(test)]
mod tests;
