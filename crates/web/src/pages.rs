//! What the askama templates call by path (`crate::pages::preselect` in `intake.html`,
//! `intake_results.html` and `consultation_edit.html`). The pages live in their feature
//! modules and the page kit in [`crate::ui`].

pub(crate) use crate::shared::preselect;
