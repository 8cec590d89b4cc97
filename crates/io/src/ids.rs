//! Identifier newtypes shared by the layers. Imports nothing from the crate.
//!
//! Entity ids are the strings users put in their tables; wrapping them keeps
//! a firm id from being passed where a model id is expected.

use std::fmt;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// The id as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }
    };
}

string_id!(
    /// A firm: domestic automaker, foreign parent or joint venture (`firms.firm_id`).
    FirmId
);
string_id!(
    /// A corporate group tying subsidiaries to a parent (`firms.group_id`).
    GroupId
);
string_id!(
    /// A car model (`models.model_id`).
    ModelId
);
string_id!(
    /// A component supplier (`suppliers.supplier_id`).
    SupplierId
);
