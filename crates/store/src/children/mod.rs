//! The child registry: registration, editing, search and the child's page.

pub mod break_glass;
mod register;
mod search;
mod view;
pub use view::ChildView;

use domain::care_score::CareScore;
use serde::{Deserialize, Serialize};

pub use domain::child::{ChildDraft, ChildForm, Guardian, GuardianForm};

/// One row of the children list.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct ChildSummary {
    /// children.id
    pub id: String,
    /// 姓
    pub family_name: String,
    /// 名
    pub given_name: String,
    /// セイ
    pub family_name_kana: String,
    /// メイ
    pub given_name_kana: String,
    /// YYYY-MM-DD
    pub birth_date: String,
    /// Municipality code.
    pub municipality_code: String,
    /// Status code.
    pub status: String,
    /// Uses no welfare service.
    pub uses_no_welfare: bool,
    /// Medical-care item codes.
    pub medical_care: Vec<String>,
    /// 医療的ケアスコア（参考） from the items and their watch levels.
    pub care_score: CareScore,
}

/// Filters for the children list. All optional; combined with AND.
#[derive(utoipa::IntoParams, Clone, Debug, Default, Deserialize)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ChildQuery {
    /// Name or kana prefix, any script or width.
    pub q: String,
    /// Municipality code.
    pub municipality: String,
    /// Medical-care item code.
    pub medical_care: String,
    /// Only children who use no welfare service.
    pub no_welfare: bool,
    /// Age band code (e.g. "0-2").
    pub age_band: String,
    /// Keyset cursor from the previous page.
    pub after: String,
    /// Page size (default 50, max 200).
    #[param(schema_with = domain::openapi::limit)]
    pub limit: Option<i64>,
}

/// A page of children with the cursor for the next page.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct ChildPage {
    /// Rows on this page.
    pub items: Vec<ChildSummary>,
    /// Cursor to pass as `after` for the next page, if any.
    pub next: Option<String>,
}

/// A child's full record for the child page and the API.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
#[schema(as = Child)]
pub struct ChildRecord {
    /// children.id
    pub id: String,
    /// Editable fields in form shape.
    #[serde(flatten)]
    pub form: ChildForm,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Normalised "uses no welfare service" flag.
    pub uses_no_welfare: bool,
    /// Primary hospital's name, if set.
    pub primary_hospital_name: Option<String>,
    /// School/nursery's name, if set.
    pub school_name: Option<String>,
    /// Coordinators' display names.
    pub coordinator_names: Vec<String>,
    /// 医療的ケアスコア（参考） — information for the center, never a benefit decision.
    pub care_score: CareScore,
    /// Coordinators who have the child through a dispatch (not in `coordinator_ids`), with
    /// the last day of that access.
    pub dispatch_access: Vec<crate::scope::DispatchAccess>,
    /// Registered at (UTC).
    pub created_at: String,
    /// Last updated at (UTC).
    pub updated_at: String,
    /// How the actor came to read it (pages show a banner and no edit link outside scope).
    #[serde(skip)]
    pub access: ChildAccess,
}

/// How a child record was opened.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ChildAccess {
    /// Within the actor's own scope.
    #[default]
    Scope,
    /// Through a running break-the-glass grant ending at `until` (UTC).
    BreakGlass {
        /// Grant's end, UTC RFC 3339.
        until: String,
    },
    /// Through a referral from another center.
    Referral {
        /// The referring center's name.
        from_center: String,
    },
}
