//! Dispatch input as typed or sent to the API (an activity, a proposal), parsed once into the
//! drafts the store takes. Kept apart from [`crate::dispatch`] because its messages come from
//! the catalogue, and the catalogue names dispatch's own types (an action, a status, a rule
//! broken): `dispatch` ← `messages` ← `dispatch_input`, no circle.

pub mod activity;
pub mod proposal;
