//! Hash-chained audit log. Each row's hash covers the previous row's hash and this row's
//! canonical content, so editing or deleting any row breaks verification from that row on.

mod browse;
mod chain;
mod reads;

pub use chain::{append, canonical_payload, AuditRow, ChainStatus, HashedFields, HASH_VERSION};
pub(crate) use reads::{start_group_commit, Pending};

/// One audit entry to append.
pub struct AuditEntry<'a> {
    /// e.g. "child.view", "consultation.create", "login.failed"
    pub action: &'a str,
    /// e.g. "child", "consultation", "user", "session"
    pub entity: &'a str,
    /// The record's id, when there is one.
    pub entity_id: Option<&'a str>,
    /// Short JSON or text detail (never the record's personal data itself).
    pub detail: String,
}

/// Where a list or search was read from, kept at the start of its audit row's detail so the
/// log tells the registry page from the intake's lookup or the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// A page of its own (the registry list, the consultation list).
    Page,
    /// The intake form's lookup.
    Intake,
    /// The child page's timeline.
    ChildPage,
    /// The JSON API.
    Api,
}

impl Via {
    fn prefix(self) -> &'static str {
        match self {
            Via::Page => "",
            Via::Intake => "intake ",
            Via::ChildPage => "child ",
            Via::Api => "api ",
        }
    }
}

impl crate::Store {
    /// Audit a list read (a search, a list page) before its rows are released: the row is
    /// durable when this returns (group commit, see [`crate::Store::audit_event`]).
    pub(crate) async fn audit_list_read(
        &self,
        actor: &crate::Actor,
        now: chrono::DateTime<chrono::Utc>,
        action: &str,
        via: Via,
        detail: String,
    ) -> crate::Result<()> {
        self.audit_event(Some(actor), now, list_read_entry(action, via, &detail))
            .await
    }
}

/// The audit row of a list read (see [`Store::audit_list_read`]).
pub(crate) fn list_read_entry<'a>(action: &'a str, via: Via, detail: &str) -> AuditEntry<'a> {
    let detail = format!("{}{detail}", via.prefix());
    AuditEntry {
        action,
        entity: "list",
        entity_id: None,
        detail: detail.chars().take(200).collect(),
    }
}

// ---------------------------------------------------------------- browsing (監査ログの閲覧)

/// Rows per page of [`Store::audit_search`].
pub const AUDIT_PAGE_SIZE: i64 = 100;

/// Most rows one export holds (the newest ones), and the most a search counts: beyond it the
/// count reads "more than 100,000", which keeps a search of a large log from counting
/// millions of rows.
pub const AUDIT_EXPORT_CAP: usize = 100_000;

/// Filters for browsing the audit log. Every field is optional (empty = no filter).
#[derive(utoipa::IntoParams, Clone, Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    /// From date (YYYY-MM-DD, Japan time, inclusive).
    #[param(schema_with = domain::openapi::date_or_blank)]
    pub from: String,
    /// To date (YYYY-MM-DD, Japan time, inclusive).
    #[param(schema_with = domain::openapi::date_or_blank)]
    pub to: String,
    /// Acting user: id or login.
    pub user: String,
    /// Action prefix, e.g. `child.` (all child actions) or `child.view` (views and denials).
    pub action: String,
    /// Entity kind, e.g. `child`.
    pub entity: String,
    /// Entity id ("who touched this record").
    pub entity_id: String,
    /// Text contained in the detail.
    pub q: String,
    /// Keyset cursor: only rows with a smaller sequence number (from `next`).
    pub before: String,
}

impl AuditFilter {
    /// The filter as `key=value` pairs (empty fields left out), for audit details and links.
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
            ("user", self.user.as_str()),
            ("action", self.action.as_str()),
            ("entity", self.entity.as_str()),
            ("entity_id", self.entity_id.as_str()),
            ("q", self.q.as_str()),
            ("before", self.before.as_str()),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.trim()))
        .filter(|(_, v)| !v.is_empty())
        .collect()
    }

    /// Short text of the filter for the audit row's detail.
    fn describe(&self) -> String {
        let s = self
            .pairs()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ");
        s.chars().take(400).collect()
    }
}

/// One audit row as shown on the auditor's page, with the acting user's name.
#[derive(utoipa::ToSchema, Clone, Debug, serde::Serialize)]
#[schema(as = AuditEntry)]
pub struct AuditListRow {
    /// Sequence number (1-based, gapless over all centers).
    pub seq: i64,
    /// UTC timestamp (RFC 3339).
    pub at: String,
    /// Acting user's id (`None` for events without a logged-in actor, e.g. a failed login).
    pub actor_id: Option<String>,
    /// Acting login ("" when none).
    pub actor_login: String,
    /// Acting user's display name, when the user exists.
    pub actor_name: Option<String>,
    /// Action code, e.g. `child.view`.
    pub action: String,
    /// Entity kind, e.g. `child`.
    pub entity: String,
    /// Entity id.
    pub entity_id: Option<String>,
    /// What the id names, for a person reading the log: a child's or user's name, a
    /// consultation's time and child, an organization's, coordinator's, incident's or the
    /// center's name. Only records of the auditor's own center are named; `None` otherwise
    /// (and in exports).
    pub entity_name: Option<String>,
    /// Detail text.
    pub detail: String,
}

/// A page of audit rows, newest first.
#[derive(utoipa::ToSchema, Clone, Debug, serde::Serialize)]
pub struct AuditPage {
    /// Rows (at most [`AUDIT_PAGE_SIZE`]).
    pub items: Vec<AuditListRow>,
    /// Cursor (`before`) for the next, older page.
    pub next: Option<String>,
    /// Number of rows matching the filter (all pages), counted up to
    /// [`AUDIT_EXPORT_CAP`]` + 1`.
    pub total: i64,
    /// More than [`AUDIT_EXPORT_CAP`] rows match: `total` is a lower bound, and an export
    /// holds only the newest [`AUDIT_EXPORT_CAP`].
    pub total_capped: bool,
}

/// A finished CSV export of the audit log.
pub struct AuditCsv {
    /// The file's bytes in the requested encoding.
    pub bytes: Vec<u8>,
    /// Data rows in the file.
    pub rows: usize,
    /// More rows matched than the cap let into the file.
    pub capped: bool,
}

/// How an audit export is written: encoding, size cap and columns. The web layer supplies the
/// header and the cells in the user's language.
pub struct AuditCsvLayout<'a, F: Fn(&AuditListRow) -> Vec<String>> {
    /// UTF-8 with BOM or CP932.
    pub encoding: domain::export::CsvEncoding,
    /// Most rows to write (the newest ones).
    pub cap: usize,
    /// Column headers.
    pub header: &'a [String],
    /// A row's cells, in the header's order.
    pub cells: F,
}

/// Entity kinds that may be filtered on: every `entity` value the application writes (the
/// auditor's page links each row's record to its history, so a kind missing here would be a
/// link to an error).
pub const AUDIT_ENTITIES: &[&str] = &[
    "child",
    "consultation",
    "organization",
    "user",
    "center",
    "coordinator",
    "dispatch_request",
    "incident",
    "list",
    "audit",
];
