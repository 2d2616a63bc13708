//! Typed ids (UUID newtypes). Ids are generated outside the domain crate (UUID v7 in the store).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta] $name:ident;)*) => {$(
        #[$doc]
        ///
        /// Serialized as the plain hyphenated UUID string.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// Parses a UUID string (surrounding whitespace ignored); `None` if malformed.
            pub fn parse(s: &str) -> Option<Self> {
                Uuid::parse_str(s.trim()).ok().map($name)
            }

            /// The underlying UUID.
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                $name(u)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }

        impl std::fmt::Display for $name {
            /// Lowercase hyphenated form.
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim()).map($name)
            }
        }
    )*};
}

uuid_id! {
    /// Id of a child (医療的ケア児).
    ChildId;
    /// Id of a consultation record (相談記録).
    ConsultationId;
    /// Id of a person at a partner organization (関係者).
    PersonId;
    /// Id of a user account (利用者アカウント).
    UserId;
    /// Id of a support center (支援センター).
    CenterId;
    /// Id of a partner organization (関係機関).
    OrganizationId;
    /// Id of a guardian (保護者).
    GuardianId;
    /// Id of a coordinator on a center's roster (コーディネーター名簿; may have no user account).
    CoordinatorId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_display_serde() {
        let s = "0190b6f0-1c2d-7e3f-8a4b-5c6d7e8f9a0b";
        let id = ChildId::parse(s).unwrap();
        assert_eq!(id.to_string(), s);
        assert_eq!(ChildId::parse(&s.to_uppercase()), Some(id));
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{s}\""));
        assert_eq!(
            serde_json::from_str::<ChildId>(&format!("\"{s}\"")).unwrap(),
            id
        );
        assert_eq!(ChildId::from(id.as_uuid()), id);
        assert_eq!(s.parse::<ChildId>().ok(), Some(id));
        assert_eq!(UserId::parse("nope"), None);
    }
}
