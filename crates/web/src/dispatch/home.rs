//! What the home page shows of dispatch.

use domain::dispatch::{DispatchStatus, Urgency};
use domain::Lang;
use store::dispatch_home::{CoordinatorHome, LeadHome};

use super::{area_labels, request_status_label};

/// The dispatch part of the home page: a coordinator's offers awaiting their answer and their
/// running cases; a lead's requests without a coordinator (未派遣) and the urgent ones (至急).
#[derive(Default)]
pub struct HomeDispatch {
    lang: Lang,
    /// Coordinators only.
    pub coordinator: Option<CoordinatorHome>,
    /// Advisors and admins only.
    pub lead: Option<LeadHome>,
}

impl HomeDispatch {
    /// Label of an urgency code.
    pub fn urgency(&self, code: &str) -> &'static str {
        Urgency::parse(code)
            .map(|u| u.label(self.lang))
            .unwrap_or("")
    }
    /// Is the urgency 至急?
    pub fn is_urgent(&self, code: &str) -> bool {
        Urgency::parse(code) == Some(Urgency::Urgent)
    }
    /// Label of a request status code.
    pub fn status(&self, code: &str) -> &'static str {
        request_status_label(code, self.lang)
    }
    /// Label of a dispatch status.
    pub fn dispatch_status(&self, s: &DispatchStatus) -> &'static str {
        s.label(self.lang)
    }
    /// Municipality name.
    pub fn place(&self, code: &str) -> String {
        area_labels(&[code.to_string()])
    }
}

/// What the home page shows of dispatch for the caller: the lists [`store::Store::home`]
/// read and audited with the rest of the page.
pub(crate) fn home_dispatch(
    lang: Lang,
    coordinator: Option<CoordinatorHome>,
    lead: Option<LeadHome>,
) -> HomeDispatch {
    HomeDispatch {
        lang,
        coordinator,
        lead,
    }
}
