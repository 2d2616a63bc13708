//! Who is acting and which records they may see (DESIGN.md, "Tenancy and access").

use domain::Role;

/// The authenticated person behind a use case, with the scope their role grants.
#[derive(Clone, Debug)]
pub struct Actor {
    /// users.id
    pub user_id: String,
    /// Login name, copied into audit rows so the log reads without joins.
    pub login: String,
    /// Display name for pages.
    pub display_name: String,
    /// The user's center (tenant).
    pub center_id: String,
    /// The user's single role.
    pub role: Role,
    /// For municipal users: the municipality codes they cover.
    pub municipalities: Vec<String>,
}

impl Actor {
    /// May this actor read child records of their center at all?
    pub fn reads_children(&self) -> bool {
        matches!(
            self.role,
            Role::Admin | Role::Advisor | Role::Consultant | Role::Coordinator | Role::Viewer
        )
    }

    /// May this actor create and edit children and consultations (within scope)?
    pub fn writes_records(&self) -> bool {
        matches!(
            self.role,
            Role::Admin | Role::Advisor | Role::Consultant | Role::Coordinator
        )
    }

    /// Coordinators see only the children they are assigned to.
    pub fn assigned_only(&self) -> bool {
        self.role == Role::Coordinator
    }

    /// SQL condition (over alias `c` = children) restricting rows to this actor's scope, with the
    /// placeholders numbered from `first`. Returns the SQL and the values to bind in order.
    pub fn child_scope_sql(&self, first: usize) -> (String, Vec<String>) {
        if self.assigned_only() {
            (
                format!(
                    "c.center_id = ${first} AND EXISTS (SELECT 1 FROM child_coordinators cc \
                     WHERE cc.child_id = c.id AND cc.user_id = ${})",
                    first + 1
                ),
                vec![self.center_id.clone(), self.user_id.clone()],
            )
        } else {
            (
                format!("c.center_id = ${first}"),
                vec![self.center_id.clone()],
            )
        }
    }
}
